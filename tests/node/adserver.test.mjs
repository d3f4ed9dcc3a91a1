// adserver.test.mjs — the ad server over real HTTP on 127.0.0.1: auctions with
// real bidders, bad requests and bad bidders, config reloads, events, the report,
// restarts and a SIGKILL.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { spawn } from 'node:child_process';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../web/server/server.mjs';
import { reportPage } from '../../web/server/report.mjs';
import { latencyBucket } from '../../web/server/store.mjs';
import { sign } from '../../web/server/tokens.mjs';
import { until } from './browser-helpers.mjs';

const root = new URL('../../', import.meta.url).pathname;
const demoConfig = JSON.parse(readFileSync(root + 'web/demo/config.json', 'utf8'));
const quiet = () => {};
// The servers under test sign with k2 and still verify k1 (a rotation), and know the admin token.
const KEYS = [
  { id: 'k2', key: Buffer.alloc(32, 2) },
  { id: 'k1', key: Buffer.alloc(32, 1) },
];
const ADMIN = 'test-admin-token';
const TEST = { demo: true, signingKeys: KEYS, adminToken: ADMIN };
const ENV = {
  MEDIATION_SIGNING_KEYS: KEYS.map((k) => `${k.id}:${k.key.toString('base64')}`).join(','),
  MEDIATION_ADMIN_TOKEN: ADMIN,
};
const admin = { headers: { authorization: `Bearer ${ADMIN}` } };
// A server under test on a free port, quiet, with the keys and token above.
const serve = (configPath, dataDir, opts = {}) =>
  startServer({ ...TEST, port: 0, configPath, dataDir, log: quiet, ...opts });
let dir, garbage;
const recorded = []; // request bodies the /record bidder got

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mediation-test-'));
  // A bidder that answers garbage, and one that answers an error.
  garbage = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.url === '/record') {
        recorded.push(body);
        res.writeHead(204);
        res.end();
      } else if (req.url === '/garbage') {
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

// A beacon as mediation.js sends it, signed as /auction would have signed its entry.
function event(i, extra = {}, { keys = KEYS, exp = Date.now() + 60000 } = {}) {
  const e = unsigned(i, extra);
  return { ...e, token: sign(keys, e, exp) };
}

function unsigned(i, extra = {}) {
  return {
    cur: 'USD',
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
  const s = await serve(writeConfig('a.json', demoConfig), join(dir, 'd1'));
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
    const status = await (await fetch(s.url + '/status.json', admin)).json();
    assert.equal(status.bidders['dsp-slow'].timeouts, 1);
    assert.equal(status.bidders['dsp-quick'].bids, 1);
  } finally {
    await s.close();
  }
});

test('a malformed bid request gets a 400 that says what is wrong', async () => {
  const s = await serve(writeConfig('b.json', demoConfig), join(dir, 'd2'));
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
    assert.equal(r.status, 413);
    assert.equal(r.json.error.code, 'too_large');
    // The engine read each bad request before any bidder was asked.
    const status = await (await fetch(s.url + '/status.json', admin)).json();
    assert.deepEqual(status.bidders, {});
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
  const s = await serve(writeConfig('c.json', config), join(dir, 'd3'));
  try {
    const r = await post(s.url, '/auction', bidRequest('req-g'));
    assert.equal(r.status, 200);
    assert.equal(r.json.imps[0].waterfall.at(-1).seat, 'dsp-quick');
    const status = await (await fetch(s.url + '/status.json', admin)).json();
    assert.equal(status.bidders.junk.malformed, 1);
    assert.equal(status.bidders.deep.malformed, 1, 'a response nested 300 deep is dropped, not the auction');
    assert.equal(status.bidders.broken.errors, 1);
    assert.equal(status.bidders.nobody.errors, 1);
  } finally {
    await s.close();
  }
});

