// checkpointer.mjs — SQLite's WAL checkpoints off the ad server's event loop. With
// synchronous = NORMAL a checkpoint is where SQLite waits for the disk (fsync), and
// done by the connection that commits it would stall every request behind that commit.
// The server turns automatic checkpoints off on its own connection and this worker
// thread, with a connection of its own, checkpoints once a second (PASSIVE: it never
// blocks a writer). start(dbPath) returns { stop() }.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

if (!isMainThread && workerData?.checkpoint) {
  const db = new Database(workerData.checkpoint);
  db.pragma('busy_timeout = 1000');
  const timer = setInterval(() => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      /* busy: the next second */
    }
  }, 1000);
  parentPort.on('message', (m) => {
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

export function startCheckpointer(dbPath) {
  const worker = new Worker(new URL(import.meta.url), { workerData: { checkpoint: dbPath } });
  worker.unref();
  return {
    stop: () =>
      new Promise((resolve) => {
        worker.once('message', () => worker.terminate().then(resolve));
        worker.once('exit', resolve);
        worker.postMessage('stop');
      }),
  };
}
