// runtime.js — the page's `mediation` object (dist/mediation.js): the engine API,
// and render(), which runs a slot's waterfall in the page (docs/runtime.md).
//
// The decisions (which entry next, deadlines, which signal counts, late fills) are
// the C state machine's (c_src/waterfall.c). This file does what C cannot: frames,
// timers, messages, events and beacons. Each network tag runs in its own frame,
// sandboxed without allow-same-origin, and talks to the runtime only through a
// MessageChannel port handed to that frame.

// The events, named as in Prebid.js where they mean the same.
const EVENTS = Object.freeze(
  'auctionInit bidRequested bidResponse noBid bidTimeout bidLate bidWon adRenderSucceeded adRenderFailed auctionEnd'.split(
    ' ',
  ),
);
const EVENT_OF = {
  filled: 'bidResponse',
  no_fill: 'noBid',
  error: 'adRenderFailed',
  timeout: 'bidTimeout',
  late: 'bidLate',
};
// Actions, outcomes, signals and bounds are C's own (build/constants.js).
const { WF_LOAD, WF_RENDER, WF_FILLED, OUTCOMES, SIGNALS, LIMITS } = MED;
const SANDBOX = 'allow-scripts allow-popups allow-popups-to-escape-sandbox allow-top-navigation-by-user-activation';

// Runs first in every tag frame: the `mediation` global of the tag, the port
// hand-shake, errors, and fill detection for tags that signal nothing.
const FRAME_BOOT = `(function () {
  var port = null, queue = [], said = false;
  function say(kind) {
    if (said) return;
    said = true;
    if (port) port.postMessage(kind); else queue.push(kind);
  }
  window.mediation = Object.freeze({ noad: function () { say('no_fill'); }, filled: function () { say('filled'); } });
  addEventListener('message', function take(e) {
    if (e.source !== parent || e.data !== 'mediation:port' || !e.ports || !e.ports[0]) return;
    removeEventListener('message', take);
    port = e.ports[0];
    queue.forEach(function (k) { port.postMessage(k); });
    queue = [];
    port.postMessage('alive');
    setInterval(function () { port.postMessage('alive'); }, 100);
  });
  addEventListener('error', function () { say('error'); });
  parent.postMessage('mediation:hello', '*');
  var SKIP = { SCRIPT: 1, STYLE: 1, NOSCRIPT: 1, LINK: 1, META: 1, BR: 1 };
  function shows(el) {
    var r = el.getBoundingClientRect();
    if (r.width < 10 || r.height < 10 || SKIP[el.tagName]) return false;
    var t = el.tagName.toUpperCase();
    if (t === 'IMG') return el.complete && el.naturalWidth > 1;
    if (t === 'IFRAME' || t === 'VIDEO' || t === 'CANVAS' || t === 'SVG' || t === 'OBJECT' || t === 'EMBED') return true;
    var cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || cs.opacity === '0') return false;
    if (cs.backgroundImage !== 'none') return true;
    for (var c = el.firstChild; c; c = c.nextSibling) if (c.nodeType === 3 && /\\S/.test(c.data)) return true;
    return false;
  }
  function look() {
    if (said) return;
    var all = document.body ? document.body.getElementsByTagName('*') : [];
    for (var i = 0; i < all.length; i++) if (shows(all[i])) return say('filled');
    setTimeout(look, 100);
  }
  addEventListener('load', function () { setTimeout(look, 50); });
})();`;

// Numbers from outside (settings, an ad server's answer) are held to C's bounds.
function clampMs(v, fallback, max = LIMITS.maxTimeoutMs) {
  return typeof v === 'number' && v > 0 && v < Infinity ? Math.min(Math.round(v), max) : fallback;
}
function lateWindow(timeoutMs) {
  return Math.min(LIMITS.lateWindowMaxMs, Math.max(LIMITS.lateWindowMinMs, LIMITS.lateWindowPerTimeout * timeoutMs));
}

