// loop.test.mjs — closing the loop: network report CSVs read by the engine (the CLI and
// the Wasm alike, every bad row named with its line), imported by the ad server whole
// or not at all (the same rows again change nothing, a later day replaces it), the
// discrepancy against counted fills, suggested CPMs against hand-computed figures, and
// auto_cpm once a day unless pinned.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mediation from '../../dist/mediation.mjs';
import { startServer } from '../../web/server/server.mjs';
import { sign } from '../../web/server/tokens.mjs';
import { CLI } from './helpers.mjs';

const root = new URL('../../', import.meta.url).pathname;
const demoConfig = JSON.parse(readFileSync(root + 'web/demo/config.json', 'utf8'));
const ADMIN = 'loop-admin';
const KEYS = [{ id: 'k1', key: Buffer.alloc(32, 7) }];
const DAY = 86400000;
const day = (ms) => new Date(ms).toISOString().slice(0, 10);
const HEADER = 'date,network,bid,impressions,revenue,currency\n';
let dir;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mediation-loop-'));
  await mediation.ready;
});
after(() => rmSync(dir, { recursive: true, force: true }));

const viaCli = (csv) => {
  const r = spawnSync(CLI, ['import'], { input: csv, encoding: 'utf8' });
  return { status: r.status, out: JSON.parse(r.stdout) };
};

test('a report CSV: rows read, every bad row named with its line and column, the CLI and the Wasm agree', () => {
  const csv =
    '\ufeffDate, Network ,Bid,Impressions,Revenue,Currency,Comment\r\n' +
    '2026-11-27,gam,gam-1,1200,3.5,USD,fine\r\n' +
    '2026-11-27,gam,gam-1,5,1,USD,again\r\n' +
    '2026-02-30,gam,,10,1,USD,no such day\r\n' +
    '"2026-11-28","g,am","a ""quoted"" bid",100,0.123456,EUR,"a\nline break"\r\n' +
    '2026-11-28,ads,a1,-3,1.1234567,usd,three errors\r\n' +
    '\r\n' +
    '2026-11-28,ads,a1,7,2,JPY\r\n' +
    '2026-11-29,ads\r\n';
  const { status, out } = viaCli(csv);
  assert.equal(status, 2, 'bad rows: exit 2');
  assert.deepEqual(out, mediation.importReport(csv), 'the Wasm reads it the same');
  assert.deepEqual(
    out.rows.map((r) => [r.line, r.date, r.network, r.bid, r.impressions, r.revenue, r.currency]),
    [
      [2, '2026-11-27', 'gam', 'gam-1', 1200, 3.5, 'USD'],
      [5, '2026-11-28', 'g,am', 'a "quoted" bid', 100, 0.123456, 'EUR'],
      [9, '2026-11-28', 'ads', 'a1', 7, 2, 'JPY'],
    ],
  );
  assert.deepEqual(
    out.errors.map((e) => [e.line, e.column]),
    [
      [3, 'date'],
      [4, 'date'],
      [7, 'impressions'],
      [7, 'revenue'],
      [7, 'currency'],
      [10, 'bid'],
      [10, 'impressions'],
      [10, 'revenue'],
      [10, 'currency'],
    ],
  );
  assert.match(out.errors[0].message, /repeats the date, network and bid of line 2/);
  assert.equal(out.error_count, 9);
  // The header, an empty file, an open quote.
  assert.deepEqual(
    viaCli('date,network,bid\n').out.errors.map((e) => e.column),
    ['impressions', 'revenue', 'currency'],
  );
  assert.match(viaCli('').out.errors[0].message, /empty/);
  assert.match(viaCli(HEADER + '"2026-11-28,gam,,1,1,USD\n').out.errors[0].message, /quote is not closed/);
  assert.deepEqual(viaCli(HEADER + '2026-11-28,gam,,1,1,USD\n'), {
    status: 0,
    out: {
      rows: [{ line: 2, date: '2026-11-28', network: 'gam', bid: '', impressions: 1, revenue: 1, currency: 'USD' }],
      errors: [],
      error_count: 0,
    },
  });
  // A large file: 50 000 rows read, the errors listed up to 1 000 and all counted.
  const big = [HEADER];
  for (let i = 0; i < 50000; i++) big.push(`2026-11-${10 + (i % 20)},n${i % 7},b${i},${i},${i / 100},USD\n`);
  for (let i = 0; i < 1500; i++) big.push('nope,n,b,1,1,USD\n');
  const r = mediation.importReport(big.join(''));
  assert.equal(r.rows.length, 50000);
  assert.equal(r.errors.length, 1000);
  assert.equal(r.error_count, 1500);
});

