// store.test.mjs — the events store on its own: rollups kept as attempts are stored
// give the report the raw attempts give (latencies within the histogram's 5%), the
// report's range picks hours, retention prunes raw attempts before rollups, and the
// WAL is started again under a steady stream of commits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mediation from '../../dist/mediation.mjs';
import { latencyBucket, openStore } from '../../web/server/store.mjs';
import { startCheckpointer } from '../../web/server/checkpointer.mjs';

const HOUR = 3600000;
const T0 = Date.UTC(2026, 10, 27, 0, 0, 0);

function attempt(i, extra = {}) {
  const outcomes = ['filled', 'filled', 'no_fill', 'timeout', 'error'];
  return {
    auction_id: 'a' + i,
    imp_id: '1',
    render_id: 'r' + i,
    bid: 'b' + (i % 3),
    network: 'n' + (i % 2),
    source: i % 7 ? 'mediated' : 'rtb',
    position: 0,
    outcome: outcomes[i % outcomes.length],
    latency_ms: 37 * (i % 50) + 5,
    price: 1 + (i % 4) * 0.25,
    ...extra,
  };
}

test('rollups give the report the raw attempts give; the range picks hours', async () => {
  await mediation.ready;
  const dir = mkdtempSync(join(tmpdir(), 'mediation-store-'));
  const store = openStore(dir);
  try {
    for (let i = 0; i < 600; i++) assert.equal(store.add(attempt(i), { now: T0 + (i % 6) * HOUR }), 'stored');
    const raw = mediation.report(`{"bucket_ms":${HOUR},"attempts":${store.attemptsJson()}}`);
    const docs = store.rollupDocs({ from: T0, to: T0 + 6 * HOUR, bucket: HOUR });
    const rolled = { ...mediation.report(docs.tables), series: mediation.report(docs.series).series };
    const strip = (f) => ({ ...f, latency_p50: 0, latency_p95: 0 });
    assert.deepEqual(rolled.totals && strip(rolled.totals), strip(raw.totals));
    assert.deepEqual(rolled.networks.map(strip), raw.networks.map(strip));
    assert.deepEqual(rolled.bids.map(strip), raw.bids.map(strip));
    assert.equal(rolled.series.length, raw.series.length);
    for (const [r, w] of [[rolled.totals, raw.totals], ...rolled.networks.map((n, i) => [n, raw.networks[i]])]) {
      assert.equal(r.latency_p50, latencyBucket(w.latency_p50), 'p50 from the histogram');
      assert.ok(Math.abs(r.latency_p95 - w.latency_p95) <= 0.05 * w.latency_p95 + 1, 'p95 within 5%');
    }
    // By whole days the report reads the daily rollups: the same tables.
    const byDay = store.rollupDocs({ from: T0, to: T0 + 2 * 24 * HOUR, bucket: 24 * HOUR });
    assert.deepEqual(mediation.report(byDay.tables), mediation.report(docs.tables));
    assert.equal(mediation.report(byDay.series).series.length, 2, 'one day, two networks');
    // Two of the six hours: a third of the attempts.
    const partDocs = store.rollupDocs({ from: T0 + 2 * HOUR, to: T0 + 4 * HOUR, bucket: HOUR });
    const part = { ...mediation.report(partDocs.tables), series: mediation.report(partDocs.series).series };
    assert.equal(part.totals.attempts + part.totals.late, 200);
    assert.equal(part.series.length, 2, 'two hours, one network each');
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('retention prunes raw attempts first; rollups stay until their own retention', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mediation-store-'));
  const store = openStore(dir);
  try {
    const now = T0 + 40 * 24 * HOUR;
    store.add(attempt(1), { now: T0 }); // 40 days old
    store.add(attempt(2), { now: now - HOUR });
    assert.deepEqual(store.prune({ rawDays: 30, rollupDays: 400, now }), { raw: 1, rollups: 0 });
    assert.equal(store.counts().attempts, 1);
    const kept = JSON.parse(store.rollupDocs({ from: T0, to: now, bucket: HOUR }).series).rollups;
    assert.equal(kept.length, 2, 'the old attempt is still in the rollups');
    assert.deepEqual(store.prune({ rawDays: 30, rollupDays: 10, now }), { raw: 0, rollups: 2 }, 'its hour and its day');
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("unsigned beacons never take a verified one's place; a pruned store opens again", () => {
  const dir = mkdtempSync(join(tmpdir(), 'mediation-store-'));
  let store = openStore(dir);
  try {
    const e = attempt(0); // a fill
    assert.equal(store.add(e, { verified: false }), 'stored');
    assert.equal(store.add(e, { verified: true }), 'stored', 'the signed one is stored beside it');
    assert.equal(store.add({ ...e, position: 1, bid: 'other' }, { verified: false }), 'second_fill');
    assert.equal(store.add({ ...attempt(1), bid: '', network: '' }), 'stored', 'empty ids are kept');
    const now = T0 + 3 * 24 * HOUR;
    store.add(attempt(2), { now: T0 });
    store.prune({ rawDays: 30, rollupDays: 1, now });
    store.close();
    store = openStore(dir); // the migration does not run again over a pruned store
    assert.equal(store.counts().attempts, 4);
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

// Commits one batch after another for `ms`, paused while the checkpointer holds them:
// the WAL's largest size and the rows stored.
async function steadyCommits(dir, { restart, ms }) {
  const store = openStore(dir);
  store.db.pragma('wal_autocheckpoint = 0'); // as the server does
  let held = false;
  const checkpointer = startCheckpointer(join(dir, 'events.db'), {
    hold: () => ((held = true), () => (held = false)),
    restartFrames: restart ? 256 : Number.MAX_SAFE_INTEGER,
    intervalMs: 50,
  });
  let i = 0;
  let largest = 0;
  for (const end = Date.now() + ms; Date.now() < end;) {
    await new Promise((r) => setImmediate(r));
    if (held) continue;
    store.addBatch(Array.from({ length: 50 }, () => [attempt(i++), { now: T0 }]));
    largest = Math.max(largest, statSync(join(dir, 'events.db-wal')).size);
  }
  await checkpointer.stop();
  const stored = store.counts().attempts;
  store.close();
  return { largest, stored, sent: i };
}

test('under a steady stream of commits the WAL is started again, not grown without end', async () => {
  const dirs = [mkdtempSync(join(tmpdir(), 'mediation-wal-')), mkdtempSync(join(tmpdir(), 'mediation-wal-'))];
  try {
    const passiveOnly = await steadyCommits(dirs[0], { restart: false, ms: 2500 });
    const restarted = await steadyCommits(dirs[1], { restart: true, ms: 2500 });
    for (const r of [passiveOnly, restarted]) assert.equal(r.stored, r.sent, 'every commit kept');
    assert.ok(restarted.largest < 16 << 20, `the WAL stayed under 16 MB (${restarted.largest} bytes)`);
    assert.ok(
      passiveOnly.largest > 5 * restarted.largest,
      `passive checkpoints alone let it grow (${passiveOnly.largest} against ${restarted.largest} bytes)`,
    );
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});
