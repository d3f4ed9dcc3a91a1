// partners.test.mjs — known partners through the whole waterfall in Chromium: the
// engine writes each partner's tag from its params (c_src/partners.c), mediation.js
// runs it in a sandboxed frame, and the partner's own signal (GPT's slotRenderEnded,
// AdSense's data-ad-status, Prebid's bids, apstag's amzniid, an image's load) decides
// filled or no fill; stand-ins on another origin (partner-standins.mjs) play the
// partners. Also: a partner that never signals (timeout), a script that fails to load
// (error), and every missing or malformed parameter refused by the config reader.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { launch, startServer } from './browser-helpers.mjs';
import mediation from '../../dist/mediation.mjs';

const root = new URL('../../', import.meta.url).pathname;
let browser, server, page, partnersBase;

before(async () => {
  server = await startServer();
  // The partners' scripts come from another site than the page's.
  partnersBase = server.base.replace('127.0.0.1', 'partners.localhost') + '/partners/';
  browser = await launch();
  await mediation.ready;
});
after(async () => {
  await browser?.close();
  await server?.close();
});

async function freshPage() {
  if (page) await page.close();
  page = await browser.newPage();
  await page.goto(server.base + '/page.html');
  await page.evaluate(async () => {
    await mediation.ready;
    window.asked = [];
    addEventListener('message', (e) => e.data && e.data.standin && window.asked.push(e.data));
  });
}

const network = (id, partner, extra = {}) => ({ id, kind: 'known', partner, ...extra });
const script = (name) => ({ script_url: partnersBase + name });
const networks = () => [
  network('gam', 'google_ad_manager', script('gpt.js')),
  network('ads', 'adsense', script('adsbygoogle.js')),
  network('pb', 'prebid', script('prebid.js')),
  network('amz', 'amazon', script('apstag.js')),
  network('img', 'image'),
  network('frame', 'iframe'),
  network('broken', 'google_ad_manager', script('missing.js')),
];
const bid = (id, net, cpm, params, timeout_ms = 1500) => ({
  id,
  network: net,
  cpm,
  timeout_ms,
  sizes: [[300, 250]],
  params,
});
const RTB = {
  id: 'req-p', // a response names the request it answers
  seatbid: [
    {
      seat: 'dsp',
      bid: [
        { id: 'r1', impid: '1', price: 0.5, adm: '<div style="width:300px;height:250px;background:#555">rtb</div>' },
      ],
    },
  ],
};

// Runs an in-page auction of these mediated bids (and the RTB bid) and its waterfall.
function render(bids, { rtb = true } = {}) {
  const input = {
    config: {
      currency: 'USD',
      max_waterfall: 8,
      waterfall_timeout_ms: 20000,
      networks: networks(),
      mediated_bids: bids,
    },
    request: {
      id: 'req-p',
      imp: [{ id: '1', banner: { w: 300, h: 250 } }],
      site: { page: 'https://news.example/story?id=7' },
    },
    bids: rtb ? [RTB] : [],
  };
  return page.evaluate((i) => mediation.render('slot-a', i), input);
}
const outcomes = (r) => r.attempts.map((a) => `${a.bid}:${a.outcome}`);
const asked = () => page.evaluate(() => window.asked);

