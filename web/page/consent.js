// consent.js — the page's privacy signals (docs/runtime.md §13): what the page's CMP
// says through the IAB's APIs (__tcfapi for TCF v2, __gpp for GPP, __uspapi for US
// Privacy), read once and kept up to date, put into the bid request and handed to the
// tag frames (web/frame/boot.js answers the tags' own calls with it).

// Calls one CMP API: the function on this window, else through the locator frame of an
// ancestor (the IAB's postMessage protocol, for a page inside a frame). Returns false
// when there is no such API.
function cmpCall(api, args, onAnswer) {
  if (typeof window[api] === 'function') {
    try {
      window[api](...args(onAnswer));
      return true;
    } catch (_) {
      return false;
    }
  }
  let w = window;
  for (let i = 0; i < 10; i++) {
    let locator = null;
    try {
      locator = w.frames[api + 'Locator'];
    } catch (_) {
      /* not reachable */
    }
    if (locator) {
      const callId = Math.random().toString(36).slice(2);
      const [command, version, parameter] = args(null).filter((a) => typeof a !== 'function');
      const listen = (e) => {
        const r = e.data && typeof e.data === 'object' ? e.data[api + 'Return'] : null;
        if (!r || r.callId !== callId) return;
        if (command !== 'addEventListener') removeEventListener('message', listen);
        onAnswer(r.returnValue, r.success === true);
      };
      addEventListener('message', listen);
      w.postMessage({ [api + 'Call']: { command, version, parameter, callId } }, '*');
      return true;
    }
    if (w === w.parent) break;
    w = w.parent;
  }
  return false;
}

function makeConsent() {
  const state = { tcf: null, gpp: null, usp: null };
  const pending = new Set(); // APIs that exist and have not answered yet
  const waiters = new Set();
  let started = false;

  function settle() {
    if (pending.size) return;
    for (const fn of waiters) fn();
    waiters.clear();
  }
  function answered(api) {
    pending.delete(api);
    settle();
  }

  function start() {
    if (started) return;
    started = true;
    // TCF: the listener hears the first load and every later choice of the user.
    const tcf = cmpCall(
      '__tcfapi',
      (cb) => ['addEventListener', 2, cb],
      (data, ok) => {
        if (!ok || !data || typeof data !== 'object') return answered('tcf');
        const ready = data.eventStatus === 'tcloaded' || data.eventStatus === 'useractioncomplete';
        if (!ready && data.gdprApplies !== false) return;
        state.tcf = {
          gdprApplies: typeof data.gdprApplies === 'boolean' ? data.gdprApplies : undefined,
          tcString: typeof data.tcString === 'string' ? data.tcString : undefined,
        };
        answered('tcf');
      },
    );
    if (tcf) pending.add('tcf');
    const gpp = cmpCall(
      '__gpp',
      (cb) => ['addEventListener', cb],
      (evt, ok) => {
        const ping = ok && evt && typeof evt === 'object' ? evt.pingData : null;
        if (!ping || ping.signalStatus !== 'ready') return;
        state.gpp = {
          gppString: typeof ping.gppString === 'string' ? ping.gppString : undefined,
          applicableSections: Array.isArray(ping.applicableSections)
            ? ping.applicableSections.filter((n) => Number.isInteger(n) && n >= 0 && n <= 65535)
            : [],
        };
        answered('gpp');
      },
    );
    if (gpp) pending.add('gpp');
    const usp = cmpCall(
      '__uspapi',
      (cb) => ['getUSPData', 1, cb],
      (data, ok) => {
        if (ok && data && typeof data.uspString === 'string') state.usp = data.uspString;
        answered('usp');
      },
    );
    if (usp) pending.add('usp');
  }

  // The signals once every CMP API of the page has answered, or when timeoutMs is up.
  function read(timeoutMs) {
    start();
    if (!pending.size) return Promise.resolve(state);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        waiters.delete(done);
        resolve(state);
      };
      const timer = setTimeout(done, timeoutMs);
      waiters.add(done);
    });
  }

  // A copy of the bid request with the signals put where OpenRTB 2.6 wants them;
  // what the publisher set already is kept.
  function applyTo(request) {
    if (!request || typeof request !== 'object' || Array.isArray(request)) return request;
    const regs = { ...(request.regs && typeof request.regs === 'object' ? request.regs : {}) };
    const user = { ...(request.user && typeof request.user === 'object' ? request.user : {}) };
    const { tcf, gpp, usp } = state;
    if (tcf && tcf.gdprApplies !== undefined && regs.gdpr === undefined) regs.gdpr = tcf.gdprApplies ? 1 : 0;
    if (tcf && tcf.tcString && user.consent === undefined) user.consent = tcf.tcString;
    if (usp && regs.us_privacy === undefined) regs.us_privacy = usp;
    if (gpp && gpp.gppString && regs.gpp === undefined) {
      regs.gpp = gpp.gppString;
      regs.gpp_sid = gpp.applicableSections;
    }
    const out = { ...request };
    if (Object.keys(regs).length) out.regs = regs;
    if (Object.keys(user).length) out.user = user;
    return out;
  }

  return { read, applyTo, state };
}
