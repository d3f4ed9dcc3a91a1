// report.mjs — what /report.json costs as the attempt log grows: 10^3 to 10^7
// attempts over 7 days (20 bids of 5 networks), ingested through the store's own
// code (checked, stored and rolled up as /events does), then GET /report.json over
// real HTTP, median of 7. BENCH_REPORT_SIZES lists the sizes (default 1e3,1e5,1e6,1e7);
// BENCH_REPORT_MAX caps them. 10^7 takes minutes to ingest and a few GB of disk.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../web/server/store.mjs';
import { startServer } from '../web/server/server.mjs';

const max = Number(process.env.BENCH_REPORT_MAX || 1e7);
const HOUR = 3600000;
const outcomes = ['filled', 'filled', 'no_fill', 'timeout', 'error', 'filled', 'no_fill', 'late'];
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

function attempt(i) {
  const outcome = outcomes[i % outcomes.length];
  return {
    auction_id: 'a' + i,
    imp_id: '1',
    render_id: 'r' + i,
    bid: 'bid-' + (i % 20),
    network: 'net-' + (i % 5),
    source: i % 9 ? 'mediated' : 'rtb',
    position: 0,
    // a late fill needs the timeout of its position first: give it one of its own
    outcome,
    latency_ms: 20 + ((i * 7919) % 2000),
    price: 0.5 + (i % 40) / 10,
  };
}

console.log('');
console.log('report at volume (GET /report.json over the last 7 days; median of 7)');
const end = Date.now();
const sizes = (process.env.BENCH_REPORT_SIZES || '1e3,1e5,1e6,1e7').split(',').map(Number);
for (const n of sizes.filter((x) => x <= max)) {
  const dir = mkdtempSync(join(tmpdir(), 'mediation-report-bench-'));
  try {
    const store = openStore(dir);
    const t0 = process.hrtime.bigint();
    const step = (7 * 24 * HOUR) / n;
    for (let i = 0; i < n; i += 10000) {
      const batch = [];
      for (let k = i; k < Math.min(n, i + 10000); k++) {
        const e = attempt(k);
        const now = Math.floor(end - 7 * 24 * HOUR + k * step);
        if (e.outcome === 'late') batch.push([{ ...e, outcome: 'timeout' }, { now }]);
        batch.push([e, { now }]);
      }
      store.addBatch(batch);
    }
    const ingestS = Number(process.hrtime.bigint() - t0) / 1e9;
    store.close();
    const s = await startServer({
      port: 0,
      configPath: 'web/demo/config.json',
      dataDir: dir,
      log: () => {},
      adminToken: 'b',
    });
    const times = [];
    let body = '';
    for (let k = 0; k < 8; k++) {
      const q0 = process.hrtime.bigint();
      const res = await fetch(s.url + '/report.json', { headers: { authorization: 'Bearer b' } });
      body = await res.text();
      if (k) times.push(Number(process.hrtime.bigint() - q0) / 1e6); // the first warms up
    }
    await s.close();
    const totals = JSON.parse(body).verified.totals;
    const stored = totals.attempts + totals.late;
    console.log(
      `  ${String(n).padStart(9)} attempts (${stored} in the report): /report.json ${median(times).toFixed(1)} ms; ` +
        `ingest ${(n / ingestS / 1000).toFixed(0)}k/s`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