test('every partner says no fill in its own way, and the waterfall falls back to the next one and then to RTB', async () => {
  await freshPage();
  const r = await render([
    bid('g', 'gam', 9, { ad_unit: '/6355419/travel/empty', targeting: { section: ['sports', 'news'], pos: 'top' } }),
    bid('a', 'ads', 8, { client: 'ca-pub-1234567890123456', slot: '2222222222' }),
    bid('p', 'pb', 7, { ad_unit: { bids: [{ bidder: 'appnexus', params: { placementId: 1 } }] }, timeout_ms: 500 }),
    bid('z', 'amz', 6, { pub_id: '3360', slot_id: 'empty' }),
  ]);
  assert.deepEqual(outcomes(r), ['g:no_fill', 'a:no_fill', 'p:no_fill', 'z:no_fill', 'r1:filled']);
  assert.equal(r.by.source, 'rtb');
  const seen = Object.fromEntries((await asked()).map((m) => [m.standin, m]));
  assert.deepEqual(seen.gpt.size, [300, 250]);
  assert.equal(seen.gpt.path, '/6355419/travel/empty');
  assert.deepEqual(seen.gpt.targeting, { section: ['sports', 'news'], pos: 'top' });
  assert.equal(seen.gpt.page_url, 'https://news.example/story?id=7', "the page's URL, decoded");
  assert.equal(seen.gpt.passback, false);
  assert.deepEqual([seen.adsense.client, seen.adsense.slot], ['ca-pub-1234567890123456', '2222222222']);
  assert.equal(seen.prebid.timeout, 500);
  assert.deepEqual(seen.prebid.codes, ['ad']);
  assert.deepEqual(seen.prebid.units[0].mediaTypes, { banner: { sizes: [[300, 250]] } });
  assert.equal(seen.apstag.pubID, '3360');
  assert.deepEqual(seen.apstag.slots, [{ slotID: 'empty', slotName: 'empty', sizes: [[300, 250]] }]);
  assert.equal(seen.apstag.timeout, 1125, 'three quarters of the bid timeout');
});

test('each partner fills in its own way', async () => {
  const cases = [
    ['gam', { ad_unit: '/6355419/travel/fill' }],
    ['gam', { ad_unit: '/6355419,22/travel/fill', passback: true }],
    ['ads', { client: 'ca-pub-1234567890123456', slot: '1111111111' }],
    ['pb', { ad_unit: { bids: [{ bidder: 'appnexus', params: { fill: true } }] } }],
    ['amz', { pub_id: '3360', slot_id: 'fill' }],
    ['img', { src: `${server.base}/partners/banner.svg`, click_url: 'https://advertiser.example/' }],
    ['frame', { src: `${server.base.replace('127.0.0.1', 'net.localhost')}/net/creative` }],
  ];
  for (const [net, params] of cases) {
    await freshPage();
    const r = await render([bid('m', net, 5, params)]);
    assert.deepEqual(outcomes(r), ['m:filled'], `${net} ${JSON.stringify(params)}`);
    assert.equal(r.by.bid, 'm');
  }
  const passback = (await asked()).find((m) => m.standin === 'gpt');
  assert.equal(passback, undefined, 'the last page asked no GPT');
});

test('a partner that never signals times out; a script that fails to load is an error; an image that fails or is a pixel falls back', async () => {
  await freshPage();
  let r = await render([
    bid('silent', 'gam', 9, { ad_unit: '/1/silent' }, 600),
    bid('broken', 'broken', 8, { ad_unit: '/1/fill' }),
    bid('quiet', 'ads', 7, { client: 'ca-pub-1234567890123456', slot: '3333333333' }, 500),
    bid('ok', 'ads', 6, { client: 'ca-pub-1234567890123456', slot: '1111111111' }),
  ]);
  assert.deepEqual(outcomes(r), ['silent:timeout', 'broken:error', 'quiet:timeout', 'ok:filled']);
  assert.ok(r.attempts[0].latency_ms >= 590 && r.attempts[0].latency_ms < 1500, `${r.attempts[0].latency_ms} ms`);
  assert.ok(r.attempts[1].latency_ms < 1000, 'the load error is seen at once, not at the timeout');
  await freshPage();
  r = await render([
    bid('gone', 'img', 9, { src: `${server.base}/partners/none.png` }),
    bid('pixel', 'img', 8, { src: `${server.base}/partners/pixel.svg` }),
  ]);
  assert.deepEqual(outcomes(r), ['gone:error', 'pixel:no_fill', 'r1:filled']);
});

// ---- config cases: every missing or malformed parameter, named ----

