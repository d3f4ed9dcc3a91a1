// checkpointer.mjs — SQLite's WAL checkpoints off the ad server's event loop. With
// synchronous = NORMAL a checkpoint is where SQLite waits for the disk (fsync), and
// done by the connection that commits it would stall every request behind that commit.
// The server turns automatic checkpoints off on its own connection and this worker
// thread, with a connection of its own, checkpoints once a second (PASSIVE: it never
// blocks a writer).
//
// Under a steady load the writer never finds the log fully copied, and SQLite starts a
// WAL again from its beginning only then: the WAL would grow without end (240 MB in
// 35 s of beacons here). So once it holds more than restartFrames and a passive pass
// has left at most 1 MB, the worker asks the server to hold its commits (hold()), which
// it does between two transactions, copies the rest (RESTART), and lets the commits go
// on (a few ms); the next commit starts the log again. Asking the server, not taking
// the writer's lock, keeps the server from sleeping in SQLite's busy wait.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const HOLD_MAX_MS = 250; // a worker that does not answer lets the commits go on anyway

if (!isMainThread && workerData?.checkpoint) {
  const { restartFrames, intervalMs } = workerData;
  const db = new Database(workerData.checkpoint);
  db.pragma('busy_timeout = 1000');
  let asked = false;
  const timer = setInterval(() => {
    if (asked) return;
    try {
      const [{ log, checkpointed }] = db.pragma('wal_checkpoint(PASSIVE)');
      if (log > restartFrames && log - checkpointed <= 256) {
        asked = true;
        parentPort.postMessage('hold');
      }
    } catch {
      /* busy: the next turn */
    }
  }, intervalMs);
  parentPort.on('message', (m) => {
    if (m === 'held') {
      try {
        db.pragma('wal_checkpoint(RESTART)');
      } catch {
        /* busy: the next turn */
      }
      asked = false;
      parentPort.postMessage('go');
    }
    if (m !== 'stop') return;
    clearInterval(timer);
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } finally {
      db.close();
      parentPort.postMessage('stopped');
    }
  });
}

// hold(): the server stops committing and returns the function that lets it go on.
// restartFrames: the WAL's size (in 4 KB pages) past which it is started again.
export function startCheckpointer(dbPath, { hold = () => () => {}, restartFrames = 4096, intervalMs = 1000 } = {}) {
  const worker = new Worker(new URL(import.meta.url), {
    workerData: { checkpoint: dbPath, restartFrames, intervalMs },
  });
  worker.unref();
  let resume = null;
  let timer = 0;
  const goOn = () => {
    clearTimeout(timer);
    resume?.();
    resume = null;
  };
  worker.on('message', (m) => {
    if (m === 'hold' && !resume) {
      resume = hold();
      timer = setTimeout(goOn, HOLD_MAX_MS);
      worker.postMessage('held');
    } else if (m === 'go') goOn();
  });
  return {
    stop: () =>
      new Promise((resolve) => {
        goOn();
        worker.once('message', () => worker.terminate().then(resolve));
        worker.once('exit', resolve);
        worker.postMessage('stop');
      }),
  };
}
