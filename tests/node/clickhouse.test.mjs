// clickhouse.test.mjs — the attempt log in ClickHouse (Debian's clickhouse-server 18.16,
// started on loopback with its data in a temporary folder): the same report and the
// same counts for suggestions as the SQLite store for the same 10 000 events; a crash between sending a batch and
// forgetting it, a batch that half arrived, and an outage, with nothing lost or doubled;
// the ad server on that store, and killed with SIGKILL while it ships.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mediation from '../../dist/mediation.mjs';
import { freePort, startClickHouse } from '../../scripts/clickhouse-local.mjs';
import { startAdServer } from '../../scripts/cluster.mjs';
import { openClickHouse } from '../../web/server/clickhouse.mjs';
import { openShipper } from '../../web/server/spool.mjs';
import { startServer } from '../../web/server/server.mjs';
import { latencyPoints, openStore } from '../../web/server/store.mjs';
import { countsOf, openNetworkReports } from '../../web/server/network-reports.mjs';
import { sign } from '../../web/server/tokens.mjs';

const HOUR = 3600000;
const DAY = 24 * HOUR;
let dir, ch, ports;

before(async () => {
  await mediation.ready;
  dir = mkdtempSync(join(tmpdir(), 'mediation-ch-'));
  ports = { httpPort: await freePort(), tcpPort: await freePort() };
  ch = await startClickHouse({ dir: join(dir, 'ch'), ...ports });
});
after(async () => {
  await ch?.stop('SIGKILL'); // throwaway data: no clean stop to wait for
  rmSync(dir, { recursive: true, force: true });
});

// A database of its own for each test.
async function sinkFor(name) {
  await openClickHouse({ url: ch.url }).query(`CREATE DATABASE IF NOT EXISTS ${name}`);
  const sink = openClickHouse({ url: `${ch.url}/?database=${name}` });
  await sink.init();
  return sink;
}

// n attempts over three days, of 10 bids of 3 networks, every outcome (a late fill
// after its timeout), latencies from 1 ms to 9 s, prices to the micro.
function* attempts(n, start) {
  const outcomes = ['filled', 'no_fill', 'error', 'timeout'];
  for (let i = 0; i < n; i++) {
    const outcome = outcomes[(i * 7) % 4];
    const e = {
      auction_id: `a-${i}`, imp_id: '1', render_id: `r-${i}`, bid: `b${i % 10}`, network: `n${i % 3}`,
      source: i % 5 ? 'mediated' : 'rtb', position: i % 4, outcome, latency_ms: (i * 37) % 9000 + 1,
      price: outcome === 'filled' ? 0.5 + ((i * 13) % 300) / 97 : undefined, cur: 'USD',
    }; // prettier-ignore
    const now = start + Math.floor((i * 3 * DAY) / n);
    yield [e, { verified: i % 11 !== 0, now }];
    if (outcome === 'timeout' && i % 3 === 0)
      yield [
        { ...e, outcome: 'late', latency_ms: e.latency_ms + 500 },
        { verified: i % 11 !== 0, now: now + 1 },
      ];
  }
}

function fill(store, list) {
  for (let k = 0; k < list.length; k += 1000) store.addBatch(list.slice(k, k + 1000));
}

