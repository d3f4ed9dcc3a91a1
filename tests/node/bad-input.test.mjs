// bad-input.test.mjs — hostile and broken documents, each its own case, through
// the CLI (built with ASan/UBSan when available) and the Wasm. A broken document
// or config is a clear error naming where (exit 2); a broken bid is rejected with
// an OpenRTB loss reason while the auction goes on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { viaBoth, viaCli } from './helpers.mjs';

const NOW = '2026-11-27T12:00:00Z';
const config = (bids = [{ id: 'm1', network: 'n', cpm: 1, tag: '<b>m1</b>' }]) => ({
  networks: [{ id: 'n' }],
  mediated_bids: bids,
});
const request = { id: 'r', imp: [{ id: '1', banner: { w: 300, h: 250 } }] };
const doc = (o) => JSON.stringify({ config: config(), request, now: NOW, ...o });
const response = (bids) => ({ id: 'r', seatbid: [{ seat: 's', bid: bids }] });
// A document whose one mediated bid has these fields over a valid base.
const bid = (fields) => doc({ config: config([{ id: 'm', network: 'n', cpm: 2, tag: 't', ...fields }]) });
const M0 = 'config.mediated_bids[0]';

async function both(text) {
  const cli = await viaBoth(text);
  return { status: cli.status, out: JSON.parse(cli.out) };
}

async function expectError(text, code, at) {
  const r = await both(text);
  assert.equal(r.status, 2, 'exit 2 for bad input');
  assert.equal(r.out.error.code, code, JSON.stringify(r.out));
  if (at !== undefined) assert.equal(r.out.error.at, at);
  assert.ok(r.out.error.message.length > 0);
}

