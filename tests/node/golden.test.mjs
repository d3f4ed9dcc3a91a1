// golden.test.mjs — every case in tests/fixtures runs through the CLI and the Wasm;
// both outputs must equal the expected file byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { viaCli, viaWasm } from './helpers.mjs';

const dir = new URL('../fixtures/', import.meta.url);
const cases = readdirSync(dir).filter((f) => f.endsWith('.input.json')).sort();

test('there are golden cases', () => assert.ok(cases.length >= 10, `only ${cases.length} cases`));

for (const file of cases) {
  const name = file.replace('.input.json', '');
  test(`golden: ${name}`, async () => {
    const input = readFileSync(new URL(file, dir), 'utf8');
    const expected = readFileSync(new URL(`${name}.expected.json`, dir), 'utf8').replace(/\n$/, '');
    const cli = viaCli(input);
    const wasm = await viaWasm(input);
    assert.equal(cli.out, expected, 'CLI output');
    assert.equal(wasm.status, cli.status);
    if (cli.status === 0) assert.equal(wasm.out, cli.out, 'Wasm output is byte-identical to the CLI');
    else assert.deepEqual(JSON.parse(wasm.out), JSON.parse(cli.out), 'the same error');
  });
}