test('suggested CPMs and discrepancy, against figures computed by hand', () => {
  const input = {
    today: '2026-11-29',
    bids: [
      { bid: 'b1', network: 'n', cpm: 2.5 },
      { bid: 'b2', network: 'n', cpm: 1 },
      { bid: 'b3', network: 'n', cpm: 4 },
    ],
    fills: [
      { date: '2026-11-28', network: 'n', bid: 'b1', fills: 1200 },
      { date: '2026-11-27', network: 'n', bid: 'b1', fills: 1000 },
      { date: '2026-11-28', network: 'n', bid: 'b2', fills: 50 },
    ],
    reports: [
      { date: '2026-11-28', network: 'n', bid: 'b1', impressions: 1000, revenue: 2.0 },
      { date: '2026-11-27', network: 'n', bid: 'b1', impressions: 900, revenue: 2.7 },
      { date: '2026-11-26', network: 'n', bid: 'b1', impressions: 800, revenue: 1.6 },
      { date: '2026-11-20', network: 'n', bid: 'b1', impressions: 9000, revenue: 90 }, // 9 days ago: out
      { date: '2026-11-28', network: 'n', bid: '', impressions: 1040, revenue: 2.1 },
      { date: '2026-11-28', network: 'n', bid: 'b2', impressions: 40, revenue: 0.05 },
      { date: '2026-11-28', network: 'n', bid: 'b3', impressions: 3000, revenue: 9 },
    ],
  };
  const out = mediation.suggest(input);
  const cli = spawnSync(CLI, ['suggest'], { input: JSON.stringify(input), encoding: 'utf8' });
  assert.deepEqual(JSON.parse(cli.stdout), out, 'the CLI agrees');
  const [b1, b2, b3] = out.suggestions;
  // b1: weights 7, 6, 5 for 1, 2, 3 days ago: 1000 (7*2 + 6*2.7 + 5*1.6) / (7*1000 + 6*900 + 5*800) = 2.3293
  assert.equal(b1.suggested_cpm, 2.33);
  assert.equal(b1.impressions, 2700);
  assert.equal(b1.days, 3);
  // Daily eCPMs 2, 3, 2 weighted by 7000, 5400, 4000: variance 0.22085, n_eff 2.8564;
  // 1 - sqrt(0.22085 / 2.8564) / 2.3293 - 1 / sqrt(2700) = 0.8614.
  assert.equal(b1.confidence, 0.8614);
  assert.deepEqual([b2.suggested_cpm, b2.confidence, b2.impressions], [null, 0, 40]);
  assert.match(b2.note, /not enough data/);
  // b3: one day of data: eCPM 3, confidence (1 - 0 - 1/sqrt(3000)) / 3 = 0.3272.
  assert.deepEqual([b3.suggested_cpm, b3.confidence, b3.days], [3, 0.3272, 1]);
  const d = Object.fromEntries(out.discrepancy.map((r) => [`${r.date} ${r.bid}`, r]));
  assert.deepEqual(
    [d['2026-11-28 b1'].fills, d['2026-11-28 b1'].discrepancy, d['2026-11-28 b1'].realised_ecpm],
    [1200, 0.1667, 2],
  );
  assert.equal(d['2026-11-28 b1'].entered_cpm, 2.5);
  // The network's own row against all its bids' fills that day: 1250 counted, 1040 reported.
  assert.deepEqual(
    [d['2026-11-28 '].fills, d['2026-11-28 '].discrepancy, d['2026-11-28 '].entered_cpm],
    [1250, 0.168, null],
  );
  assert.equal(d['2026-11-26 b1'].discrepancy, null, 'nothing counted: no ratio');
  assert.throws(() => mediation.suggest({ today: 'yesterday' }), { code: 'wrong_type' });
});

