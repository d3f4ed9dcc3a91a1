// manage.mjs — `make bench`: how long a change through the Mediation API takes to go
// live (the edited config loaded by the engine in a new worker, stored as the next
// version, switched to), and what a version costs in the database, at the demo config
// and at a config of 1 000 mediated bids. Medians of 15 sequential PATCHes.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../web/server/server.mjs';
import { makeConfig } from './case.mjs';

const root = new URL('..', import.meta.url).pathname;
const demo = JSON.parse(readFileSync(root + 'web/demo/config.json', 'utf8'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const dir = mkdtempSync(join(tmpdir(), 'mediation-bench-manage-'));
const ADMIN = 'bench-admin';

console.log('');
console.log('the Mediation API: a PATCH until the next auction uses it (median of 15)');
for (const [name, config] of [
  ['demo config', demo],
  ['1 000 mediated bids', makeConfig(1000)],
]) {
  const configPath = join(dir, `${name.replace(/\W/g, '')}.json`);
  const text = JSON.stringify(config);
  writeFileSync(configPath, text);
  const dataDir = join(dir, name.replace(/\W/g, ''));
  const s = await startServer({ port: 0, configPath, dataDir, log: () => {}, adminToken: ADMIN, readToken: 'r' });
  const bid = config.mediated_bids[0].id;
  const times = [];
  try {
    for (let i = 0; i < 15; i++) {
      const t0 = performance.now();
      const r = await fetch(`${s.url}/api/bids/${encodeURIComponent(bid)}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', 'if-match': '*' },
        body: JSON.stringify({ cpm: 1 + i / 100 }),
      });
      if (r.status !== 200) throw new Error(`PATCH answered ${r.status}: ${await r.text()}`);
      times.push(performance.now() - t0);
    }
  } finally {
    await s.close();
  }
  const db = statSync(join(dataDir, 'events.db')).size;
  console.log(
    `  ${name} (${text.length} bytes): ${median(times).toFixed(0)} ms median, ${Math.max(...times).toFixed(0)} ms at most; events.db ${db} bytes after 16 versions`,
  );
}
rmSync(dir, { recursive: true, force: true });
