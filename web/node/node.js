// node.js — the `mediation` object of dist/mediation.mjs, the module for Node hosts
// (the ad server, scripts, tests): the engine API and the statistics, without the
// page runtime, which needs a DOM.

function createMediation(bytesPromise) {
  const api = makeEngineApi(bytesPromise);
  // The statistics of reported attempts (c_src/stats.h), as JSON text.
  const reportJSON = (input) => api.run([jsonOf(input)], (x, engine, len) => x.med_report(engine, len));
  // A network's report CSV read by the engine (c_src/reports.h): { rows, errors, error_count }.
  const importReport = (csv) => JSON.parse(api.run([String(csv)], (x, engine, len) => x.med_import(engine, len)));
  return {
    ...engineFacade(api),
    auctionReady: api.ready, // one engine does both here
    report: (input) => JSON.parse(reportJSON(input)),
    reportJSON,
    importReport,
    // Discrepancy and suggested CPMs (c_src/suggest.h).
    suggest: (input) => JSON.parse(api.run([jsonOf(input)], (x, engine, len) => x.med_suggest(engine, len))),
  };
}
