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

// { id, request, bids, now, check } -> { id, out } or { id, error }; a check (the
// request read before any bidder is asked) answers only whether it is good.
parentPort.on('message', ({ id, request, bids, now, check }) => {
  try {
    const out = mediation.auctionJSON({ config: handle, request, bids, now });
    parentPort.postMessage({ id, out: check ? '' : out });
  } catch (e) {
    parentPort.postMessage({ id, error: errorOf(e) });
  }
});
