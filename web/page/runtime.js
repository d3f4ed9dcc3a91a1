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
// Tag frames are sandboxed. On a tag host (another site, setConfig({ tagHost })) they
// also keep their origin, so tags have their own cookies and storage; in srcdoc frames
// the origin is opaque. Top navigation needs the page's leave (allowTopNavigation).
const SANDBOX = 'allow-scripts allow-popups allow-popups-to-escape-sandbox';
const HUNG_MS = 250; // a frame in touch that has not said 'alive' this long is hung (a busy loop)
const CONTACT_MS = 3000; // a frame that has not made contact this long counts as hung too
const SPARE_DELAY_MS = 100; // the next entry's frame is made this long after the current one
const UNREACHABLE_MS = 60000; // how long a tag host whose frame never made contact is left alone
// Messages a frame may send over its port (all strings; SafeFrame requests are objects).
const FRAME_SAYS = new Set(['alive', 'uncaught', 'navigating', 'rendered', ...Object.keys(SIGNALS)]);

// Numbers from outside (settings, an ad server's answer) are held to C's bounds.
function clampMs(v, fallback, max = LIMITS.maxTimeoutMs) {
  return typeof v === 'number' && v > 0 && v < Infinity ? Math.min(Math.round(v), max) : fallback;
}
function lateWindow(timeoutMs) {
  return Math.min(LIMITS.lateWindowMaxMs, Math.max(LIMITS.lateWindowMinMs, LIMITS.lateWindowPerTimeout * timeoutMs));
}

function frameDocument(markup, top) {
  return (
    FRAME_HEAD + '<script>' + FRAME_BOOT + '(false,' + top + ');</script></head><body>' + markup + '</body></html>'
  );
}

