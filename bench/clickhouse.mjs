// clickhouse.mjs — `make bench`: the ClickHouse store on this machine (Debian's
// clickhouse-server on loopback, data in a temporary folder):
//   - shipping: events stored through the store's own code into the SQLite spool, then
//     shipped to ClickHouse in batches (target ≥ 50 000 events/s);
//   - /report.json's documents and the C statistics from the rollups at 10^7 attempts over
//     7 days (target ≤ 200 ms), the attempts made by ClickHouse itself (numbers());
//   - an ad server taking beacons at a steady rate while ClickHouse is down for 60 s
//     (BENCH_OUTAGE_SECONDS), then back: its spool drains and /events p99 stays ≤ 20 ms.
import autocannon from 'autocannon';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mediation from '../dist/mediation.mjs';
import { freePort, startClickHouse } from '../scripts/clickhouse-local.mjs';
import { startAdServer } from '../scripts/cluster.mjs';
import { openClickHouse } from '../web/server/clickhouse.mjs';
import { openShipper } from '../web/server/spool.mjs';
import { openStore } from '../web/server/store.mjs';
import { sign } from '../web/server/tokens.mjs';

const missed = [];
const verdict = (ok, what) => (ok ? 'ok' : (missed.push(what), 'MISSED'));
const HOUR = 3600000;
const DAY = 24 * HOUR;

