// clickhouse.mjs — the attempt log and its rollups in ClickHouse, for more than one
// machine (README "Beyond one machine"). The ad server still writes every event to its
// SQLite spool first (spool.mjs ships them); this file is ClickHouse's side: the schema,
// inserts of batches named by an id, the check whether a batch arrived, and the report's
// rollup rows in the same shape as the SQLite store's (store.mjs rollupDocsOf).
//
// SQL that ClickHouse 18.16 (Debian 12) and current versions both run: no TTL, codecs,
// query parameters or ON CLUSTER; a SummingMergeTree whose latMap nested columns add up.
import { histogramOf, rollupDocsOf } from './store.mjs';

const HOUR = 3600000;

// Tables on one server, or per shard with Distributed tables over them (`cluster`).
function schema(cluster) {
  const local = cluster ? '_local' : '';
  const ddl = [
    `CREATE TABLE IF NOT EXISTS attempts${local} (
      batch_id String, verified UInt8, ts UInt64, auction_id String, imp_id String, position UInt16,
      kind String, outcome String, bid String, network String, source String, latency_ms UInt32,
      lat_slot UInt8, price Float64, cpm_micros Int64)
     ENGINE = MergeTree() PARTITION BY intDiv(ts, 2592000000) ORDER BY (verified, ts, auction_id)`,
    `CREATE TABLE IF NOT EXISTS rollup${local} (
      verified UInt8, hour UInt64, network String, bid String, source String, outcome String,
      n UInt64, cpm_micros Int64, latMap Nested(slot UInt8, n UInt64))
     ENGINE = SummingMergeTree() PARTITION BY intDiv(hour, 2592000000)
     ORDER BY (verified, hour, network, bid, source, outcome)`,
    // Rolled up as inserted: a fill's and a late fill's latency slot counts once.
    `CREATE MATERIALIZED VIEW IF NOT EXISTS rollup_mv${local} TO rollup${local} AS
     SELECT verified, intDiv(ts, ${HOUR}) * ${HOUR} AS hour, network, bid, source, outcome, toUInt64(1) AS n,
       cpm_micros, if(outcome IN ('filled', 'late'), [lat_slot], emptyArrayUInt8()) AS \`latMap.slot\`,
       if(outcome IN ('filled', 'late'), [toUInt64(1)], emptyArrayUInt64()) AS \`latMap.n\`
     FROM attempts${local}`,
  ];
  if (cluster)
    for (const t of ['attempts', 'rollup'])
      ddl.push(
        `CREATE TABLE IF NOT EXISTS ${t} AS ${t}_local ENGINE = Distributed(${cluster}, currentDatabase(), ${t}_local, rand())`,
      );
  return ddl;
}

export class ClickHouseError extends Error {}

