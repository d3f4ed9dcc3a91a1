// adserver.test.mjs — the ad server over real HTTP on 127.0.0.1: auctions with
// real bidders, bad requests and bad bidders, config reloads, events, the report,
// restarts and a SIGKILL.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../web/server/server.mjs';
import { reportPage } from '../../web/server/report.mjs';
import { until } from './browser-helpers.mjs';

const root = new URL('../../', import.meta.url).pathname;
const demoConfig = JSON.parse(readFileSync(root + 'web/demo/config.json', 'utf8'));
const quiet = () => {};
let dir, garbage;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mediation-test-'));
  // A bidder that answers garbage, and one that answers an error.
  garbage = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/garbage') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"id": "x", seatbid: [oops');
      } else if (req.url === '/deep') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"id":"x","ext":' + '['.repeat(300) + ']'.repeat(300) + '}');
      } else {
        res.writeHead(500);
        res.end('boom');
      }
    });
  });
  await new Promise((r) => garbage.listen(0, '127.0.0.1', r));
});
after(async () => {
  await new Promise((r) => garbage.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(name, config) {
  const path = join(dir, name);
  writeFileSync(path + '.tmp', JSON.stringify(config));
  renameSync(path + '.tmp', path); // as editors do
  return path;
}

async function post(base, path, body) {
  const res = await fetch(base + path, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, text, json: text ? JSON.parse(text) : null };
}

const bidRequest = (id, slot = 'slot-3', tmax = 200) => ({
  id,
  tmax,
  imp: [{ id: '1', tagid: slot, banner: { format: [{ w: 300, h: 250 }] } }],
});

function event(i, extra = {}) {
  return {
    auction_id: 'a' + i,
    imp_id: '1',
    render_id: 'r' + i,
    bid: 'b1',
    network: 'n1',
    source: 'mediated',
    position: 0,
    outcome: 'filled',
    latency_ms: 100,
    price: 2,
    ...extra,
  };
}

test('an auction asks all three demo bidders; the slow one is left out inside tmax', async () => {
  const s = await startServer({
    port: 0,
    configPath: writeConfig('a.json', demoConfig),
    dataDir: join(dir, 'd1'),
    log: quiet,
  });
  try {
    const t0 = Date.now();
    const r = await post(s.url, '/auction', bidRequest('req-1', 'slot-3', 200));
    const elapsed = Date.now() - t0;
    assert.equal(r.status, 200);
    assert.ok(elapsed < 200 + 150, `answered after ${elapsed} ms`); // tmax plus a margin for a loaded machine
    const imp = r.json.imps[0];
    assert.deepEqual(
      imp.waterfall.slice(0, 2).map((e) => e.bid),
      ['slot-3-brokenads', 'slot-3-blackhole'],
    );
    assert.equal(imp.waterfall.at(-1).source, 'rtb');
    assert.ok(!JSON.stringify(r.json).includes('dsp-slow'), 'the slow bidder is not in the auction');
    const status = await (await fetch(s.url + '/status.json')).json();
    assert.equal(status.bidders['dsp-slow'].timeouts, 1);
    assert.equal(status.bidders['dsp-quick'].bids, 1);
  } finally {
    await s.close();
  }
});

test('a malformed bid request gets a 400 that says what is wrong', async () => {
  const s = await startServer({
    port: 0,
    configPath: writeConfig('b.json', demoConfig),
    dataDir: join(dir, 'd2'),
    log: quiet,
  });
  try {
    let r = await post(s.url, '/auction', '{"id": "x", "imp": [');
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, 'invalid_json');
    r = await post(s.url, '/auction', { id: 'x', imp: [{ id: 1 }] });
    assert.equal(r.status, 400);
    assert.deepEqual([r.json.error.code, r.json.error.at], ['wrong_type', 'request.imp[0].id']);
    r = await post(s.url, '/auction', '[1, 2]');
    assert.equal(r.status, 400);
    r = await post(s.url, '/auction', 'x'.repeat(70000));
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, 'too_large');
  } finally {
    await s.close();
  }
});

test('a bidder that answers garbage or an error is recorded and left out', async () => {
  const g = `http://127.0.0.1:${garbage.address().port}`;
  const config = {
    ...demoConfig,
    bidders: [
      { id: 'dsp-quick', url: '/bidders/quick' },
      { id: 'junk', url: g + '/garbage' },
      { id: 'deep', url: g + '/deep' },
      { id: 'broken', url: g + '/error' },
      { id: 'nobody', url: 'http://127.0.0.1:1/' },
    ],
  };
  const s = await startServer({
    port: 0,
    configPath: writeConfig('c.json', config),
    dataDir: join(dir, 'd3'),
    log: quiet,
  });
  try {
    const r = await post(s.url, '/auction', bidRequest('req-g'));
    assert.equal(r.status, 200);
    assert.equal(r.json.imps[0].waterfall.at(-1).seat, 'dsp-quick');
    const status = await (await fetch(s.url + '/status.json')).json();
    assert.equal(status.bidders.junk.malformed, 1);
    assert.equal(status.bidders.deep.malformed, 1, 'a response nested 300 deep is dropped, not the auction');
    assert.equal(status.bidders.broken.errors, 1);
    assert.equal(status.bidders.nobody.errors, 1);
  } finally {
    await s.close();
  }
});

test('a changed config file is reloaded; a bad one keeps the old config and says why', async () => {
  const path = writeConfig('d.json', demoConfig);
  const s = await startServer({ port: 0, configPath: path, dataDir: join(dir, 'd4'), log: quiet });
  try {
    const price = async () =>
      (await post(s.url, '/auction', bidRequest('req-r', 'slot-1'))).json.imps[0].waterfall[0].price;
    assert.equal(await price(), 3);
    const first = (await (await fetch(s.url + '/status.json')).json()).config.loaded_at;
    const changed = structuredClone(demoConfig);
    changed.mediated_bids.find((b) => b.id === 'slot-1-fastfill').cpm = 3.75;
    writeConfig('d.json', changed);
    await until(
      async () => (await (await fetch(s.url + '/status.json')).json()).config.loaded_at !== first,
      3000,
      'the reload',
    );
    assert.equal(await price(), 3.75);
    // Requests keep being answered while the file changes.
    const bad = structuredClone(changed);
    bad.mediated_bids[0].network = 'no-such-network';
    const during = Promise.all(
      Array.from({ length: 20 }, (_, i) => post(s.url, '/auction', bidRequest('req-' + i, 'slot-1'))),
    );
    writeConfig('d.json', bad);
    assert.ok((await during).every((r) => r.status === 200));
    await until(async () => (await (await fetch(s.url + '/status.json')).json()).config.error, 3000, 'the refusal');
    const status = await (await fetch(s.url + '/status.json')).json();
    assert.match(status.config.error, /config\.mediated_bids\[0\]\.network/);
    assert.equal(await price(), 3.75, 'the previous config still serves');
  } finally {
    await s.close();
  }
});

test('a bidder URL that is not http(s) is refused at start and on reload', async () => {
  const bad = { ...demoConfig, bidders: [{ id: 'x', url: 'ftp://127.0.0.1/' }] };
  await assert.rejects(
    startServer({ port: 0, configPath: writeConfig('i.json', bad), dataDir: join(dir, 'd9'), log: quiet }),
    /config\.bidders\[0\]\.url/,
  );
  const path = writeConfig('j.json', demoConfig);
  const s = await startServer({ port: 0, configPath: path, dataDir: join(dir, 'd10'), log: quiet });
  try {
    writeConfig('j.json', bad);
    await until(async () => (await (await fetch(s.url + '/status.json')).json()).config.error, 3000, 'the refusal');
    assert.equal((await post(s.url, '/auction', bidRequest('req-u', 'slot-1'))).status, 200);
  } finally {
    await s.close();
  }
});

test('hostile requests: a bad request line, a fractional bucket, a CORS preflight', async () => {
  const s = await startServer({
    port: 0,
    configPath: writeConfig('k.json', demoConfig),
    dataDir: join(dir, 'd11'),
    log: quiet,
  });
  try {
    const { port } = new URL(s.url);
    const raw = await new Promise((resolve) => {
      const net = http.request({ host: '127.0.0.1', port, path: '//', method: 'GET' }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode));
      });
      net.on('error', () => resolve('error'));
      net.end();
    });
    assert.equal(raw, 400);
    assert.equal((await fetch(s.url + '/report.json?bucket_ms=1500.5')).status, 200);
    const pre = await fetch(s.url + '/auction', { method: 'OPTIONS' });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), '*');
    assert.equal((await fetch(s.url + '/status.json')).status, 200, 'still up');
  } finally {
    await s.close();
  }
});

