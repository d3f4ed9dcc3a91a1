// follow.test.mjs — ad servers sharing one history of config versions (follow.mjs),
// over real HTTP on 127.0.0.1: a follower copies the primary's versions under the same
// numbers; a change made through either is one version on both, answered once the
// follower has it; of 20 writers on one version spread over both, one wins; a report
// import through the follower lands at the primary and comes back; with the primary
// down the follower keeps its config and refuses changes (503), then catches up; a
// follower that started alone gives up its own history for the primary's.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../web/server/server.mjs';
import { apiCall } from './helpers.mjs';

const root = new URL('../../', import.meta.url).pathname;
const demoText = readFileSync(root + 'web/demo/config.json', 'utf8');
const ADMIN = 'follow-admin-token';
let dir;
let n = 0;

before(() => (dir = mkdtempSync(join(tmpdir(), 'mediation-follow-'))));
after(() => rmSync(dir, { recursive: true, force: true }));

async function serve({ name = `s${n++}`, text = demoText, primary = '', port = 0 } = {}) {
  const configPath = join(dir, `${name}.json`);
  writeFileSync(configPath, text);
  const lines = [];
  const s = await startServer({
    port,
    configPath,
    dataDir: join(dir, name),
    log: (l) => lines.push(l),
    adminToken: ADMIN,
    readToken: 'follow-read-token',
    configPrimary: primary,
    configPollMs: 100,
  });
  return { ...s, lines, name, configPath };
}

const call = (s, method, path, { type, ...opts } = {}) =>
  apiCall(s, method, path, { token: ADMIN, headers: type ? { 'content-type': type } : {}, ...opts });
const versionsOf = async (s) => (await call(s, 'GET', '/api/versions')).json;
const configOf = async (s) => (await call(s, 'GET', '/api/config')).text;

// A primary and a follower of it (whose own file is `text`), closed after fn(p, f).
async function withPair({ text }, fn) {
  const p = await serve();
  const f = await serve({ primary: p.url, text });
  try {
    await fn(p, f);
  } finally {
    await f.close();
    await p.close();
  }
}

