// auction-loader.js — the page's auction engine, fetched only when a page needs it.
//
// dist/mediation.js carries the runtime and a Wasm build of the waterfall state
// machine alone; the auction engine (config reading, targeting, ranking, tags) is the
// second file, dist/mediation-auction.js, which a page needs only to run an auction
// itself: render(slot, { config, request, bids }), loadConfig() or auction(). It is
// loaded as a classic script (what a page's CSP already allows for mediation.js) from
// beside mediation.js, or from setConfig({ auctionUrl }); it hands its Wasm over
// through the provide() hook below, under a symbol of the global registry.

const PROVIDE_AUCTION = Symbol.for('mediation.provideAuction');

// Where mediation-auction.js is by default: beside this script.
const OWN_SRC = typeof document !== 'undefined' && document.currentScript ? document.currentScript.src : '';
function defaultAuctionUrl() {
  if (!OWN_SRC) return 'mediation-auction.js';
  const u = new URL(OWN_SRC);
  u.pathname = u.pathname.replace(/[^/]*$/, 'mediation-auction.js');
  u.search = '';
  return u.href;
}

function makeAuctionLoader(urlOf) {
  let api = null;
  let loading = null;
  let provided = null; // resolves to the engine API once the script has run
  let giveApi = null;
  let given = false; // the script ran already (the page may include it itself)
  const reset = () => {
    provided = new Promise((resolve) => (giveApi = resolve));
  };
  reset();

  // mediation-auction.js calls this with a factory of its engine API (web/engine/
  // engine.js around its Wasm), which takes what it shares with this script.
  function provide(factory) {
    given = true;
    giveApi(factory({ MediationError, makeCore, base64Bytes, inflate }));
  }

  function inject(url) {
    return new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = url;
      s.async = true;
      s.onerror = () =>
        reject(
          new MediationError({
            code: 'auction_unavailable',
            message: `mediation: the auction engine could not be loaded from ${url}`,
            at: '',
          }),
        );
      s.onload = resolve;
      (document.head || document.documentElement).appendChild(s);
    });
  }

  // Resolves once the auction engine is ready; the first call fetches it. A failed
  // fetch is retried by the next call.
  function load() {
    if (!loading) {
      loading = (async () => {
        if (!given && typeof document !== 'undefined') await inject(urlOf());
        const engine = await provided;
        await engine.ready;
        api = engine;
      })();
      loading.catch(() => {
        loading = null;
        reset();
      });
    }
    return loading;
  }

  // The engine, or a not_ready error (and the fetch begun).
  function need() {
    if (api) return api;
    load().catch(() => {});
    throw new MediationError({
      code: 'not_ready',
      message: 'mediation: the auction engine is not loaded yet (await mediation.auctionReady)',
      at: '',
    });
  }

  return {
    load,
    provide,
    loadConfig: (config) => need().loadConfig(config),
    auction: (input, config) => need().auction(input, config),
    auctionJSON: (input, config) => need().auctionJSON(input, config),
    memoryBytes: () => (api ? api.memoryBytes() : 0),
  };
}
