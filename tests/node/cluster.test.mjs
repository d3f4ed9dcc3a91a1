// cluster.test.mjs — two ad servers behind HAProxy on one ClickHouse cluster of two
// shards (scripts/cluster.mjs, all on loopback): 100 000 events through the load
// balancer, one shard stopped for 10 s in the middle, and the report counting each event
// exactly once once both spools have drained.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import autocannon from 'autocannon';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startClickHouse } from '../../scripts/clickhouse-local.mjs';
import { startCluster } from '../../scripts/cluster.mjs';
import { sign } from '../../web/server/tokens.mjs';

let dir, c;
before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mediation-cluster-'));
  c = await startCluster({ dir });
});
after(async () => {
  await c?.stop({ fast: true });
  rmSync(dir, { recursive: true, force: true });
});

test('100 000 events through the load balancer to two ad servers, a shard down for 10 s: each counted once', async () => {
  const keys = [{ id: 'cluster', key: c.signingKey }];
  const N = 100000;
  const bodies = Array.from({ length: N }, (_, i) => {
    const e = {
      cur: 'USD', auction_id: `c-${i}`, imp_id: '1', render_id: `r-${i}`, bid: `b${i % 5}`, network: `n${i % 5}`,
      source: 'mediated', position: 0, outcome: i % 4 ? 'no_fill' : 'filled', latency_ms: 40 + (i % 900), price: 1.5,
    }; // prettier-ignore
    return JSON.stringify({ ...e, token: sign(keys, e, Date.now() + 3600000) });
  });
  // The load: autocannon with 16 connections through HAProxy, each beacon once.
  let next = 0;
  const sending = new Promise((resolve, reject) =>
    autocannon(
      {
        url: c.lb + '/events',
        connections: 16,
        amount: N,
        timeout: 30,
        requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, body: bodies[next++] }) }],
      },
      (e, r) => (e ? reject(e) : resolve(r)),
    ),
  );
  // A shard is stopped for 10 s while events pour in; the spools hold them meanwhile.
  await new Promise((r) => setTimeout(r, 2000));
  const shard = c.shards[1];
  const { port } = new URL(shard.url);
  await shard.stop(); // stopped, as an operator or an upgrade stops it (README: a SIGKILL'd shard)
  await new Promise((r) => setTimeout(r, 10000));
  c.shards[1] = await startClickHouse({
    dir: join(dir, 'clickhouse-2'),
    httpPort: Number(port),
    tcpPort: c.shardTcpPorts[1],
    cluster: c.clusterSpec,
  });
  const load = await sending;
  assert.equal(load.non2xx + load.errors + load.timeouts, 0, 'every event taken');
  assert.equal(load['2xx'], N);

  const H = { authorization: `Bearer ${c.admin}` };
  const deadline = Date.now() + 60000;
  for (;;) {
    const s = await Promise.all(c.ads.map(async (a) => (await fetch(a.url + '/status.json', { headers: H })).json()));
    if (s.every((x) => x.store.spool.backlog === 0)) {
      assert.ok(
        s.every((x) => x.store.attempts > 0),
        'both ad servers took events',
      );
      break;
    }
    assert.ok(Date.now() < deadline, `the spools did not drain: ${s.map((x) => x.store.spool.backlog)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const report = await (await fetch(c.lb + '/report.json', { headers: H })).json();
  const attempts = report.verified.networks.reduce((t, n) => t + n.attempts, 0);
  const fills = report.verified.networks.reduce((t, n) => t + n.fills, 0);
  assert.equal(attempts, N, 'each event counted exactly once');
  assert.equal(fills, N / 4);
});

test("a change through either ad server's Mediation API is one version on both (ad server 2 follows 1)", async () => {
  const H = { authorization: `Bearer ${c.admin}`, 'content-type': 'application/json' };
  const versions = async (ad) => (await (await fetch(ad.url + '/api/versions', { headers: H })).json()).live;
  const live = await versions(c.ads[0]);
  const r = await fetch(c.ads[0].url + '/api/networks', {
    method: 'POST',
    headers: { ...H, 'if-match': `"${live}"` },
    body: JSON.stringify({ id: 'shared-net', name: 'Added on ad server 1' }),
  });
  assert.equal(r.status, 201);
  const deadline = Date.now() + 10000;
  while ((await versions(c.ads[1])) !== live + 1) {
    assert.ok(Date.now() < deadline, 'ad server 2 did not take the change in');
    await new Promise((res) => setTimeout(res, 100));
  }
  // Through ad server 2, on the version both now run: made at ad server 1.
  const second = await fetch(c.ads[1].url + '/api/networks', {
    method: 'POST',
    headers: { ...H, 'if-match': `"${live + 1}"` },
    body: JSON.stringify({ id: 'second-net' }),
  });
  assert.equal(second.status, 201);
  assert.equal(second.headers.get('etag'), `"${live + 2}"`);
  for (const ad of c.ads) {
    const cfg = await (await fetch(ad.url + '/api/config', { headers: H })).json();
    assert.deepEqual(
      cfg.networks.filter((n) => n.id.endsWith('-net')).map((n) => n.id),
      ['shared-net', 'second-net'],
    );
  }
  // A change based on a version before that is stale on either.
  for (const ad of c.ads) {
    const stale = await fetch(ad.url + '/api/networks', {
      method: 'POST',
      headers: { ...H, 'if-match': `"${live + 1}"` },
      body: JSON.stringify({ id: 'late-net' }),
    });
    assert.equal(stale.status, 409);
  }
});
