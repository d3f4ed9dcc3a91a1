// network-reports.mjs — the networks' own reports (CSV imports read by the engine,
// c_src/reports.h) kept in the events database beside what the server counted, and
// the document the engine compares them in (c_src/suggest.h): discrepancy per day,
// network and bid, and suggested CPMs.
import { latencyPoints } from './store.mjs';

const DAY = 86400000;
const HOUR = 3600000;
export const dayOf = (ms) => new Date(ms - (ms % DAY)).toISOString().slice(0, 10);

// The day (YYYY-MM-DD) an instant falls on in an IANA zone, from Intl.
const dayFormats = new Map();
export function dayIn(zone, ms) {
  let f = dayFormats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormats.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(ms).map(({ type, value }) => [type, value]));
  return `${p.year}-${p.month}-${p.day}`;
}

// network id -> the IANA zone its reports count days in, for the networks that say one.
const zonesOf = (config) =>
  new Map(
    (config.networks ?? [])
      .filter((n) => n && typeof n.id === 'string' && typeof n.report_timezone === 'string')
      .map((n) => [n.id, n.report_timezone]),
  );

// What the server's counts must cover for suggestInput(config, today, fromDay): verified
// mediated fills per UTC day and network and bid over [from, to) (ms), per hour for the
// networks in `zoned` (whose reports count days in their own zone; 15 hours either
// side), and each mediated bid's outcomes over the 8 days before `to` (learned()).
export function countsOf(config, today, fromDay) {
  const zoned = [...zonesOf(config).keys()];
  return { from: Date.parse(fromDay + 'T00:00:00Z'), to: Date.parse(today + 'T00:00:00Z') + DAY, zoned };
}

