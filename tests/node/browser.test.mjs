// browser.test.mjs — mediation.js in headless Chromium: the waterfall at work in
// sandboxed frames, its events and beacons, and what hostile tags cannot do.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  heapUsed,
  launch,
  mediated,
  output,
  renderAndRemove,
  rtb,
  startServer,
  TAGS,
  until,
} from './browser-helpers.mjs';

let browser, server, page;
const pageErrors = [];

before(async () => {
  server = await startServer({ auction: (req) => output([mediated('srv', TAGS.noad), rtb('srv-rtb')], req.id) });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

async function freshPage() {
  if (page) await page.close();
  page = await browser.newPage();
  page.on('pageerror', (e) => pageErrors.push(e));
  page.on('console', (m) => {
    if (m.type() === 'error') pageErrors.push(new Error(m.text()));
  });
  await page.goto(server.base + '/page.html');
  await page.evaluate(async () => {
    await mediation.ready;
    window.events = [];
    for (const name of mediation.events)
      mediation.on(name, (d) =>
        window.events.push({ name, position: d.position, outcome: d.outcome, render_id: d.render_id }),
      );
  });
  server.beacons.length = 0;
  server.beaconRequests.length = 0;
  server.notices.length = 0;
}

const render = (slot, out, opts) => page.evaluate(([s, o, p]) => mediation.render(s, o, p), [slot, out, opts]);
const outcomes = (r) => r.attempts.map((a) => a.outcome);
const frameCount = (slot) => page.evaluate((s) => document.getElementById(s).querySelectorAll('iframe').length, slot);
const shownText = (slot) =>
  page.evaluate((s) => {
    const f = [...document.getElementById(s).querySelectorAll('iframe')].filter((x) => x.style.visibility !== 'hidden');
    return f.length;
  }, slot);

test('first network fills: one attempt, the ad shows', async () => {
  await freshPage();
  const r = await render('slot-a', output([mediated('m1', TAGS.fill), mediated('m2', TAGS.fillB), rtb('r1')]));
  assert.equal(r.filled, true);
  assert.deepEqual(r.by, { source: 'mediated', bid: 'm1', network: 'net-m1' });
  assert.deepEqual(outcomes(r), ['filled']);
  assert.equal(await frameCount('slot-a'), 1);
  assert.equal(await shownText('slot-a'), 1);
  const sandbox = await page.evaluate(() => document.querySelector('#slot-a iframe').getAttribute('sandbox'));
  assert.ok(!sandbox.includes('allow-same-origin'));
});

test('a tag that signals nothing but shows an ad is detected as a fill', async () => {
  await freshPage();
  const r = await render('slot-a', output([mediated('m1', TAGS.autoFill, 2000)]));
  assert.deepEqual(outcomes(r), ['filled']);
});

test('no-fill moves on to the next network', async () => {
  await freshPage();
  const r = await render('slot-a', output([mediated('m1', TAGS.noad), mediated('m2', TAGS.fill), rtb('r1')]));
  assert.deepEqual(outcomes(r), ['no_fill', 'filled']);
  assert.equal(r.by.bid, 'm2');
  assert.equal(await frameCount('slot-a'), 1);
});

test('a timeout moves on once; the late fill is reported late and never shown', async () => {
  await freshPage();
  await page.evaluate(() => mediation.setConfig({ reportUrl: '/beacon', lateWindowMs: 3000 }));
  const r = await render('slot-a', output([mediated('m1', TAGS.late, 200), mediated('m2', TAGS.fill)]));
  assert.deepEqual(outcomes(r), ['timeout', 'filled']);
  assert.equal(r.by.bid, 'm2');
  await until(() => page.evaluate(() => window.events.some((e) => e.name === 'bidLate')), 5000, 'the late fill');
  const names = await page.evaluate(() => window.events.map((e) => e.name));
  assert.equal(names.filter((n) => n === 'bidTimeout').length, 1);
  assert.equal(names.filter((n) => n === 'bidLate').length, 1);
  // The late frame is gone; only the winner shows.
  await until(async () => (await frameCount('slot-a')) === 1, 4000, 'the late frame to go');
  assert.equal(await shownText('slot-a'), 1);
  await until(() => server.beacons.length === 3, 2000, 'three beacons');
  assert.deepEqual(
    server.beacons.map((b) => [b.bid, b.outcome]),
    [
      ['m1', 'timeout'],
      ['m2', 'filled'],
      ['m1', 'late'],
    ],
  );
});

test('a tag that throws is an error and the waterfall moves on', async () => {
  await freshPage();
  const r = await render('slot-a', output([mediated('m1', TAGS.throws), mediated('m2', TAGS.fill)]));
  assert.deepEqual(outcomes(r), ['error', 'filled']);
});

test("only a tag's first signal counts: noad then filled", async () => {
  await freshPage();
  const r = await render('slot-a', output([mediated('m1', TAGS.noadThenFill), mediated('m2', TAGS.fill)]));
  assert.deepEqual(outcomes(r), ['no_fill', 'filled']);
  assert.equal(r.by.bid, 'm2');
});

test("only a tag's first signal counts: filled twice is one fill", async () => {
  await freshPage();
  await page.evaluate(() => mediation.setConfig({ reportUrl: '/beacon' }));
  const r = await render('slot-a', output([mediated('m1', TAGS.fillTwice), mediated('m2', TAGS.fill)]));
  assert.deepEqual(outcomes(r), ['filled']);
  await new Promise((res) => setTimeout(res, 200));
  assert.equal(server.beacons.length, 1);
  const names = await page.evaluate(() => window.events.filter((e) => e.name === 'bidResponse').length);
  assert.equal(names, 1);
});

test('all mediated fail: the RTB ad renders and its notices fire once', async () => {
  await freshPage();
  const r = await render('slot-a', output([mediated('m1', TAGS.noad), mediated('m2', TAGS.throws), rtb('r1')]));
  assert.deepEqual(outcomes(r), ['no_fill', 'error', 'filled']);
  assert.deepEqual(r.by, { source: 'rtb', bid: 'r1', network: 'dsp' });
  await until(() => server.notices.length >= 2, 2000, 'notices');
  await new Promise((res) => setTimeout(res, 200));
  assert.deepEqual(server.notices.sort(), ['burl-r1', 'nurl-r1']);
  assert.equal(await frameCount('slot-a'), 1);
});

test('an RTB creative whose script throws is still the sure fill', async () => {
  await freshPage();
  const r = await render(
    'slot-a',
    output([
      mediated('m1', TAGS.noad),
      rtb('r1', {
        adm: '<div style="width:300px;height:250px;background:#888">rtb</div><script>throw new Error("tag failure in creative")</script>',
      }),
    ]),
  );
  assert.deepEqual(outcomes(r), ['no_fill', 'filled']);
  assert.equal(r.by.source, 'rtb');
});

test('clear() while render() waits for its result, or from an event handler, stops everything', async () => {
  await freshPage();
  const r = await page.evaluate(
    async (o) => {
      const p = mediation.render('slot-a', o);
      mediation.clear('slot-a');
      const first = await p;
      const off = () => mediation.clear('slot-b');
      mediation.on('auctionInit', off);
      const second = await Promise.race([
        mediation.render('slot-b', o),
        new Promise((res) => setTimeout(() => res('pending'), 1500)),
      ]);
      mediation.off('auctionInit', off);
      await new Promise((res) => setTimeout(res, 300));
      return { first, second, stats: mediation.stats(), frames: document.querySelectorAll('iframe').length };
    },
    output([mediated('m1', TAGS.fill)]),
  );
  assert.equal(r.first.cancelled, true);
  assert.equal(r.second.cancelled, true);
  assert.deepEqual(r.stats, { runs: 0, frames: 0, listening: false });
  assert.equal(r.frames, 0);
});

test('an RTB bid served on win loads its nurl as the frame', async () => {
  await freshPage();
  const r = await render('slot-a', output([rtb('r2', { adm: undefined, nurl: '/served' })]));
  assert.equal(r.filled, true);
  await until(() => server.notices.includes('served'), 2000, 'the nurl load');
  assert.equal(server.notices.filter((n) => n === 'served').length, 1, 'the nurl is the ad, not fired twice');
});

test('an RTB creative that never loads times out instead of hanging the slot', async () => {
  await freshPage();
  await page.evaluate(() => mediation.setConfig({ renderTimeoutMs: 300 }));
  const r = await render('slot-a', output([rtb('r3', { adm: undefined, nurl: '/notice?n=nothing' })]));
  assert.equal(r.filled, false);
  assert.deepEqual(outcomes(r), ['timeout']);
});

test('nothing at all: the slot is left empty and collapses', async () => {
  await freshPage();
  const r = await render('slot-a', output([mediated('m1', TAGS.noad)]));
  assert.equal(r.filled, false);
  assert.equal(r.by, null);
  assert.equal(await frameCount('slot-a'), 0);
  assert.equal(await page.evaluate(() => document.getElementById('slot-a').hidden), true);
  const end = await page.evaluate(() => window.events.find((e) => e.name === 'auctionEnd'));
  assert.ok(end);
  const r2 = await render('slot-b', output([]), { collapse: false });
  assert.equal(r2.filled, false);
  assert.equal(await page.evaluate(() => document.getElementById('slot-b').hidden), false);
});

test('a hostile tag cannot read the page, navigate it, or forge signals', async () => {
  await freshPage();
  const r = await render('slot-a', output([mediated('m1', TAGS.evil), mediated('m2', TAGS.fill)]));
  assert.deepEqual(outcomes(r), ['no_fill', 'filled']);
  assert.equal(await page.evaluate(() => document.getElementById('title').textContent), 'publisher page');
  assert.equal(new URL(page.url()).pathname, '/page.html');
  assert.ok(!server.notices.includes('evil'));
});

test('a tag in a busy loop does not stall the page; it times out and its frame goes', async () => {
  await freshPage();
  const { r, worstGap } = await page.evaluate(
    async (o) => {
      const done = mediation.render('slot-a', o);
      // The page's own timers keep running while the tag spins in its sandbox.
      let worstGap = 0,
        last = performance.now(),
        over = false;
      done.then(() => {
        over = true;
      });
      while (!over) {
        await new Promise((res) => setTimeout(res, 10));
        const now = performance.now();
        worstGap = Math.max(worstGap, now - last);
        last = now;
      }
      return { r: await done, worstGap };
    },
    output([mediated('m1', TAGS.busy, 300)]),
  );
  assert.deepEqual(outcomes(r), ['timeout']);
  // A stall would last the whole 300 ms loop; a loaded 2-core machine can delay a timer by tens of ms.
  assert.ok(worstGap < 150, `the page stalled for ${worstGap} ms`);
  await until(async () => (await frameCount('slot-a')) === 0, 2000, 'the hung frame to go');
});

test('two slots run independent waterfalls', async () => {
  await freshPage();
  const [a, b] = await page.evaluate(
    ([oa, ob]) => Promise.all([mediation.render('slot-a', oa), mediation.render('slot-b', ob)]),
    [
      output([mediated('a1', TAGS.fill)], 'auc-a'),
      output([mediated('b1', TAGS.hang, 200), mediated('b2', TAGS.fillB)], 'auc-b'),
    ],
  );
  assert.deepEqual(outcomes(a), ['filled']);
  assert.deepEqual(outcomes(b), ['timeout', 'filled']);
  assert.equal(await frameCount('slot-a'), 1);
});

test('rendering a slot again cancels the running waterfall, its frames and timers', async () => {
  await freshPage();
  const t0 = Date.now();
  const first = page.evaluate(
    (o) => mediation.render('slot-a', o),
    output([mediated('slow', TAGS.hang, 1500), mediated('never', TAGS.fill)], 'auc-old'),
  );
  await until(async () => (await frameCount('slot-a')) >= 1, 1400, 'the first frame');
  const second = await render('slot-a', output([mediated('new', TAGS.fill)], 'auc-new'));
  const old = await first;
  assert.equal(old.cancelled, true);
  assert.equal(second.by.bid, 'new');
  await new Promise((res) => setTimeout(res, Math.max(0, t0 + 2000 - Date.now()))); // past the old deadline
  const events = await page.evaluate(() => window.events);
  const oldId = events.find((e) => e.name === 'auctionInit').render_id;
  assert.equal(
    events.filter((e) => e.render_id === oldId && e.name === 'bidTimeout').length,
    0,
    'no timer of the old run fires',
  );
  assert.equal(await frameCount('slot-a'), 1);
  assert.deepEqual(await page.evaluate(() => mediation.stats()), { runs: 0, frames: 0, listening: false });
});

test("clear() takes a finished slot's ad away", async () => {
  await freshPage();
  await render('slot-a', output([mediated('m1', TAGS.fill)]));
  assert.equal(await frameCount('slot-a'), 1);
  await page.evaluate(() => mediation.clear('slot-a'));
  assert.equal(await frameCount('slot-a'), 0);
  await render('slot-a', output([mediated('m2', TAGS.fill)]));
  await render('slot-a', output([mediated('m3', TAGS.fillB)]));
  assert.equal(await frameCount('slot-a'), 1, 'rendering again replaces the ad');
});

test('beacons reach the report URL, one per attempt, matching the outcome', async () => {
  await freshPage();
  await page.evaluate(() => mediation.setConfig({ reportUrl: '/beacon' }));
  const r = await render(
    'slot-a',
    output(
      [
        { ...mediated('m1', TAGS.noad), token: 'v1.k.1.signed-m1' },
        mediated('m2', TAGS.throws),
        mediated('m3', TAGS.hang, 200),
        { ...rtb('r1'), token: 'v1.k.1.signed-r1' },
      ],
      'auc-b',
    ),
  );
  await until(() => server.beacons.length === 4, 3000, 'four beacons');
  // Each beacon carries its entry's token (the ad server's signature) and the currency.
  assert.deepEqual(
    server.beacons.map((b) => [b.token ?? null, b.cur, b.price]),
    [
      ['v1.k.1.signed-m1', 'USD', 2],
      [null, 'USD', 2],
      [null, 'USD', 2],
      ['v1.k.1.signed-r1', 'USD', 1],
    ],
  );
  assert.deepEqual(
    server.beacons.map((b) => [b.auction_id, b.imp_id, b.bid, b.network, b.position, b.outcome]),
    [
      ['auc-b', '1', 'm1', 'net-m1', 0, 'no_fill'],
      ['auc-b', '1', 'm2', 'net-m2', 1, 'error'],
      ['auc-b', '1', 'm3', 'net-m3', 2, 'timeout'],
      ['auc-b', '1', 'r1', 'dsp', 3, 'filled'],
    ],
  );
  assert.deepEqual(
    r.attempts.map((a) => a.outcome),
    server.beacons.map((b) => b.outcome),
  );
  for (const b of server.beacons) assert.ok(Number.isInteger(b.latency_ms) && b.latency_ms >= 0);
  assert.ok(server.beacons[2].latency_ms >= 190);
  // The four went as one request, once the waterfall had decided.
  assert.equal(server.beaconRequests.length, 1);
  assert.equal(JSON.parse(server.beaconRequests[0]).length, 4);
});

test("beacons of a page's waterfalls go together once all have decided; one alone goes as an object", async () => {
  await freshPage();
  await page.evaluate(() => mediation.setConfig({ reportUrl: '/beacon' }));
  await page.evaluate(
    ([a, b]) => Promise.all([mediation.render('slot-a', a), mediation.render('slot-b', b)]),
    [
      output([mediated('a1', TAGS.noad), mediated('a2', TAGS.fill)], 'auc-a'),
      output([mediated('b1', TAGS.noad), mediated('b2', TAGS.hang, 300), rtb('b3')], 'auc-b'),
    ],
  );
  await until(() => server.beacons.length === 5, 3000, 'five beacons');
  assert.equal(server.beaconRequests.length, 1, 'one request for both slots');
  assert.deepEqual(server.beacons.map((b) => `${b.auction_id}:${b.position}:${b.outcome}`).sort(), [
    'auc-a:0:no_fill',
    'auc-a:1:filled',
    'auc-b:0:no_fill',
    'auc-b:1:timeout',
    'auc-b:2:filled',
  ]);
  await render('slot-a', output([mediated('c1', TAGS.fill)], 'auc-c'));
  await until(() => server.beaconRequests.length === 2, 3000, 'the next beacon');
  assert.equal(JSON.parse(server.beaconRequests[1]).auction_id, 'auc-c', 'a lone beacon is an object');
});

test('a batch of beacons stays under what sendBeacon takes (60 000 bytes): more go as more requests', async () => {
  await freshPage();
  await page.evaluate(() => mediation.setConfig({ reportUrl: '/beacon' }));
  const long = (i) => `m${i}-${'x'.repeat(1000)}`;
  const entries = Array.from({ length: 30 }, (_, i) => mediated(long(i), TAGS.noad));
  await render('slot-a', output([...entries, rtb('r1')]));
  await until(() => server.beacons.length === 31, 5000, '31 beacons');
  assert.ok(server.beaconRequests.length >= 2, `${server.beaconRequests.length} requests`);
  for (const body of server.beaconRequests) assert.ok(body.length <= 60000, `${body.length} bytes`);
  assert.deepEqual(
    server.beacons.map((b) => b.position),
    Array.from({ length: 31 }, (_, i) => i),
  );
});

test('a beacon waiting for its waterfall goes when the page is left, or after 2 s', async () => {
  // m2 hangs for 10 s: the no_fill of m1 waits for the waterfall, at most 2 s.
  const noFillThenHang = async () => {
    await freshPage();
    await page.evaluate(() => mediation.setConfig({ reportUrl: '/beacon' }));
    page
      .evaluate(
        (o) => mediation.render('slot-a', o),
        output([mediated('m1', TAGS.noad), mediated('m2', TAGS.hang, 10000)]),
      )
      .catch(() => {}); // the page may go before the waterfall ends
    await until(() => page.evaluate(() => window.events.some((e) => e.name === 'noBid')), 3000, 'the no-fill');
  };
  await noFillThenHang();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(server.beacons.length, 0, 'still waiting');
  await until(() => server.beacons.length === 1, 3000, 'the no-fill after 2 s');
  assert.equal(server.beacons[0].outcome, 'no_fill');
  // On a page that is then left, the beacon goes with the page, before its 2 s.
  await noFillThenHang();
  const heard = Date.now(); // the timer would send it 2 s after the no-fill, so after this + 1.9 s
  await page.goto(server.base + '/page.html');
  await until(() => server.beacons.length === 1, 1000, 'the no-fill as the page was left');
  assert.equal(server.beacons[0].bid, 'm1');
  assert.ok(Date.now() - heard < 1700, `sent as the page went, not by the timer (${Date.now() - heard} ms)`);
  // Beacons waiting when reportUrl changes go where they were meant to, at once.
  await noFillThenHang();
  await page.evaluate(() => mediation.setConfig({ reportUrl: '/elsewhere' }));
  await until(() => server.beacons.length === 1, 1000, 'the no-fill before reportUrl changed');
  assert.equal(server.beacons[0].outcome, 'no_fill');
});

test('render asks an ad server with { endpoint, request }', async () => {
  await freshPage();
  const r = await render('slot-a', { endpoint: '/auction', request: { id: 'from-page', imp: [{ id: '1' }] } });
  assert.deepEqual(outcomes(r), ['no_fill', 'filled']);
  assert.equal(r.by.bid, 'srv-rtb');
});

test('render runs the auction in the page with { config, request, bids }', async () => {
  await freshPage();
  const r = await render('slot-a', {
    config: {
      networks: [{ id: 'n' }],
      mediated_bids: [
        {
          id: 'pm',
          network: 'n',
          cpm: 3,
          timeout_ms: 500,
          sizes: [[300, 250]],
          tag: '<div style="width:300px;height:250px;background:#123">page ${WIDTH}</div><script>mediation.filled()</script>',
        },
      ],
    },
    request: { id: 'page-req', imp: [{ id: '1', banner: { w: 300, h: 250 } }] },
    bids: [],
  });
  assert.deepEqual(r.by, { source: 'mediated', bid: 'pm', network: 'n' });
});

test('an ad server that fails leaves the slot empty with the error, no exception', async () => {
  await freshPage();
  const r = await render('slot-a', { endpoint: '/missing', request: { id: 'x', imp: [{ id: '1' }] } });
  assert.equal(r.filled, false);
  assert.match(r.error, /404/);
});

test('no console errors on any page but the ones the tests caused on purpose', () => {
  // Expected: the throwing tag's own error, the failed ad-server request, and
  // Chromium blocking the hostile tag's top navigation.
  const unexpected = pageErrors
    .map((e) => e.message)
    .filter((m) => !/tag failure|status of 404|Unsafe attempt to initiate navigation/.test(m));
  assert.deepEqual(unexpected, []);
});

test('200 slots rendered and removed leave no frames, timers or listeners, and the heap where it was', async () => {
  await freshPage();
  // Count the page's pending timers and window listeners from here on.
  await page.evaluate(() => {
    const live = new Set();
    const st = window.setTimeout,
      ct = window.clearTimeout,
      add = window.addEventListener,
      rm = window.removeEventListener;
    window.setTimeout = (fn, ms, ...a) => {
      const id = st(() => {
        live.delete(id);
        fn(...a);
      }, ms);
      live.add(id);
      return id;
    };
    window.clearTimeout = (id) => {
      live.delete(id);
      ct(id);
    };
    const listening = new Set();
    window.addEventListener = function (t, f, o) {
      if (this === window || this == null) listening.add(t + ':' + f.name);
      return add.call(this ?? window, t, f, o);
    };
    window.removeEventListener = function (t, f, o) {
      if (this === window || this == null) listening.delete(t + ':' + f.name);
      return rm.call(this ?? window, t, f, o);
    };
    window.leaks = () => ({ timers: live.size, listeners: [...listening] });
  });
  const out = output([mediated('m1', TAGS.noad), mediated('m2', TAGS.fill)]);
  // The listener count sees the runtime: while a waterfall runs it listens.
  const during = await page.evaluate(
    async (o) => {
      const el = document.createElement('div');
      document.body.appendChild(el);
      const p = mediation.render(el, o);
      await new Promise((r) => setTimeout(r, 0));
      const seen = window.leaks().listeners.length;
      await p;
      el.remove();
      return seen;
    },
    output([mediated('m1', TAGS.fill)]),
  );
  assert.equal(during, 1, 'the instrument sees the runtime listening while it runs');
  await renderAndRemove(page, 20, out); // warm up: code paths compiled, caches filled
  const before = await heapUsed(page);
  await renderAndRemove(page, 200, out);
  await until(() => page.evaluate(() => window.leaks().timers === 0), 3000, 'timers to drain');
  const after = await heapUsed(page);
  assert.deepEqual(await page.evaluate(() => mediation.stats()), { runs: 0, frames: 0, listening: false });
  assert.deepEqual(await page.evaluate(() => window.leaks()), { timers: 0, listeners: [] });
  assert.equal(await page.evaluate(() => document.querySelectorAll('iframe').length), 0);
  assert.ok(after - before < 1 << 20, `the heap grew by ${after - before} bytes`);
});

test('the auction engine is a second file, fetched only for an auction in the page', async () => {
  await freshPage();
  // Endpoint mode: the runtime alone.
  await render('slot-a', { endpoint: '/auction', request: { id: 'ep', imp: [{ id: '1' }] } });
  assert.ok(!server.notices.includes('auction-engine'), 'not fetched for a waterfall from an ad server');
  const before = await page.evaluate(() => {
    try {
      mediation.loadConfig({ networks: [] });
      return 'loaded';
    } catch (e) {
      return e.code;
    }
  });
  assert.equal(before, 'not_ready');
  await page.evaluate(() => mediation.auctionReady);
  assert.equal(server.notices.filter((n) => n === 'auction-engine').length, 1, 'fetched once');
  const ids = await page.evaluate(() => {
    const h = mediation.loadConfig({ networks: [{ id: 'n' }], mediated_bids: [] });
    h.release();
    return typeof h.id;
  });
  assert.equal(ids, 'number');
  // A page whose auctionUrl is wrong gets a clear error; the right one then works.
  await freshPage();
  const failed = await page.evaluate(async () => {
    mediation.setConfig({ auctionUrl: '/nowhere/mediation-auction.js' });
    try {
      await mediation.auctionReady;
      return 'ready';
    } catch (e) {
      return e.code;
    }
  });
  assert.equal(failed, 'auction_unavailable');
  const r = await page.evaluate(async () => {
    mediation.setConfig({ auctionUrl: null });
    return mediation.render('slot-a', {
      config: {
        networks: [{ id: 'n' }],
        mediated_bids: [
          { id: 'pm', network: 'n', cpm: 3, timeout_ms: 500, tag: '<p>x</p><script>mediation.filled()</script>' },
        ],
      },
      request: { id: 'page-req', imp: [{ id: '1', banner: { w: 300, h: 250 } }] },
      bids: [],
    });
  });
  assert.equal(r.by.bid, 'pm');
});