async function serve(name, config) {
  const configPath = join(dir, `${name}.json`);
  writeFileSync(configPath, JSON.stringify(config));
  return startServer({
    port: 0,
    configPath,
    dataDir: join(dir, name),
    log: () => {},
    adminToken: ADMIN,
    readToken: 'loop-read',
    signingKeys: KEYS,
    demo: true,
  });
}
const H = { authorization: `Bearer ${ADMIN}` };
const post = (s, path, body, type = 'text/csv') =>
  fetch(s.url + path, { method: 'POST', headers: { ...H, 'content-type': type }, body }).then(async (r) => ({
    status: r.status,
    json: await r.json().catch(() => null),
  }));

test('the ad server imports a report whole or not at all; the same rows again change nothing; a later day replaces it', async () => {
  const s = await serve('import', { ...demoConfig, rates: { EUR: 1.1 } });
  try {
    const today = day(Date.now());
    // A fill counted today for slot-1-fastfill, through a signed beacon.
    const e = {
      cur: 'USD', auction_id: 'a1', imp_id: '1', render_id: 'r1', bid: 'slot-1-fastfill', network: 'fastfill',
      source: 'mediated', position: 0, outcome: 'filled', latency_ms: 80, price: 3,
    }; // prettier-ignore
    const ev = await post(
      s,
      '/events',
      JSON.stringify({ ...e, token: sign(KEYS, e, Date.now() + 60000) }),
      'text/plain',
    );
    assert.equal(ev.status, 204);

    let r = await post(
      s,
      '/api/reports',
      HEADER + `${today},fastfill,slot-1-fastfill,1,0.004,USD\n${today},x,,1,1,GBP\nbad`,
    );
    assert.equal(r.status, 400);
    assert.equal(r.json.error.code, 'invalid_report');
    assert.deepEqual(
      r.json.errors.map((x) => [x.line, x.column]),
      [
        [3, 'currency'],
        [4, 'network'],
        [4, 'bid'],
        [4, 'impressions'],
        [4, 'revenue'],
        [4, 'currency'],
      ],
    );
    assert.match(r.json.errors[0].message, /no rate for GBP/);
    const rows = async () => (await (await fetch(s.url + '/api/reports', { headers: H })).json()).rows;
    assert.deepEqual(await rows(), [], 'nothing imported');

    const good =
      HEADER + `${today},fastfill,slot-1-fastfill,1,0.004,USD\n${today},fastfill,slot-4-fastfill,10,0.05,EUR\n`;
    r = await post(s, '/api/reports', good);
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.imported, { rows: 2, days: 1 });
    const first = await rows();
    assert.equal(first.find((x) => x.bid === 'slot-4-fastfill').revenue, 0.055, 'EUR at the config rate');
    r = await post(s, '/api/reports', good);
    assert.deepEqual(await rows(), first, 'the same rows again change nothing');
    r = await post(s, '/api/reports', HEADER + `${today},fastfill,slot-1-fastfill,2,0.006,USD\n`);
    assert.deepEqual(
      (await rows()).map((x) => [x.bid, x.impressions]),
      [['slot-1-fastfill', 2]],
      "a later import replaces the network's day",
    );
    // The report: counted fills against reported impressions.
    const loop = (await (await fetch(s.url + '/report.json', { headers: H })).json()).loop;
    const row = loop.discrepancy.find((x) => x.date === today && x.bid === 'slot-1-fastfill');
    assert.deepEqual([row.fills, row.impressions, row.discrepancy, row.realised_ecpm], [1, 2, -1, 3]);
    const page = await (await fetch(s.url + '/report', { headers: H })).text();
    assert.match(page, /Networks' own reports/);
    assert.match(page, /Suggested CPMs/);
    // Read-only tokens read; writes need the admin.
    const ro = await fetch(s.url + '/api/reports', {
      method: 'POST',
      headers: { authorization: 'Bearer loop-read', 'content-type': 'text/csv' },
      body: good,
    });
    assert.equal(ro.status, 403);
    const json = await post(s, '/api/reports', good, 'application/json');
    assert.equal(json.status, 415);
  } finally {
    await s.close();
  }
});