test('bidders get the privacy signals exactly as the page sent them; the engine applies them to mediated bids', async () => {
  const g = `http://127.0.0.1:${garbage.address().port}`;
  const config = {
    ...demoConfig,
    bidders: [{ id: 'rec', url: g + '/record' }],
    networks: demoConfig.networks.map((n) => ({ ...n, gvl_id: 755 })),
  };
  const s = await serve(writeConfig('consent.json', config), join(dir, 'consent'));
  try {
    const tc = 'CQuZP8AQuZP8AAHABBENDIFgAPAAAAAAAAqIF5wAgAQALzAAAAAA'; // vendor 755, purposes 1-4
    const signals = {
      regs: {
        gdpr: 1,
        us_privacy: '1YNN',
        gpp: 'DBABMA~CQuZP8AQuZP8AAHABBENDIFgAPAAAAAAAAqIF5wAgAQALzAAAAAA',
        gpp_sid: [2],
      },
      user: { consent: tc, ext: { eids: [] } },
    };
    const text = JSON.stringify({ ...bidRequest('req-consent', 'slot-1'), ...signals });
    recorded.length = 0;
    const r = await post(s.url, '/auction', text);
    assert.equal(r.status, 200);
    assert.equal(recorded.length, 1);
    assert.equal(recorded[0], text, 'the bidder got the request text unchanged');
    assert.ok(
      r.json.imps[0].waterfall.some((e) => e.source === 'mediated'),
      'consent given: mediated bids stay',
    );
    const refused = await post(
      s.url,
      '/auction',
      JSON.stringify({ ...bidRequest('req-none', 'slot-1'), regs: { gdpr: 1 } }),
    );
    assert.match(refused.json.consent_error, /no TC string/);
    assert.ok(!refused.json.imps[0].waterfall.some((e) => e.source === 'mediated'), 'no consent: no mediated bid');
    // The report counts the bids rejected for consent, per network, bid and reason.
    const left = refused.json.imps[0].rejected.filter((e) => e.reason === 'consent');
    assert.ok(left.length >= 2);
    await post(s.url, '/auction', JSON.stringify({ ...bidRequest('req-none2', 'slot-1'), regs: { gdpr: 1 } }));
    const report = await (await fetch(s.url + '/report.json', admin)).json();
    const counted = Object.fromEntries(report.consent_rejected.map((r) => [r.bid, r]));
    for (const e of left) {
      assert.equal(counted[e.bid]?.n, 2, `${e.bid} counted twice`);
      assert.equal(counted[e.bid].network, e.network);
      assert.match(counted[e.bid].detail, /no TC string/);
    }
    assert.equal(report.consent_rejected.length, left.length, 'the auction with consent counted nothing');
    const page = await (await fetch(s.url + '/report', admin)).text();
    assert.match(page, new RegExp(`Bids rejected for consent</h2><p>${2 * left.length} mediated bids`));
  } finally {
    await s.close();
  }
});

test('a changed config file is reloaded; a bad one keeps the old config and says why', async () => {
  const path = writeConfig('d.json', demoConfig);
  const s = await serve(path, join(dir, 'd4'));
  try {
    const price = async () =>
      (await post(s.url, '/auction', bidRequest('req-r', 'slot-1'))).json.imps[0].waterfall[0].price;
    assert.equal(await price(), 3);
    const first = (await (await fetch(s.url + '/status.json', admin)).json()).config.loaded_at;
    const changed = structuredClone(demoConfig);
    changed.mediated_bids.find((b) => b.id === 'slot-1-fastfill').cpm = 3.75;
    writeConfig('d.json', changed);
    await until(
      async () => (await (await fetch(s.url + '/status.json', admin)).json()).config.loaded_at !== first,
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
    await until(
      async () => (await (await fetch(s.url + '/status.json', admin)).json()).config.error,
      3000,
      'the refusal',
    );
    const status = await (await fetch(s.url + '/status.json', admin)).json();
    assert.match(status.config.error, /config\.mediated_bids\[0\]\.network/);
    assert.equal(await price(), 3.75, 'the previous config still serves');
  } finally {
    await s.close();
  }
});

test('a bidder URL that is not http(s) is refused at start and on reload', async () => {
  const bad = { ...demoConfig, bidders: [{ id: 'x', url: 'ftp://127.0.0.1/' }] };
  await assert.rejects(serve(writeConfig('i.json', bad), join(dir, 'd9')), /config\.bidders\[0\]\.url/);
  const path = writeConfig('j.json', demoConfig);
  const s = await serve(path, join(dir, 'd10'));
  try {
    writeConfig('j.json', bad);
    await until(
      async () => (await (await fetch(s.url + '/status.json', admin)).json()).config.error,
      3000,
      'the refusal',
    );
    assert.equal((await post(s.url, '/auction', bidRequest('req-u', 'slot-1'))).status, 200);
  } finally {
    await s.close();
  }
});

test('hostile requests: a bad request line, a fractional bucket, a CORS preflight', async () => {
  const s = await serve(writeConfig('k.json', demoConfig), join(dir, 'd11'));
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
    assert.equal((await fetch(s.url + '/report.json?bucket_ms=1500.5', admin)).status, 200);
    assert.equal((await fetch(s.url + '/status.json', admin)).status, 200, 'still up');
  } finally {
    await s.close();
  }
});

