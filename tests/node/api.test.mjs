// api.test.mjs — the JS API of dist/mediation.mjs and dist/mediation.js in Node:
// ready, loadConfig handles, auction on objects and strings, errors, release.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import mediation, { mediation as named } from '../../dist/mediation.mjs';

const NOW = '2026-11-27T12:00:00Z';
const config = {
  networks: [{ id: 'acme' }, { id: 'beta' }],
  mediated_bids: [
    { id: 'a', network: 'acme', cpm: 2.5, timeout_ms: 800, tag: '<i>a ${AUCTION_ID}</i>' },
    { id: 'b', network: 'beta', cpm: 1.5, tag: '<i>b</i>' },
  ],
};
const request = { id: 'req-1', imp: [{ id: '1', banner: { format: [{ w: 300, h: 250 }] } }] };
const bids = [
  {
    id: 'req-1',
    seatbid: [{ seat: 'dsp', bid: [{ id: 'r1', impid: '1', price: 2, adm: '<p>${AUCTION_PRICE}</p>' }] }],
  },
];

test('the default and the named export are the same object', () => assert.equal(mediation, named));

test('auction() answers with the waterfall and rejections', async () => {
  await mediation.ready;
  const out = mediation.auction({ config, request, bids, now: NOW });
  assert.deepEqual(
    out.imps[0].waterfall.map((e) => e.bid),
    ['a', 'r1'],
  );
  assert.equal(out.imps[0].waterfall[0].tag, '<i>a req-1</i>');
  assert.equal(out.imps[0].waterfall[1].adm, '<p>1.51</p>');
  assert.deepEqual(out.imps[0].rejected, [
    { source: 'mediated', bid: 'b', network: 'beta', price: 1.5, reason: 'below_rtb' },
  ]);
});

test('a loaded config gives the same answer as an inline one, many times', async () => {
  await mediation.ready;
  const handle = mediation.loadConfig(config);
  const inline = mediation.auctionJSON({ config, request, bids, now: NOW });
  for (let i = 0; i < 100; i++)
    assert.equal(mediation.auctionJSON({ config: handle, request, bids, now: NOW }), inline);
  // Raw JSON strings are accepted for the request and each bid response.
  assert.equal(
    mediation.auctionJSON({
      config: handle,
      request: JSON.stringify(request),
      bids: bids.map((b) => JSON.stringify(b)),
      now: NOW,
    }),
    inline,
  );
  // A whole document as a string, with the handle beside it.
  assert.equal(mediation.auctionJSON(JSON.stringify({ request, bids, now: NOW }), handle), inline);
  handle.release();
  assert.throws(() => mediation.auction({ config: handle, request, now: NOW }), { code: 'unknown_config' });
  assert.throws(() => mediation.auctionJSON(JSON.stringify({ request, now: NOW }), handle), { code: 'unknown_config' });
});

test('bad input throws a MediationError with code and at', async () => {
  await mediation.ready;
  assert.throws(
    () =>
      mediation.loadConfig({ networks: [{ id: 'x' }], mediated_bids: [{ id: 'm', network: 'y', cpm: 1, tag: 't' }] }),
    (e) => {
      assert.ok(e instanceof mediation.MediationError);
      assert.equal(e.code, 'unknown_network');
      assert.equal(e.at, 'config.mediated_bids[0].network');
      assert.match(e.message, /names network "y"/);
      return true;
    },
  );
  assert.throws(() => mediation.auction('{"request": '), { code: 'truncated_json' });
  assert.throws(() => mediation.auction(42), { code: 'not_object' });
  assert.throws(() => mediation.auction({ config, request: { id: 'r', imp: [] }, now: NOW }), {
    code: 'invalid_value',
    at: 'request.imp',
  });
  // The engine is still fine afterwards.
  assert.equal(mediation.auction({ config, request, now: NOW }).imps[0].waterfall.length, 2);
});

test('now defaults to the host clock', async () => {
  await mediation.ready;
  const out = mediation.auction({
    config: {
      networks: [{ id: 'n' }],
      mediated_bids: [
        { id: 'live', network: 'n', cpm: 1, tag: 't', start: '2000-01-01T00:00:00Z', end: '2999-01-01T00:00:00Z' },
      ],
    },
    request,
  });
  assert.equal(out.imps[0].waterfall[0].bid, 'live');
});

