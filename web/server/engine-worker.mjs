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

// First what the server itself reads of the config (bidders, its settings), parsed
// here: JSON.parse of a config of many MB would hold the server's event loop up.
const SERVER_KEYS = [
  'bidders',
  'currency',
  'publisher_origins',
  'hosts',
  'tag_hosts',
  'accept_unsigned_events',
  'event_token_ttl_s',
  'raw_retention_days',
  'rollup_retention_days',
];
try {
  const parsed = JSON.parse(workerData.config);
  const part = {};
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
    for (const k of SERVER_KEYS) if (Object.hasOwn(parsed, k)) part[k] = parsed[k];
  parentPort.postMessage({ part });
} catch (e) {
  parentPort.postMessage({ part: null, message: String(e?.message ?? e) });
}

// With "optimize", the engine plans with what the server learned of each bid (config
// "learned", network-reports.mjs), given beside the text so that versions keep only
// what the publisher wrote.
function withLearned(text, learned) {
  if (!learned) return text;
  const config = JSON.parse(text);
  if (config?.optimize !== true || !Array.isArray(config.mediated_bids)) return text;
  for (const b of config.mediated_bids) if (b && Object.hasOwn(learned, b.id)) b.learned = learned[b.id];
  return JSON.stringify(config);
}

let handle = null;
try {
  handle = mediation.loadConfig(withLearned(workerData.config, workerData.learned));
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
