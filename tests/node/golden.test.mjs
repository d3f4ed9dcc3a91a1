// golden.test.mjs — every case in tests/fixtures runs through the CLI and the Wasm;
// both outputs must equal the expected file byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { viaBoth } from './helpers.mjs';

const dir = new URL('../fixtures/', import.meta.url);
const cases = readdirSync(dir)
  .filter((f) => f.endsWith('.input.json'))
  .sort();

test('there are golden cases', () => assert.ok(cases.length >= 10, `only ${cases.length} cases`));

for (const file of cases) {
  const name = file.replace('.input.json', '');
  test(`golden: ${name}`, async () => {
    const input = readFileSync(new URL(file, dir), 'utf8');
    const expected = readFileSync(new URL(`${name}.expected.json`, dir), 'utf8').replace(/\n$/, '');
    const cli = await viaBoth(input); // the Wasm agrees byte for byte
    assert.equal(cli.out, expected, 'CLI output');
  });
}
