// engine.js — the thin JS API over the Wasm engine (docs/auction.md).
//
// The engine is C compiled to a standalone Wasm module; this file instantiates it
// from the bytes embedded in dist/mediation.{js,mjs} and moves documents in and
// out: a string is UTF-8-encoded straight into the engine's input buffer (one
// copy), the engine answers with one JSON document, and errors become Errors with
// `code` and `at`. Shared by the page runtime (web/page) and the Node module
// (web/node); engineFacade() is the part of the public object both carry.

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

const utf8In = new TextEncoder();
const utf8Out = new TextDecoder();

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

// The host's time-zone database for config.timezone (c_src/imports.js): the UTC
// offset of an IANA zone at an instant, from Intl, kept per zone and minute (a zone
// changes its offset on whole minutes). 99999 for a zone Intl does not know.
function zoneOffsets() {
  const formats = new Map();
  const known = new Map();
  function format(zone) {
    if (!formats.has(zone)) {
      let f = null;
      try {
        f = new Intl.DateTimeFormat('en-US', {
          timeZone: zone,
          hourCycle: 'h23',
          year: 'numeric',
          month: 'numeric',
          day: 'numeric',
          hour: 'numeric',
          minute: 'numeric',
        });
      } catch (_) {
        /* not a zone this host knows */
      }
      formats.set(zone, f);
    }
    return formats.get(zone);
  }
  return function offset(zone, utcMs) {
    const minute = Math.floor(utcMs / 60000);
    const key = zone + ' ' + minute;
    let v = known.get(key);
    if (v === undefined) {
      const f = format(zone);
      v = 99999;
      if (f) {
        const p = {};
        for (const { type, value } of f.formatToParts(new Date(minute * 60000))) p[type] = Number(value);
        v = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute) / 60000 - minute;
      }
      if (known.size >= 4096) known.clear();
      known.set(key, v);
    }
    return v;
  };
}

async function instantiateEngine(bytes) {
  let x = null;
  const offset = zoneOffsets();
  const { instance } = await WebAssembly.instantiate(bytes, {
    env: {
      emscripten_notify_memory_growth() {},
      med_host_zone_offset: (ptr, len, utcMs) =>
        offset(utf8Out.decode(new Uint8Array(x.memory.buffer, ptr, len)), utcMs),
    },
  });
  x = instance.exports;
  if (x._initialize) x._initialize();
  const engine = x.med_engine_new();
  if (!engine)
    throw new MediationError({
      code: 'out_of_memory',
      message: 'mediation: the engine could not allocate its memory',
      at: '',
    });
  return { x, engine };
}

// A loaded config: pass it as `config` to auction(). release() frees it at once;
// otherwise it is freed when garbage-collected.
class ConfigHandle {
  #id;
  #release;
  constructor(id, release) {
    this.#id = id;
    this.#release = release;
  }
  get id() {
    return this.#id;
  }
  release() {
    if (this.#id) this.#release(this.#id, this);
    this.#id = 0;
  }
}

// The engine's handle of a loaded config; a released one is refused here.
function idOf(handle) {
  if (!handle.id)
    throw new MediationError({ code: 'unknown_config', message: 'this config was released', at: 'config' });
  return handle.id;
}

function jsonOf(value) {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function makeEngineApi(bytesPromise) {
  let core = null;
  const ready = Promise.resolve(bytesPromise)
    .then((bytes) => instantiateEngine(bytes))
    .then((c) => {
      core = c;
    });
  const registry =
    typeof FinalizationRegistry === 'function'
      ? new FinalizationRegistry((id) => core && core.x.med_config_unload(core.engine, id))
      : null;

  function need() {
    if (!core)
      throw new MediationError({
        code: 'not_ready',
        message: 'mediation: the engine is not ready yet (await mediation.ready)',
        at: '',
      });
    return core;
  }

  // Encodes a document, given as a list of text parts, into the engine's input
  // buffer part by part (no concatenated copy); returns its byte length.
  function put(parts) {
    const { x, engine } = need();
    let max = 0;
    for (const p of parts) max += p.length * 3;
    const ptr = x.med_input(engine, max);
    if (!ptr) throw new MediationError({ code: 'out_of_memory', message: 'no memory for the input', at: '' });
    const view = new Uint8Array(x.memory.buffer, ptr, max);
    let n = 0;
    for (const p of parts) n += utf8In.encodeInto(p, n ? view.subarray(n) : view).written;
    return n;
  }

  function output() {
    const { x, engine } = need();
    return utf8Out.decode(new Uint8Array(x.memory.buffer, x.med_output(engine), x.med_output_len(engine)));
  }

  function fail(text) {
    throw new MediationError(JSON.parse(text).error);
  }

  function release(id, handle) {
    need().x.med_config_unload(core.engine, id);
    if (registry) registry.unregister(handle);
  }

  function loadConfig(config) {
    const { x, engine } = need();
    const id = x.med_config_load(engine, put([jsonOf(config)]));
    if (!id) fail(output());
    const handle = new ConfigHandle(id, release);
    if (registry) registry.register(handle, id, handle);
    return handle;
  }

  // The auction document as a list of text parts, and the handle of a loaded
  // config (0 if none).
  function documentOf(input) {
    if (typeof input === 'string') return [[input], 0];
    if (input === null || typeof input !== 'object' || Array.isArray(input))
      throw new MediationError({ code: 'not_object', message: 'the input must be an object or a JSON string', at: '' });
    const parts = ['{"now":', JSON.stringify(input.now ?? new Date().toISOString())]; // the engine has no clock
    let handle = 0;
    if (input.config instanceof ConfigHandle) {
      handle = idOf(input.config);
    } else if (input.config !== undefined) {
      parts.push(',"config":', jsonOf(input.config));
    }
    if (input.request !== undefined) parts.push(',"request":', jsonOf(input.request));
    if (Array.isArray(input.bids)) {
      parts.push(',"bids":[');
      input.bids.forEach((b, i) => parts.push(i ? ',' : '', jsonOf(b)));
      parts.push(']');
    } else if (input.bids !== undefined) {
      parts.push(',"bids":', jsonOf(input.bids));
    }
    if (input.explain !== undefined) parts.push(',"explain":', JSON.stringify(input.explain));
    parts.push('}');
    return [parts, handle];
  }

  // Puts a document (a list of text parts) in, runs op(exports, engine, length),
  // and gives the output text, or throws the engine's error.
  function run(parts, op) {
    const { x, engine } = need();
    const status = op(x, engine, put(parts));
    const out = output();
    if (status !== 0) fail(out);
    return out;
  }

  // Runs one auction and returns the output as JSON text (no parse: for servers
  // that send it on as it is).
  function auctionJSON(input, config) {
    let [parts, handle] = documentOf(input);
    if (config instanceof ConfigHandle) handle = idOf(config);
    return run(parts, (x, engine, len) => x.med_auction(engine, len, handle));
  }

  function auction(input, config) {
    return JSON.parse(auctionJSON(input, config));
  }

  function memoryBytes() {
    return need().x.memory.buffer.byteLength;
  }

  return { ready, core: need, run, loadConfig, auction, auctionJSON, memoryBytes, MediationError, ConfigHandle };
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
    MediationError: api.MediationError,
  };
}
