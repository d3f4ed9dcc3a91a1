// engine-worker.mjs — one loaded config and the Wasm engine that runs its auctions,
// in a worker thread, so that loading a large config never blocks the ad server's
// requests: a new config loads in a new worker while the old one keeps answering,
// and the server switches when the new one is ready (server.mjs, configHolder).
import { parentPort, workerData } from 'node:worker_threads';
import mediation from '../../dist/mediation.mjs';

await mediation.ready;
const errorOf = (e) =>
  e instanceof mediation.MediationError
    ? { code: e.code, message: e.message, at: e.at }
    : { code: 'internal', message: String(e?.message ?? e), at: '' };

let handle = null;
try {
  handle = mediation.loadConfig(workerData.config);
  parentPort.postMessage({ loaded: true });
} catch (e) {
  parentPort.postMessage({ loaded: false, error: errorOf(e) });
}

// { id, request, bids, now } -> { id, out } or { id, error }
parentPort.on('message', ({ id, request, bids, now }) => {
  try {
    parentPort.postMessage({ id, out: mediation.auctionJSON({ config: handle, request, bids, now }) });
  } catch (e) {
    parentPort.postMessage({ id, error: errorOf(e) });
  }
});