test("auto_cpm: once a day a confident suggestion becomes the CPM (a new version); cpm_pinned keeps the publisher's", async () => {
  const config = structuredClone(demoConfig);
  config.mediated_bids.find((b) => b.id === 'slot-1-fastfill').auto_cpm = true;
  Object.assign(
    config.mediated_bids.find((b) => b.id === 'slot-4-fastfill'),
    { auto_cpm: true, cpm_pinned: true },
  );
  const s = await serve('auto', config);
  try {
    const now = Date.now();
    const lines = [HEADER];
    for (let age = 1; age <= 4; age++)
      for (const bid of ['slot-1-fastfill', 'slot-4-fastfill'])
        lines.push(`${day(now - age * DAY)},fastfill,${bid},5000,${(5000 * 4.2) / 1000},USD\n`);
    assert.equal((await post(s, '/api/reports', lines.join(''))).status, 200);
    const version = await s.autoCpm(now);
    assert.equal(version, 2);
    const bids = (await (await fetch(s.url + '/api/bids', { headers: H })).json()).bids;
    assert.equal(bids.find((b) => b.id === 'slot-1-fastfill').cpm, 4.2);
    assert.equal(bids.find((b) => b.id === 'slot-4-fastfill').cpm, 2.2, 'pinned');
    const v = (await (await fetch(s.url + '/api/versions', { headers: H })).json()).versions[0];
    assert.equal(v.author, 'auto_cpm');
    assert.deepEqual(v.summary, ['bid slot-1-fastfill: cpm 3 → 4.2']);
    assert.equal(await s.autoCpm(now + 1000), null, 'once a day');
  } finally {
    await s.close();
  }
});

test('optimize: every hour the engine plans with what the server learned (attempts, fill latencies, suggestions)', async () => {
  const s = await serve('learn', { ...demoConfig, optimize: true, explore_share: 0 });
  try {
    const now = Date.now();
    const waterfall = async () => {
      const r = await fetch(s.url + '/auction', {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: s.url },
        body: JSON.stringify({
          id: `req-${Math.random()}`,
          tmax: 200,
          imp: [{ id: '1', tagid: 'slot-1', banner: { w: 300, h: 250 } }],
        }),
      });
      return (await r.json()).imps[0].waterfall.map((e) => e.bid);
    };
    // Nothing learned yet: fastfill at its entered 3.00 is above any demo RTB bid (<= 1.90).
    assert.ok((await waterfall()).includes('slot-1-fastfill'));
    // 40 attempts of slot-1-fastfill counted today (10 fills, 100..400 ms; one late fill),
    // and its network's report: 0.50 on four days of 5000 impressions.
    const beacons = [];
    for (let i = 0; i < 41; i++) {
      const outcome = i < 10 ? 'filled' : i === 40 ? 'late' : 'no_fill';
      const e = {
        cur: 'USD', auction_id: `l-${i === 40 ? 39 : i}`, imp_id: '1', render_id: `r-${i}`, bid: 'slot-1-fastfill',
        network: 'fastfill', source: 'mediated', position: 0, outcome, latency_ms: 100 + 30 * (i % 11), price: 3,
      }; // prettier-ignore
      if (i === 39) e.outcome = 'timeout';
      beacons.push(JSON.stringify({ ...e, token: sign(KEYS, e, now + 60000) }));
    }
    for (const b of beacons) assert.equal((await post(s, '/events', b, 'text/plain')).status, 204);
    const lines = [HEADER];
    for (let age = 1; age <= 4; age++) lines.push(`${day(now - age * DAY)},fastfill,slot-1-fastfill,5000,2.5,USD\n`);
    assert.equal((await post(s, '/api/reports', lines.join(''))).status, 200);

    const learned = await s.learn(now);
    const l = learned['slot-1-fastfill'];
    assert.equal(l.attempts, 40, 'every outcome but late');
    assert.equal(l.fills, 11, 'the late fill counts as a fill');
    assert.equal(l.fill_latency_ms.at(-1)[1], 1, 'the points end at every fill');
    assert.ok(
      l.fill_latency_ms.every(([ms], i, a) => i === 0 || ms > a[i - 1][0]),
      'latencies rise',
    );
    assert.equal(l.suggested_cpm, 0.5);
    assert.ok(l.confidence >= 0.5);
    const status = await (await fetch(s.url + '/status.json', { headers: H })).json();
    assert.ok(status.config.learned_bids >= 1);
    assert.equal(status.config.version, 1, 'what was learned is not a new version');
    // Planned with it: what fastfill really pays (0.50) is below every demo RTB bid.
    assert.ok(!(await waterfall()).includes('slot-1-fastfill'));
  } finally {
    await s.close();
  }
});

