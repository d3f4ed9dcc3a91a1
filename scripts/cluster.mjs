// cluster.mjs — `make cluster-demo`: two ad servers, a two-shard ClickHouse cluster and
// HAProxy in front, all on loopback and started from Debian's packages; prints where to
// look and stops everything on Ctrl-C. startCluster() is also what the cluster test runs.
//
// The ad servers share the signing keys and the admin token (a beacon signed by one is
// checked by the other), one history of config versions (the second follows the first:
// web/server/follow.mjs) and the ClickHouse cluster; each keeps its own SQLite spool in
// its own data folder.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, startClickHouse } from './clickhouse-local.mjs';

const root = resolve(fileURLToPath(import.meta.url), '../..');
export const HAPROXY = '/usr/sbin/haproxy';

function haproxyCfg(port, servers) {
  return `global
  maxconn 4096
defaults
  mode http
  timeout connect 2s
  timeout client 15s
  timeout server 15s
  timeout check 5s
  retries 3
  option redispatch
frontend ads
  bind 127.0.0.1:${port}
  default_backend ads
backend ads
  balance roundrobin
  option httpchk
  http-check send meth GET uri /demo/ ver HTTP/1.1 hdr Host 127.0.0.1
${servers.map((s, i) => `  server ad${i + 1} 127.0.0.1:${s} check inter 2s fall 5 rise 2`).join('\n')}
`;
}

// Starts an ad server as its own process; resolves to { url, child, stop }.
export async function startAdServer({ port, env }) {
  const child = spawn(process.execPath, [join(root, 'web/server/server.mjs')], {
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((ok, fail) => {
    child.stdout.on('data', (c) => {
      const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(String(c));
      if (m) ok(m[1]);
    });
    child.once('exit', (code) => fail(new Error(`the ad server exited (${code})`)));
  });
  const exited = new Promise((r) => child.once('exit', r));
  return {
    url,
    child,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

export async function startCluster({ dir, port = 0, configPath = join(root, 'web/demo/config.json') } = {}) {
  for (const bin of [HAPROXY, '/usr/sbin/clickhouse-server'])
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run scripts/install-deps`);
  mkdirSync(dir, { recursive: true });
  const chPorts = [await freePort(), await freePort(), await freePort(), await freePort()];
  const cluster = { name: 'mediation', ports: [chPorts[1], chPorts[3]] };
  const shards = [];
  for (let i = 0; i < 2; i++)
    shards.push(
      await startClickHouse({
        dir: join(dir, `clickhouse-${i + 1}`),
        httpPort: chPorts[2 * i],
        tcpPort: chPorts[2 * i + 1],
        cluster,
      }),
    );
  // Ad server 1 is the config's primary (this copy of the config seeds its versions);
  // ad server 2 follows it (MEDIATION_CONFIG_PRIMARY): one history of versions, and a
  // change through either one's Mediation API is made at the primary.
  const shared = join(dir, 'config.json');
  if (!existsSync(shared)) copyFileSync(configPath, shared);
  const key = randomBytes(32).toString('base64');
  const admin = randomBytes(16).toString('hex');
  const env = {
    MEDIATION_CONFIG: shared,
    MEDIATION_STORE: 'clickhouse',
    MEDIATION_CLICKHOUSE_URL: shards.map((s) => s.url).join(','),
    MEDIATION_CLICKHOUSE_CLUSTER: cluster.name,
    MEDIATION_SIGNING_KEYS: `cluster:${key}`,
    MEDIATION_ADMIN_TOKEN: admin,
  };
  const ads = [];
  for (let i = 0; i < 2; i++) {
    const follow = i ? { MEDIATION_CONFIG_PRIMARY: ads[0].url } : {};
    const data = { MEDIATION_DATA: join(dir, `adserver-${i + 1}`) };
    ads.push(await startAdServer({ port: await freePort(), env: { ...env, ...data, ...follow } }));
  }
  const lbPort = port || (await freePort());
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    haproxyCfg(
      lbPort,
      ads.map((a) => new URL(a.url).port),
    ),
  );
  const haproxy = spawn(HAPROXY, ['-f', cfg, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let haproxyErr = '';
  haproxy.stderr.on('data', (c) => (haproxyErr += c));
  const lb = `http://127.0.0.1:${lbPort}`;
  for (let t = 0; ; t++) {
    try {
      if ((await fetch(lb + '/demo/')).ok) break;
    } catch {
      /* not up yet */
    }
    if (haproxy.exitCode !== null || t > 100) throw new Error(`haproxy did not start: ${haproxyErr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const haproxyExited = new Promise((r) => haproxy.once('exit', r));
  return {
    lb,
    ads,
    shards,
    shardTcpPorts: cluster.ports, // to start a stopped shard again
    clusterSpec: cluster,
    admin,
    signingKey: Buffer.from(key, 'base64'),
    // fast: SIGKILL the shards (a test's throwaway data) instead of their slow clean stop.
    async stop({ fast = false } = {}) {
      haproxy.kill('SIGTERM');
      await haproxyExited;
      await Promise.all(ads.map((a) => a.stop()));
      await Promise.all(shards.map((s) => s.stop(fast ? 'SIGKILL' : 'SIGTERM')));
    },
  };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const dir = process.env.MEDIATION_DATA || join(root, 'data/cluster');
  const c = await startCluster({ dir, port: Number(process.env.PORT || 8080) });
  console.log(`mediation cluster on loopback (data in ${dir}):
  load balancer (HAProxy)  ${c.lb}   demo page ${c.lb}/demo/, report ${c.lb}/report
  ad servers               ${c.ads[0].url} (the config's primary)  ${c.ads[1].url} (follows it)
  ClickHouse shards        ${c.shards.map((s) => s.url).join('  ')}   (cluster "mediation")
  admin token              ${c.admin}
Each ad server's /status.json shows its spool (store.spool). Ctrl-C stops everything.`);
  for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => c.stop().then(() => process.exit(0)));
}