const errorCases = [
  ['empty input', '', 'empty_input'],
  ['only whitespace', ' \n\t ', 'empty_input'],
  ['not JSON', 'hello', 'invalid_json'],
  ['truncated JSON', doc({}).slice(0, 80), 'truncated_json'],
  ['trailing garbage', doc({}) + ' }', 'trailing_garbage'],
  ['top level an array', '[' + doc({}) + ']', 'not_object'],
  ['top level a string', '"x"', 'not_object'],
  ['missing config', JSON.stringify({ request, now: NOW }), 'missing_field', 'config'],
  ['missing request', JSON.stringify({ config: config(), now: NOW }), 'missing_field', 'request'],
  ['missing now', JSON.stringify({ config: config(), request }), 'missing_field', 'now'],
  ['malformed now', doc({ now: '27/11/2026' }), 'invalid_time', 'now'],
  ['now not a string', doc({ now: 1795780800 }), 'invalid_time', 'now'],
  ['imp not an array', doc({ request: { id: 'r', imp: {} } }), 'wrong_type', 'request.imp'],
  ['imp empty', doc({ request: { id: 'r', imp: [] } }), 'invalid_value', 'request.imp'],
  ['imp id a number', doc({ request: { id: 'r', imp: [{ id: 1 }] } }), 'wrong_type', 'request.imp[0].id'],
  [
    'duplicate imp ids',
    doc({ request: { id: 'r', imp: [{ id: '1' }, { id: '1' }] } }),
    'duplicate_id',
    'request.imp[1].id',
  ],
  ['request not an object', doc({ request: [] }), 'wrong_type', 'request'],
  [
    'bidfloor a string',
    doc({ request: { id: 'r', imp: [{ id: '1', bidfloor: '1' }] } }),
    'wrong_type',
    'request.imp[0].bidfloor',
  ],
  [
    'bidfloor 1e400',
    '{"config":' +
      JSON.stringify(config()) +
      ',"request":{"id":"r","imp":[{"id":"1","bidfloor":1e400}]},"now":"' +
      NOW +
      '"}',
    'invalid_value',
    'request.imp[0].bidfloor',
  ],
  [
    'floor currency without a rate',
    doc({ request: { id: 'r', imp: [{ id: '1', bidfloor: 1, bidfloorcur: 'JPY' }] } }),
    'unknown_currency',
    'request.imp[0].bidfloorcur',
  ],
  ['NaN as a CPM', doc({}).replace('"cpm":1', '"cpm":NaN'), 'invalid_json'],
  ['Infinity as a CPM', doc({}).replace('"cpm":1', '"cpm":Infinity'), 'invalid_json'],
  ['1e400 as a CPM', doc({}).replace('"cpm":1', '"cpm":1e400'), 'invalid_value', M0 + '.cpm'],
  [
    'negative CPM',
    doc({ config: config([{ id: 'm', network: 'n', cpm: -2, tag: 't' }]) }),
    'invalid_value',
    M0 + '.cpm',
  ],
  ['CPM a string', doc({ config: config([{ id: 'm', network: 'n', cpm: '2', tag: 't' }]) }), 'wrong_type', M0 + '.cpm'],
  [
    'unknown network',
    doc({ config: config([{ id: 'm', network: 'zz', cpm: 2, tag: 't' }]) }),
    'unknown_network',
    M0 + '.network',
  ],
  [
    'duplicate mediated bid ids',
    doc({
      config: config([
        { id: 'm', network: 'n', cpm: 2, tag: 't' },
        { id: 'm', network: 'n', cpm: 1, tag: 'u' },
      ]),
    }),
    'duplicate_id',
    'config.mediated_bids[1].id',
  ],
  [
    'duplicate network ids',
    doc({ config: { networks: [{ id: 'n' }, { id: 'n' }] } }),
    'duplicate_id',
    'config.networks[1].id',
  ],
  ['networks not an array', doc({ config: { networks: {} } }), 'wrong_type', 'config.networks'],
  [
    'mediated bid without a tag',
    doc({ config: config([{ id: 'm', network: 'n', cpm: 2 }]) }),
    'missing_field',
    M0 + '.tag',
  ],
  [
    'undefined tag macro',
    doc({ config: config([{ id: 'm', network: 'n', cpm: 2, tag: 'z=#{ZONE}' }]) }),
    'unknown_macro',
    M0 + '.tag',
  ],
  ['unknown country', bid({ targeting: { countries: ['ZZ'] } }), 'invalid_value', M0 + '.targeting.countries[0]'],
  [
    'unknown device type',
    bid({ targeting: { device_types: ['phone'] } }),
    'invalid_value',
    M0 + '.targeting.device_types[0]',
  ],
  ['malformed flight start', bid({ start: 'soon' }), 'invalid_time', M0 + '.start'],
  ['flight ends before it starts', bid({ start: NOW, end: '2026-01-01T00:00:00Z' }), 'invalid_value', M0 + '.end'],
  ['timeout of zero', bid({ timeout_ms: 0 }), 'invalid_value', M0 + '.timeout_ms'],
  ['explain not a boolean', doc({ explain: 'yes' }), 'wrong_type', 'explain'],
  ['bids not an array', doc({ bids: {} }), 'wrong_type', 'bids'],
  [
    'invalid UTF-8',
    Buffer.concat([
      Buffer.from(doc({}).slice(0, -1)),
      Buffer.from([0x2c, 0x22, 0x78, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
    ]),
    'invalid_utf8',
  ],
  ['a NUL byte', doc({}).replace('"r"', '"r\u0000"'), 'invalid_json'],
  // A typo in targeting would widen it: unknown keys are refused where they stand.
  ['unknown targeting key', bid({ targeting: { genre: ['news'] } }), 'unknown_field', M0 + '.targeting.genre'],
  [
    'unknown exclude key',
    bid({ targeting: { exclude: { contries: ['CU'] } } }),
    'unknown_field',
    M0 + '.targeting.exclude.contries',
  ],
  [
    'exclude inside exclude',
    bid({ targeting: { exclude: { exclude: {} } } }),
    'unknown_field',
    M0 + '.targeting.exclude.exclude',
  ],
  [
    'unknown daypart key',
    bid({ targeting: { dayparts: [{ day: [1] }] } }),
    'unknown_field',
    M0 + '.targeting.dayparts[0].day',
  ],
  [
    'daypart hour out of range',
    bid({ targeting: { dayparts: [{ hours: [9, 25] }] } }),
    'invalid_value',
    M0 + '.targeting.dayparts[0].hours[1]',
  ],
  [
    'weekday out of range',
    bid({ targeting: { dayparts: [{ days: [1, 8] }] } }),
    'invalid_value',
    M0 + '.targeting.dayparts[0].days[1]',
  ],
  [
    'unknown time zone',
    doc({ config: { ...config(), timezone: 'Mars/Olympus' } }),
    'unknown_timezone',
    'config.timezone',
  ],
  [
    'time zone a path',
    doc({ config: { ...config(), timezone: '../../etc/passwd' } }),
    'invalid_value',
    'config.timezone',
  ],
  [
    'time zone and a fixed offset',
    doc({ config: { ...config(), timezone: 'UTC', timezone_offset_min: 60 } }),
    'invalid_value',
    'config.timezone',
  ],
  [
    'a 60-byte key is cut and marked',
    bid({ targeting: { ['k'.repeat(60)]: 1 } }),
    'unknown_field',
    M0 + '.targeting.' + 'k'.repeat(40) + '~',
  ],
];

for (const [name, text, code, at] of errorCases) {
  test(`bad input: ${name}`, async () => {
    if (Buffer.isBuffer(text)) {
      // Bytes that are not UTF-8 cannot travel as a JS string: the CLI gets them as they are.
      const cli = viaCli(text);
      assert.equal(cli.status, 2);
      assert.equal(JSON.parse(cli.out).error.code, code);
      return;
    }
    await expectError(text, code, at);
  });
}

test('bad input: nesting 100 000 levels deep is a clear error, not a crash or a hang', async () => {
  const deep = '['.repeat(100000) + ']'.repeat(100000);
  await expectError(deep, 'too_deep');
  await expectError(doc({ request: { ...request, ext: '@' } }).replace('"@"', deep), 'too_deep');
  await expectError('{"request":' + '['.repeat(100000), 'too_deep');
  const fine = doc({ request: { ...request, ext: '@' } }).replace('"@"', '['.repeat(100) + ']'.repeat(100));
  assert.equal((await both(fine)).status, 0, '100 levels are fine');
});

test('bad input: an 8 MB tag is carried through whole', async () => {
  const tag = '<div>' + 'x'.repeat(8 << 20) + '</div>';
  const r = await both(doc({ config: config([{ id: 'big', network: 'n', cpm: 1, tag }]) }));
  assert.equal(r.status, 0);
  assert.equal(r.out.imps[0].waterfall[0].tag.length, tag.length);
});

test('bad input: 20 000 RTB bids', async () => {
  const bids = Array.from({ length: 20000 }, (_, i) => ({
    id: 'b' + i,
    impid: '1',
    price: 0.5 + (i % 1000) / 100,
    adm: 'a' + i,
  }));
  const r = await both(doc({ bids: [response(bids)] }));
  assert.equal(r.status, 0);
  const imp = r.out.imps[0];
  assert.equal(imp.waterfall.at(-1).source, 'rtb');
  assert.equal(imp.waterfall.at(-1).bid_price, 10.49);
  assert.equal(imp.waterfall.length + imp.rejected.length, 20001, 'every bid is accounted for');
});

test('bad bids are rejected with OpenRTB loss reasons and the auction goes on', async () => {
  const bids = [
    { id: 'ok', impid: '1', price: 0.9, adm: 'fine' },
    { id: 'neg', impid: '1', price: -1, adm: 'x' },
    { id: 'str', impid: '1', price: 'high', adm: 'x' },
    { id: 'nop', impid: '1', adm: 'x' },
    { id: 'imp', impid: '9', price: 5, adm: 'x' },
    { id: 'mk', impid: '1', price: 5 },
    { id: 'w', impid: '1', price: 5, adm: 'x', w: 728, h: 90 },
  ];
  const text = doc({
    bids: [
      response(bids),
      { id: 'r', cur: 'XYZ', seatbid: [{ bid: [{ id: 'cur', impid: '1', price: 5, adm: 'x' }] }] },
      { id: 'other', seatbid: [{ bid: [{ id: 'aid', impid: '1', price: 5, adm: 'x' }] }] },
      'garbage',
      { id: 'r', seatbid: 7 },
    ],
  });
  const r = await both(text.replace('"garbage"', '"garbage"'));
  assert.equal(r.status, 0);
  const reasons = Object.fromEntries(
    r.out.imps[0].rejected.filter((e) => e.source === 'rtb').map((e) => [e.bid, e.reason]),
  );
  assert.deepEqual(reasons, { neg: 3, str: 3, nop: 9, mk: 7, w: 3, cur: 3, aid: 5 });
  assert.deepEqual(
    r.out.imps[0].waterfall.map((e) => e.bid),
    ['m1', 'ok'],
  );
  const top = r.out.rejected;
  assert.deepEqual(
    top.find((e) => e.bid === 'imp'),
    { source: 'rtb', bid: 'imp', seat: 's', impid: '9', reason: 3 },
  );
  assert.deepEqual(
    top.filter((e) => 'response' in e).map((e) => e.response),
    [3, 4],
  );
});

test('bad bids: a response repeating "seatbid" or "bid" is read by its last occurrence, never past its end', async () => {
  const b = (id) => JSON.stringify({ id, impid: '1', price: 1, adm: 'x' });
  const response = `{"id":"r","seatbid":[],"seatbid":[{"seat":"s","bid":[],"bid":[${['b1', 'b2', 'b3', 'b4'].map(b).join(',')}]}]}`;
  const text = doc({}).replace(/}$/, `,"bids":[${response}]}`);
  const r = await both(text);
  assert.equal(r.status, 0);
  assert.equal(r.out.imps[0].waterfall.length + r.out.imps[0].rejected.length, 5);
});

test('bad config: "macros" given twice counts the last one', async () => {
  const text = doc({}).replace(
    '"tag":"<b>m1</b>"',
    '"macros":{"A":"1","B":"2","C":"3","D":"4"},"macros":{"Z":"9"},"tag":"<b>#{Z}</b>"',
  );
  const r = await both(text);
  assert.equal(r.status, 0);
  assert.equal(r.out.imps[0].waterfall[0].tag, '<b>9</b>');
});

test('a long adomain string comes out whole, whatever room the engine had at first', async () => {
  const long = 'd'.repeat(60000) + '.example';
  const r = await both(doc({ bids: [response([{ id: 'x', impid: '1', price: 5, adm: 'a', adomain: [long] }])] }));
  assert.equal(r.status, 0);
  assert.equal(r.out.imps[0].waterfall.at(-1).adomain[0], long);
});

test('a price that overflows once converted is an invalid bid, not a wrap-around', async () => {
  const text = doc({
    config: { ...config(), rates: { XAU: 1000000 } },
    bids: [
      { id: 'r', cur: 'XAU', seatbid: [{ seat: 's', bid: [{ id: 'big', impid: '1', price: 10000000, adm: 'x' }] }] },
    ],
  });
  const r = await both(text);
  assert.equal(r.status, 0);
  assert.deepEqual(
    r.out.imps[0].rejected.map((e) => [e.bid, e.reason]),
    [['big', 3]],
  );
});