test('the same report from SQLite and from ClickHouse for the same 10 000 events', async () => {
  const store = openStore(join(dir, 'same'));
  store.enableOutbox();
  const sink = await sinkFor('same');
  const shipper = openShipper({ db: store.db, sink, serverId: 's1', batchSize: 3000 });
  const start = Date.UTC(2026, 10, 20);
  const list = [...attempts(10000, start)];
  fill(store, list);
  const stored = store.counts().attempts;
  assert.equal(stored, list.length);
  await shipper.drain();
  assert.equal(shipper.status().backlog, 0);
  assert.equal(await sink.count(), stored);
  for (const verified of [true, false])
    for (const [from, to, bucket] of [
      [start, start + 3 * DAY, DAY],
      [start, start + 3 * DAY, HOUR],
      [start + 5 * HOUR, start + 30 * HOUR, 4 * HOUR],
    ]) {
      const a = store.rollupDocs({ verified, from, to, bucket });
      const b = await sink.rollupDocs({ verified, from, to, bucket });
      assert.deepEqual(mediation.report(b.tables), mediation.report(a.tables), `tables ${verified} ${bucket}`);
      assert.deepEqual(mediation.report(b.series), mediation.report(a.series), `series ${verified} ${bucket}`);
    }
  const report = mediation.report(
    store.rollupDocs({ verified: true, from: start, to: start + 3 * DAY, bucket: DAY }).tables,
  );
  assert.ok(report.networks.length === 3 && report.networks.every((n) => n.attempts > 0), 'a real report');
  // What suggestions and planning read: the same counts from both (n1 counts its days in Tokyo).
  const reports = openNetworkReports(store.db);
  const config = { networks: [{ id: 'n1', report_timezone: 'Asia/Tokyo' }] };
  const range = countsOf(config, '2026-11-22', '2026-11-19');
  const a = reports.counted(range);
  const b = await sink.counted(range);
  const sorted = (list) => list.map((r) => JSON.stringify({ ...r, lat: r.lat && latencyPoints(r.lat) })).sort();
  for (const part of ['days', 'hours', 'outcomes']) {
    assert.ok(a[part].length > 0, `${part}: counts to compare`);
    assert.deepEqual(sorted(b[part]), sorted(a[part]), part);
  }
  store.close();
});

test('a crash between sending and forgetting, a batch half arrived, an outage: nothing lost, nothing doubled', async () => {
  const store = openStore(join(dir, 'crash'));
  store.enableOutbox();
  const sink = await sinkFor('crash');
  const start = Date.UTC(2026, 10, 24);
  fill(store, [...attempts(5000, start)]);
  const total = store.counts().attempts;

  // Killed after ClickHouse took the first batch, before the spool forgot it.
  const first = openShipper({ db: store.db, sink, serverId: 's1', batchSize: 2000 });
  await assert.rejects(
    first.drain({
      afterSend: () => {
        throw new Error('killed');
      },
    }),
    /killed/,
  );
  assert.equal(await sink.count(), 2000, 'the batch arrived');
  // The next process takes the batch written down again: ClickHouse has it all, nothing is resent.
  const second = openShipper({ db: store.db, sink, serverId: 's1', batchSize: 2000 });
  await second.drain();
  assert.equal(await sink.count(), total, 'every event once');
  assert.equal(second.status().resent_checked, 1);

  // A batch that half arrived (a shard down in the middle): only the missing half goes.
  fill(
    store,
    [...attempts(600, start + DAY)].map(([e, o]) => [{ ...e, auction_id: 'h' + e.auction_id }, o]),
  );
  const rows = store.db.prepare('SELECT seq, line FROM outbox ORDER BY seq').raw().all();
  const id = `s1:${rows[0][0]}-${rows.at(-1)[0]}`;
  await sink.insert(
    id,
    rows.slice(0, 300).map(([, l]) => l),
  );
  store.db.prepare('INSERT OR REPLACE INTO ship_state VALUES (1, ?, ?, ?)').run(id, rows[0][0], rows.at(-1)[0]);
  await second.drain();
  const after = store.counts().attempts;
  assert.equal(await sink.count(), after, 'the missing half, not the whole again');
  const sameReport = async () => {
    const range = { verified: true, from: start, to: start + 4 * DAY, bucket: DAY };
    const [a, b] = [store.rollupDocs(range), await sink.rollupDocs(range)];
    assert.deepEqual(mediation.report(b.tables), mediation.report(a.tables));
  };
  await sameReport(); // the rollups count the batch once

  // ClickHouse down: events are still taken (the spool holds them), shipping fails, and
  // once it is back the backlog drains.
  await ch.stop();
  fill(
    store,
    [...attempts(1000, start + 2 * DAY)].map(([e, o]) => [{ ...e, auction_id: 'o' + e.auction_id }, o]),
  );
  await assert.rejects(second.drain(), /not reachable/);
  assert.ok(second.status().backlog >= 1000);
  assert.match(second.status().last_error, /not reachable/);
  ch = await startClickHouse({ dir: join(dir, 'ch'), ...ports });
  await second.drain();
  assert.equal(second.status().backlog, 0);
  assert.equal(await sink.count(), store.counts().attempts, 'nothing lost, nothing doubled');
  await sameReport();
  store.close();
});

