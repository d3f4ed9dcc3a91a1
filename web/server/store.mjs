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
const MAX_TEXT = 1024; // ids the engine passes on as they came: bounded only by the 4 KiB beacon

const isText = (v, max = MAX_TEXT) => typeof v === 'string' && v.length <= max;
const HOUR = 3600000;
const DAY = 24 * HOUR;

// Latency histograms: exact below 20 ms, then steps of 10% named by their geometric
// middle, so a quantile read from one is within 5% of the true one whatever the
// volume. 128 slots cover 0 to 610 s; a histogram is kept as 128 little-endian uint32
// counts in a BLOB of its rollup row.
const SLOTS = 128;
const slotOf = (ms) => (ms < 20 ? ms : Math.min(SLOTS - 1, 20 + Math.floor(Math.log(ms / 20) / Math.log(1.1) + 1e-9)));
const msOfSlot = (i) => (i < 20 ? i : Math.min(Math.round(20 * 1.1 ** (i - 20 + 0.5)), maxLatencyMs));

// The latency a histogram reports for `ms`.
export const latencyBucket = (ms) => msOfSlot(slotOf(ms));

function histogram(blob) {
  return new Uint32Array(blob.buffer, blob.byteOffset, SLOTS);
}

// The fill latency points of a histogram BLOB: [[ms, share of fills by then], ...] at
// the shares asked (as config "learned.fill_latency_ms" takes them), each ms once.
export function latencyPoints(blob, shares = [0.5, 0.8, 0.9, 0.95, 0.99, 1]) {
  if (!blob) return [];
  const h = histogram(blob);
  const total = h.reduce((a, n) => a + n, 0);
  const points = [];
  let run = 0;
  let i = 0;
  for (const q of shares) {
    while (i < SLOTS && run < q * total) run += h[i++];
    const ms = i ? msOfSlot(i - 1) : 0;
    const share = Math.round((run / total) * 1e4) / 1e4;
    if (points.length && ms <= points.at(-1)[0]) points.at(-1)[1] = share;
    else points.push([ms, share]);
  }
  return total ? points : [];
}

// [[ms, count], ...] of a histogram BLOB (null: none).
function histogramPairs(blob) {
  const pairs = [];
  if (blob) histogram(blob).forEach((n, i) => n && pairs.push([msOfSlot(i), n]));
  return pairs;
}

// The C statistics' documents (stats.h "rollups") of rollup rows [at, network, bid,
// source, outcome, n, cpm_micros, latency histogram BLOB or null] from any store: the
// tables over the range, and the series per bucket of `bucket` ms from `from`.
export function rollupDocsOf(parts, { from, bucket }) {
  const tables = new Map();
  const series = new Map();
  for (const part of parts)
    for (const [at, network, bid, source, outcome, n, cpm_micros, lat] of part) {
      const t = at - ((at - from) % bucket);
      const row = { network, bid, source, outcome, n, cpm_micros };
      addTo(tables, `${network}\u0000${bid}\u0000${source}\u0000${outcome}`, { ...row, t: from }, lat);
      addTo(series, `${t}\u0000${network}\u0000${outcome}`, { ...row, t, bid: '', source: '' }, lat);
    }
  return { tables: statsDoc(tables, HOUR), series: statsDoc(series, bucket) };
}
function statsDoc(groups, bucket) {
  const rows = [];
  for (const g of groups.values()) rows.push({ ...g, latency: histogramPairs(g.latency) });
  return `{"bucket_ms":${bucket},"rollups":${JSON.stringify(rows)}}`;
}
function addTo(groups, key, row, lat) {
  const g = groups.get(key);
  if (!g) return void groups.set(key, { ...row, latency: lat && Buffer.from(lat) });
  g.n += row.n;
  g.cpm_micros += row.cpm_micros;
  if (lat && g.latency) {
    const sum = histogram(g.latency);
    histogram(lat).forEach((n, i) => n && (sum[i] += n));
  } else if (lat) g.latency = Buffer.from(lat);
}

// A histogram BLOB from (slot, count) pairs, as another store keeps them; null if empty.
export function histogramOf(slots, counts) {
  if (!slots.length) return null;
  const blob = Buffer.alloc(SLOTS * 4);
  const h = histogram(blob);
  slots.forEach((slot, i) => (h[Math.min(SLOTS - 1, Number(slot))] += Number(counts[i])));
  return blob;
}
export const latencySlot = (ms) => slotOf(ms);

