// clickhouse-local.mjs — starts Debian's clickhouse-server (18.16) as a plain process on
// loopback, with a one-file config and its data in a folder of the caller's, for the
// tests, `make cluster-demo` and the bench. Several servers started with the same
// `cluster` list form that cluster (one shard each) for Distributed tables.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export const CLICKHOUSE = '/usr/sbin/clickhouse-server';

// A loopback port nobody listens on now (for servers that must be told their port).
export const freePort = () =>
  new Promise((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });

// A one-file config: server, users, profiles and quotas together.
function configXml({ dir, httpPort, tcpPort, cluster }) {
  const shards = (cluster?.ports ?? [])
    .map((p) => `<shard><replica><host>127.0.0.1</host><port>${p}</port></replica></shard>`)
    .join('');
  const remote = cluster ? `<remote_servers><${cluster.name}>${shards}</${cluster.name}></remote_servers>` : '';
  return `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/error.log</errorlog><console>0</console></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <mark_cache_size>5368709</mark_cache_size>
  <max_concurrent_queries>50</max_concurrent_queries>
  <users_config>${dir}/config.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  ${remote}
  <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
  <users><default><password></password><networks><ip>127.0.0.1</ip></networks><profile>default</profile><quota>default</quota></default></users>
  <quotas><default/></quotas>
</yandex>
`;
}

// Resolves to { url, pid, stop() } once /ping answers.
export async function startClickHouse({ dir, httpPort, tcpPort, cluster = null }) {
  if (!existsSync(CLICKHOUSE)) throw new Error(`${CLICKHOUSE} is missing: apt-get install clickhouse-server`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.xml'), configXml({ dir, httpPort, tcpPort, cluster }));
  const child = spawn(CLICKHOUSE, [`--config-file=${join(dir, 'config.xml')}`], { cwd: dir, stdio: 'ignore' });
  const url = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 30000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`clickhouse-server exited (${child.exitCode}); see ${dir}/error.log`);
    try {
      if ((await (await fetch(url + '/ping')).text()).startsWith('Ok')) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`clickhouse-server did not answer on ${url} within 30 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const exited = new Promise((r) => child.once('exit', r));
  return {
    url,
    pid: child.pid,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      await exited;
    },
  };
}