test('a bad config at start is refused with the field named, exit 2', async () => {
  const bad = structuredClone(demoConfig);
  bad.mediated_bids[2].cpm = -1;
  const path = writeConfig('e.json', bad);
  const child = spawn(process.execPath, [root + 'web/server/server.mjs', '--config', path], {
    env: { ...process.env, PORT: '0', MEDIATION_DATA: join(dir, 'd5') },
  });
  let err = '';
  child.stderr.on('data', (c) => {
    err += c;
  });
  const code = await new Promise((r) => child.on('exit', r));
  assert.equal(code, 2);
  assert.match(err, /config\.mediated_bids\[2\]\.cpm/);
});

test('events: stored once when sent twice; malformed and oversized refused with 400 and counted', async () => {
  const s = await startServer({
    port: 0,
    configPath: writeConfig('f.json', demoConfig),
    dataDir: join(dir, 'd6'),
    log: quiet,
  });
  try {
    assert.equal((await post(s.url, '/events', event(1))).status, 204);
    assert.equal((await post(s.url, '/events', event(1))).status, 204);
    assert.equal(
      (await post(s.url, '/events', event(1, { outcome: 'late', latency_ms: 900 }))).status,
      204,
      'a late record is its own row',
    );
    for (const bad of [
      'not json',
      '[]',
      JSON.stringify(event(2, { outcome: 'exploded' })),
      JSON.stringify(event(3, { latency_ms: -5 })),
      JSON.stringify({ ...event(4), bid: undefined }),
      JSON.stringify(event(5, { network: 'x'.repeat(5000) })),
    ]) {
      const r = await post(s.url, '/events', bad);
      assert.equal(r.status, 400, bad.slice(0, 60));
      assert.ok(r.json.error.message);
    }
    const status = await (await fetch(s.url + '/status.json')).json();
    assert.deepEqual(status.store, { attempts: 2, rejected: 6 });
  } finally {
    await s.close();
  }
});

