// store.mjs — every reported attempt, kept in SQLite (WAL): the source of truth the
// report is computed from. A beacon sent twice is stored once; a malformed one is
// refused whole and counted.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import mediation from '../../dist/mediation.mjs';

// Positions and latencies are bounded where the engine bounds them (c_src/bounds.h).
const { maxPosition, maxLatencyMs, maxCpm } = mediation.limits;

const OUTCOMES = new Set(['filled', 'no_fill', 'error', 'timeout', 'late']);
const SOURCES = new Set(['mediated', 'rtb']);
const MAX_TEXT = 256;

const isText = (v, max = MAX_TEXT) => typeof v === 'string' && v.length > 0 && v.length <= max;

// The attempt in a beacon, or a reason why it is not one.
export function validEvent(e) {
  if (e === null || typeof e !== 'object' || Array.isArray(e)) return { why: 'not an object' };
  for (const k of ['auction_id', 'imp_id', 'render_id', 'bid'])
    if (!isText(e[k])) return { why: `${k} must be a non-empty string` };
  if (e.network !== null && e.network !== undefined && !isText(e.network))
    return { why: 'network must be a string or null' };
  if (!SOURCES.has(e.source)) return { why: 'source must be mediated or rtb' };
  if (!OUTCOMES.has(e.outcome)) return { why: 'outcome must be filled, no_fill, error, timeout or late' };
  if (!Number.isInteger(e.position) || e.position < 0 || e.position > maxPosition)
    return { why: `position must be an integer 0..${maxPosition}` };
  if (!Number.isInteger(e.latency_ms) || e.latency_ms < 0 || e.latency_ms > maxLatencyMs)
    return { why: `latency_ms must be an integer 0..${maxLatencyMs}` };
  if (
    e.price !== undefined &&
    e.price !== null &&
    !(typeof e.price === 'number' && Number.isFinite(e.price) && e.price >= 0 && e.price <= maxCpm)
  )
    return { why: `price must be a CPM from 0 to ${maxCpm}` };
  return { event: e };
}

export function openStore(dataDir) {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, 'events.db'));
  db.pragma('journal_mode = WAL');
  // In WAL mode NORMAL loses nothing when the process is killed; only a power loss can.
  db.pragma('synchronous = NORMAL');
  db.exec(`
    CREATE TABLE IF NOT EXISTS attempts (
      render_id TEXT NOT NULL, position INTEGER NOT NULL, outcome TEXT NOT NULL,
      auction_id TEXT NOT NULL, imp_id TEXT NOT NULL, bid TEXT NOT NULL, network TEXT,
      source TEXT NOT NULL, latency_ms INTEGER NOT NULL, price REAL, ts INTEGER NOT NULL,
      PRIMARY KEY (render_id, position, outcome)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS rejected_events (ts INTEGER NOT NULL, reason TEXT NOT NULL);
  `);
  const insert = db.prepare(`INSERT OR IGNORE INTO attempts
    (render_id, position, outcome, auction_id, imp_id, bid, network, source, latency_ms, price, ts)
    VALUES (@render_id, @position, @outcome, @auction_id, @imp_id, @bid, @network, @source, @latency_ms, @price, @ts)`);
  const reject = db.prepare('INSERT INTO rejected_events (ts, reason) VALUES (?, ?)');
  // The attempts as the engine's stats document, built by SQLite in one string.
  const asJson = db
    .prepare(
      `SELECT json_group_array(json_object('network', network, 'bid', bid, 'source', source,
    'outcome', outcome, 'latency_ms', latency_ms, 'price', price, 'ts', ts)) AS a FROM attempts`,
    )
    .pluck();
  const counts = db.prepare(
    `SELECT (SELECT count(*) FROM attempts) AS attempts, (SELECT count(*) FROM rejected_events) AS rejected`,
  );

  return {
    // Returns true if stored, false if it was a duplicate.
    add(e, now = Date.now()) {
      const r = insert.run({
        render_id: e.render_id,
        position: e.position,
        outcome: e.outcome,
        auction_id: e.auction_id,
        imp_id: e.imp_id,
        bid: e.bid,
        network: e.network ?? null,
        source: e.source,
        latency_ms: e.latency_ms,
        price: e.price ?? null,
        ts: now,
      });
      return r.changes === 1;
    },
    reject(reason, now = Date.now()) {
      reject.run(now, reason.slice(0, 200));
    },
    attemptsJson: () => asJson.get(),
    counts: () => counts.get(),
    close: () => db.close(),
  };
}
