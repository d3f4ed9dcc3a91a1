// gpp.test.mjs — the C GPP decoder (build/mediate gpp) against the IAB Tech Lab's own
// library, @iabgpp/cmpapi: strings it encodes from random sections and opt-out choices
// carry the same section ids and the same opt-out of sale in both; the examples of the
// GPP specification decode to their published ids; every truncation and garbage gets
// a clear error from the ASan build, never a crash. The auction's use of it is in the
// golden fixtures consent-gpp-*.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLines, random } from './helpers.mjs';
import { GppModel } from '@iabgpp/cmpapi';

const decodeC = (strings, bin) => decodeLines('gpp', strings, bin);

// Every US section the library knows, by id; uspv1 (6) is plain text.
const US = {
  7: 'usnat', 8: 'usca', 9: 'usva', 10: 'usco', 11: 'usut', 12: 'usct', 13: 'usfl', 14: 'usmt', 15: 'usor',
  16: 'ustx', 17: 'usde', 18: 'usia', 19: 'usne', 20: 'usnh', 21: 'usnj', 22: 'ustn', 23: 'usmn', 24: 'usmd',
  25: 'usin', 26: 'usky', 27: 'usri',
}; // prettier-ignore

function randomModel(rnd) {
  const m = new GppModel();
  const expected = {};
  if (rnd() < 0.3) {
    m.setFieldValue('tcfeuv2', 'CmpId', 1 + Math.floor(rnd() * 4000));
    m.setFieldValue(
      'tcfeuv2',
      'PurposeConsents',
      Array.from({ length: 24 }, () => rnd() < 0.5),
    );
  }
  if (rnd() < 0.4) {
    const sale = rnd() < 0.5 ? 'Y' : 'N';
    m.setFieldValue('uspv1', 'Notice', 'Y');
    m.setFieldValue('uspv1', 'OptOutSale', sale);
    expected[6] = sale === 'Y';
  }
  for (const [id, name] of Object.entries(US)) {
    if (rnd() > 0.25) continue;
    const sale = Math.floor(rnd() * 3); // 0 not applicable, 1 opted out, 2 did not
    m.setFieldValue(name, 'SaleOptOut', sale);
    m.setFieldValue(name, 'SaleOptOutNotice', sale ? 1 : 0);
    if (name !== 'usca' && rnd() < 0.5) m.setFieldValue(name, 'TargetedAdvertisingOptOut', 1 + Math.floor(rnd() * 2));
    expected[id] = sale === 1;
  }
  if (!Object.keys(expected).length && !m.hasSection('tcfeuv2')) {
    m.setFieldValue('usnat', 'SaleOptOut', 2);
    expected[7] = false;
  }
  return { gpp: m.encode(), expected };
}

const rnd = random(20261129);
const cases = Array.from({ length: 400 }, () => randomModel(rnd));

test('400 GPP strings encoded by @iabgpp/cmpapi: the same section ids and opt-outs of sale in C', () => {
  const out = decodeC(cases.map((c) => c.gpp));
  const seen = new Set();
  for (let i = 0; i < cases.length; i++) {
    const { gpp, expected } = cases[i];
    assert.equal(out[i].error, undefined, `${gpp}: ${out[i].error}`);
    assert.deepEqual(out[i].sectionIds, new GppModel(gpp).getSectionIds(), gpp);
    const want = Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, v]));
    assert.deepEqual(out[i].saleOptOut, want, gpp);
    for (const id of Object.keys(expected)) seen.add(id);
  }
  assert.equal(seen.size, 1 + Object.keys(US).length, 'every US section was exercised');
});

test('the GPP specification examples decode to their published section ids', () => {
  const tcf = 'CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA';
  const [one, two, three] = decodeC([`DBABM~${tcf}`, `DBACNY~${tcf}~1YNN`, `DBABjw~${tcf}~1YNN`]);
  assert.deepEqual(one, { sectionIds: [2], saleOptOut: {} });
  assert.deepEqual(two, { sectionIds: [2, 6], saleOptOut: { 6: false } });
  assert.deepEqual(three, { sectionIds: [5, 6], saleOptOut: { 6: false } });
});

test('every truncation of 40 strings, and garbage, gets an error or a faithful decoding, never a crash', () => {
  const bad = [];
  for (const { gpp } of cases.slice(0, 40)) for (let n = 0; n < gpp.length; n++) bad.push(gpp.slice(0, n));
  bad.push('!!!', 'DBABM', 'DBABM~a~b', 'DBACNY~x~1YN', 'DBABzYA~1YY-~!!~BA', '~'.repeat(100), 'D'.repeat(60000));
  bad.push('DBAB' + 'V'.repeat(10) + '~x', 'DBA_____~x', 'CBABM~x', 'DCABM~x'); // endless Fibonacci; type 2; version 2
  const out = decodeC(bad, 'build/mediate-asan');
  assert.equal(out.length, bad.length);
  for (let i = 0; i < bad.length; i++) {
    const o = out[i];
    if (o.error) {
      assert.match(o.error, /^[a-zA-Z]/);
      continue;
    }
    // A cut inside the last section: its ids as the library reads them, when it can
    // (it also decodes sections the C reader leaves to the auction, such as tcfeuv2).
    let ids = null;
    try {
      ids = new GppModel(bad[i]).getSectionIds();
    } catch {}
    if (ids) assert.deepEqual(o.sectionIds, ids, bad[i]);
  }
  assert.ok(out.filter((o) => o.error).length > bad.length / 2);
  assert.deepEqual(out.slice(-4).map((o) => o.error), [
    'the header is not readable', 'the header is not readable', 'not a GPP header', 'not GPP version 1',
  ]); // prettier-ignore
});
