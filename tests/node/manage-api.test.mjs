// manage-api.test.mjs — the Mediation API over real HTTP on 127.0.0.1: every route with
// no token, a wrong one and the read-only one; every validation rule refusing a body
// whole with the engine's message and the field's path; unknown and conflicting ids; a
// stale If-Match; versions, export and rollback; a restart; 20 writers at once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../web/server/server.mjs';
import { apiCall } from './helpers.mjs';

const root = new URL('../../', import.meta.url).pathname;
const demoText = readFileSync(root + 'web/demo/config.json', 'utf8');
const ADMIN = 'manage-admin-token';
const READ = 'manage-read-token';
let dir;
let n = 0;

before(() => (dir = mkdtempSync(join(tmpdir(), 'mediation-manage-'))));
after(() => rmSync(dir, { recursive: true, force: true }));

// A server on a fresh database seeded from the demo config; its log kept.
async function serve(name = `s${n++}`, text = demoText) {
  const configPath = join(dir, `${name}.json`);
  writeFileSync(configPath, text);
  const lines = [];
  const s = await startServer({
    port: 0,
    configPath,
    dataDir: join(dir, name),
    log: (l) => lines.push(l),
    adminToken: ADMIN,
    readToken: READ,
    demo: true,
  });
  return { ...s, lines, configPath, name };
}

// One API call: { status, json, text, etag }.
const call = (s, method, path, { token = ADMIN, ...opts } = {}) => apiCall(s, method, path, { token, ...opts });
const live = async (s) => (await call(s, 'GET', '/api/versions')).json.live;
const exported = async (s) => (await call(s, 'GET', '/api/config')).text;

const auction = async (s, id, tagid = 'slot-1') =>
  (
    await call(s, 'POST', '/auction', {
      token: null,
      body: {
        id,
        imp: [{ id: '1', tagid, banner: { w: 300, h: 250 } }],
        site: { page: 'https://pub.example/a' },
        tmax: 200,
      },
    })
  ).json;

const NEW_NETWORK = { id: 'zeta', name: 'Zeta Ads', gvl_id: 755 };
const NEW_BID = { id: 'zeta-1', network: 'zeta', cpm: 50, sizes: [[300, 250]], tag: '<div>zeta</div>' };

test('every route: no token and a wrong one get 401, the read-only one reads and gets 403 on writes; nothing changes, no token is logged', async () => {
  const s = await serve();
  try {
    const reads = [
      '/api/session',
      '/api/networks',
      '/api/networks/fastfill',
      '/api/bids',
      '/api/bids/slot-1-fastfill',
      '/api/versions',
      '/api/versions/1',
      '/api/config',
    ];
    const writes = [
      ['POST', '/api/networks', NEW_NETWORK],
      ['PATCH', '/api/networks/fastfill', { name: 'x' }],
      ['DELETE', '/api/networks/quietnet'],
      ['POST', '/api/networks/fastfill/pause'],
      ['POST', '/api/networks/fastfill/resume'],
      ['POST', '/api/bids', NEW_BID],
      ['PATCH', '/api/bids/slot-1-fastfill', { cpm: 9 }],
      ['DELETE', '/api/bids/slot-1-fastfill'],
      ['POST', '/api/bids/slot-1-fastfill/pause'],
      ['POST', '/api/bids/slot-1-fastfill/resume'],
      ['POST', '/api/versions/1/activate'],
    ];
    const before = await exported(s);
    for (const path of reads) {
      assert.equal((await call(s, 'GET', path, { token: null })).status, 401, `GET ${path} without a token`);
      assert.equal((await call(s, 'GET', path, { token: 'wrong' })).status, 401, `GET ${path} with a wrong token`);
      const r = await call(s, 'GET', path, { token: READ });
      assert.equal(r.status, 200, `GET ${path} read-only`);
    }
    for (const [method, path, body] of writes) {
      for (const token of [null, 'wrong'])
        assert.equal((await call(s, method, path, { token, body, ifMatch: '*' })).status, 401, `${method} ${path}`);
      const r = await call(s, method, path, { token: READ, body, ifMatch: '*' });
      assert.equal(r.status, 403, `${method} ${path} read-only`);
      assert.equal(r.json.error.code, 'forbidden');
    }
    assert.equal((await call(s, 'GET', '/api/session', { token: READ })).json.role, 'read');
    assert.equal((await call(s, 'GET', '/api/session')).json.role, 'admin');
    assert.equal(await live(s), 1);
    assert.equal(await exported(s), before);
    // The report takes the read-only token too.
    assert.equal((await call(s, 'GET', '/report.json', { token: READ })).status, 200);
    for (const l of s.lines) assert.ok(!l.includes(ADMIN) && !l.includes(READ) && !l.includes('wrong'), l);
  } finally {
    await s.close();
  }
});

