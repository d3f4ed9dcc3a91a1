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

// A batch is read, written and forgotten a chunk of 1 000 lines at a time, the event
// loop free between two (about 2 ms each; a batch of 5 000 in one go held it 15-20 ms:
// /events' p99 while a backlog drained). batchSize: the lines a batch holds.
const CHUNK = 1000;
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

// paced (the server's): while catching up, the next batch waits twice as long as the
// last one took, so that shipping takes at most a third of the time and live beacons
// keep their latency (a 60 s backlog at 1 000 events/s, `/events` p99 while it drained:
// back to back 22-24 ms; waiting as long 17-25 ms; twice as long 13 ms, the drain 5 s).
const PACE = 2;
export function openShipper({
  db,
  sink,
  serverId,
  batchSize = 5000,
  maxBacklog = 2000000,
  paced = false,
  log = () => {},
}) {
  db.exec(`CREATE TABLE IF NOT EXISTS ship_state (
    id INTEGER PRIMARY KEY CHECK (id = 1), batch TEXT NOT NULL, first INTEGER NOT NULL, last INTEGER NOT NULL)`);
  const chunkOf = db.prepare('SELECT seq, line FROM outbox WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?').raw();
  const forgetChunk = db.prepare('DELETE FROM outbox WHERE seq >= ? AND seq <= ?');
  const countLines = db.prepare('SELECT count(*) FROM outbox').pluck();
  const backlog = () => countLines.get();
  const pending = db.prepare('SELECT batch, first, last FROM ship_state WHERE id = 1');
  const remember = db.prepare('INSERT OR REPLACE INTO ship_state VALUES (1, ?, ?, ?)');
  const forgetState = db.prepare('DELETE FROM ship_state WHERE id = 1');
  const done = db.transaction((first, last) => {
    forgetChunk.run(first, last);
    forgetState.run();
  });
  const stats = { shipped: 0, batches: 0, resent_checked: 0, last_error: null, last_shipped_at: null };
  let lines = backlog();
  let busy = null;

  // The lines with seq in [from, to], `limit` at most, read a chunk at a time.
  async function read(from, to, limit = Infinity) {
    const rows = [];
    for (let start = from; rows.length < limit;) {
      const part = chunkOf.all(start, to, Math.min(CHUNK, limit - rows.length));
      for (const r of part) rows.push(r);
      if (part.length < CHUNK) break;
      start = part[part.length - 1][0] + 1;
      await nextTurn();
    }
    return rows;
  }
  // Deletes a shipped batch's lines a chunk at a time; the last chunk goes with the
  // batch's record (a crash in between leaves lines that the next turn finds arrived).
  async function forget(p, rows) {
    for (let i = CHUNK; i < rows.length; i += CHUNK) {
      forgetChunk.run(rows[i - CHUNK][0], rows[i - 1][0]);
      await nextTurn();
    }
    done(rows.length ? rows[Math.floor((rows.length - 1) / CHUNK) * CHUNK][0] : p.first, p.last);
  }

  // Ships one batch; resolves to the number of lines shipped (0: nothing waiting).
  async function shipOne(hooks = {}) {
    let p = pending.get();
    let rows;
    if (p) {
      const there = await sink.arrived(p.batch); // first: while ClickHouse is down, nothing is read
      rows = await read(p.first, p.last);
      stats.resent_checked++;
      const missing = rows.filter(([, line]) => !there.has(keyOf(line)));
      if (missing.length)
        await sink.insert(
          p.batch,
          missing.map(([, line]) => line),
        );
    } else {
      rows = await read(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, batchSize);
      if (!rows.length) return 0;
      p = { batch: `${serverId}:${rows[0][0]}-${rows.at(-1)[0]}`, first: rows[0][0], last: rows.at(-1)[0] };
      remember.run(p.batch, p.first, p.last);
      await sink.insert(
        p.batch,
        rows.map(([, line]) => line),
      );
    }
    hooks.afterSend?.(p); // tests: a crash between sending and forgetting
    await forget(p, rows);
    stats.shipped += rows.length;
    stats.batches++;
    stats.last_shipped_at = new Date().toISOString();
    stats.last_error = null;
    lines = Math.max(0, lines - rows.length); // counted again when the drain ends
    return rows.length;
  }

  // Ships until the outbox is empty or ClickHouse fails (the next call tries again).
  function drain(hooks) {
    busy ??= (async () => {
      try {
        for (;;) {
          const t0 = performance.now();
          if (!(await shipOne(hooks))) break;
          if (paced) await new Promise((resolve) => setTimeout(resolve, PACE * (performance.now() - t0)));
        }
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
