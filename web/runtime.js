// runtime.js — the `mediation` object that pages and Node hosts use.
//
// For now the engine API (ready, loadConfig, auction); the page runtime that runs
// waterfalls in sandboxed frames builds on it.

function createMediation(bytesPromise) {
  const api = makeEngineApi(bytesPromise);
  return {
    version: '@@VERSION@@',
    ready: api.ready,
    loadConfig: api.loadConfig,
    auction: api.auction,
    auctionJSON: api.auctionJSON,
    memoryBytes: api.memoryBytes,
    MediationError: api.MediationError,
  };
}