async function until(what, check, ms = 10000) {
  for (const t0 = Date.now(); !(await check());) {
    assert.ok(Date.now() - t0 < ms, `${what} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

test('a follower runs the primary’s versions under the same numbers; a change through either is one version on both', async () => {
  await withPair({ text: '{"this file": "is not read"}' }, async (p, f) => {
    assert.deepEqual(await versionsOf(f), await versionsOf(p), 'the same history');
    assert.equal(await configOf(f), await configOf(p));

    // Through the follower: made at the primary, and the follower answers with it in.
    const r = await call(f, 'PATCH', '/api/bids/slot-1-fastfill', { body: { cpm: 7.5 }, ifMatch: '"1"' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.etag, '"2"');
    assert.equal((await call(f, 'GET', '/api/bids/slot-1-fastfill')).json.bid.cpm, 7.5, 'read your write');
    assert.equal((await call(p, 'GET', '/api/bids/slot-1-fastfill')).json.bid.cpm, 7.5);
    // Through the primary: the follower copies it within its poll.
    assert.equal((await call(p, 'POST', '/api/bids/slot-1-fastfill/pause', { ifMatch: '"2"' })).status, 200);
    await until('the follower has version 3', async () => (await versionsOf(f)).live === 3);
    assert.equal((await call(f, 'GET', '/api/bids/slot-1-fastfill')).json.bid.active, false);
    // An ETag read from one is good on the other; an old one is stale on both.
    assert.equal(
      (await call(f, 'PATCH', '/api/bids/slot-1-fastfill', { body: { cpm: 1 }, ifMatch: '"2"' })).status,
      409,
    );
    assert.equal(
      (await call(p, 'PATCH', '/api/bids/slot-1-fastfill', { body: { cpm: 1 }, ifMatch: '"2"' })).status,
      409,
    );
    // A bad body is refused by the primary's engine, with its path, through the follower.
    const bad = await call(f, 'PATCH', '/api/bids/slot-1-fastfill', { body: { cpm: -1 }, ifMatch: '"3"' });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.at, 'cpm');
    // A rollback through the follower.
    const back = await call(f, 'POST', '/api/versions/1/activate', { ifMatch: '"3"' });
    assert.equal(back.status, 200, back.text);
    assert.equal(await configOf(f), demoText, "version 1's exact text");
    assert.deepEqual(await versionsOf(f), await versionsOf(p));
    // An auction on the follower runs the live version.
    const status = await call(f, 'GET', '/status.json');
    assert.equal(status.json.config.version, 4);
    assert.equal(status.json.config.primary, new URL(p.url).origin);
    assert.equal(status.json.config.error, null);
  });
});

test('20 writers on one version, spread over a primary and a follower: exactly one wins', async () => {
  await withPair({}, async (p, f) => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call(i % 2 ? f : p, 'PATCH', '/api/bids/slot-1-fastfill', { body: { cpm: 10 + i }, ifMatch: '"1"' }),
      ),
    );
    assert.deepEqual(
      results.map((r) => r.status).sort(),
      [200, ...Array(19).fill(409)],
      results.map((r) => r.text).join('\n'),
    );
    const won = 10 + results.findIndex((r) => r.status === 200);
    await until('the follower has version 2', async () => (await versionsOf(f)).live === 2);
    for (const s of [p, f]) assert.equal((await call(s, 'GET', '/api/bids/slot-1-fastfill')).json.bid.cpm, won);
    assert.equal((await versionsOf(p)).versions.length, 2, 'nothing half made');
  });
});

test('a network report imported through a follower is kept by the primary and copied back', async () => {
  await withPair({}, async (p, f) => {
    const today = new Date().toISOString().slice(0, 10);
    const csv = `date,network,bid,impressions,revenue,currency\n${today},fastfill,slot-1-fastfill,100,0.4,USD\n`;
    const r = await call(f, 'POST', '/api/reports', { body: csv, type: 'text/csv' });
    assert.equal(r.status, 200, r.text);
    const rows = async (s) => (await call(s, 'GET', '/api/reports')).json.rows;
    assert.equal((await rows(p)).length, 1);
    assert.deepEqual(await rows(f), await rows(p));
    // A later import for the day replaces it on both.
    const again = `date,network,bid,impressions,revenue,currency\n${today},fastfill,slot-4-fastfill,5,0.01,USD\n`;
    assert.equal((await call(p, 'POST', '/api/reports', { body: again, type: 'text/csv' })).status, 200);
    await until('the follower has the new rows', async () => (await rows(f))[0]?.bid === 'slot-4-fastfill');
    assert.deepEqual(await rows(f), await rows(p));
    // A bad report is the primary's answer, every bad line named.
    const bad = await call(f, 'POST', '/api/reports', { body: 'date,network\nx', type: 'text/csv' });
    assert.equal(bad.status, 400);
  });
});

test('with the primary down a follower keeps its config and refuses changes; it catches up when it is back', async () => {
  let p = await serve({ name: 'down-primary' });
  const port = new URL(p.url).port;
  const f = await serve({ primary: p.url });
  try {
    await p.close();
    await until('the follower notices', async () => (await call(f, 'GET', '/status.json')).json.config.error !== null);
    const r = await call(f, 'PATCH', '/api/bids/slot-1-fastfill', { body: { cpm: 3 }, ifMatch: '"1"' });
    assert.equal(r.status, 503);
    assert.equal(r.json.error.code, 'primary_unreachable');
    assert.equal((await versionsOf(f)).live, 1, 'still serving version 1');
    const auction = await fetch(f.url + '/auction', {
      method: 'POST',
      body: JSON.stringify({ id: 'a1', imp: [{ id: '1', tagid: 'slot-1', banner: { w: 300, h: 250 } }], tmax: 100 }),
    });
    assert.equal(auction.status, 200);
    // Back (same database, same port), with a change made meanwhile.
    p = await serve({ name: 'down-primary', port: Number(port) });
    assert.equal(
      (await call(p, 'PATCH', '/api/bids/slot-1-fastfill', { body: { cpm: 3 }, ifMatch: '"1"' })).status,
      200,
    );
    await until('the follower catches up', async () => (await versionsOf(f)).live === 2);
    assert.equal((await call(f, 'GET', '/status.json')).json.config.error, null);
    assert.ok(f.lines.some((l) => /answers again/.test(l)));
  } finally {
    await f.close();
    await p.close();
  }
});

test('a follower that started alone gives up its own history for the primary’s', async () => {
  // The follower starts while nothing answers at its primary's address: it runs its file.
  const p0 = await serve({ name: 'late-primary' });
  const port = Number(new URL(p0.url).port);
  await p0.close();
  const edited = JSON.stringify({ ...JSON.parse(demoText), currency: 'EUR' }, null, 2);
  const f = await serve({ primary: `http://127.0.0.1:${port}`, text: edited });
  try {
    assert.equal(JSON.parse(await configOf(f)).currency, 'EUR', 'its own file while alone');
    assert.ok(f.lines.some((l) => /not copied at start/.test(l)));
    const p = await serve({ name: 'late-primary', port });
    try {
      await call(p, 'POST', '/api/networks', { body: { id: 'n-late' }, ifMatch: '*' });
      await until('the follower takes the primary’s history', async () => (await versionsOf(f)).live === 2);
      assert.deepEqual(await versionsOf(f), await versionsOf(p));
      assert.equal(await configOf(f), await configOf(p));
      assert.equal(JSON.parse(await configOf(f)).currency, 'USD');
    } finally {
      await p.close();
    }
  } finally {
    await f.close();
  }
});