// url: one server, or a comma-separated list of a cluster's servers (each gets the
// schema; queries go to one that answers, the next when it does not).
export function openClickHouse({ url, cluster = '', timeoutMs = 10000 }) {
  const bases = String(url)
    .split(',')
    .map((u) => new URL(u.trim()));
  let current = 0;
  async function queryAt(base, sql, body) {
    const u = new URL(base);
    u.searchParams.set('query', sql);
    // On a cluster an insert returns once every shard has its part, so a batch that
    // is answered is there to be found, and one that is not is sent again.
    if (cluster) u.searchParams.set('insert_distributed_sync', '1');
    let r;
    try {
      r = await fetch(u, { method: 'POST', body: body ?? '', signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      throw new ClickHouseError(`ClickHouse at ${base.origin} is not reachable: ${e.cause?.code ?? e.message}`);
    }
    const text = await r.text();
    if (!r.ok) throw new ClickHouseError(`ClickHouse: ${text.trim().slice(0, 300)}`);
    return text;
  }
  async function query(sql, body) {
    for (let tries = 0; ; tries++) {
      try {
        return await queryAt(bases[current], sql, body);
      } catch (e) {
        if (!/not reachable/.test(e.message) || tries + 1 >= bases.length) throw e;
        current = (current + 1) % bases.length;
      }
    }
  }
  const rows = async (sql) =>
    (await query(`${sql} FORMAT JSONEachRow`))
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
  const quote = (s) => `'${String(s).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

  return {
    url: bases.map((b) => b.origin).join(','),
    query,
    async init() {
      for (const base of bases) for (const sql of schema(cluster)) await queryAt(base, sql);
    },
    // Inserts lines (JSONEachRow without batch_id) as batch `id`.
    // The body is written 1 000 lines at a time, the event loop free between two.
    async insert(id, lines) {
      const prefix = `{"batch_id":${JSON.stringify(id)},`;
      const parts = [];
      for (let i = 0; i < lines.length; i += 1000) {
        if (i) await new Promise((resolve) => setImmediate(resolve));
        parts.push(
          lines
            .slice(i, i + 1000)
            .map((l) => prefix + l.slice(1))
            .join('\n'),
        );
      }
      await query('INSERT INTO attempts FORMAT JSONEachRow', parts.join('\n'));
    },
    // The keys of a batch that arrived ("verified auction imp position kind"), to send
    // again only what is missing after a crash or an outage.
    async arrived(id) {
      const got = await rows(
        `SELECT verified, auction_id, imp_id, position, kind FROM attempts WHERE batch_id = ${quote(id)}`,
      );
      return new Set(got.map((r) => `${r.verified} ${r.auction_id} ${r.imp_id} ${r.position} ${r.kind}`));
    },
    async count() {
      return Number((await query('SELECT count() FROM attempts')).trim());
    },
    // What the servers counted, from the rollups (network-reports.mjs countsOf): the same
    // rows as the SQLite store's counts, over every ad server's events.
    async counted({ from, to, zoned }) {
      const mediated = `verified = 1 AND source = 'mediated'`;
      const fills = `${mediated} AND outcome = 'filled'`;
      const [days, hours, outcomes] = await Promise.all([
        rows(`SELECT intDiv(hour, 86400000) * 86400000 AS day, network, bid, sum(n) AS fills FROM rollup
              WHERE ${fills} AND hour >= ${Number(from)} AND hour < ${Number(to)} GROUP BY day, network, bid`),
        zoned.length
          ? rows(`SELECT hour, network, bid, sum(n) AS fills FROM rollup
                  WHERE ${fills} AND network IN (${zoned.map(quote).join(', ')})
                    AND hour >= ${Number(from) - 15 * HOUR} AND hour < ${Number(to) + 15 * HOUR}
                  GROUP BY hour, network, bid`)
          : [],
        rows(`SELECT bid, sumIf(n, outcome != 'late') AS attempts, sumIf(n, outcome IN ('filled', 'late')) AS fills,
                sumMap(latMap.slot, latMap.n) AS lat FROM rollup
              WHERE ${mediated} AND hour >= ${Number(to) - 8 * 24 * HOUR} AND hour < ${Number(to)} GROUP BY bid`),
      ]);
      const num = (r, ...keys) => (keys.forEach((k) => (r[k] = Number(r[k]))), r);
      return {
        days: days.map((r) => num(r, 'day', 'fills')),
        hours: hours.map((r) => num(r, 'hour', 'fills')),
        outcomes: outcomes.map((r) => ({
          bid: r.bid,
          attempts: Number(r.attempts),
          fills: Number(r.fills),
          lat: histogramOf(r.lat[0], r.lat[1]),
        })),
      };
    },
    // The report's documents from the hourly rollups of [from, to): the same documents
    // as the SQLite store's (store.mjs rollupDocsOf), summed by ClickHouse: one row per
    // bid and outcome for the tables, per bucket, network and outcome for the series.
    async rollupDocs({ verified = true, from, to, bucket }) {
      const where = `verified = ${verified ? 1 : 0} AND hour >= ${Number(from)} AND hour < ${Number(to)}`;
      const sums = `sum(n) AS n, sum(cpm_micros) AS cpm, sumMap(latMap.slot, latMap.n) AS lat`;
      const [tables, series] = await Promise.all([
        rows(`SELECT network, bid, source, outcome, ${sums} FROM rollup WHERE ${where}
              GROUP BY network, bid, source, outcome ORDER BY network, bid, source, outcome`),
        rows(`SELECT ${Number(from)} + intDiv(hour - ${Number(from)}, ${Number(bucket)}) * ${Number(bucket)} AS t,
                network, outcome, ${sums} FROM rollup WHERE ${where}
              GROUP BY t, network, outcome ORDER BY t, network, outcome`),
      ]);
      const part = (list, t) =>
        list.map((r) => [
          t(r),
          r.network,
          r.bid ?? '',
          r.source ?? '',
          r.outcome,
          Number(r.n),
          Number(r.cpm),
          histogramOf(r.lat[0], r.lat[1]),
        ]);
      const a = rollupDocsOf([part(tables, () => Number(from))], { from, bucket: HOUR });
      const b = rollupDocsOf([part(series, (r) => Number(r.t))], { from, bucket });
      return { tables: a.tables, series: b.series };
    },
  };
}

export const keyOf = (line) => {
  const r = JSON.parse(line);
  return `${r.verified} ${r.auction_id} ${r.imp_id} ${r.position} ${r.kind}`;
};
