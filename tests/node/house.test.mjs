// house.test.mjs — the repository stands on its own and says what it holds: nothing
// reads a file outside it, the README's layout names every folder and C module there
// is, and every C file opens with a comment saying why it exists.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';

const root = new URL('../../', import.meta.url).pathname;
const tracked = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
const readme = readFileSync(root + 'README.md', 'utf8');
const layout = readme.slice(readme.indexOf('## Layout'), readme.indexOf('## How fast'));

test('no tracked file reads outside the repository', () => {
  const outside = /\.\.\/\.\.\/\.\.\/|\.\.\/shared\b|shared\/(DESIGN|openrtb-examples)/;
  const code = tracked.filter(
    (f) => !f.endsWith('.md') && !f.startsWith('tests/fixtures/') && f !== 'package-lock.json',
  );
  const offenders = code.filter(
    (f) => f !== 'tests/node/house.test.mjs' && outside.test(readFileSync(root + f, 'utf8')),
  );
  assert.deepEqual(offenders, []);
});

test("the README's layout names every top-level folder and every C module", () => {
  const dirs = readdirSync(root).filter(
    (d) => !d.startsWith('.') && statSync(root + d).isDirectory() && tracked.some((f) => f.startsWith(d + '/')),
  );
  for (const d of dirs) assert.match(layout, new RegExp(`^${d}/`, 'm'), `${d}/ is not in the README's layout`);
  const modules = new Set(tracked.filter((f) => /^c_src\/[a-z_]+\.[ch]$/.test(f)).map((f) => f.slice(6, -2)));
  for (const m of modules) assert.match(layout, new RegExp(`^  ${m}\\b`, 'm'), `c_src/${m} is not in the layout`);
  for (const sub of readdirSync(root + 'web')) assert.match(layout, new RegExp(`^  ${sub}/`, 'm'), `web/${sub}/`);
});

test('every C file says at its top why it exists', () => {
  const c = tracked.filter((f) => /\.(c|h)$/.test(f));
  const silent = c.filter((f) => !/^\/\* [\w.-]+ — /.test(readFileSync(root + f, 'utf8')));
  assert.deepEqual(silent, []);
});
