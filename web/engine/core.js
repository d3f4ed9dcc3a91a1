// core.js — what every host's `mediation` is built on: the errors, the embedded Wasm
// inflated and instantiated, and the engine's half of the public object.
//
// The page's dist/mediation.js carries this file with the waterfall state machine's
// Wasm; the auction API over a Wasm build (engine.js) comes with the auction engine:
// inside the Node module, and in dist/mediation-auction.js for pages, which gets
// these helpers from mediation.js (web/page/auction-loader.js).

// Errors, one rule for every host: what is wrong with a document the engine reads
// (config, request, bids, attempts) or with the engine's state (not ready, out of
// memory, a released config) is a MediationError with a stable `code` and `at` (a
// JSON path or a byte offset); a JS call made with arguments of the wrong kind (an
// unknown event or option, a slot that is no element) is a TypeError. Nothing else
// is thrown on purpose.
class MediationError extends Error {
  constructor({ code, message, at }) {
    super(message);
    this.name = 'MediationError';
    this.code = code;
    this.at = at;
  }
}

function base64Bytes(b64) {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// The embedded engine is gzipped; the host's DecompressionStream inflates it.
async function inflate(gz) {
  const stream = new Blob([gz]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

// Instantiates a Wasm build of the engine and makes its engine. hostImports(exports)
// adds the host's functions to its imports (the auction engine's time zones).
async function instantiateEngine(bytes, hostImports) {
  let x = null;
  const { instance } = await WebAssembly.instantiate(bytes, {
    env: {
      emscripten_notify_memory_growth() {},
      med_host_zone_offset: () => 99999, // no zones (the waterfall's build asks none)
      ...(hostImports ? hostImports(() => x) : {}),
    },
  });
  x = instance.exports;
  if (x._initialize) x._initialize();
  // The waterfall's build has no engine: its state machines live in its own memory.
  const engine = x.med_engine_new ? x.med_engine_new() : -1;
  if (!engine)
    throw new MediationError({
      code: 'out_of_memory',
      message: 'mediation: the engine could not allocate its memory',
      at: '',
    });
  return { x, engine };
}

// An engine instance once its bytes are in: ready, and core() ({ x: exports, engine })
// or a not_ready error before.
function makeCore(bytesPromise, hostImports) {
  let core = null;
  const ready = Promise.resolve(bytesPromise)
    .then((bytes) => instantiateEngine(bytes, hostImports))
    .then((c) => {
      core = c;
    });
  function need() {
    if (!core)
      throw new MediationError({
        code: 'not_ready',
        message: 'mediation: the engine is not ready yet (await mediation.ready)',
        at: '',
      });
    return core;
  }
  return { ready, core: need, memoryBytes: () => need().x.memory.buffer.byteLength };
}

// The engine's half of the public `mediation` object, the same in the page and in Node.
// `auction` runs the auctions: the same engine in Node; in the page, the auction
// engine fetched on demand (web/page/auction-loader.js). Each host adds `auctionReady`.
function engineFacade(api, auction = api) {
  return {
    version: '@@VERSION@@',
    // The bounds the engine enforces (c_src/bounds.h), for hosts that check input.
    limits: MED.LIMITS,
    ready: api.ready,
    loadConfig: auction.loadConfig,
    auction: auction.auction,
    auctionJSON: auction.auctionJSON,
    memoryBytes: () => api.memoryBytes() + (auction === api ? 0 : auction.memoryBytes()),
    MediationError,
  };
}