// A beacon as mediation.js sends it, signed as /auction signed its entry.
const KEYS = [{ id: 'k1', key: Buffer.alloc(32, 9) }];
function beacon(i, prefix) {
  const e = {
    cur: 'USD', auction_id: `${prefix}-${i}`, imp_id: '1', render_id: `r-${i}`, bid: `b${i % 4}`, network: `n${i % 2}`,
    source: 'mediated', position: 0, outcome: i % 3 ? 'no_fill' : 'filled', latency_ms: 50 + (i % 700), price: 2.5,
  }; // prettier-ignore
  return JSON.stringify({ ...e, token: sign(KEYS, e, Date.now() + 600000) });
}

test('the ad server on the ClickHouse store: 204 once spooled, shipped, the report read from ClickHouse', async () => {
  const sink = await sinkFor('server');
  const configPath = join(dir, 'server-config.json');
  writeFileSync(configPath, readFileSync(new URL('../../web/demo/config.json', import.meta.url)));
  const s = await startServer({
    port: 0, configPath, dataDir: join(dir, 'server'), log: () => {}, adminToken: 'ch-admin', signingKeys: KEYS,
    storeKind: 'clickhouse', clickhouseUrl: `${ch.url}/?database=server`,
  }); // prettier-ignore
  try {
    const H = { authorization: 'Bearer ch-admin' };
    for (let i = 0; i < 300; i++) {
      const r = await fetch(s.url + '/events', { method: 'POST', body: beacon(i, 'srv') });
      assert.equal(r.status, 204);
    }
    await s.ship();
    assert.equal(await sink.count(), 300);
    const status = await (await fetch(s.url + '/status.json', { headers: H })).json();
    assert.equal(status.store.kind, 'clickhouse');
    assert.equal(status.store.spool.backlog, 0);
    const report = await (await fetch(s.url + '/report.json', { headers: H })).json();
    const attempts = report.verified.networks.reduce((t, n) => t + n.attempts, 0);
    assert.equal(attempts, 300, 'the report counts what ClickHouse holds');
    assert.equal(report.verified.networks.find((n) => n.network === 'n0').fills, 50);
  } finally {
    await s.close();
  }
});

test('an ad server killed with SIGKILL while shipping loses nothing and doubles nothing', async () => {
  const sink = await sinkFor('killed');
  const env = {
    MEDIATION_DATA: join(dir, 'killed'), MEDIATION_STORE: 'clickhouse', MEDIATION_ADMIN_TOKEN: 'k',
    MEDIATION_CLICKHOUSE_URL: `${ch.url}/?database=killed`, MEDIATION_SIGNING_KEYS: `k1:${KEYS[0].key.toString('base64')}`,
  }; // prettier-ignore
  let server = await startAdServer({ port: 0, env });
  let acknowledged = 0;
  let sent = 0;
  let killed = false;
  // Ten senders post beacons while it ships four times a second; killed in the middle,
  // once 1500 are acknowledged.
  const sender = async () => {
    while (!killed) {
      const i = sent++;
      try {
        const r = await fetch(server.url + '/events', { method: 'POST', body: beacon(i, 'kill') });
        if (r.status === 204) acknowledged++;
      } catch {
        return;
      }
      if (acknowledged >= 1500 && !killed) {
        killed = true;
        server.child.kill('SIGKILL');
      }
    }
  };
  await Promise.all(Array.from({ length: 10 }, sender));
  assert.ok(acknowledged > 0, 'some events were acknowledged before the kill');
  await server.stop('SIGKILL'); // gone
  server = await startAdServer({ port: 0, env });
  try {
    const deadline = Date.now() + 20000;
    let status;
    do {
      await new Promise((r) => setTimeout(r, 250));
      status = await (await fetch(server.url + '/status.json', { headers: { authorization: 'Bearer k' } })).json();
    } while (status.store.spool.backlog > 0 && Date.now() < deadline);
    assert.equal(status.store.spool.backlog, 0, 'the spool drained after the restart');
    const inClickHouse = await sink.count();
    assert.equal(inClickHouse, status.store.attempts, 'ClickHouse holds what the spool stored, once');
    assert.ok(inClickHouse >= acknowledged, `every acknowledged event (${acknowledged}) is there (${inClickHouse})`);
  } finally {
    await server.stop();
  }
});