test("the report's numbers for a known set of attempts; a restart keeps them", async () => {
  const data = join(dir, 'd7');
  let s = await startServer({ port: 0, configPath: writeConfig('g.json', demoConfig), dataDir: data, log: quiet });
  const attempts = [
    event(1, { network: 'acme', bid: 'a1', latency_ms: 100, price: 2 }),
    event(2, { network: 'acme', bid: 'a1', latency_ms: 300, price: 2 }),
    event(3, { network: 'acme', bid: 'a1', outcome: 'no_fill', latency_ms: 40, price: 2 }),
    event(4, { network: 'acme', bid: 'a2', outcome: 'timeout', latency_ms: 800, price: 3 }),
    event(4, { network: 'acme', bid: 'a2', outcome: 'late', latency_ms: 1100, price: 3 }),
    event(5, { network: 'dsp', bid: 'r1', source: 'rtb', latency_ms: 30, price: 1.5 }),
    event(6, { network: 'dsp', bid: 'r1', source: 'rtb', outcome: 'error', latency_ms: 10, price: 1.5 }),
  ];
  try {
    for (const a of attempts) assert.equal((await post(s.url, '/events', a)).status, 204);
  } finally {
    await s.close();
  }
  s = await startServer({ port: 0, configPath: writeConfig('g.json', demoConfig), dataDir: data, log: quiet });
  try {
    const report = await (await fetch(s.url + '/report.json')).json();
    const acme = report.networks.find((n) => n.network === 'acme');
    assert.deepEqual(acme, {
      network: 'acme',
      attempts: 4,
      fills: 2,
      fill_rate: 0.5,
      no_fills: 1,
      timeouts: 1,
      errors: 0,
      late: 1,
      latency_p50: 100,
      latency_p95: 300,
      revenue: 0.004,
      ecpm: 1,
    });
    const dsp = report.networks.find((n) => n.network === 'dsp');
    assert.deepEqual([dsp.attempts, dsp.fills, dsp.errors, dsp.revenue], [2, 1, 1, 0.0015]);
    assert.deepEqual(report.totals.attempts, 6);
    assert.equal(report.bids.find((b) => b.bid === 'a2').late, 1);
    const page = await (await fetch(s.url + '/report')).text();
    assert.match(page, /<svg/);
    assert.match(page, /acme/);
  } finally {
    await s.close();
  }
});

test('no event answered 204 is lost when the server is killed with SIGKILL', async () => {
  const data = join(dir, 'd8');
  const path = writeConfig('h.json', demoConfig);
  const start = () =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [root + 'web/server/server.mjs', '--config', path], {
        env: { ...process.env, PORT: '0', MEDIATION_DATA: data },
      });
      child.stdout.on('data', (c) => {
        const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(String(c));
        if (m) resolve({ child, url: m[1] });
      });
      child.on('exit', (code) => reject(new Error('server exited ' + code)));
    });
  let { child, url } = await start();
  let answered = 0;
  // Fire events, counting each 204, and kill the server while they fly.
  const sending = (async () => {
    for (let i = 0; i < 5000; i++) {
      try {
        const r = await post(url, '/events', event(1000 + i));
        if (r.status === 204) answered++;
      } catch {
        return;
      }
    }
  })();
  await until(() => answered >= 300, 10000, '300 stored events');
  child.kill('SIGKILL');
  await sending;
  ({ child, url } = await start());
  try {
    const status = await (await fetch(url + '/status.json')).json();
    assert.ok(status.store.attempts >= answered, `${status.store.attempts} stored, ${answered} answered 204`);
    assert.ok(status.store.attempts <= answered + 1, 'at most the one in flight more');
  } finally {
    child.kill('SIGKILL');
  }
});

test('the report shows money in the config currency, with its own minor digits', () => {
  const figures = { attempts: 1, fills: 1, fill_rate: 1, no_fills: 0, timeouts: 0, errors: 0, late: 0 };
  const row = { ...figures, latency_p50: 10, latency_p95: 10, revenue: 0.012, ecpm: 12 };
  const report = { totals: row, networks: [{ network: 'n', ...row }], bids: [], series: [] };
  const yen = reportPage(report, { currency: 'JPY' });
  assert.match(yen, /estimated revenue ¥0\.01/);
  assert.doesNotMatch(yen, /\$/);
  assert.match(reportPage(report, { currency: 'EUR' }), /eCPM €12\.00/);
});
