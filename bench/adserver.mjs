// adserver.mjs — the ad server under load on loopback (autocannon, bounded in time):
// /auction with the demo bidders answering at once, and /events stored to SQLite.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { sign } from '../web/server/tokens.mjs';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const data = mkdtempSync(join(tmpdir(), 'mediation-bench-'));
// The bench signs its beacons as /auction signs waterfall entries, so /events checks
// a real token each time.
const KEYS = [{ id: 'bench', key: Buffer.alloc(32, 5) }];
const ADMIN = 'bench-admin-token';
const child = spawn(process.execPath, [root + 'web/server/server.mjs', '--demo'], {
  env: {
    ...process.env,
    PORT: '0',
    MEDIATION_DATA: data,
    DEMO_BIDDERS_INSTANT: '1',
    MEDIATION_SIGNING_KEYS: `bench:${KEYS[0].key.toString('base64')}`,
    MEDIATION_ADMIN_TOKEN: ADMIN,
  },
});
const url = await new Promise((resolve, reject) => {
  child.stdout.on('data', (c) => {
    const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(String(c));
    if (m) resolve(m[1]);
  });
  child.on('exit', (code) => reject(new Error('server exited ' + code)));
});
const status = async () =>
  (await fetch(url + '/status.json', { headers: { authorization: `Bearer ${ADMIN}` } })).json();

const request = JSON.stringify({
  id: 'bench',
  tmax: 300,
  imp: [{ id: '1', tagid: 'slot-3', bidfloor: 0.5, banner: { format: [{ w: 300, h: 250 }] } }],
  site: { domain: 'example.com' },
  device: { devicetype: 2 },
});
const run = ({ path, ...opts }) =>
  new Promise((resolve, reject) =>
    autocannon({ url: url + path, connections: 50, duration: 10, ...opts }, (e, r) => (e ? reject(e) : resolve(r))),
  );

try {
  await run({ path: '/auction', method: 'POST', body: request, duration: 2 }); // warm up
  const before = await status();
  const a = await run({ path: '/auction', method: 'POST', body: request });
  const after = await status();
  const n = after.engine.auctions - before.engine.auctions;
  const share = (after.engine.engine_ns - before.engine.engine_ns) / (after.engine.total_ns - before.engine.total_ns);
  const perAuction = (after.engine.engine_ns - before.engine.engine_ns) / n / 1000;

  let k = 0;
  const beacon = {
    imp_id: '1',
    render_id: 'b',
    bid: 'b1',
    network: 'n1',
    source: 'mediated',
    position: 0,
    outcome: 'filled',
    latency_ms: 100,
    price: 2,
    cur: 'USD',
  };
  const eventsLoad = {
    path: '/events',
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          const e = { ...beacon, auction_id: `bench-${k++}` };
          return { ...req, body: JSON.stringify({ ...e, token: sign(KEYS, e, Date.now() + 60000) }) };
        },
      },
    ],
  };
  // The throughput runs send beacons signed beforehand: signing is the page's and
  // /auction's work, not the load generator's, which shares the 2 cores with the server.
  // First one beacon a request (what a page sends when a single attempt decided its
  // slots), then a page's beacons as mediation.js sends them together: BENCH_BATCH (4: a
  // page of two slots whose waterfalls made two attempts each) in one array.
  const batch = Number(process.env.BENCH_BATCH || 4);
  const throughput = async (size) => {
    // Events never sent before (a copy of a stored one is kept, not stored again).
    const signed = Array.from({ length: 100000 }, () => {
      const e = { ...beacon, auction_id: `bench-${k++}` };
      return JSON.stringify({ ...e, token: sign(KEYS, e, Date.now() + 600000) });
    });
    const bodies = [];
    for (let i = 0; i + size <= signed.length; i += size)
      bodies.push(size === 1 ? signed[i] : `[${signed.slice(i, i + size).join(',')}]`);
    let next = 0;
    const before = (await status()).store.attempts;
    const r = await run({
      path: '/events',
      requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, body: bodies[next++ % bodies.length] }) }],
      duration: 5,
    });
    return { stored: (await status()).store.attempts - before, non2xx: r.non2xx, requests: r.requests.average };
  };
  const single = await throughput(1);
  const batched = await throughput(batch);

  // Auctions and events together for twice 60 s, the server's resident memory sampled
  // every 5 s. In the first 60 s V8 sizes its heap and malloc its arenas for the load
  // (RSS grows, then stops); over the second 60 s it must stay flat: a leak would go on.
  const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) * 1024;
  const samples = [];
  const sampler = setInterval(() => samples.push(rss()), 5000);
  const mixSeconds = Number(process.env.BENCH_MIX_SECONDS || 60);
  await Promise.all([
    run({ path: '/auction', method: 'POST', body: request, connections: 25, duration: 2 * mixSeconds }),
    run({ ...eventsLoad, connections: 25, duration: 2 * mixSeconds }),
  ]);
  clearInterval(sampler);
  const wal = statSync(join(data, 'events.db-wal')).size;

  console.log('');
  console.log('ad server on loopback (autocannon, 50 connections; the server and the load share 2 cores)');
  console.log(
    `  /auction, 10 s: ${a.requests.average.toFixed(0)} requests/s, latency p50 ${a.latency.p50} ms, p99 ${a.latency.p99} ms, ${a.non2xx} non-2xx, ${a.errors} errors (targets ≥ 2000/s, p99 ≤ 25 ms)`,
  );
  console.log(
    `  engine: ${perAuction.toFixed(1)} µs an auction = ${(share * 100).toFixed(2)}% of a request's time (most of it waits on 3 bidders over HTTP); ${((perAuction * a.requests.average) / 1e4).toFixed(1)}% of one core at this rate`,
  );
  console.log(
    `  /events, 5 s, one beacon a request: ${(single.stored / 5).toFixed(0)} verified events/s stored (${single.stored} rows, ${single.non2xx} non-2xx)`,
  );
  const perSecond = batched.stored / 5;
  console.log(
    `  /events, 5 s, a page's ${batch} beacons a request: ${perSecond.toFixed(0)} verified events/s stored (${batched.requests.toFixed(0)} requests/s, ${batched.non2xx} non-2xx; target ≥ 10 000/s) ${perSecond >= 10000 ? 'ok' : 'MISSED'}`,
  );
  const mb = (b) => (b / 2 ** 20).toFixed(1);
  const half = Math.floor(samples.length / 2);
  const [first, second] = [samples.slice(0, half), samples.slice(half)];
  console.log(`  mixed load, first ${mixSeconds} s: server RSS ${first.map(mb).join(' → ')} MB`);
  console.log(
    `  mixed load, next ${mixSeconds} s: ${second.map(mb).join(' → ')} MB: ` +
      `${mb(Math.min(...second))}–${mb(Math.max(...second))} MB, last − first ${mb(second.at(-1) - second[0])} MB (target: flat); ` +
      `the WAL at the end ${mb(wal)} MB`,
  );
} finally {
  child.kill('SIGTERM');
  rmSync(data, { recursive: true, force: true });
}