export function openNetworkReports(db) {
  db.exec(`
    CREATE TABLE IF NOT EXISTS network_report (
      day TEXT NOT NULL, network TEXT NOT NULL, bid TEXT NOT NULL, impressions INTEGER NOT NULL,
      revenue_micros INTEGER NOT NULL, currency TEXT NOT NULL, revenue_own_micros INTEGER NOT NULL,
      imported_at INTEGER NOT NULL, PRIMARY KEY (day, network, bid)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS auto_cpm_run (day TEXT PRIMARY KEY, at INTEGER NOT NULL, version INTEGER);
    -- what followers ask every second (follow.mjs): the rows imported after a time
    CREATE INDEX IF NOT EXISTS network_report_imported ON network_report (imported_at);
  `);
  const clearDay = db.prepare('DELETE FROM network_report WHERE day = ? AND network = ?');
  const insert = db.prepare('INSERT OR REPLACE INTO network_report VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const between = db.prepare(
    `SELECT day AS date, network, bid, impressions, revenue_micros / 1e6 AS revenue, currency
     FROM network_report WHERE day >= ? AND day < ? ORDER BY day, network, bid`,
  );
  // What the server counted: mediated fills per UTC day, network and bid (verified);
  // for a network whose reports count days in its own zone, per hour, then put in the
  // day of that zone each hour starts in (to the hour: a zone 30 or 45 minutes off
  // the hour has the hour that holds its midnight counted in the day it starts in).
  const fillsByHour = db.prepare(
    `SELECT hour, bid, sum(n) AS fills FROM rollup
     WHERE verified = 1 AND outcome = 'filled' AND source = 'mediated' AND network = ? AND hour >= ? AND hour < ?
     GROUP BY hour, bid`,
  );
  const fills = db.prepare(
    `SELECT day, network, bid, sum(n) AS fills FROM rollup_day
     WHERE verified = 1 AND outcome = 'filled' AND source = 'mediated' AND day >= ? AND day < ?
     GROUP BY day, network, bid`,
  );
  // What the planner learns of each mediated bid (config "learned"): its attempts, fills
  // (late ones too) and their latencies over the days given, verified beacons only.
  const outcomes = db.prepare(
    `SELECT bid, sum(CASE WHEN outcome <> 'late' THEN n ELSE 0 END) AS attempts,
       sum(CASE WHEN outcome IN ('filled', 'late') THEN n ELSE 0 END) AS fills,
       hist_sum(CASE WHEN outcome IN ('filled', 'late') THEN lat END) AS lat
     FROM rollup_day WHERE verified = 1 AND source = 'mediated' AND day >= ? AND day < ? GROUP BY bid`,
  );
  // For an ad server that follows this one (follow.mjs): every row of each day and
  // network imported at or after a time, the whole group, as a later import replaces it.
  const since = db.prepare(
    `SELECT * FROM network_report WHERE (day, network) IN
       (SELECT DISTINCT day, network FROM network_report INDEXED BY network_report_imported WHERE imported_at > ?)
     ORDER BY day, network, bid`,
  );
  const lastImport = db.prepare('SELECT max(imported_at) FROM network_report').pluck();
  const ran = db.prepare('SELECT version FROM auto_cpm_run WHERE day = ?');
  const markRun = db.prepare('INSERT OR REPLACE INTO auto_cpm_run VALUES (?, ?, ?)');

  // Stores rows ({date, network, bid, impressions, revenue, currency, rate}): a later
  // import of a day of a network replaces that day's rows of that network; the same rows
  // again change nothing. One transaction.
  const importRows = db.transaction((rows, at) => {
    const now = Math.max(at, (lastImport.get() ?? 0) + 1); // each import its own time, for followers
    const days = new Set(rows.map((r) => `${r.date}\u0000${r.network}`));
    for (const d of days) clearDay.run(...d.split('\u0000'));
    for (const r of rows) {
      const own = Math.round(r.revenue * 1e6);
      insert.run(r.date, r.network, r.bid, r.impressions, Math.round(own * r.rate), r.currency, own, now);
    }
    return { rows: rows.length, days: days.size };
  });

  const copyRows = db.transaction((rows) => {
    const days = new Set(rows.map((r) => `${r.day}\u0000${r.network}`));
    for (const d of days) clearDay.run(...d.split('\u0000'));
    for (const r of rows)
      insert.run(r.day, r.network, r.bid, r.impressions, r.revenue_micros, r.currency, r.revenue_own_micros,
        r.imported_at); // prettier-ignore
  });

  return {
    importRows: (rows, now = Date.now()) => importRows(rows, now),
    // The groups imported after `ms` (each import has a later time than the one before),
    // as stored, and their copy on a follower.
    importedSince: (ms) => since.all(ms),
    lastImport: () => lastImport.get() ?? 0,
    copyRows: (rows) => copyRows(rows),
    rows: (fromDay, toDay) => between.all(fromDay, toDay),
    // What the server counted, from this SQLite file: see countsOf (the ClickHouse
    // store has the same, clickhouse.mjs).
    counted: ({ from, to, zoned }) => ({
      days: fills.all(from, to),
      hours: zoned.flatMap((network) =>
        fillsByHour
          .all(network, from - 15 * HOUR, to + 15 * HOUR)
          .map((r) => ({ hour: r.hour, network, bid: r.bid, fills: r.fills })),
      ),
      outcomes: outcomes.all(to - 8 * DAY, to),
    }),
    // The engine's input (suggest.h) for `today`: the bids of the config, counted fills
    // (counted: what countsOf asks for) and reported rows from `fromDay` to today.
    suggestInput(config, today, fromDay, counted) {
      const to = Date.parse(today + 'T00:00:00Z') + DAY;
      const bids = (config.mediated_bids ?? [])
        .filter((b) => b && typeof b.id === 'string' && typeof b.network === 'string' && typeof b.cpm === 'number')
        .map((b) => ({ bid: b.id, network: b.network, cpm: b.cpm }));
      const zoneOf = zonesOf(config);
      const fills = counted.days
        .filter((f) => !zoneOf.has(f.network))
        .map((f) => ({ date: dayOf(f.day), network: f.network, bid: f.bid, fills: f.fills }));
      const byDay = new Map();
      for (const f of counted.hours) {
        const date = dayIn(zoneOf.get(f.network), f.hour);
        if (date < fromDay || date > today) continue;
        const key = `${f.network}\u0000${date}\u0000${f.bid}`;
        byDay.set(key, (byDay.get(key) ?? 0) + f.fills);
      }
      for (const [key, n] of byDay) {
        const [network, date, bid] = key.split('\u0000');
        fills.push({ date, network, bid, fills: n });
      }
      return { today, bids, fills, reports: between.all(fromDay, dayOf(to)).map(({ currency: _, ...r }) => r) };
    },
    // { bid id: learned } for config "learned" (docs/config.md): the outcomes counted
    // over the 7 days before today and today so far, and the suggestions (suggest.h) of today.
    learned(counted, suggestions) {
      const out = {};
      for (const r of counted.outcomes)
        out[r.bid] = {
          attempts: r.attempts,
          fills: Math.min(r.fills, r.attempts),
          fill_latency_ms: latencyPoints(r.lat),
        };
      for (const x of suggestions) {
        if (x.suggested_cpm === null) continue;
        out[x.bid] ??= { attempts: 0, fills: 0, fill_latency_ms: [] };
        Object.assign(out[x.bid], {
          suggested_cpm: x.suggested_cpm,
          confidence: x.confidence,
          discrepancy: Math.max(-1, Math.min(1, x.discrepancy ?? 0)),
        });
      }
      return out;
    },
    autoRan: (day) => ran.get(day) !== undefined,
    markAutoRun: (day, version, now = Date.now()) => markRun.run(day, now, version ?? null),
  };
}