function configError(networks, bids) {
  try {
    mediation.loadConfig({ networks, mediated_bids: bids }).release();
    return null;
  } catch (e) {
    return { code: e.code, at: e.at, message: e.message };
  }
}
const cli = (config) => {
  try {
    execFileSync(root + 'build/mediate-asan', ['config'], { input: JSON.stringify(config) });
    return null;
  } catch (e) {
    return JSON.parse(e.stdout.toString()).error;
  }
};

test('config: each partner names a missing or malformed parameter, in the Wasm and the native CLI alike', () => {
  const at = (n) => `config.mediated_bids[0].params${n ? '.' + n : ''}`;
  const cases = [
    // [network, params, code, path]
    ['gam', {}, 'missing_field', at('ad_unit')],
    ['gam', { ad_unit: 'no-slash' }, 'invalid_value', at('ad_unit')],
    ['gam', { ad_unit: '/abc/x' }, 'invalid_value', at('ad_unit')],
    ['gam', { ad_unit: '/123//x' }, 'invalid_value', at('ad_unit')],
    ['gam', { ad_unit: "/123/x'+alert(1)+'" }, 'invalid_value', at('ad_unit')],
    ['gam', { ad_unit: 42 }, 'wrong_type', at('ad_unit')],
    ['gam', { ad_unit: '/1/x', passback: 'yes' }, 'wrong_type', at('passback')],
    ['gam', { ad_unit: '/1/x', targeting: ['a'] }, 'wrong_type', at('targeting')],
    ['gam', { ad_unit: '/1/x', targeting: { 'bad key': 'v' } }, 'invalid_value', at('targeting')],
    ['gam', { ad_unit: '/1/x', targeting: { k: '</script>' } }, 'invalid_value', at('targeting')],
    ['gam', { ad_unit: '/1/x', targeting: { k: [] } }, 'invalid_value', at('targeting')],
    ['gam', { ad_unit: '/1/x', adunit: '/1/y' }, 'unknown_field', at('adunit')],
    ['ads', { slot: '1234567890' }, 'missing_field', at('client')],
    ['ads', { client: 'ca-pub-123', slot: '1234567890' }, 'invalid_value', at('client')],
    ['ads', { client: 'pub-1234567890123456', slot: '1234567890' }, 'invalid_value', at('client')],
    ['ads', { client: 'ca-pub-1234567890123456' }, 'missing_field', at('slot')],
    ['ads', { client: 'ca-pub-1234567890123456', slot: '12345' }, 'invalid_value', at('slot')],
    ['pb', {}, 'missing_field', at('ad_unit')],
    ['pb', { ad_unit: 'unit' }, 'wrong_type', at('ad_unit')],
    ['pb', { ad_unit: { bids: [] } }, 'invalid_value', at('ad_unit')],
    ['pb', { ad_unit: { bids: [{ params: {} }] } }, 'invalid_value', at('ad_unit')],
    ['pb', { ad_unit: { bids: [{ bidder: 'x' }] }, timeout_ms: 0 }, 'invalid_value', at('timeout_ms')],
    ['amz', { slot_id: 's' }, 'missing_field', at('pub_id')],
    ['amz', { pub_id: 'a b', slot_id: 's' }, 'invalid_value', at('pub_id')],
    ['amz', { pub_id: '3360' }, 'missing_field', at('slot_id')],
    ['img', {}, 'missing_field', at('src')],
    ['img', { src: 'javascript:alert(1)' }, 'invalid_value', at('src')],
    [
      'img',
      { src: 'https://x.example/a.png', click_url: 'https://x.example/"onmouseover="x' },
      'invalid_value',
      at('click_url'),
    ],
    ['frame', { src: '//x.example/' }, 'invalid_value', at('src')],
    ['gam', 'params', 'wrong_type', at('')],
  ];
  for (const [net, params, code, path] of cases) {
    const bids = [{ id: 'b', network: net, cpm: 1, params }];
    const e = configError(networks(), bids);
    assert.deepEqual([e?.code, e?.at], [code, path], `${net} ${JSON.stringify(params)}: ${e?.message}`);
    const native = cli({ networks: networks(), mediated_bids: bids });
    assert.deepEqual([native?.code, native?.at], [code, path], 'the CLI agrees');
  }
  // The bid of a known partner takes params, not a tag; a custom one the reverse.
  assert.equal(configError(networks(), [{ id: 'b', network: 'gam', cpm: 1 }]).at, 'config.mediated_bids[0].params');
  assert.match(
    configError(networks(), [{ id: 'b', network: 'gam', cpm: 1, tag: '<p>', params: {} }]).message,
    /not a tag/,
  );
  assert.equal(
    configError([{ id: 'c' }], [{ id: 'b', network: 'c', cpm: 1, tag: '<p>', params: {} }]).at,
    'config.mediated_bids[0].params',
  );
  // Networks: the partner, its kind, its script.
  const net = (n) => configError([{ id: 'n', ...n }], []);
  assert.equal(net({ kind: 'known' }).at, 'config.networks[0].partner');
  assert.equal(net({ kind: 'known', partner: 'yahoo' }).code, 'invalid_value');
  assert.equal(net({ kind: 'custom', partner: 'adsense' }).at, 'config.networks[0].partner');
  assert.equal(net({ kind: 'other' }).at, 'config.networks[0].kind');
  assert.equal(net({ kind: 'known', partner: 'prebid' }).at, 'config.networks[0].script_url');
  assert.equal(net({ kind: 'known', partner: 'adsense', script_url: 'ftp://x' }).at, 'config.networks[0].script_url');
  assert.equal(net({ partner: 'adsense' }), null, 'a partner implies kind known');
  assert.equal(net({ kind: 'custom' }), null);
});

