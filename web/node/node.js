// node.js — the `mediation` object of dist/mediation.mjs, the module for Node hosts
// (the ad server, scripts, tests): the engine API and the statistics, without the
// page runtime, which needs a DOM.

function createMediation(bytesPromise) {
  const api = makeEngineApi(bytesPromise);
  // The statistics of reported attempts (c_src/stats.h), as JSON text.
  const reportJSON = (input) => api.run([jsonOf(input)], (x, engine, len) => x.med_report(engine, len));
  return {
    ...engineFacade(api),
    auctionReady: api.ready, // one engine does both here
    report: (input) => JSON.parse(reportJSON(input)),
    reportJSON,
  };
}
