// engine.js — the thin JS API over the Wasm auction engine (docs/auction.md): a
// document in (a string UTF-8-encoded straight into the engine's input buffer, one
// copy), one JSON document out, errors as MediationErrors with `code` and `at`.
// Built on core.js; in the Node module beside it, and for pages in
// dist/mediation-auction.js.

const utf8In = new TextEncoder();
const utf8Out = new TextDecoder();

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

// A loaded config: pass it as `config` to auction(). release() frees it at once;
// otherwise it is freed when garbage-collected.
class ConfigHandle {
  #id;
  #release;
  #size;
  constructor(id, release, size) {
    this.#id = id;
    this.#release = release;
    this.#size = size;
  }
  get id() {
    return this.#id;
  }
  // The engine memory this config holds (its text and what was read from it);
  // 0 once released.
  memoryBytes() {
    return this.#id ? this.#size(this.#id) : 0;
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

// The UTF-8 length of s: exact, except that a lone surrogate (3 bytes once
// replaced) counts 2; put() checks what was encoded.
function utf8Length(s) {
  if (!/[^\x00-\x7f]/.test(s)) return s.length;
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) n += c < 0x800 || (c >= 0xd800 && c < 0xe000) ? 1 : 2; // a surrogate: half of a pair's 4
  }
  return n;
}

function jsonOf(value) {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function makeEngineApi(bytesPromise) {
  const offset = zoneOffsets();
  const base = makeCore(bytesPromise, (exports) => ({
    med_host_zone_offset: (ptr, len, utcMs) =>
      offset(utf8Out.decode(new Uint8Array(exports().memory.buffer, ptr, len)), utcMs),
  }));
  const { ready, core: need } = base;
  const registry =
    typeof FinalizationRegistry === 'function'
      ? new FinalizationRegistry((id) => {
          try {
            const { x, engine } = need();
            x.med_config_unload(engine, id);
          } catch (_) {
            /* not ready: nothing was loaded */
          }
        })
      : null;

  // Encodes a document, given as a list of text parts, into the engine's input
  // buffer part by part (no concatenated copy); returns its byte length. A large
  // document is measured first, so the buffer (which a loaded config keeps as its
  // text) is its size, not three times it.
  function put(parts) {
    const { x, engine } = need();
    let chars = 0;
    for (const p of parts) chars += p.length;
    let max = chars * 3;
    if (chars > 16384) {
      max = 0;
      for (const p of parts) max += utf8Length(p);
    }
    for (;;) {
      const ptr = x.med_input(engine, max);
      if (!ptr) throw new MediationError({ code: 'out_of_memory', message: 'no memory for the input', at: '' });
      const view = new Uint8Array(x.memory.buffer, ptr, max);
      let n = 0;
      let whole = true;
      for (const p of parts) {
        const r = utf8In.encodeInto(p, n ? view.subarray(n) : view);
        n += r.written;
        whole &&= r.read === p.length;
      }
      if (whole) return n;
      max = chars * 3; // a lone surrogate took more than counted
    }
  }

  function output() {
    const { x, engine } = need();
    return utf8Out.decode(new Uint8Array(x.memory.buffer, x.med_output(engine), x.med_output_len(engine)));
  }

  function fail(text) {
    throw new MediationError(JSON.parse(text).error);
  }

  function release(id, handle) {
    const { x, engine } = need();
    x.med_config_unload(engine, id);
    if (registry) registry.unregister(handle);
  }

  function loadConfig(config) {
    const { x, engine } = need();
    const id = x.med_config_load(engine, put([jsonOf(config)]));
    if (!id) fail(output());
    const handle = new ConfigHandle(id, release, (h) => need().x.med_config_size(need().engine, h));
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

  return { ready, core: need, run, loadConfig, auction, auctionJSON, memoryBytes: base.memoryBytes, ConfigHandle };
}