test('a known partner brings its GVL id to the consent rule unless the network gives one', () => {
  const tc = 'CQuZP8AQuZP8AAHABBENDIFgAPAAAAAAAAqIF5wAgAQALzAAAAAA'; // vendor 755 consents, purposes 1-4
  const out = mediation.auction({
    config: {
      networks: [network('gam', 'google_ad_manager'), network('amz', 'amazon')], // their usual scripts
      mediated_bids: [bid('g', 'gam', 2, { ad_unit: '/1/x' }), bid('z', 'amz', 1, { pub_id: '1', slot_id: 's' })],
    },
    request: { id: 'r', imp: [{ id: '1', banner: { w: 300, h: 250 } }], regs: { gdpr: 1 }, user: { consent: tc } },
    bids: [],
    now: '2026-11-27T12:00:00Z',
  });
  assert.deepEqual(
    out.imps[0].waterfall.map((e) => e.bid),
    ['g'],
  );
  assert.match(out.imps[0].rejected.find((e) => e.bid === 'z').detail, /vendor 793/);
});

test('on a tag host (frame.html writes the tag as its own document) the partners signal the same', async () => {
  await freshPage();
  const tagHost = server.base.replace('127.0.0.1', 't1.localhost') + '/frame.html';
  await page.evaluate((th) => mediation.setConfig({ tagHost: th }), tagHost);
  const r = await render([
    bid('g', 'gam', 9, { ad_unit: '/6355419/travel/empty' }),
    bid('a', 'ads', 8, { client: 'ca-pub-1234567890123456', slot: '2222222222' }),
    bid('p', 'pb', 7, { ad_unit: { bids: [{ bidder: 'appnexus', params: { fill: true } }] } }),
  ]);
  assert.deepEqual(outcomes(r), ['g:no_fill', 'a:no_fill', 'p:filled']);
  const origins = await page.evaluate(() =>
    [...document.querySelectorAll('#slot-a iframe')].map((f) => new URL(f.src || 'about:blank').host),
  );
  assert.ok(
    origins.some((h) => h.startsWith('t1.localhost')),
    `frames on the tag host: ${origins}`,
  );
});
