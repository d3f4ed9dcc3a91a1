// wf-heap.test.mjs — the page's Wasm build of the waterfall state machine
// (build/engine-wf.wasm) has its own small malloc and free (c_src/wf_heap.c): live
// waterfalls never share memory, freed ones are reused, and memory stops growing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

const bytes = readFileSync(new URL('../../build/engine-wf.wasm', import.meta.url));

async function engine() {
  const imports = {};
  for (const i of WebAssembly.Module.imports(new WebAssembly.Module(bytes)))
    (imports[i.module] ??= {})[i.name] = () => 9999; // no zone offsets here
  const { instance } = await WebAssembly.instantiate(bytes, imports);
  instance.exports._initialize?.();
  return instance.exports;
}

test('live waterfalls have their own memory; freed ones are reused and memory stays flat', async () => {
  const x = await engine();
  const live = Array.from({ length: 200 }, (_, i) => {
    const w = x.med_wf_new(3, 3000);
    assert.notEqual(w, 0);
    x.med_wf_set(w, 0, 0, 100 + i);
    x.med_wf_set(w, 1, 0, 200);
    x.med_wf_set(w, 2, 1, 300);
    return w;
  });
  assert.equal(new Set(live).size, live.length);
  const gaps = [...live]
    .sort((a, b) => a - b)
    .slice(1)
    .map((w, i) => w - [...live].sort((a, b) => a - b)[i]);
  // Each waterfall is the same size: no two overlap when they are at least that far apart.
  assert.ok(Math.min(...gaps) === Math.max(...gaps) && Math.min(...gaps) >= 16);
  // Each runs on its own: a tick of one does not move another.
  live.forEach((w) => assert.equal(x.med_wf_begin(w, 0), 1));
  x.med_wf_on_signal(live[0], 0, 2, 10); // no fill: moves on
  assert.equal(x.med_wf_current(live[0]), 1);
  assert.equal(x.med_wf_current(live[1]), 0);
  for (const w of live) x.med_wf_free(w);
  const size = x.memory.buffer.byteLength;
  for (let round = 0; round < 50; round++) {
    const ws = Array.from({ length: 200 }, () => x.med_wf_new(3, 3000));
    assert.deepEqual([...ws].sort(), [...live].sort(), 'the freed blocks are the ones reused');
    for (const w of ws) x.med_wf_free(w);
  }
  assert.equal(x.memory.buffer.byteLength, size, 'no growth');
});
