// spool.mjs — shipping the attempts from the ad server's SQLite outbox to ClickHouse
// (clickhouse.mjs), with nothing lost and nothing counted twice.
//
// An event is answered 204 once it is in SQLite (store.mjs writes its outbox line in
// the same transaction). The shipper takes the oldest lines as a batch, writes down
// which (ship_state) before sending it, sends it as batch "<server id>:<first>-<last>",
// and deletes the lines once ClickHouse has them. After a crash or an outage the batch
// written down is taken again, the keys ClickHouse already holds for it are asked for,
// and only the missing lines are sent, under the same id. The outbox is bounded: past
// `maxBacklog` lines new events are refused (503), never taken and dropped.
import { keyOf } from './clickhouse.mjs';

export function openShipper({ db, sink, serverId, batchSize = 20000, maxBacklog = 2000000, log = () => {} }) {
  db.exec(`CREATE TABLE IF NOT EXISTS ship_state (
    id INTEGER PRIMARY KEY CHECK (id = 1), batch TEXT NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL)`);
  const take = db.prepare('SELECT seq, line FROM outbox ORDER BY seq LIMIT ?').raw();
  const between = db.prepare('SELECT seq, line FROM outbox WHERE seq >= ? AND seq <= ? ORDER BY seq').raw();
  const countLines = db.prepare('SELECT count(*) FROM outbox').pluck();
  const backlog = () => countLines.get();
  const pending = db.prepare('SELECT batch, first, last FROM ship_state WHERE id = 1');
  const remember = db.prepare('INSERT OR REPLACE INTO ship_state VALUES (1, ?, ?, ?)');
  const done = db.transaction((first, last) => {
    db.prepare('DELETE FROM outbox WHERE seq >= ? AND seq <= ?').run(first, last);
    db.prepare('DELETE FROM ship_state WHERE id = 1').run();
  });
  const stats = { shipped: 0, batches: 0, resent_checked: 0, last_error: null, last_shipped_at: null };
  let lines = backlog();
  let busy = null;

  // Ships one batch; resolves to the number of lines shipped (0: nothing waiting).
  async function shipOne(hooks = {}) {
    let p = pending.get();
    let rows;
    if (p) {
      rows = between.all(p.first, p.last);
      const there = await sink.arrived(p.batch);
      stats.resent_checked++;
      const missing = rows.filter(([, line]) => !there.has(keyOf(line)));
      if (missing.length)
        await sink.insert(
          p.batch,
          missing.map(([, line]) => line),
        );
    } else {
      rows = take.all(batchSize);
      if (!rows.length) return 0;
      p = { batch: `${serverId}:${rows[0][0]}-${rows.at(-1)[0]}`, first: rows[0][0], last: rows.at(-1)[0] };
      remember.run(p.batch, p.first, p.last);
      await sink.insert(
        p.batch,
        rows.map(([, line]) => line),
      );
    }
    hooks.afterSend?.(p); // tests: a crash between sending and forgetting
    done(p.first, p.last);
    stats.shipped += rows.length;
    stats.batches++;
    stats.last_shipped_at = new Date().toISOString();
    stats.last_error = null;
    lines = backlog();
    return rows.length;
  }

  // Ships until the outbox is empty or ClickHouse fails (the next call tries again).
  function drain(hooks) {
    busy ??= (async () => {
      try {
        while ((await shipOne(hooks)) > 0);
      } catch (e) {
        if (stats.last_error !== e.message) log(`shipping to ClickHouse: ${e.message}; the spool keeps the events`);
        stats.last_error = e.message;
        throw e;
      } finally {
        busy = null;
        lines = backlog();
      }
    })();
    return busy;
  }

  return {
    drain,
    shipOne,
    // Whether one more event may be taken.
    full: () => lines >= maxBacklog,
    noteStored(n = 1) {
      lines += n;
    },
    status: () => ({ backlog: lines, max_backlog: maxBacklog, ...stats }),
  };
}