test('every IAB example request is read', async () => {
  await mediation.ready;
  const dir = new URL('../fixtures/iab/', import.meta.url);
  for (const name of ['simple-banner', 'mobile-app', 'pmp-direct-deal']) {
    const req = JSON.parse(readFileSync(new URL(`${name}.request.json`, dir), 'utf8'));
    const out = mediation.auction({ config, request: req, now: NOW });
    assert.equal(out.id, req.id, name);
    assert.equal(out.imps.length, req.imp.length, name);
  }
});

test('the classic script defines window.mediation with the same engine API, the auction engine from its second file', async () => {
  const code = readFileSync(new URL('../../dist/mediation.js', import.meta.url), 'utf8');
  const sandbox = {
    TextEncoder,
    TextDecoder,
    WebAssembly,
    atob,
    console,
    FinalizationRegistry,
    Blob,
    DecompressionStream,
    Response,
  };
  sandbox.globalThis = sandbox;
  vm.runInNewContext(code, sandbox);
  assert.throws(
    () => sandbox.mediation.auction({ config, request, now: NOW }),
    (e) => e.code === 'not_ready',
  );
  await sandbox.mediation.ready;
  // The auction engine is the second file: until it has run, auctions are not ready.
  assert.throws(
    () => sandbox.mediation.auction({ config, request, now: NOW }),
    (e) => e.code === 'not_ready' && /auctionReady/.test(e.message),
  );
  vm.runInNewContext(readFileSync(new URL('../../dist/mediation-auction.js', import.meta.url), 'utf8'), sandbox);
  await sandbox.mediation.auctionReady;
  const out = sandbox.mediation.auctionJSON({ config, request, bids, now: NOW });
  assert.equal(out, mediation.auctionJSON({ config, request, bids, now: NOW }));
});

test('memory stays flat over many auctions', async () => {
  await mediation.ready;
  const handle = mediation.loadConfig(config);
  for (let i = 0; i < 1000; i++) mediation.auctionJSON({ config: handle, request, bids, now: NOW });
  const after1k = mediation.memoryBytes();
  for (let i = 0; i < 20000; i++) mediation.auctionJSON({ config: handle, request, bids, now: NOW });
  assert.equal(mediation.memoryBytes(), after1k);
  handle.release();
});

test('a large config holds less than 3× its text, read a bid at a time, and its memory is reused after release', async () => {
  await mediation.ready;
  const { makeConfig, makeBids, request: benchRequest } = await import('../../bench/case.mjs');
  const big = makeConfig(4000, 7);
  big.mediated_bids[5].tag = 'naïve ünïcödé ✓ 😀 <b>${AUCTION_ID}</b>'; // UTF-8 of 2, 3 and 4 bytes
  const text = JSON.stringify(big);
  const bytes = Buffer.byteLength(text);
  const handle = mediation.loadConfig(text);
  assert.ok(handle.memoryBytes() > bytes && handle.memoryBytes() < 3 * bytes, `${handle.memoryBytes()} for ${bytes}`);
  // The same answers as the config read whole, inline.
  const input = { request: benchRequest, bids: makeBids(), now: NOW, explain: true };
  assert.equal(mediation.auctionJSON({ ...input, config: handle }), mediation.auctionJSON({ ...input, config: text }));
  const one = { ...input, request: { id: 'r', imp: [{ id: '1', tagid: 'placement-5', banner: { w: 300, h: 250 } }] } };
  one.request.device = { geo: { country: 'USA' }, devicetype: 4 };
  const answer = mediation.auction({ ...one, config: handle });
  assert.ok(answer.imps[0].waterfall.some((e) => e.source === 'mediated'));
  assert.equal(JSON.stringify(answer), mediation.auctionJSON({ ...one, config: text }));
  handle.release();
  assert.equal(handle.memoryBytes(), 0);
  // Loading it again takes the memory the released one gave back.
  const before = mediation.memoryBytes();
  const again = mediation.loadConfig(text);
  assert.equal(mediation.memoryBytes(), before);
  again.release();
});