// An absolute http(s) URL on another origin than the page's, or a TypeError.
// `{id}` in the host name stands for a label made for each frame, so that every frame
// has an origin of its own (docs/runtime.md §12).
function tagHostUrl(v) {
  let u;
  try {
    u = new URL(String(v).replace('{id}', 'id0'));
  } catch {
    throw new TypeError(`mediation.setConfig: tagHost ${String(v)} is not an absolute URL`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:')
    throw new TypeError(`mediation.setConfig: tagHost ${u.href} is not http or https`);
  if (String(v).indexOf('{id}') > u.href.indexOf(u.host) + u.host.length)
    throw new TypeError(`mediation.setConfig: tagHost ${String(v)} may have {id} only in its host name`);
  // Not the page's host nor one of its parent or child domains: cookies ignore ports,
  // and a parent domain's cookies reach its subdomains.
  const a = u.hostname,
    b = location.hostname;
  if (a === b || a.endsWith('.' + b) || b.endsWith('.' + a))
    throw new TypeError(`mediation.setConfig: tagHost ${String(v)} must be on another site than the page`);
  return u;
}

function createMediation(bytesPromise) {
  const api = makeCore(bytesPromise); // the waterfall state machine
  const auctions = makeAuctionLoader(() => settings.auctionUrl || defaultAuctionUrl());
  const listeners = new Map(EVENTS.map((e) => [e, new Set()]));
  const settings = {
    reportUrl: null,
    lateWindowMs: null,
    renderTimeoutMs: 5000,
    tagHost: null,
    allowTopNavigation: false,
    consentTimeoutMs: 1000,
    auctionUrl: null,
  };
  const consent = makeConsent();
  const runs = new WeakMap(); // slot element -> its latest run
  const live = new Set(); // frame records of runs not yet closed (the ad on show excepted)
  let heard = false;
  // Where tag frames load: each tag host is a site (a renderer process in a browser
  // with site isolation); srcdoc frames are one more, sharing the page's site.
  const srcdocSite = { url: null, frames: new Set(), picked: 0, stuck: false, failedUntil: 0 };
  let hostSites = [];
  let picks = 0;

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
    tagHost: (v) =>
      v === null ||
      (typeof v === 'string' && !!tagHostUrl(v)) ||
      (Array.isArray(v) &&
        v.length > 0 &&
        v.length <= 32 &&
        new Set(v).size === v.length &&
        v.every((u) => typeof u === 'string' && tagHostUrl(u))),
    allowTopNavigation: (v) => typeof v === 'boolean',
    consentTimeoutMs: (v) => Number.isFinite(v) && v >= 0 && v <= 10000,
    auctionUrl: (v) => v === null || typeof v === 'string',
  };
  function setConfig(options = {}) {
    for (const k of Object.keys(options)) {
      if (!Object.hasOwn(OPTIONS, k)) throw new TypeError(`mediation.setConfig: unknown option "${k}"`);
      if (!OPTIONS[k](options[k])) throw new TypeError(`mediation.setConfig: ${k} cannot be ${String(options[k])}`);
    }
    if (Object.hasOwn(options, 'reportUrl')) sendBeacons(); // where they were meant to go
    Object.assign(settings, options);
    if (Object.hasOwn(options, 'tagHost')) {
      const urls = options.tagHost === null ? [] : [].concat(options.tagHost);
      const old = new Map(hostSites.map((s) => [s.template, s]));
      hostSites = urls.map((v) => {
        tagHostUrl(v);
        // The same URL keeps its site, and with it what is known of its frames.
        return (
          old.get(String(v)) || {
            template: String(v),
            url: true,
            frames: new Set(),
            picked: 0,
            stuck: false,
            failedUntil: 0,
          }
        );
      });
    }
  }

  // A frame is hung when it stopped answering its heartbeat, or never made contact.
  // Browsers slow the timers of hidden tabs and of frames out of view: there silence
  // must last longer before it counts.
  function silent(fr, now) {
    if (fr.shown || fr.navigating || !fr.born) return false;
    if (!fr.port) return now - fr.born > CONTACT_MS;
    if (now - fr.alive <= HUNG_MS) return false;
    if (document.hidden) return now - fr.alive > CONTACT_MS;
    const r = fr.el.getBoundingClientRect();
    const inView = r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth;
    return inView || now - fr.alive > CONTACT_MS;
  }
  // A site stays hung after its hung frame is removed while any frame of it is left (an
  // ad on show keeps its process, and the loop, alive).
  function hung(site, now) {
    let any = false;
    for (const fr of site.frames) {
      if (!fr.el.isConnected)
        site.frames.delete(fr); // an ad on show its page removed
      else if (silent(fr, now)) any = true;
    }
    if (!site.frames.size) site.stuck = false;
    return any || site.stuck || site.failedUntil > now;
  }
  // The site for a new frame: a tag host with no hung frame and the fewest frames
  // (so frames at work at once get distinct sites), the least recently picked on a
  // tie; without one, srcdoc; with every site hung, the least loaded.
  function pickSite(take = true) {
    const now = performance.now();
    const clean = hostSites.filter((s) => !hung(s, now));
    let pool = clean.length || !hostSites.length ? clean : [];
    if (!pool.length) pool = hung(srcdocSite, now) && hostSites.length ? hostSites : [srcdocSite];
    let best = pool[0];
    for (const s of pool)
      if (s.frames.size < best.frames.size || (s.frames.size === best.frames.size && s.picked < best.picked)) best = s;
    if (take) best.picked = ++picks;
    return best;
  }

  // One window listener serves every frame's hand-shake; it exists only while frames
  // do. A tag host frame must speak from the tag host's origin and gets its port sent
  // to that origin only; a srcdoc frame's origin is opaque.
  function onWindowMessage(e) {
    if (e.data !== 'mediation:hello') return;
    let fr = null;
    for (const f of live) if (f.el.contentWindow === e.source) fr = f;
    if (!fr || fr.port || fr.mute || e.origin !== fr.origin) return;
    const channel = new MessageChannel();
    fr.port = channel.port1;
    fr.alive = performance.now();
    fr.port.onmessage = (m) => fromFrame(fr, m.data);
    e.source.postMessage('mediation:port', fr.site.url ? fr.origin : '*', [channel.port2]);
    const { tcf, gpp, usp } = consent.state;
    fr.port.postMessage({ privacy: { tcf, gpp, usp } });
    if (fr.markup !== null) sendTag(fr);
  }
  function sendTag(fr) {
    fr.port.postMessage({ tag: fr.markup, top: settings.allowTopNavigation });
    fr.markup = null;
    fr.run.spareLater(fr);
  }
  // What a frame says over its port; anything but the strings it may send and
  // SafeFrame requests is ignored, whatever it is made of.
  function fromFrame(fr, d) {
    const now = performance.now();
    if (typeof d === 'string') {
      if (!FRAME_SAYS.has(d)) return;
      fr.alive = now;
      if (d === 'uncaught') fr.errors++;
      else if (d === 'navigating') fr.navigating = true;
      else if (fr.entry < 0 || d === 'alive') return;
      else if (d === 'rendered') {
        if (fr.run.entries[fr.entry].source === 'rtb') fr.run.signal(fr, 'filled');
      } else if (Object.hasOwn(SIGNALS, d)) fr.run.signal(fr, d);
    } else if (d !== null && typeof d === 'object' && typeof d.sf === 'string') {
      fr.alive = now;
      safeFrame(fr, d);
    }
  }
  function track(fr) {
    live.add(fr);
    if (fr.site) fr.site.frames.add(fr);
    if (!heard) addEventListener('message', onWindowMessage);
    heard = true;
  }
  // keepElement: the ad on show stays, with its port (for SafeFrame) and its site.
  function untrack(fr, keepElement) {
    live.delete(fr);
    if (keepElement) {
      fr.shown = true;
      if (fr.port) fr.port.postMessage('shown');
    } else {
      closeFrame(fr);
    }
    if (!live.size && heard) {
      removeEventListener('message', onWindowMessage);
      heard = false;
    }
  }
  function closeFrame(fr) {
    // A tag host frame that never made contact (the host is down, or the page's CSP or an
    // ad blocker stops it): its site is left alone for a minute, srcdoc in its place.
    const now = performance.now();
    if (fr.site && fr.site.url && !fr.port && fr.born && now - fr.born > CONTACT_MS)
      fr.site.failedUntil = now + UNREACHABLE_MS;
    if (fr.port) fr.port.close();
    fr.port = null;
    if (fr.site) fr.site.frames.delete(fr);
    if (observer) observer.unobserve(fr.el);
    fr.el.remove();
  }

  // SafeFrame 1.1 host side (docs/runtime.md §11): geometry in CSS px relative to the
  // viewport, in-view fractions, overlay expansion of the ad on show.
  let observer = null;
  const observed = new WeakMap(); // frame element -> frame record
  function geomOf(el) {
    const r = el.getBoundingClientRect();
    const W = document.documentElement.clientWidth || innerWidth;
    const H = document.documentElement.clientHeight || innerHeight;
    const xs = Math.max(0, Math.min(r.right, W) - Math.max(r.left, 0));
    const ys = Math.max(0, Math.min(r.bottom, H) - Math.max(r.top, 0));
    const f2 = (v) => Math.round(v * 100) / 100;
    const xiv = r.width ? f2(xs / r.width) : 0;
    const yiv = r.height ? f2(ys / r.height) : 0;
    const px = Math.round;
    const scrolls = (v) => (v ? 1 : 0);
    return {
      win: { t: 0, l: 0, r: W, b: H, w: W, h: H },
      self: {
        t: px(r.top),
        l: px(r.left),
        r: px(r.right),
        b: px(r.bottom),
        w: px(r.width),
        h: px(r.height),
        z: Number(getComputedStyle(el).zIndex) || 0,
        xiv,
        yiv,
        iv: f2(xiv * yiv),
      },
      exp: {
        t: Math.max(0, px(r.top)),
        l: Math.max(0, px(r.left)),
        r: Math.max(0, px(W - r.right)),
        b: Math.max(0, px(H - r.bottom)),
        xs: scrolls(document.documentElement.scrollWidth > W),
        ys: scrolls(document.documentElement.scrollHeight > H),
      },
    };
  }
  function tellFrame(fr, m) {
    if (!fr.port) return;
    m.geom = geomOf(fr.el);
    fr.port.postMessage(m);
  }
  function safeFrame(fr, d) {
    if (d.sf === 'register') {
      if (fr.sf) return;
      fr.sf = { base: null };
      observer ??= new IntersectionObserver(
        (changes) => {
          for (const c of changes) {
            const f = observed.get(c.target);
            if (!c.target.isConnected || !f)
              observer.unobserve(c.target); // removed by the page
            else tellFrame(f, { sf: 'geom-update' });
          }
        },
        { threshold: [0, 0.01, 0.25, 0.5, 0.75, 1] },
      );
      observed.set(fr.el, fr);
      observer.observe(fr.el); // its first report is the first geom-update
    } else if (d.sf === 'expand') {
      if (!fr.sf) return;
      if (!fr.shown && (fr.entry < 0 || fr.run.winner !== fr.entry))
        return tellFrame(fr, { sf: 'failed', reason: 'not on show' });
      const g = geomOf(fr.el).exp;
      const grow = (v, room) => (typeof v === 'number' && v > 0 ? Math.min(Math.round(v), room, 10000) : 0);
      const t = grow(d.t, g.t),
        l = grow(d.l, g.l),
        r = grow(d.r, g.r),
        b = grow(d.b, g.b);
      if (!t && !l && !r && !b) return tellFrame(fr, { sf: 'failed', reason: 'no room' });
      const el = fr.el;
      fr.sf.base ??= { css: el.style.cssText, w: el.width, h: el.height };
      const { w, h } = fr.sf.base;
      el.width = Number(w) + l + r;
      el.height = Number(h) + t + b;
      // The frame grows over the page; its box in the flow keeps its size (no reflow).
      el.style.cssText = `${fr.sf.base.css};position:relative;z-index:2147483000;margin:${-t}px ${-r}px ${-b}px ${-l}px`;
      tellFrame(fr, { sf: 'expanded' });
    } else if (d.sf === 'collapse') {
      if (!fr.sf || !fr.sf.base) return tellFrame(fr, { sf: 'failed', reason: 'not expanded' });
      const { css, w, h } = fr.sf.base;
      fr.sf.base = null;
      fr.el.style.cssText = css;
      fr.el.width = w;
      fr.el.height = h;
      tellFrame(fr, { sf: 'collapsed' });
    }
  }

  // Beacons wait in one queue and go as one request (an array; one alone goes as an
  // object): once no waterfall of the page is still deciding, 2 s after the first one
  // waited, at 50 or near 60 000 bytes (sendBeacon takes 64 KiB), before reportUrl
  // changes, or when the page is hidden or left (what sendBeacon is made for).
  let beacons = []; // their JSON texts
  let beaconBytes = 0;
  let beaconTimer = 0;
  let leaving = false; // listening for the page to be hidden or left (from the first beacon)
  function beacon(record) {
    if (!settings.reportUrl) return;
    if (!leaving) {
      leaving = true;
      addEventListener('pagehide', sendBeacons);
      document.addEventListener('visibilitychange', () => document.hidden && sendBeacons());
    }
    const text = JSON.stringify(record);
    if (beaconBytes + text.length > 6e4) sendBeacons();
    beacons.push(text);
    beaconBytes += text.length + 1;
    beaconTimer ||= setTimeout(sendBeacons, 2000);
    beacons[49] ? sendBeacons() : settled();
  }
  const settled = () => [...active].some((r) => !r.done) || sendBeacons();
  function sendBeacons() {
    clearTimeout(beaconTimer);
    beaconTimer = 0;
    const url = settings.reportUrl;
    const body = beacons[1] ? `[${beacons}]` : beacons[0];
    beacons = [];
    beaconBytes = 0;
    if (!body || !url) return;
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
      // The RTB creative is the sure fill: its frame rendering is all that counts.
      if (this.entries[fr.entry].source === 'rtb' && kind !== 'filled') return;
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
        const errors = this.frames[position] ? this.frames[position].errors : 0; // uncaught, whatever the outcome
        // The ad server's token (if it signed the entry) vouches for these fields.
        const record = { ...this.about(position), outcome, latency_ms, price, cur: this.cur, token, errors };
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

    // A frame on a site, invisible (opacity 0 keeps it rendering: a hidden cross-site
    // frame gets no animation frames) until its ad wins. On a tag host it loads the
    // host page at once, so a spare frame has made contact before its tag is due. A
    // frame an RTB nurl serves belongs to no site (site null).
    newFrame(site) {
      const el = document.createElement('iframe');
      const sandbox = SANDBOX + (site && site.url ? ' allow-same-origin' : '');
      el.setAttribute(
        'sandbox',
        sandbox + (settings.allowTopNavigation ? ' allow-top-navigation-by-user-activation' : ''),
      );
      el.setAttribute('scrolling', 'no');
      el.referrerPolicy = 'origin';
      el.title = 'advertisement';
      el.style.cssText = 'border:0;display:block;position:absolute;left:0;top:0;opacity:0;pointer-events:none';
      // Until it wins: out of the tab order and of what screen readers read.
      el.inert = true;
      el.setAttribute('aria-hidden', 'true');
      el.tabIndex = -1;
      const fr = {
        el,
        site,
        origin: 'null', // what its hello must come from: the tag host's, opaque for srcdoc
        entry: -1,
        run: this,
        port: null,
        markup: null,
        born: 0,
        alive: 0,
        errors: 0,
        navigating: false,
        shown: false,
        mute: false,
        sf: null,
        late: false,
        lateTimer: 0,
      };
      // A document after the tag sent its frame elsewhere is the creative: a fill.
      el.addEventListener('load', () => {
        if (fr.navigating && fr.entry >= 0) this.signal(fr, 'filled');
      });
      this.slot.appendChild(el);
      if (site && site.url) {
        const href = site.template.replace('{id}', 'f' + Math.random().toString(36).slice(2, 12));
        fr.origin = new URL(href).origin;
        fr.born = performance.now();
        el.src = href;
      }
      track(fr);
      return fr;
    }

    // A spare frame, made ahead of need: pointing an existing frame at its tag is
    // several times quicker than making one at the deadline.
    prepareSpare() {
      if (!this.closed && !this.done && !this.spare) this.spare = this.newFrame(pickSite());
    }

    // A tag that answers at once needs no spare: made once the tag runs, and a little
    // later, it costs nothing then (loading a tag host page is slow in some browsers).
    // It comes at a quarter of the time left before the deadline when that is sooner,
    // so that a short timeout finds it made and settled: made at the deadline, it cost
    // the next tag 25-30 ms; at half the time left, the timeout fired 12-18 ms late;
    // at a quarter, 8-10 ms (a 100 ms timeout on a busy 2-core machine; bench/browser.mjs).
    spareLater(fr) {
      if (fr.entry + 1 >= this.entries.length) return;
      const left = api.core().x.med_wf_deadline(this.wf) - performance.now();
      setTimeout(() => this.prepareSpare(), Math.min(SPARE_DELAY_MS, left / 4)); // a negative delay is 0
    }

    // A spare whose site has since hung, or that the tag host setting left behind, goes.
    takeSpare() {
      const fr = this.spare;
      this.spare = null;
      if (!fr) return null;
      const current = fr.site.url ? hostSites.includes(fr.site) : true;
      if (current && !hung(fr.site, performance.now()) && (fr.site.url || pickSite(false) === srcdocSite)) return fr;
      untrack(fr, false);
      return null;
    }

    open(i) {
      const e = this.entries[i];
      const served = e.source === 'rtb' && !e.adm; // on win: the win notice answers with the markup
      const fr = served ? this.newFrame(null) : this.takeSpare(); // a served frame belongs to no site
      const frame = fr || this.newFrame(pickSite());
      frame.entry = i;
      frame.el.width = e.w || this.slot.clientWidth || 300;
      frame.el.height = e.h || this.slot.clientHeight || 250;
      this.frames[i] = frame;
      emit('bidRequested', this.about(i));
      if (served) {
        // No boot script and no port: the frame loading is the fill.
        frame.mute = true;
        frame.el.addEventListener('load', () => this.signal(frame, 'filled'), { once: true });
        frame.el.src = e.nurl;
        return;
      }
      const markup = e.source === 'rtb' ? e.adm : e.tag;
      if (frame.site.url) {
        frame.markup = markup; // handed over the port, now or once the frame makes contact
        if (frame.port) sendTag(frame);
        return;
      }
      // The RTB creative is the sure fill: its document loading is the fill.
      if (e.source === 'rtb') frame.el.addEventListener('load', () => this.signal(frame, 'filled'), { once: true });
      frame.born = performance.now();
      frame.el.srcdoc = frameDocument(markup, settings.allowTopNavigation);
      this.spareLater(frame);
    }

    // An entry the waterfall moved past: its frame goes, except that a timed-out
    // frame that still answers its heartbeat stays, hidden, for a while to hear a
    // late fill. A frame that stopped answering is hung (a busy loop): it goes now,
    // since it would stall the frames that share its process.
    passOver(k) {
      const fr = this.frames[k];
      if (!fr || fr.late) return;
      // Still loading counts as alive; in touch but silent does not.
      const responsive = !silent(fr, performance.now());
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
        if (!responsive && fr.site) fr.site.stuck = true;
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
      settled();
      this.winner = winner;
      clearTimeout(this.timer);
      this.frames.forEach((fr, k) => {
        if (fr && k !== winner) this.passOver(k);
      });
      const e = winner >= 0 ? this.entries[winner] : null;
      if (e) {
        this.shown = this.frames[winner];
        this.shown.el.style.cssText = 'border:0;display:block';
        this.shown.el.inert = false;
        this.shown.el.removeAttribute('aria-hidden');
        this.shown.el.removeAttribute('tabindex');
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
      if (this.spare) untrack(this.spare, false);
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
      if (this.shown) closeFrame(this.shown);
      this.shown = null;
      settled();
    }
  }

  async function resultOf(result, signal) {
    // The CMP's signals go into the request (an object; text is sent as it is).
    const withConsent = async (request) => {
      if (!request || typeof request !== 'object') return request;
      await consent.read(settings.consentTimeoutMs);
      return consent.applyTo(request);
    };
    if (result && typeof result.endpoint === 'string') {
      const request = await withConsent(result.request);
      const res = await fetch(result.endpoint, {
        method: 'POST',
        signal,
        headers: { 'content-type': 'application/json' },
        body: typeof request === 'string' ? request : JSON.stringify(request),
      });
      if (!res.ok) throw new Error(`the ad server answered ${res.status}`);
      return res.json();
    }
    if (result && result.config !== undefined && result.request !== undefined) {
      const request = await withConsent(result.request);
      await auctions.load();
      return auctions.auction({ ...result, request });
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
    // A tag host frame takes a while to load: the first one loads while the ad server
    // answers, and gets the first tag as soon as the waterfall is known.
    if (hostSites.length) run.prepareSpare();
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
    return { runs: active.size, frames: live.size, listening: heard };
  }

  const pub = {
    ...engineFacade(api, auctions),
    [PROVIDE_AUCTION]: auctions.provide,
    events: EVENTS,
    render,
    clear,
    on,
    off,
    setConfig,
    stats,
  };
  // Reading it fetches the auction engine (once): `await mediation.auctionReady`.
  Object.defineProperty(pub, 'auctionReady', { get: auctions.load, enumerable: true });
  return pub;
}
