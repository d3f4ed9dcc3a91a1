// types.test.mjs — the TypeScript declarations compile against real usage (tsc --noEmit).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

test('dist/mediation.d.ts describes the API as it is used', () => {
  const root = new URL('../../', import.meta.url).pathname;
  const r = spawnSync(root + 'node_modules/.bin/tsc', ['-p', root + 'tests/types'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