await mediation.ready;
const dir = mkdtempSync(join(tmpdir(), 'mediation-bench-ch-'));
const ports = { httpPort: await freePort(), tcpPort: await freePort() };
let ch = await startClickHouse({ dir: join(dir, 'ch'), ...ports });
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
try {
  console.log('\nClickHouse store (clickhouse-server 18.16 on loopback; the ad server and the load share 2 cores)');
  // 1. Shipping.
  {
    const admin = openClickHouse({ url: ch.url });
    await admin.query('CREATE DATABASE IF NOT EXISTS ship');
    const sink = openClickHouse({ url: `${ch.url}/?database=ship` });
    await sink.init();
    const store = openStore(join(dir, 'ship'));
    store.enableOutbox();
    const N = 300000;
    const now = Date.now();
    for (let k = 0; k < N; k += 5000) {
      const batch = [];
      for (let i = k; i < k + 5000; i++) {
        const e = {
          auction_id: `a-${i}`, imp_id: '1', render_id: 'r', bid: `b${i % 50}`, network: `n${i % 10}`,
          source: 'mediated', position: i % 4, outcome: i % 3 ? 'no_fill' : 'filled', latency_ms: i % 2000, price: 1.25,
        }; // prettier-ignore
        batch.push([e, { verified: true, now: now + i }]);
      }
      store.addBatch(batch);
    }
    const shipper = openShipper({ db: store.db, sink, serverId: 'bench' }); // the server's batches of 5 000
    const t0 = performance.now();
    await shipper.drain();
    const s = (performance.now() - t0) / 1000;
    const rate = N / s;
    console.log(
      `  shipping ${N} spooled events in the server's batches (5 000 lines, read and written 1 000 at a time): ${s.toFixed(2)} s = ${rate.toFixed(0)} events/s (target ≥ 50 000) ${verdict(rate >= 50000, 'shipping ≥ 50 000 events/s')}`,
    );
    store.close();
  }
  // 2. The report at 10^7 attempts over 7 days.
  {
    const admin = openClickHouse({ url: ch.url });
    await admin.query('CREATE DATABASE IF NOT EXISTS big');
    const sink = openClickHouse({ url: `${ch.url}/?database=big`, timeoutMs: 600000 });
    await sink.init();
    const to = Math.ceil(Date.now() / HOUR) * HOUR;
    const from = to - 7 * DAY;
    const t0 = performance.now();
    // 10^7 attempts of 200 bids of 20 networks, every outcome, spread over the 7 days.
    await sink.query(`INSERT INTO attempts SELECT 'gen' AS batch_id, 1 AS verified,
      ${from} + intDiv(number * ${7 * DAY}, 10000000) AS ts, toString(number) AS auction_id, '1' AS imp_id,
      toUInt16(number % 4) AS position, 'final' AS kind,
      arrayElement(['filled', 'no_fill', 'error', 'timeout'], number % 4 + 1) AS outcome,
      concat('b', toString(number % 200)) AS bid, concat('n', toString(number % 20)) AS network, 'mediated' AS source,
      toUInt32(number % 3000) AS latency_ms, toUInt8(20 + number % 60) AS lat_slot, 1.5 AS price,
      if(number % 4 = 0, 1500000, 0) AS cpm_micros FROM system.numbers LIMIT 10000000`);
    const load = (performance.now() - t0) / 1000;
    await sink.query('OPTIMIZE TABLE rollup FINAL');
    const times = [];
    let report;
    for (let i = 0; i < 7; i++) {
      const t = performance.now();
      const docs = await sink.rollupDocs({ verified: true, from, to, bucket: DAY });
      report = { ...mediation.report(docs.tables), series: mediation.report(docs.series).series };
      JSON.stringify(report);
      times.push(performance.now() - t);
    }
    const attempts = report.networks.reduce((t, n) => t + n.attempts, 0);
    const ms = median(times);
    console.log(
      `  report over 7 days from the rollups at ${attempts} attempts: median ${ms.toFixed(1)} ms of 7 (target ≤ 200 ms) ${verdict(ms <= 200 && attempts === 1e7, '/report.json from ClickHouse ≤ 200 ms at 10^7')}; the 10^7 rows made in ${load.toFixed(1)} s`,
    );
  }
  // 3. An outage of ClickHouse under steady load. The 10^7 rows of part 2 are dropped
  // first: ClickHouse would otherwise spend the shared cores merging them after its
  // restart, which is not what this part measures.
  {
    for (const db of ['big', 'ship']) await openClickHouse({ url: ch.url }).query(`DROP DATABASE IF EXISTS ${db}`);
    const outage = Number(process.env.BENCH_OUTAGE_SECONDS || 60);
    const key = Buffer.alloc(32, 4);
    const keys = [{ id: 'b', key }];
    const ad = await startAdServer({
      port: await freePort(),
      env: {
        MEDIATION_DATA: join(dir, 'adserver'),
        MEDIATION_STORE: 'clickhouse',
        MEDIATION_CLICKHOUSE_URL: `${ch.url}/?database=outage`,
        MEDIATION_SIGNING_KEYS: `b:${key.toString('base64')}`,
        MEDIATION_ADMIN_TOKEN: 'bench',
      },
    });
    await openClickHouse({ url: ch.url }).query('CREATE DATABASE IF NOT EXISTS outage');
    const status = async () =>
      (await (await fetch(ad.url + '/status.json', { headers: { authorization: 'Bearer bench' } })).json()).store;
    const RATE = 1000; // events a second, steady
    const bodies = Array.from({ length: RATE * (outage + 40) }, (_, i) => {
      const e = {
        cur: 'USD', auction_id: `o-${i}`, imp_id: '1', render_id: 'r', bid: `b${i % 20}`, network: `n${i % 5}`,
        source: 'mediated', position: 0, outcome: i % 3 ? 'no_fill' : 'filled', latency_ms: 80, price: 2,
      }; // prettier-ignore
      return JSON.stringify({ ...e, token: sign(keys, e, Date.now() + 3600000) });
    });
    let next = 0;
    const run = (seconds) =>
      new Promise((ok, fail) =>
        autocannon(
          {
            url: ad.url + '/events',
            connections: 10,
            overallRate: RATE,
            duration: seconds,
            requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }) }],
          },
          (e, r) => (e ? fail(e) : ok(r)),
        ),
      );
    await new Promise((r) => setTimeout(r, 1000)); // the schema is made
    await ch.stop('SIGKILL');
    const down = await run(outage);
    const backlog = (await status()).spool.backlog;
    ch = await startClickHouse({ dir: join(dir, 'ch'), ...ports });
    const t0 = Date.now();
    const during = run(30);
    let drained = null;
    while (Date.now() - t0 < 30000) {
      await new Promise((r) => setTimeout(r, 250));
      if (drained === null && (await status()).spool.backlog < RATE) drained = (Date.now() - t0) / 1000;
    }
    const up = await during;
    const p99 = up.latency.p99;
    console.log(
      `  ClickHouse down ${outage} s at ${RATE} events/s: ${down['2xx']} taken (p99 ${down.latency.p99} ms), spool backlog ${backlog}; back up: drained in ${drained ?? '> 30'} s (paced: ${drained ? ((backlog / drained) | 0) + ' events/s' : '-'}) while /events p99 was ${p99} ms (target ≤ 20 ms) ${verdict(drained !== null && p99 <= 20, 'the spool drains after an outage with /events p99 ≤ 20 ms')}`,
    );
    await ad.stop();
  }
} finally {
  await ch.stop('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
if (missed.length) {
  console.error(`\nclickhouse.mjs: TARGETS MISSED: ${missed.join('; ')}`);
  process.exitCode = 1;
}