test("a network's report_timezone: its fills are counted per day of that zone, against the days of its reports", async () => {
  const { openStore } = await import('../../web/server/store.mjs');
  const { countsOf, openNetworkReports } = await import('../../web/server/network-reports.mjs');
  const dir = mkdtempSync(join(tmpdir(), 'med-zone-'));
  const store = openStore(dir);
  try {
    const HOUR = 3600000;
    const fill = (i, network, at) =>
      store.add(
        {
          auction_id: 'z' + i,
          imp_id: '1',
          render_id: 'r' + i,
          bid: network + '-bid',
          network,
          source: 'mediated',
          position: 0,
          outcome: 'filled',
          latency_ms: 100,
          price: 1,
        },
        { now: at },
      );
    // 2026-11-27 15:30 UTC is the 28th in Tokyo (+9) and the 27th in UTC and in Los Angeles (-8);
    // 2026-11-28 06:30 UTC is the 28th in UTC and Tokyo, the 27th in Los Angeles.
    const a = Date.UTC(2026, 10, 27, 15, 30);
    const b = Date.UTC(2026, 10, 28, 6, 30);
    let i = 0;
    for (const network of ['tokyo', 'la', 'utc']) {
      fill(i++, network, a);
      fill(i++, network, b);
      fill(i++, network, b + HOUR);
    }
    const config = {
      networks: [
        { id: 'tokyo', report_timezone: 'Asia/Tokyo' },
        { id: 'la', report_timezone: 'America/Los_Angeles' },
        { id: 'utc' },
      ],
      mediated_bids: ['tokyo', 'la', 'utc'].map((n) => ({ id: n + '-bid', network: n, cpm: 1, tag: 't' })),
    };
    const reports = openNetworkReports(store.db);
    const counted = reports.counted(countsOf(config, '2026-11-28', '2026-11-26'));
    const input = reports.suggestInput(config, '2026-11-28', '2026-11-26', counted);
    const got = Object.fromEntries(input.fills.map((f) => [`${f.network} ${f.date}`, f.fills]));
    assert.deepEqual(got, { 'tokyo 2026-11-28': 3, 'la 2026-11-27': 3, 'utc 2026-11-27': 1, 'utc 2026-11-28': 2 });
    // The engine refuses a zone the host does not know, naming the network.
    assert.throws(() => mediation.loadConfig({ networks: [{ id: 'x', report_timezone: 'Mars/Base' }] }), {
      code: 'unknown_timezone',
      at: 'config.networks[0].report_timezone',
    });
    assert.throws(() => mediation.loadConfig({ networks: [{ id: 'x', report_timezone: '../etc' }] }), {
      code: 'invalid_value',
    });
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