test('a bad config at start is refused with the field named, exit 2', async () => {
  const bad = structuredClone(demoConfig);
  bad.mediated_bids[2].cpm = -1;
  const path = writeConfig('e.json', bad);
  const child = spawn(process.execPath, [root + 'web/server/server.mjs', '--demo', '--config', path], {
    env: { ...process.env, ...ENV, PORT: '0', MEDIATION_DATA: join(dir, 'd5') },
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
  const s = await serve(writeConfig('f.json', demoConfig), join(dir, 'd6'));
  try {
    assert.equal((await post(s.url, '/events', event(1))).status, 204);
    assert.equal((await post(s.url, '/events', event(1))).status, 204, 'the same beacon again: stored once');
    for (const bad of [
      'not json',
      '[]',
      JSON.stringify(event(2, { outcome: 'exploded' })),
      JSON.stringify(event(3, { latency_ms: -5 })),
      JSON.stringify({ ...event(4), bid: undefined }),
      JSON.stringify(event(5, { network: 'x'.repeat(5000) })),
    ]) {
      const r = await post(s.url, '/events', bad);
      assert.equal(r.status, bad.length > 4096 ? 413 : 400, bad.slice(0, 60));
      assert.ok(r.json.error.message);
    }
    const status = await (await fetch(s.url + '/status.json', admin)).json();
    assert.equal(status.store.attempts, 1);
    assert.equal(status.store.rejected, 6);
  } finally {
    await s.close();
  }
});

test('events: only a valid token vouches; forged, altered, expired and missing ones are refused and counted', async () => {
  const s = await serve(writeConfig('t.json', demoConfig), join(dir, 't1'));
  try {
    const send = async (e) => (await post(s.url, '/events', e)).status;
    const forged = event(10, {}, { keys: [{ id: 'k2', key: Buffer.alloc(32, 9) }] });
    const altered = { ...event(11), price: 999999.99 };
    const moved = { ...event(12), position: 1 };
    const expired = event(13, {}, { exp: Date.now() - 1000 });
    const unknownKey = event(14, {}, { keys: [{ id: 'k0', key: Buffer.alloc(32, 2) }] });
    const missing = unsigned(15);
    for (const e of [forged, altered, moved, expired, unknownKey, missing]) assert.equal(await send(e), 403);
    assert.equal(await send({ ...event(16), token: { toString: null } }), 403, 'a hostile token type');
    // The previous key still verifies while the new one signs.
    assert.equal(await send(event(17, {}, { keys: [KEYS[1]] })), 204);
    const status = await (await fetch(s.url + '/status.json', admin)).json();
    assert.equal(status.store.attempts, 1, 'nothing refused was stored');
    assert.deepEqual(status.store.refused, {
      token_bad_signature: 3,
      token_expired: 1,
      token_malformed: 1,
      token_missing: 1,
      token_unknown_key: 1,
    });
  } finally {
    await s.close();
  }
});

test('events: one outcome per auction, imp and position (late only after a timeout); one fill per imp', async () => {
  const s = await serve(writeConfig('o.json', demoConfig), join(dir, 'o1'));
  try {
    const send = async (e) => (await post(s.url, '/events', e)).status;
    assert.equal(await send(event(20)), 204);
    assert.equal(await send(event(20, { outcome: 'no_fill' })), 409, 'filled and no_fill at one position');
    assert.equal(await send(event(20, { outcome: 'error' })), 409);
    assert.equal(await send(event(21, { outcome: 'late', latency_ms: 900 })), 409, 'late without a timeout');
    assert.equal(await send(event(22, { outcome: 'timeout', latency_ms: 500 })), 204);
    assert.equal(await send(event(22, { outcome: 'late', latency_ms: 900 })), 204, 'late after a timeout');
    assert.equal(await send(event(23, { outcome: 'filled' })), 204);
    assert.equal(await send(event(23, { outcome: 'filled', position: 1, bid: 'b2' })), 409, 'a second fill');
    const status = await (await fetch(s.url + '/status.json', admin)).json();
    assert.equal(status.store.attempts, 4);
    assert.deepEqual(status.store.refused, { conflict: 2, late_without_timeout: 1, second_fill: 1 });
  } finally {
    await s.close();
  }
});

test("events: a batch (mediation.js's beacons of a page) keeps each good event and lists the refused ones", async () => {
  const s = await serve(writeConfig('batch.json', demoConfig), join(dir, 'batch1'));
  try {
    assert.equal((await post(s.url, '/events', [event(60), event(61, { outcome: 'no_fill' })])).status, 204);
    const r = await post(s.url, '/events', [
      event(62),
      { ...event(63), price: 999999.99 }, // altered
      event(60), // sent again: kept once, not refused
      event(60, { outcome: 'no_fill' }), // contradicts a stored one
      'not an event',
      event(64, { outcome: 'late', latency_ms: 900 }), // late without a timeout
      event(65, { outcome: 'timeout', latency_ms: 500 }),
      event(65, { outcome: 'late', latency_ms: 900 }), // its late fill, in the same batch
    ]);
    assert.equal(r.status, 200);
    assert.equal(r.json.kept, 4, 'the copy of a stored one counts as kept');
    assert.deepEqual(
      r.json.refused.map((x) => [x.index, x.status, x.code]),
      [
        [1, 403, 'bad_token'],
        [3, 409, 'conflict'],
        [4, 400, 'invalid_event'],
        [5, 409, 'late_without_timeout'],
      ],
    );
    for (const x of r.json.refused) assert.ok(x.message);
    // A currency nested 30 000 deep (what would overflow the token check's stack) is
    // refused as invalid, its neighbour kept.
    const deep = JSON.stringify(event(66)).replace('"cur":"USD"', `"cur":${'['.repeat(30000)}${']'.repeat(30000)}`);
    const d = await post(s.url, '/events', `[${JSON.stringify(event(67))},${deep}]`);
    assert.equal(d.status, 200);
    assert.deepEqual(
      d.json.refused.map((x) => [x.index, x.code]),
      [[1, 'invalid_event']],
    );
    // Whole batches refused: empty, too many events, too large.
    const many = Array.from({ length: 51 }, (_, i) => event(100 + i));
    assert.equal((await post(s.url, '/events', many)).status, 400);
    assert.equal((await post(s.url, '/events', many.slice(0, 50))).status, 204, 'fifty is the most');
    const huge = await post(s.url, '/events', [event(200, { render_id: 'x'.repeat(70 * 1024) })]);
    assert.equal(huge.status, 413);
    const status = await (await fetch(s.url + '/status.json', admin)).json();
    assert.equal(status.store.attempts, 2 + 3 + 1 + 50);
    assert.deepEqual(status.store.refused, {
      conflict: 1,
      invalid: 3,
      late_without_timeout: 1,
      token_bad_signature: 1,
      too_large: 1,
    });
    // Refusals of one reason in a batch are counted together, each of them.
    const forged = [70, 71, 72].map((i) => ({ ...event(i), price: 500 }));
    assert.equal((await post(s.url, '/events', forged)).json.refused.length, 3);
    const after = await (await fetch(s.url + '/status.json', admin)).json();
    assert.equal(after.store.refused.token_bad_signature, 4);
  } finally {
    await s.close();
  }
});

test('events: unsigned beacons (in-page auctions) are kept only where the config says, and apart', async () => {
  const path = writeConfig('u.json', { ...demoConfig, accept_unsigned_events: true });
  const s = await serve(path, join(dir, 'u1'));
  try {
    assert.equal((await post(s.url, '/events', unsigned(30))).status, 204);
    assert.equal((await post(s.url, '/events', event(31))).status, 204);
    assert.equal(
      (await post(s.url, '/events', { ...event(32), price: 50 })).status,
      403,
      'a bad token is still refused',
    );
    const report = await (await fetch(s.url + '/report.json', admin)).json();
    assert.equal(report.verified.totals.attempts, 1);
    assert.equal(report.unverified.totals.attempts, 1);
    assert.match(await (await fetch(s.url + '/report', admin)).text(), /<h2>Unverified attempts<\/h2><p>1 attempts/);
  } finally {
    await s.close();
  }
});

test('admin routes want the token; CORS only for the listed publisher origins; unknown Host names refused', async () => {
  const path = writeConfig('c.json', { ...demoConfig, publisher_origins: ['https://pub.example'] });
  const s = await serve(path, join(dir, 'c1'));
  try {
    for (const route of ['/report.json', '/status.json']) {
      assert.equal((await fetch(s.url + route)).status, 401, route);
      const wrong = await fetch(s.url + route, { headers: { authorization: 'Bearer nope' } });
      assert.equal(wrong.status, 401, route);
    }
    const loginPage = await fetch(s.url + '/report');
    assert.equal(loginPage.status, 401);
    assert.match(await loginPage.text(), /<form method="post" action="\/login">/);
    // The login form sets an HttpOnly, SameSite=Strict cookie that opens the report.
    const form = { method: 'POST', body: `token=${ADMIN}`, redirect: 'manual' };
    const login = await fetch(s.url + '/login', form);
    assert.equal(login.status, 303);
    const cookie = login.headers.get('set-cookie');
    assert.match(cookie, /HttpOnly; SameSite=Strict/);
    const report = await fetch(s.url + '/report', { headers: { cookie: cookie.split(';')[0] } });
    assert.equal(report.status, 200);
    assert.equal((await fetch(s.url + '/login', { ...form, body: 'token=nope' })).status, 401);

    const pub = { origin: 'https://pub.example' };
    const pre = await fetch(s.url + '/events', { method: 'OPTIONS', headers: pub });
    assert.equal(pre.status, 204);
    assert.equal(pre.headers.get('access-control-allow-origin'), 'https://pub.example');
    const evil = await fetch(s.url + '/events', { method: 'OPTIONS', headers: { origin: 'https://evil.example' } });
    assert.equal(evil.status, 403);
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    const read = await fetch(s.url + '/report.json', { headers: { ...admin.headers, ...pub } });
    assert.equal(read.headers.get('access-control-allow-origin'), null, 'the report is never readable cross-origin');

    const { port } = new URL(s.url);
    const rebound = await new Promise((resolve) => {
      const r = http.request({ host: '127.0.0.1', port, path: '/demo/', headers: { host: `evil.example:${port}` } });
      r.on('response', (res) => resolve(res.statusCode)).end();
    });
    assert.equal(rebound, 421);
  } finally {
    await s.close();
  }
});

test('a tag host name serves the tag frame files, cached, and nothing else', async () => {
  const path = writeConfig('th.json', { ...demoConfig, tag_hosts: ['tags.example'] });
  const s = await serve(path, join(dir, 'th'));
  const { port } = new URL(s.url);
  const get = (host, path, method = 'GET') =>
    new Promise((resolve, reject) => {
      const r = http.request({ host: '127.0.0.1', port, path, method, headers: { host: `${host}:${port}` } });
      r.on('error', reject);
      r.on('response', (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
      });
      r.end(method === 'POST' ? '{}' : undefined);
    });
  try {
    for (const [file, type] of [
      ['/frame.html', /text\/html/],
      ['/noad.html', /text\/html/],
      ['/noad.js', /text\/javascript/],
    ]) {
      const r = await get('tags.example', file);
      assert.equal(r.status, 200, file);
      assert.match(r.headers['content-type'], type);
      assert.equal(r.headers['cache-control'], 'public, max-age=3600');
      assert.equal(r.headers['x-frame-options'], undefined, 'any page may frame it');
    }
    assert.match((await get('tags.example', '/frame.html')).body, /mediation:hello/);
    for (const route of ['/demo/', '/mediation.js', '/report', '/report.json', '/status.json'])
      assert.equal((await get('tags.example', route)).status, 404, route);
    assert.equal((await get('tags.example', '/events', 'POST')).status, 405);
    assert.equal((await get('tags.example', '/auction', 'POST')).status, 405);
    // The publisher-facing names do not serve the tag host's page.
    assert.equal((await get('127.0.0.1', '/frame.html')).status, 404);
  } finally {
    await s.close();
  }
});

test("the report's numbers for a known set of attempts; a restart keeps them", async () => {
  const data = join(dir, 'd7');
  let s = await serve(writeConfig('g.json', demoConfig), data);
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
  s = await serve(writeConfig('g.json', demoConfig), data);
  try {
    const report = (await (await fetch(s.url + '/report.json', admin)).json()).verified;
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
      // Read from the rollups' histogram: 100 and 300 ms within 5% (store.mjs latencyBucket).
      latency_p50: latencyBucket(100),
      latency_p95: latencyBucket(300),
      revenue: 0.004,
      ecpm: 1,
    });
    const dsp = report.networks.find((n) => n.network === 'dsp');
    assert.deepEqual([dsp.attempts, dsp.fills, dsp.errors, dsp.revenue], [2, 1, 1, 0.0015]);
    assert.deepEqual(report.totals.attempts, 6);
    assert.equal(report.bids.find((b) => b.bid === 'a2').late, 1);
    const page = await (await fetch(s.url + '/report', admin)).text();
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
      const child = spawn(process.execPath, [root + 'web/server/server.mjs', '--demo', '--config', path], {
        env: { ...process.env, ...ENV, PORT: '0', MEDIATION_DATA: data },
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
    const status = await (await fetch(url + '/status.json', admin)).json();
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

test('the demo bidders exist only with --demo, and the slow one waits 2.2 s at most whatever tmax says', async () => {
  const plain = await serve(writeConfig('p.json', demoConfig), join(dir, 'p1'), { demo: false });
  try {
    assert.equal((await post(plain.url, '/bidders/quick', bidRequest('q'))).status, 404);
  } finally {
    await plain.close();
  }
  const s = await serve(writeConfig('p2.json', demoConfig), join(dir, 'p2'));
  try {
    const t0 = Date.now();
    const r = await post(s.url, '/bidders/slow', bidRequest('slow', 'slot-3', 2_000_000_000));
    assert.equal(r.status, 200);
    assert.ok(Date.now() - t0 < 3000, `answered after ${Date.now() - t0} ms`);
    // A client that goes away takes its timer with it: 200 abandoned requests leave none.
    const before = process.getActiveResourcesInfo().filter((x) => x === 'Timeout').length;
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const ac = new AbortController();
        const p = fetch(s.url + '/bidders/slow', {
          method: 'POST',
          body: JSON.stringify(bidRequest('a' + i)),
          signal: ac.signal,
        });
        setTimeout(() => ac.abort(), 50);
        await p.catch(() => {});
      }),
    );
    await until(
      () => process.getActiveResourcesInfo().filter((x) => x === 'Timeout').length <= before + 2,
      3000,
      'the abandoned requests to drop their timers',
    );
  } finally {
    await s.close();
  }
});

test('a config swapped by symlink, the way Kubernetes mounts a ConfigMap, is reloaded', async () => {
  // config.json -> ..data/config.json, ..data -> v1; the swap points ..data at v2.
  const base = join(dir, 'k8s');
  for (const v of ['v1', 'v2']) mkdirSync(join(base, v), { recursive: true });
  writeFileSync(join(base, 'v1', 'config.json'), JSON.stringify(demoConfig));
  writeFileSync(join(base, 'v2', 'config.json'), JSON.stringify({ ...demoConfig, max_waterfall: 2 }));
  symlinkSync('v1', join(base, '..data'));
  symlinkSync('..data/config.json', join(base, 'config.json'));
  const s = await serve(join(base, 'config.json'), join(dir, 'k1'));
  try {
    const loaded = async () => (await (await fetch(s.url + '/status.json', admin)).json()).config.loaded_at;
    const first = await loaded();
    await new Promise((r) => setTimeout(r, 20));
    symlinkSync('v2', join(base, '..data_tmp'));
    renameSync(join(base, '..data_tmp'), join(base, '..data')); // atomic, as kubelet does
    await until(async () => (await loaded()) !== first, 5000, 'the reload after the symlink swap');
  } finally {
    await s.close();
  }
});

test('a database damaged in the middle stops the server with a clear message', async () => {
  const data = join(dir, 'damaged');
  const path = writeConfig('dmg.json', demoConfig);
  const s = await serve(path, data);
  for (let i = 0; i < 400; i += 40)
    await Promise.all(Array.from({ length: 40 }, (_, k) => post(s.url, '/events', event(5000 + i + k))));
  await s.close();
  const db = join(data, 'events.db');
  const size = statSync(db).size;
  assert.ok(size > 8 * 4096, `the database has pages to damage (${size} bytes)`);
  const fd = openSync(db, 'r+');
  writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, 4 * 4096); // a page in the middle
  closeSync(fd);
  await assert.rejects(serve(path, data), /damaged|malformed|corrupt/i);
});

test('a large config loads in a worker: requests go on meanwhile, on the old config until the new one is ready', async () => {
  const path = writeConfig('big.json', demoConfig);
  const s = await serve(path, join(dir, 'big'));
  try {
    const loaded = async () => (await (await fetch(s.url + '/status.json', admin)).json()).config.loaded_at;
    const first = await loaded();
    const bids = Array.from({ length: 30000 }, (_, i) => ({
      id: 'big-' + i,
      network: demoConfig.networks[i % demoConfig.networks.length].id,
      cpm: 0.1,
      targeting: { placements: ['nowhere-' + (i % 500)], countries: ['US', 'CA'], key_values: { s: ['a', 'b'] } },
      tag: '<script src="https://ads.example/t.js?i=' + i + '"></script>'.repeat(3),
    }));
    const big = { ...demoConfig, mediated_bids: [...demoConfig.mediated_bids, ...bids] };
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    writeConfig('big.json', big); // some MB: a load of a second or so
    let answered = 0;
    while ((await loaded()) === first) {
      const r = await post(s.url, '/auction', bidRequest('during-' + answered));
      assert.equal(r.status, 200);
      answered++;
    }
    delay.disable();
    assert.ok(answered > 0, 'auctions were answered while the new config loaded');
    const worst = delay.max / 1e6;
    assert.ok(worst < 250, `the event loop stalled ${worst.toFixed(0)} ms while the config loaded`);
  } finally {
    await s.close();
  }
});

test('events: an entry with an empty bid id or seat (as bidders may send) is reported like any other', async () => {
  const s = await serve(writeConfig('e.json', demoConfig), join(dir, 'e1'));
  try {
    assert.equal((await post(s.url, '/events', event(40, { bid: '', network: '', source: 'rtb' }))).status, 204);
    const cookie = { headers: { cookie: 'mediation_admin=%E0' } };
    assert.equal((await fetch(s.url + '/status.json', cookie)).status, 401, 'a malformed cookie is no token');
  } finally {
    await s.close();
  }
});