test('a network and a bid added through the API are in the next waterfall, nothing restarted; a rollback undoes them', async () => {
  const s = await serve();
  try {
    assert.equal(await exported(s), demoText, 'version 1 is the config file as it was');
    let r = await call(s, 'POST', '/api/networks', { body: NEW_NETWORK, ifMatch: '"1"' });
    assert.equal(r.status, 201);
    assert.equal(r.etag, '"2"');
    assert.deepEqual(r.json, { version: 2, network: NEW_NETWORK });
    r = await call(s, 'POST', '/api/bids', {
      body: NEW_BID,
      ifMatch: r.etag,
      headers: { 'x-mediation-author': 'ana' },
    });
    assert.equal(r.status, 201);
    const first = (await auction(s, 'after-add')).imps[0].waterfall[0];
    assert.equal(first.bid, 'zeta-1', 'the new bid leads the next waterfall');
    assert.equal(first.network, 'zeta');
    assert.equal((await call(s, 'GET', '/api/bids/zeta-1')).json.bid.cpm, 50);

    // Paused: out of the waterfall; resumed: back.
    assert.equal((await call(s, 'POST', '/api/bids/zeta-1/pause', { ifMatch: '"3"' })).status, 200);
    assert.ok(!(await auction(s, 'paused')).imps[0].waterfall.some((e) => e.bid === 'zeta-1'));
    assert.equal((await call(s, 'POST', '/api/networks/zeta/pause', { ifMatch: '*' })).json.network.active, false);
    assert.equal((await call(s, 'POST', '/api/bids/zeta-1/resume', { ifMatch: '*' })).json.bid.active, undefined);
    assert.ok(!(await auction(s, 'net-paused')).imps[0].waterfall.some((e) => e.bid === 'zeta-1'), 'network paused');
    assert.equal((await call(s, 'POST', '/api/networks/zeta/resume', { ifMatch: '*' })).status, 200);
    r = await call(s, 'PATCH', '/api/bids/zeta-1', {
      body: { cpm: 0.5, targeting: { placements: ['slot-2'] } },
      ifMatch: '*',
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.bid.targeting, { placements: ['slot-2'] });
    assert.ok(!(await auction(s, 'slot-1')).imps[0].waterfall.some((e) => e.bid === 'zeta-1'), 'targeted elsewhere');

    const versions = (await call(s, 'GET', '/api/versions')).json;
    assert.equal(versions.live, 8);
    const v3 = versions.versions.find((v) => v.version === 3);
    assert.equal(v3.author, 'ana');
    assert.deepEqual(v3.summary, ['bid zeta-1 added']);
    assert.deepEqual(versions.versions[0].summary, ['bid zeta-1: cpm 50 → 0.5, targeting changed']);
    assert.ok(versions.versions.every((v) => !Number.isNaN(Date.parse(v.at))));
    assert.deepEqual(versions.versions.find((v) => v.version === 4).summary, ['bid zeta-1: paused']);

    // The export is the live config, and what the engine runs.
    const config = JSON.parse(await exported(s));
    assert.deepEqual(config, (await call(s, 'GET', '/api/versions/8')).json.config);
    assert.equal(config.mediated_bids.at(-1).cpm, 0.5);

    // Roll back to version 1: a new version with version 1's text.
    r = await call(s, 'POST', '/api/versions/1/activate', { ifMatch: '"8"' });
    assert.equal(r.status, 200);
    assert.equal(r.json.version, 9);
    assert.equal(await exported(s), demoText);
    assert.ok(!(await auction(s, 'rolled-back')).imps[0].waterfall.some((e) => e.network === 'zeta'));
    const last = (await call(s, 'GET', '/api/versions')).json.versions[0];
    assert.deepEqual(last.summary, ['rolled back to version 1', 'network zeta removed', 'bid zeta-1 removed']);
    // Deleting: a network with bids is refused; without, it goes.
    await call(s, 'POST', '/api/versions/8/activate', { ifMatch: '*' });
    assert.equal((await call(s, 'DELETE', '/api/networks/zeta', { ifMatch: '*' })).status, 409);
    assert.equal((await call(s, 'DELETE', '/api/bids/zeta-1', { ifMatch: '*' })).status, 200);
    assert.equal((await call(s, 'DELETE', '/api/networks/zeta', { ifMatch: '*' })).status, 200);
    assert.equal((await call(s, 'GET', '/api/networks/zeta')).status, 404);
  } finally {
    await s.close();
  }
});

test("a bad body is refused whole with the engine's message and the field's path; ids unknown or taken; If-Match missing or stale", async () => {
  const s = await serve();
  try {
    const before = await exported(s);
    const refused = async (method, path, opts, status, code, at) => {
      const r = await call(s, method, path, { ifMatch: '*', ...opts });
      assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(opts.body)}: ${r.text}`);
      assert.equal(r.json.error.code, code, r.text);
      if (at !== undefined) assert.equal(r.json.error.at, at, r.text);
      return r.json.error;
    };
    const bid = (extra) => ({ body: { ...NEW_BID, network: 'fastfill', ...extra } });
    // The engine's rules, each with its path inside the body.
    let e = await refused(
      'POST',
      '/api/bids',
      bid({ targeting: { countries: ['FR', 'DE', 'QQ'] } }),
      400,
      'invalid_value',
      'targeting.countries[2]',
    );
    assert.match(e.message, /"QQ" is not an ISO 3166-1/);
    assert.match(e.config_at, /^config\.mediated_bids\[\d+\]\.targeting\.countries\[2\]$/);
    await refused('POST', '/api/bids', bid({ cpm: -1 }), 400, 'invalid_value', 'cpm');
    await refused('POST', '/api/bids', bid({ cpm: 'abc' }), 400, 'wrong_type', 'cpm');
    await refused('POST', '/api/bids', bid({ timeout_ms: 0 }), 400, 'invalid_value', 'timeout_ms');
    await refused('POST', '/api/bids', bid({ sizes: [[300, 0]] }), 400, 'invalid_value', 'sizes[0]');
    await refused('POST', '/api/bids', bid({ network: 'nope' }), 400, 'unknown_network', 'network');
    await refused('POST', '/api/bids', bid({ tag: undefined }), 400, 'missing_field', 'tag');
    await refused('POST', '/api/bids', bid({ start: 'tomorrow' }), 400, 'invalid_time', 'start');
    await refused('POST', '/api/bids', bid({ tag: '<p>#{CLICK}</p>' }), 400, 'unknown_macro', 'tag');
    await refused('POST', '/api/bids', bid({ targeting: { genre: ['x'] } }), 400, 'unknown_field', 'targeting.genre');
    await refused(
      'POST',
      '/api/bids',
      bid({ targeting: { dayparts: [{ hours: [9, 9] }] } }),
      400,
      'invalid_value',
      'targeting.dayparts[0].hours',
    );
    await refused(
      'POST',
      '/api/bids',
      bid({ targeting: { device_types: ['phone'] } }),
      400,
      'invalid_value',
      'targeting.device_types[0]',
    );
    await refused('POST', '/api/networks', { body: { id: 'n2', gvl_id: 0 } }, 400, 'invalid_value', 'gvl_id');
    await refused(
      'POST',
      '/api/networks',
      { body: { id: 'n2', consent: { purposes: [25] } } },
      400,
      'invalid_value',
      'consent.purposes',
    );
    // The API's own rules.
    await refused('POST', '/api/bids', bid({ cpmm: 1 }), 400, 'unknown_field', 'cpmm');
    await refused('POST', '/api/networks', { body: { id: 'n3', color: 'red' } }, 400, 'unknown_field', 'color');
    await refused('PATCH', '/api/bids/slot-1-fastfill', { body: { tagg: 'x' } }, 400, 'unknown_field', 'tagg');
    await refused('POST', '/api/bids', { body: [] }, 400, 'wrong_type');
    await refused('PATCH', '/api/bids/slot-1-fastfill', { body: 'null' }, 400, 'wrong_type');
    await refused('POST', '/api/bids', { body: '{"id":' }, 400, 'invalid_json');
    await refused(
      'POST',
      '/api/bids',
      { body: 'id=x', headers: { 'content-type': 'text/plain' } },
      415,
      'unsupported_media_type',
    );
    await refused('POST', '/api/bids', bid({ id: '' }), 400, 'missing_field', 'id');
    await refused('POST', '/api/bids', bid({ id: 'slot-1-fastfill' }), 409, 'duplicate_id', 'id');
    await refused('POST', '/api/networks', { body: { id: 'fastfill' } }, 409, 'duplicate_id', 'id');
    await refused('PATCH', '/api/bids/slot-1-fastfill', { body: { id: 'renamed' } }, 400, 'immutable_field', 'id');
    await refused('DELETE', '/api/networks/fastfill', {}, 409, 'in_use', 'id');
    for (const [method, path] of [
      ['GET', '/api/bids/none'],
      ['PATCH', '/api/bids/none'],
      ['DELETE', '/api/bids/none'],
      ['POST', '/api/bids/none/pause'],
      ['GET', '/api/networks/none'],
      ['DELETE', '/api/networks/none'],
      ['GET', '/api/versions/99'],
      ['POST', '/api/versions/99/activate'],
      ['GET', '/api/nothing'],
    ])
      await refused(method, path, method === 'PATCH' ? { body: { cpm: 1 } } : {}, 404, 'not_found');
    await refused('PUT', '/api/bids/slot-1-fastfill', { body: {} }, 405, 'method_not_allowed');
    // If-Match: required, well formed, current.
    await refused(
      'PATCH',
      '/api/bids/slot-1-fastfill',
      { body: { cpm: 1 }, ifMatch: undefined },
      428,
      'precondition_required',
    );
    await refused(
      'PATCH',
      '/api/bids/slot-1-fastfill',
      { body: { cpm: 1 }, ifMatch: 'v1' },
      400,
      'invalid_value',
      'If-Match',
    );
    await refused('PATCH', '/api/bids/slot-1-fastfill', { body: { cpm: 1 }, ifMatch: '"7"' }, 409, 'stale_version');
    // A change by cookie from another origin.
    const r = await call(s, 'PATCH', '/api/bids/slot-1-fastfill', {
      token: null,
      body: { cpm: 1 },
      ifMatch: '*',
      headers: { cookie: `mediation_admin=${ADMIN}`, origin: 'http://evil.localhost' },
    });
    assert.equal(r.status, 403);
    assert.equal(await live(s), 1, 'nothing was saved');
    assert.equal(await exported(s), before);
    assert.equal((await auction(s, 'after-refusals')).imps[0].waterfall[0].bid, 'slot-1-fastfill');
  } finally {
    await s.close();
  }
});

test('20 writers on one version: exactly one wins, the others get 409 and change nothing', async () => {
  const s = await serve();
  try {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(s, 'PATCH', '/api/bids/slot-1-fastfill', { body: { cpm: 10 + i }, ifMatch: '"1"' }),
      ),
    );
    const won = results.filter((r) => r.status === 200);
    assert.equal(won.length, 1);
    assert.equal(results.filter((r) => r.status === 409).length, 19);
    assert.equal(await live(s), 2);
    const cpm = (await call(s, 'GET', '/api/bids/slot-1-fastfill')).json.bid.cpm;
    assert.equal(cpm, won[0].json.bid.cpm);
    // Chained on each other's versions, all 20 land, one version each.
    let version = 2;
    for (const batch of [0, 1]) {
      const rs = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          call(s, 'PATCH', '/api/bids/slot-1-fastfill', {
            body: { cpm: 30 + batch * 10 + i },
            ifMatch: `"${version}"`,
          }),
        ),
      );
      assert.equal(rs.filter((r) => r.status === 200).length, 1, 'one winner per version');
      version++;
    }
    assert.equal(await live(s), version);
  } finally {
    await s.close();
  }
});

test('a restart keeps the live version; a config file edited while the server was down becomes a new version', async () => {
  let s = await serve('restart');
  const { configPath } = s;
  // The same server again, on the same database and config file.
  const restart = () =>
    startServer({
      port: 0,
      configPath,
      dataDir: join(dir, 'restart'),
      log: () => {},
      adminToken: ADMIN,
      readToken: READ,
    });
  await call(s, 'POST', '/api/networks', { body: NEW_NETWORK, ifMatch: '"1"' });
  await s.close();
  s = await restart();
  try {
    assert.equal(await live(s), 2);
    assert.ok((await call(s, 'GET', '/api/networks/zeta')).status === 200, 'the API change survived the restart');
  } finally {
    await s.close();
  }
  const edited = JSON.parse(demoText);
  edited.networks[0].name = 'Fastfill Renamed';
  writeFileSync(configPath, JSON.stringify(edited));
  s = await restart();
  try {
    const v = (await call(s, 'GET', '/api/versions')).json;
    assert.equal(v.live, 3);
    assert.equal(v.versions[0].author, 'config file');
    assert.ok(
      v.versions[0].summary.includes('network fastfill: name "Fastfill Ads" → "Fastfill Renamed"'),
      v.versions[0].summary.join('; '),
    );
    assert.ok(v.versions[0].summary.includes('network zeta removed'));
  } finally {
    await s.close();
  }
});

test('an AdSense network and bid by their ids alone, through the API; a bad id is named at its parameter', async () => {
  const s = await serve();
  try {
    let r = await call(s, 'POST', '/api/networks', {
      body: { id: 'ads', kind: 'known', partner: 'adsense' },
      ifMatch: '*',
    });
    assert.equal(r.status, 201);
    const body = {
      id: 'ads-1',
      network: 'ads',
      cpm: 60,
      sizes: [[300, 250]],
      params: { client: 'ca-pub-1234567890123456', slot: '123' },
    };
    r = await call(s, 'POST', '/api/bids', { body, ifMatch: '*' });
    assert.equal(r.status, 400);
    assert.deepEqual([r.json.error.code, r.json.error.at], ['invalid_value', 'params.slot']);
    r = await call(s, 'POST', '/api/bids', {
      body: { ...body, params: { ...body.params, slot: '1234567890' } },
      ifMatch: '*',
    });
    assert.equal(r.status, 201);
    const first = (await auction(s, 'adsense')).imps[0].waterfall[0];
    assert.equal(first.bid, 'ads-1');
    assert.match(first.tag, /data-ad-client="ca-pub-1234567890123456" data-ad-slot="1234567890"/);
    assert.match(first.tag, /data-ad-status/);
  } finally {
    await s.close();
  }
});