// What a fill adds to the rollups' CPM sum, in micro-units (other outcomes add nothing).
const cpmMicros = (e) => (e.outcome === 'filled' && e.price ? Math.round(e.price * 1e6) : 0);

// An attempt as ClickHouse takes it (JSONEachRow, without its batch id; spool.mjs).
function shipLine(e, kind, verified, ts) {
  return JSON.stringify({
    verified,
    ts,
    auction_id: e.auction_id,
    imp_id: e.imp_id,
    position: e.position,
    kind,
    outcome: e.outcome,
    bid: e.bid,
    network: e.network ?? '',
    source: e.source,
    latency_ms: e.latency_ms,
    lat_slot: slotOf(e.latency_ms),
    price: e.price ?? 0,
    cpm_micros: cpmMicros(e), // as the SQLite rollups count it
  });
}

// The attempt in a beacon, or a reason why it is not one.
export function validEvent(e) {
  if (e === null || typeof e !== 'object' || Array.isArray(e)) return { why: 'not an object' };
  // An empty id or seat is what a bidder may send and the engine passes on: kept.
  for (const k of ['auction_id', 'imp_id', 'render_id', 'bid'])
    if (!isText(e[k])) return { why: `${k} must be a string of at most ${MAX_TEXT} characters` };
  if (e.network !== null && e.network !== undefined && !isText(e.network))
    return { why: 'network must be a string or null' };
  if (e.cur !== null && e.cur !== undefined && !(typeof e.cur === 'string' && e.cur.length <= 8))
    return { why: 'cur must be a currency code or null' };
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

// How an attempt is stored: its own row; or not, and why. A beacon sent twice is
// 'duplicate' (answered as stored); the others are refused and counted.
export const STORED = 'stored';

export function openStore(dataDir) {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, 'events.db'));
  // A database damaged in the middle is not served half-read: the server stops.
  const check = db.pragma('quick_check', { simple: true });
  if (check !== 'ok') {
    db.close();
    throw new Error(`the events database ${join(dataDir, 'events.db')} is damaged (quick_check: ${check})`);
  }
  db.pragma('journal_mode = WAL');
  // In WAL mode NORMAL loses nothing when the process is killed; only a power loss can.
  db.pragma('synchronous = NORMAL');
  // A WAL started again from its beginning (checkpointer.mjs) is cut back to 64 MB.
  db.pragma('journal_size_limit = 67108864');
  // One row per (auction, imp, position) and kind: 'final' (filled, no_fill, error,
  // timeout) or 'late' (a fill after a timeout); at most one fill per auction imp.
  db.exec(`
    CREATE TABLE IF NOT EXISTS attempts2 (
      auction_id TEXT NOT NULL, imp_id TEXT NOT NULL, position INTEGER NOT NULL, kind TEXT NOT NULL,
      outcome TEXT NOT NULL, render_id TEXT NOT NULL, bid TEXT NOT NULL, network TEXT, source TEXT NOT NULL,
      latency_ms INTEGER NOT NULL, price REAL, verified INTEGER NOT NULL, ts INTEGER NOT NULL,
      PRIMARY KEY (verified, auction_id, imp_id, position, kind)) WITHOUT ROWID;
    CREATE UNIQUE INDEX IF NOT EXISTS one_fill ON attempts2 (verified, auction_id, imp_id) WHERE outcome = 'filled';
    CREATE TABLE IF NOT EXISTS refused (reason TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
    -- With a ClickHouse store (spool.mjs): each stored attempt as the line to ship, in
    -- the transaction that stores it, until it has been shipped.
    CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, line TEXT NOT NULL);
    -- Rolled up as stored: per hour, network, bid, source and outcome, how many and the
    -- sum of the fills' CPMs (micro-units); the fills' latencies as a histogram.
    CREATE TABLE IF NOT EXISTS rollup (
      verified INTEGER NOT NULL, hour INTEGER NOT NULL, network TEXT NOT NULL, bid TEXT NOT NULL,
      source TEXT NOT NULL, outcome TEXT NOT NULL, n INTEGER NOT NULL, cpm_micros INTEGER NOT NULL, lat BLOB,
      PRIMARY KEY (verified, hour, network, bid, source, outcome)) WITHOUT ROWID;
    -- The same by UTC day, so that a week's report reads days, not hours.
    CREATE TABLE IF NOT EXISTS rollup_day (
      verified INTEGER NOT NULL, day INTEGER NOT NULL, network TEXT NOT NULL, bid TEXT NOT NULL,
      source TEXT NOT NULL, outcome TEXT NOT NULL, n INTEGER NOT NULL, cpm_micros INTEGER NOT NULL, lat BLOB,
      PRIMARY KEY (verified, day, network, bid, source, outcome)) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS attempts_ts ON attempts2 (ts);
    -- Mediated bids the auction left out for the user's privacy choices (reason
    -- "consent"), counted per hour, network, bid and the engine's detail.
    CREATE TABLE IF NOT EXISTS consent_rejected (
      hour INTEGER NOT NULL, network TEXT NOT NULL, bid TEXT NOT NULL, detail TEXT NOT NULL, n INTEGER NOT NULL,
      PRIMARY KEY (hour, network, bid, detail)) WITHOUT ROWID;
  `);
  // Histograms in SQL: one fill's, two merged, and the sum of a group's.
  db.function('hist_one', { deterministic: true }, (ms) => {
    if (ms === null) return null;
    const blob = Buffer.alloc(SLOTS * 4);
    histogram(blob)[slotOf(ms)] = 1;
    return blob;
  });
  db.function('hist_merge', { deterministic: true }, (a, b) => {
    if (!a || !b) return a ?? b;
    const sum = Buffer.from(a);
    const h = histogram(sum);
    histogram(b).forEach((n, i) => n && (h[i] += n));
    return sum;
  });
  db.aggregate('hist_sum', {
    start: () => null,
    step: (sum, blob) => {
      if (!blob) return sum;
      const acc = sum ?? Buffer.alloc(SLOTS * 4);
      const a = histogram(acc);
      histogram(blob).forEach((n, i) => (a[i] += n));
      return acc;
    },
  });
  migrate(db);
  const find = db.prepare(
    `SELECT outcome, render_id FROM attempts2
     WHERE verified = ? AND auction_id = ? AND imp_id = ? AND position = ? AND kind = ?`,
  );
  // Positional parameters: some 3 µs a row less than named ones here.
  const insert = db.prepare(`INSERT INTO attempts2
    (auction_id, imp_id, position, kind, outcome, render_id, bid, network, source, latency_ms, price, verified, ts)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const count = db.prepare(
    'INSERT INTO refused (reason, n) VALUES (?, ?) ON CONFLICT (reason) DO UPDATE SET n = n + excluded.n',
  );
  // The attempts as the engine's stats document, built by SQLite in one string.
  const asJson = db
    .prepare(
      `SELECT json_group_array(json_object('network', network, 'bid', bid, 'source', source,
    'outcome', outcome, 'latency_ms', latency_ms, 'price', price, 'ts', ts)) AS a FROM attempts2 WHERE verified = ?`,
    )
    .pluck();
  // The rollups of a batch are summed here first (per hour, network, bid, source and
  // outcome: a count, a CPM sum, a latency histogram of fills and late fills), then
  // added with one upsert per key and table: a batch of a thousand beacons of one bid
  // costs a few upserts, not two thousand.
  const rollInto = (table, at) =>
    db.prepare(
      `INSERT INTO ${table} VALUES (@verified, @${at}, @network, @bid, @source, @outcome, @n, @cpm, @lat)
       ON CONFLICT DO UPDATE SET n = n + excluded.n, cpm_micros = cpm_micros + excluded.cpm_micros,
       lat = hist_merge(lat, excluded.lat)`,
    );
  const roll = rollInto('rollup', 'hour');
  const rollDay = rollInto('rollup_day', 'day');
  const rollUp = (sums, verified, now, e) => {
    const hour = now - (now % HOUR);
    const network = e.network ?? '';
    const key = `${verified}\u0000${hour}\u0000${network}\u0000${e.bid}\u0000${e.source}\u0000${e.outcome}`;
    let r = sums.get(key);
    if (!r) {
      r = { verified, hour, day: now - (now % DAY), network, bid: e.bid, source: e.source, outcome: e.outcome };
      Object.assign(r, { n: 0, cpm: 0, lat: null });
      sums.set(key, r);
    }
    r.n++;
    r.cpm += cpmMicros(e);
    if (e.outcome === 'filled' || e.outcome === 'late') {
      // a late fill's latency counts for learning
      r.lat ??= Buffer.alloc(SLOTS * 4);
      histogram(r.lat)[slotOf(e.latency_ms)]++;
    }
  };
  const writeSums = (sums) => {
    for (const r of sums.values()) {
      roll.run(r);
      rollDay.run(r);
    }
  };
  const attempts = db.prepare('SELECT count(*) FROM attempts2').pluck();
  // The rollup rows of [from, to), read once and summed here in JS (histograms
  // added as arrays): for the tables per bid over the range, for the series per
  // bucket of `bucket` ms counted from `from` and per network.
  const rowsOf = (table, at) =>
    db
      .prepare(
        `SELECT ${at}, network, bid, source, outcome, n, cpm_micros, lat FROM ${table}
         WHERE verified = @verified AND ${at} >= @from AND ${at} < @to`,
      )
      .raw();
  const hourRows = rowsOf('rollup', 'hour');
  const dayRows = rowsOf('rollup_day', 'day');
  const pruneRaw = db.prepare('DELETE FROM attempts2 WHERE ts < ?');
  const pruneRollups = db.prepare('DELETE FROM rollup WHERE hour < ?');
  const pruneDays = db.prepare('DELETE FROM rollup_day WHERE day < ?');
  const refusals = db.prepare('SELECT reason, n FROM refused ORDER BY reason');
  const countConsent = db.prepare(`INSERT INTO consent_rejected VALUES (?, ?, ?, ?, ?)
    ON CONFLICT DO UPDATE SET n = n + excluded.n`);
  const consentRows = db.prepare(`SELECT network, bid, detail, sum(n) AS n FROM consent_rejected
    WHERE hour >= ? AND hour < ? GROUP BY network, bid, detail ORDER BY n DESC, network, bid, detail`);
  const pruneConsent = db.prepare('DELETE FROM consent_rejected WHERE hour < ?');
  const addConsent = db.transaction((rows) => {
    for (const r of rows) countConsent.run(r.hour, r.network, r.bid, r.detail, r.n);
  });

  // Checks and stores one attempt in one transaction: STORED, 'duplicate', or why
  // it is refused ('conflict', 'second_fill', 'late_without_timeout').
  const addOne = (e, verified, now, sums) => {
    const kind = e.outcome === 'late' ? 'late' : 'final';
    const v = verified ? 1 : 0; // unsigned beacons can never take a verified one's place
    if (kind === 'late' && find.get(v, e.auction_id, e.imp_id, e.position, 'final')?.outcome !== 'timeout')
      return 'late_without_timeout';
    try {
      insert.run(
        e.auction_id,
        e.imp_id,
        e.position,
        kind,
        e.outcome,
        e.render_id,
        e.bid,
        e.network ?? null,
        e.source,
        e.latency_ms,
        e.price ?? null,
        v,
        now,
      );
    } catch (err) {
      if (!String(err.code).startsWith('SQLITE_CONSTRAINT')) throw err;
      // Taken: by this very beacon again, by another outcome, or by another fill.
      const had = find.get(v, e.auction_id, e.imp_id, e.position, kind);
      if (!had) return 'second_fill';
      return had.outcome === e.outcome && had.render_id === e.render_id ? 'duplicate' : 'conflict';
    }
    rollUp(sums, v, now, e);
    if (outbox) queueLine.run(shipLine(e, kind, v, now));
    return STORED;
  };
  let outbox = false;
  const queueLine = db.prepare('INSERT INTO outbox (line) VALUES (?)');
  const add = db.transaction((e, verified, now) => {
    const sums = new Map();
    const result = addOne(e, verified, now, sums);
    writeSums(sums);
    return result;
  });
  // Many in one transaction: one commit for all (the server's group commit, imports).
  const addBatch = db.transaction((list) => {
    const sums = new Map();
    const results = list.map(([e, { verified = true, now = Date.now() } = {}]) => addOne(e, verified, now, sums));
    writeSums(sums);
    return results;
  });

  return {
    add: (e, { verified = true, now = Date.now() } = {}) => add(e, verified, now),
    // [[event, { verified, now }], ...] -> results, in one transaction.
    addBatch,
    // Counts n refused events by their reason (counters, not rows: a flood costs nothing).
    refuse(reason, n = 1) {
      count.run(String(reason).slice(0, 64), n);
    },
    // Counts the bids an auction rejected for consent: [{ network, bid, detail, n }]
    // of one hour (now), in one transaction.
    countConsentRejections(rows, now = Date.now()) {
      const hour = now - (now % HOUR);
      addConsent(rows.map((r) => ({ ...r, hour, detail: String(r.detail).slice(0, 160) })));
    },
    // Those counts over [from, to), summed per network, bid and detail, most first.
    consentRejections: ({ from, to }) => consentRows.all(from, to),
    attemptsJson: ({ verified = true } = {}) => asJson.get(verified ? 1 : 0),
    // The engine's statistics documents (c_src/stats.h) of the rollups of [from, to):
    // `tables` (totals, networks, bids) and `series` (per bucket and network). Their
    // size, and so their cost, depends on the range and the number of bids, not on
    // how many attempts were stored.
    rollupDocs({ verified = true, from, to, bucket }) {
      const v = verified ? 1 : 0;
      // Whole days from the daily rollups when the buckets are whole days from midnight;
      // the hours after the last midnight from the hourly ones.
      const days = bucket % DAY === 0 && from % DAY === 0 ? Math.max(from, to - (to % DAY)) : from;
      const parts = [
        dayRows.iterate({ verified: v, from, to: days }),
        hourRows.iterate({ verified: v, from: days, to }),
      ];
      return rollupDocsOf(parts, { from, bucket });
    },
    // Raw attempts older than rawDays go; rollups older than rollupDays go.
    prune({ rawDays, rollupDays, now = Date.now() }) {
      const raw = pruneRaw.run(now - rawDays * DAY).changes;
      const cut = now - rollupDays * DAY;
      const rollups = pruneRollups.run(cut).changes + pruneDays.run(cut - (cut % DAY)).changes;
      return { raw, rollups: rollups + pruneConsent.run(cut).changes };
    },
    counts() {
      const by = Object.fromEntries(refusals.all().map((r) => [r.reason, r.n]));
      return { attempts: attempts.get(), rejected: Object.values(by).reduce((t, n) => t + n, 0), refused: by };
    },
    // From now on every stored attempt is also queued in the outbox (spool.mjs).
    enableOutbox() {
      outbox = true;
    },
    db, // for the config versions (versions.mjs), kept in the same file
    close: () => db.close(),
  };
}

// Rows of the first schema (one table keyed by render, position and outcome, before
// tokens) move over once, as unverified.
// Runs once per database (user_version 2 marks it done): never again after a prune.
function migrate(db) {
  if (db.pragma('user_version', { simple: true }) >= 2) return;
  const old = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'attempts'").get();
  if (old)
    db.exec(`BEGIN;
    INSERT OR IGNORE INTO attempts2
      SELECT auction_id, imp_id, position, CASE outcome WHEN 'late' THEN 'late' ELSE 'final' END, outcome,
             render_id, bid, network, source, latency_ms, price, 0, ts FROM attempts;
    DROP TABLE attempts;
    DROP TABLE IF EXISTS rejected_events;
    COMMIT;`);
  // Stored attempts that have no rollups yet (a database of before rollups) get them.
  if (!db.prepare('SELECT 1 FROM rollup LIMIT 1').get())
    db.exec(`BEGIN;
    INSERT INTO rollup SELECT verified, ts - ts % ${HOUR}, coalesce(network, ''), bid, source, outcome, count(*),
      sum(CASE WHEN outcome = 'filled' THEN coalesce(round(price * 1000000), 0) ELSE 0 END),
      hist_sum(CASE WHEN outcome = 'filled' THEN hist_one(latency_ms) END)
      FROM attempts2 GROUP BY 1, 2, 3, 4, 5, 6;
    INSERT INTO rollup_day SELECT verified, hour - hour % ${DAY}, network, bid, source, outcome, sum(n), sum(cpm_micros),
      hist_sum(lat) FROM rollup GROUP BY 1, 2, 3, 4, 5, 6;
    COMMIT;`);
  db.pragma('user_version = 2');
}