function frameDocument(markup) {
  return (
    '<!doctype html><html><head><meta charset="utf-8"><style>html,body{margin:0;padding:0;overflow:hidden}</style>' +
    '<script>' +
    FRAME_BOOT +
    '</script></head><body>' +
    markup +
    '</body></html>'
  );
}

function createMediation(bytesPromise) {
  const api = makeEngineApi(bytesPromise);
  const listeners = new Map(EVENTS.map((e) => [e, new Set()]));
  const settings = { reportUrl: null, lateWindowMs: null, renderTimeoutMs: 5000 };
  const runs = new WeakMap(); // slot element -> its latest run
  const frames = new Map(); // frame window -> frame record, for the port hand-shake
  let heard = false;

  function emit(name, data) {
    for (const fn of listeners.get(name)) {
      try {
        fn(data);
      } catch (e) {
        setTimeout(() => {
          throw e;
        }); // a publisher's handler must not break the waterfall
      }
    }
  }

  function on(name, fn) {
    if (!listeners.has(name))
      throw new TypeError(`mediation.on: unknown event "${name}" (one of ${EVENTS.join(', ')})`);
    listeners.get(name).add(fn);
  }
  function off(name, fn) {
    if (listeners.has(name)) listeners.get(name).delete(fn);
  }
  // Each option with the check its value must pass (null restores the default).
  const OPTIONS = {
    reportUrl: (v) => v === null || typeof v === 'string',
    lateWindowMs: (v) => v === null || (Number.isFinite(v) && v >= 0 && v <= LIMITS.lateWindowMaxMs),
    renderTimeoutMs: (v) => Number.isFinite(v) && v > 0 && v <= LIMITS.maxTimeoutMs,
  };
  function setConfig(options = {}) {
    for (const k of Object.keys(options)) {
      if (!Object.hasOwn(OPTIONS, k)) throw new TypeError(`mediation.setConfig: unknown option "${k}"`);
      if (!OPTIONS[k](options[k])) throw new TypeError(`mediation.setConfig: ${k} cannot be ${String(options[k])}`);
    }
    Object.assign(settings, options);
  }

  // One window listener serves every frame's hand-shake; it exists only while frames do.
  function onWindowMessage(e) {
    if (e.data !== 'mediation:hello') return;
    const fr = frames.get(e.source);
    if (!fr || fr.port) return;
    const channel = new MessageChannel();
    fr.port = channel.port1;
    fr.alive = performance.now();
    fr.port.onmessage = (m) => {
      if (m.data === 'alive') fr.alive = performance.now();
      else fr.run.signal(fr, m.data);
    };
    e.source.postMessage('mediation:port', '*', [channel.port2]);
  }
  function track(fr) {
    // A frame's window proxy stays the same across its navigation to srcdoc.
    frames.set(fr.el.contentWindow, fr);
    if (!heard) addEventListener('message', onWindowMessage);
    heard = true;
  }
  function untrack(fr, keepElement) {
    for (const [w, f] of frames) if (f === fr) frames.delete(w);
    if (fr.port) fr.port.close();
    fr.port = null;
    if (!keepElement) fr.el.remove();
    if (!frames.size && heard) {
      removeEventListener('message', onWindowMessage);
      heard = false;
    }
  }

  function beacon(record) {
    const url = settings.reportUrl;
    if (!url) return;
    const body = JSON.stringify(record);
    try {
      if (navigator.sendBeacon && navigator.sendBeacon(url, body)) return;
    } catch (_) {
      /* fall through */
    }
    fetch(url, { method: 'POST', body, keepalive: true, mode: 'no-cors' }).catch(() => {});
  }

  function notice(url) {
    if (url) fetch(url, { keepalive: true, mode: 'no-cors', credentials: 'include' }).catch(() => {});
  }

  const active = new Set(); // runs still holding frames, timers or Wasm memory

  class Run {
    constructor(slot, opts) {
      this.slot = slot;
      this.opts = opts;
      this.id = Math.random().toString(36).slice(2) + Date.now().toString(36);
      this.frames = []; // by waterfall position
      this.spare = null; // a blank frame ready for the next entry
      this.timer = 0;
      this.wf = 0;
      this.seen = 0;
      this.attempts = [];
      this.lateHeard = new Set();
      this.winner = -1;
      this.done = false; // the outcome is known
      this.closed = false; // nothing is held any more
      this.cancelled = false;
      this.abort = new AbortController();
      this.result = new Promise((resolve) => {
        this.resolve = resolve;
      });
      active.add(this);
    }

    about(position) {
      const e = this.entries[position];
      return {
        auction_id: this.auctionId,
        imp_id: this.impid,
        render_id: this.id,
        bid: e.bid,
        network: e.network ?? e.seat ?? null,
        source: e.source,
        position,
      };
    }

    start(output, impid) {
      const imps = Array.isArray(output.imps) ? output.imps : [];
      const imp = impid == null ? imps[0] : imps.find((i) => i.impid === impid);
      this.auctionId = output.id;
      this.cur = typeof output.cur === 'string' ? output.cur : undefined;
      this.impid = imp ? imp.impid : impid;
      this.entries = imp && Array.isArray(imp.waterfall) ? imp.waterfall.slice(0, LIMITS.maxEntries) : [];
      if (getComputedStyle(this.slot).position === 'static') this.slot.style.position = 'relative';
      const { x } = api.core();
      const timeouts = this.entries.map((e) =>
        e.source === 'rtb' ? settings.renderTimeoutMs : clampMs(e.timeout_ms, 1000),
      );
      const sum = this.entries.reduce((t, e, i) => t + (e.source === 'rtb' ? 0 : timeouts[i]), 0);
      this.wf = x.med_wf_new(this.entries.length, clampMs(this.opts.budgetMs, sum, 2 ** 31 - 1));
      this.entries.forEach((e, i) => x.med_wf_set(this.wf, i, e.source === 'rtb' ? 1 : 0, timeouts[i]));
      emit('auctionInit', {
        auction_id: this.auctionId,
        imp_id: this.impid,
        render_id: this.id,
        slot: this.slot,
        waterfall: this.entries,
      });
      if (!this.closed) this.act(x.med_wf_begin(this.wf, performance.now())); // a handler may have cleared the slot
    }

    signal(fr, kind) {
      if (this.closed || !Object.hasOwn(SIGNALS, kind)) return;
      // The RTB creative is the sure fill: its frame loading is all that counts.
      if (this.entries[fr.entry].source === 'rtb' && fr.el.srcdoc && kind !== 'filled') return;
      this.act(api.core().x.med_wf_on_signal(this.wf, fr.entry, SIGNALS[kind], performance.now()));
    }

    tick() {
      this.timer = 0;
      if (!this.closed) this.act(api.core().x.med_wf_on_tick(this.wf, performance.now()));
    }

    // Reports the records the state machine appended since last time: one beacon
    // and one event each.
    flushRecords() {
      const { x } = api.core();
      const n = x.med_wf_nrecords(this.wf);
      for (; this.seen < n && this.wf; this.seen++) {
        // a handler may close the run mid-way
        const position = x.med_wf_record_entry(this.wf, this.seen);
        const outcome = OUTCOMES[x.med_wf_record_outcome(this.wf, this.seen)];
        const latency_ms = x.med_wf_record_latency_ms(this.wf, this.seen);
        const { price, token } = this.entries[position];
        // The ad server's token (if it signed the entry) vouches for these fields.
        const record = { ...this.about(position), outcome, latency_ms, price, cur: this.cur, token };
        if (outcome === 'late') this.lateHeard.add(position);
        else this.attempts.push({ bid: record.bid, network: record.network, position, outcome, latency_ms });
        beacon(record);
        emit(EVENT_OF[outcome], record);
      }
    }

    act(action) {
      this.flushRecords();
      if (this.closed) return;
      for (const k of this.lateHeard) this.release(k);
      this.lateHeard.clear();
      if (this.done) return this.closeWhenQuiet();
      const { x } = api.core();
      const i = x.med_wf_current(this.wf);
      if (action === WF_LOAD || action === WF_RENDER) {
        this.frames.forEach((fr, k) => {
          if (fr && k < i) this.passOver(k);
        });
        if (!this.frames[i]) this.open(i);
        clearTimeout(this.timer);
        const wait = Math.max(0, x.med_wf_deadline(this.wf) - performance.now());
        this.timer = setTimeout(() => this.tick(), wait);
      } else {
        this.finish(action === WF_FILLED ? i : -1);
      }
    }

    // A blank sandboxed frame, hidden, made ahead of need: pointing an existing
    // frame at its tag is several times quicker than making one at the deadline.
    blankFrame() {
      const el = document.createElement('iframe');
      el.setAttribute('sandbox', SANDBOX);
      el.setAttribute('scrolling', 'no');
      el.title = 'advertisement';
      el.style.cssText = 'border:0;display:block;position:absolute;left:0;top:0;visibility:hidden;pointer-events:none';
      this.slot.appendChild(el);
      return el;
    }

    prepareSpare() {
      if (!this.closed && !this.done && !this.spare) this.spare = this.blankFrame();
    }

    open(i) {
      const e = this.entries[i];
      const el = this.spare || this.blankFrame();
      this.spare = null;
      el.width = e.w || this.slot.clientWidth || 300;
      el.height = e.h || this.slot.clientHeight || 250;
      const fr = { el, entry: i, run: this, port: null, late: false, lateTimer: 0 };
      if (e.source === 'rtb') {
        // The sure fill: the frame loading is the fill.
        el.addEventListener('load', () => this.signal(fr, 'filled'), { once: true });
        if (e.adm) el.srcdoc = frameDocument(e.adm);
        else el.src = e.nurl; // served on win: the win notice answers with the markup
      } else {
        el.srcdoc = frameDocument(e.tag);
      }
      this.frames[i] = fr;
      track(fr);
      emit('bidRequested', this.about(i));
      if (i + 1 < this.entries.length) setTimeout(() => this.prepareSpare(), 0);
    }

    // An entry the waterfall moved past: its frame goes, except that a timed-out
    // frame that still answers its heartbeat stays, hidden, for a while to hear a
    // late fill. A frame that stopped answering is hung (a busy loop): it goes now,
    // since it would stall the frames that share its process.
    passOver(k) {
      const fr = this.frames[k];
      if (!fr || fr.late) return;
      // Not yet in touch (still loading) counts as alive; in touch but silent does not.
      const responsive = !fr.port || performance.now() - fr.alive < 250;
      if (responsive && this.attempts.some((a) => a.position === k && a.outcome === 'timeout')) {
        fr.late = true;
        const e = this.entries[k];
        fr.lateTimer = setTimeout(
          () => {
            this.release(k);
            if (this.done) this.closeWhenQuiet();
          },
          settings.lateWindowMs ?? lateWindow(clampMs(e.timeout_ms, 1000)),
        );
      } else {
        this.release(k);
      }
    }

    release(k, keepElement = false) {
      const fr = this.frames[k];
      if (!fr) return;
      clearTimeout(fr.lateTimer);
      untrack(fr, keepElement);
      this.frames[k] = null;
    }

    finish(winner) {
      this.done = true;
      this.winner = winner;
      clearTimeout(this.timer);
      this.frames.forEach((fr, k) => {
        if (fr && k !== winner) this.passOver(k);
      });
      const e = winner >= 0 ? this.entries[winner] : null;
      if (e) {
        this.shown = this.frames[winner].el;
        this.shown.style.cssText = 'border:0;display:block';
        if (e.source === 'rtb') {
          if (e.adm) notice(e.nurl);
          notice(e.burl);
        }
        emit('bidWon', { ...this.about(winner), price: e.price });
        if (this.cancelled) return; // a handler rendered the slot again
        emit('adRenderSucceeded', { ...this.about(winner), price: e.price });
        if (this.cancelled) return;
      } else if (this.opts.collapse !== false) {
        this.slot.hidden = true;
      }
      const outcome = {
        impid: this.impid ?? null,
        filled: !!e,
        by: e ? { source: e.source, bid: e.bid, network: e.network ?? e.seat ?? null } : null,
        attempts: this.attempts,
      };
      if (this.error) outcome.error = this.error;
      emit('auctionEnd', {
        auction_id: this.auctionId ?? null,
        imp_id: this.impid ?? null,
        render_id: this.id,
        ...outcome,
      });
      this.resolve(outcome);
      this.closeWhenQuiet();
    }

    fail(error) {
      this.error = String((error && error.message) || error);
      this.finish(-1);
    }

    // After the end, the run lives on only while timed-out frames may still speak.
    closeWhenQuiet() {
      if (!this.frames.some((fr, k) => fr && k !== this.winner)) this.close();
    }

    // Everything the run holds goes: ports, timers, Wasm memory, and every frame
    // but the ad on show (which goes too when the run is cancelled).
    close() {
      if (this.closed) return;
      this.closed = true;
      this.abort.abort();
      clearTimeout(this.timer);
      this.frames.forEach((fr, k) => this.release(k, k === this.winner && !this.cancelled));
      if (this.spare) this.spare.remove();
      this.spare = null;
      if (this.wf) api.core().x.med_wf_free(this.wf);
      this.wf = 0;
      active.delete(this);
    }

    // The slot is rendered again or cleared: stop now, and take the ad off too.
    cancel() {
      this.cancelled = true;
      if (!this.done) {
        this.done = true;
        this.resolve({ impid: this.impid ?? null, filled: false, by: null, attempts: this.attempts, cancelled: true });
      }
      this.close();
      if (this.shown) this.shown.remove();
      this.shown = null;
    }
  }

  async function resultOf(result, signal) {
    if (result && typeof result.endpoint === 'string') {
      const res = await fetch(result.endpoint, {
        method: 'POST',
        signal,
        headers: { 'content-type': 'application/json' },
        body: typeof result.request === 'string' ? result.request : JSON.stringify(result.request),
      });
      if (!res.ok) throw new Error(`the ad server answered ${res.status}`);
      return res.json();
    }
    if (result && result.config !== undefined && result.request !== undefined) {
      await api.ready;
      return api.auction(result);
    }
    if (result && Array.isArray(result.imps)) return result;
    throw new TypeError(
      'mediation.render: result must be the engine output, { endpoint, request } or { config, request, bids }',
    );
  }

  async function render(slot, result, opts = {}) {
    const el = typeof slot === 'string' ? document.getElementById(slot) : slot;
    if (!el || el.nodeType !== 1) throw new TypeError(`mediation.render: no element ${String(slot)}`);
    const previous = runs.get(el);
    if (previous) previous.cancel();
    el.hidden = false;
    const run = new Run(el, opts);
    runs.set(el, run);
    try {
      const output = await resultOf(result, run.abort.signal);
      await api.ready;
      if (!run.closed) run.start(output, opts.impid); // unless cleared or rendered again meanwhile
    } catch (e) {
      if (!run.closed) run.fail(e);
    }
    return run.result;
  }

  // Stops a slot's waterfall and removes its frames; the slot is left empty.
  function clear(slot) {
    const el = typeof slot === 'string' ? document.getElementById(slot) : slot;
    const run = el && runs.get(el);
    if (run) run.cancel();
  }

  // What the runtime holds now; tests and leak checks read it.
  function stats() {
    return { runs: active.size, frames: frames.size, listening: heard };
  }

  return { ...engineFacade(api), events: EVENTS, render, clear, on, off, setConfig, stats };
}
