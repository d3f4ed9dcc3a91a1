// consent.test.mjs — the C TC string decoder (build/mediate tcf) against the IAB's own
// library, @iabtcf/core: strings it encodes from random consent choices (bit-field and
// range vendor sections, publisher restrictions) decode to the same thing in both; and
// every truncation of them, and garbage, gets a clear error from the ASan build, never
// a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLines, random } from './helpers.mjs';
import { PurposeRestriction, SegmentEncoder, Segment, TCModel, TCString } from '@iabtcf/core';

const decodeC = (strings, bin) => decodeLines('tcf', strings, bin);

const ids = (rnd, n, max) => [...new Set(Array.from({ length: n }, () => 1 + Math.floor(rnd() * max)))];
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function randomModel(rnd) {
  const m = new TCModel();
  m.version = 2;
  m.cmpId = Math.floor(rnd() * 4096);
  m.cmpVersion = Math.floor(rnd() * 4096);
  m.consentScreen = Math.floor(rnd() * 64);
  m.vendorListVersion = 1 + Math.floor(rnd() * 4000);
  m.policyVersion = Math.floor(rnd() * 64);
  m.consentLanguage = LETTERS[Math.floor(rnd() * 26)] + LETTERS[Math.floor(rnd() * 26)];
  m.publisherCountryCode = LETTERS[Math.floor(rnd() * 26)] + LETTERS[Math.floor(rnd() * 26)];
  m.isServiceSpecific = rnd() < 0.5;
  m.useNonStandardTexts = rnd() < 0.3;
  m.purposeOneTreatment = rnd() < 0.2;
  m.specialFeatureOptins.set(ids(rnd, Math.floor(rnd() * 4), 12));
  m.purposeConsents.set(ids(rnd, Math.floor(rnd() * 12), 24));
  m.purposeLegitimateInterests.set(ids(rnd, Math.floor(rnd() * 8), 24));
  // Dense sets encode as bit fields, sparse ones over a wide range as ranges.
  const dense = rnd() < 0.5;
  m.vendorConsents.set(dense ? ids(rnd, 300, 400) : ids(rnd, Math.floor(rnd() * 8), 3000));
  m.vendorLegitimateInterests.set(rnd() < 0.5 ? ids(rnd, 100, 200) : ids(rnd, Math.floor(rnd() * 5), 1200));
  m.publisherRestrictions.gvl_ = { vendorIds: new Set(Array.from({ length: 3000 }, (_, i) => i + 1)) };
  for (let k = Math.floor(rnd() * 4); k > 0; k--) {
    const purpose = 2 + Math.floor(rnd() * 9);
    const type = Math.floor(rnd() * 3);
    for (const v of ids(rnd, 1 + Math.floor(rnd() * 6), 2000))
      m.publisherRestrictions.add(v, new PurposeRestriction(purpose, type));
  }
  return m;
}

// The IAB library's decoding, in the CLI's shape.
function decodeIab(s) {
  const d = TCString.decode(s);
  const list = (v, max) => Array.from({ length: max }, (_, i) => i + 1).filter((i) => v.has(i));
  const restrictions = [];
  for (const r of d.publisherRestrictions.getRestrictions())
    for (const v of d.publisherRestrictions.getVendors(r)) restrictions.push([r.purposeId, r.restrictionType, v]);
  return {
    version: d.version,
    cmpId: d.cmpId,
    cmpVersion: d.cmpVersion,
    consentScreen: d.consentScreen,
    consentLanguage: d.consentLanguage,
    vendorListVersion: d.vendorListVersion,
    policyVersion: d.policyVersion,
    isServiceSpecific: d.isServiceSpecific,
    useNonStandardTexts: d.useNonStandardTexts ?? d.useNonStandardStacks, // renamed in TCF v2.2
    purposeOneTreatment: d.purposeOneTreatment,
    publisherCountryCode: d.publisherCountryCode,
    specialFeatureOptins: list(d.specialFeatureOptins, 12),
    purposeConsents: list(d.purposeConsents, 24),
    purposeLegitimateInterests: list(d.purposeLegitimateInterests, 24),
    vendorConsents: list(d.vendorConsents, d.vendorConsents.maxId),
    vendorLegitimateInterests: list(d.vendorLegitimateInterests, d.vendorLegitimateInterests.maxId),
    restrictions: restrictions.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]),
  };
}
function shapeC(c) {
  const { created, lastUpdated, publisherRestrictions, ...rest } = c;
  const restrictions = [];
  for (const [p, t, first, last] of publisherRestrictions)
    for (let v = first; v <= last; v++) restrictions.push([p, t, v]);
  return { ...rest, restrictions: restrictions.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]) };
}

const rnd = random(20261128);
const strings = Array.from({ length: 400 }, () => SegmentEncoder.encode(randomModel(rnd), Segment.CORE));

test('400 TC strings encoded by @iabtcf/core decode in C as the IAB library decodes them', () => {
  const c = decodeC(strings);
  let ranges = 0;
  for (let i = 0; i < strings.length; i++) {
    assert.equal(c[i].error, undefined, `${strings[i]}: ${c[i].error}`);
    assert.deepEqual(shapeC(c[i]), decodeIab(strings[i]), strings[i]);
    if (c[i].vendorConsents.length && c[i].vendorConsents.length < 10) ranges++;
  }
  assert.ok(ranges > 50, 'range-encoded vendor sections were exercised');
});

test('the IAB example string decodes to its published values; segments after the core are skipped', () => {
  const example = 'CLcVDxRMWfGmWAVAHCENAXCkAKDAADnAABRgA5mdfCKZuYJez-NQm0TBMYA4oCAAGQYIAAAAAAEAIAEgAA';
  const [d, withSegments] = decodeC([example, example + '.argAC0gAAAAAAAAAAAA']);
  assert.deepEqual(withSegments, d);
  assert.deepEqual(shapeC(d), decodeIab(example));
  assert.equal(d.cmpId, 21);
  assert.equal(d.cmpVersion, 7);
  assert.equal(d.consentScreen, 2);
  assert.equal(d.consentLanguage, 'EN');
  assert.equal(d.vendorListVersion, 23);
  assert.equal(d.created, 12286442570 + 7); // deciseconds: 1228644257.7 s
  assert.deepEqual(d.purposeConsents, [1, 3, 9, 10]);
});

test('every truncation of 40 strings, and garbage, gets an error or a faithful decoding, never a crash', () => {
  const bad = [];
  for (const s of strings.slice(0, 40)) for (let n = 0; n < s.length; n++) bad.push(s.slice(0, n));
  bad.push('!!!', 'CPX', 'BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA', '~'.repeat(100), 'A'.repeat(60000));
  bad.push(strings[0].replace(/^C/, 'A')); // version 0
  const out = decodeC(bad, 'build/mediate-asan');
  assert.equal(out.length, bad.length);
  for (let i = 0; i < bad.length; i++) {
    if (out[i].error) continue;
    // Cut inside the padding of the last byte: the same decoding as the IAB library's.
    assert.deepEqual(shapeC(out[i]), decodeIab(bad[i]), bad[i]);
  }
  assert.ok(out.filter((o) => o.error).length > bad.length * 0.9);
});
