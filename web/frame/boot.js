// boot.js — what runs first in every tag frame (docs/runtime.md §5): the tag's
// `mediation` and `$sf.ext` globals, the port hand-shake with the page, heartbeats,
// fill detection, uncaught errors, passbacks from nested frames and navigation.
//
// It is built twice (scripts/build-dist.mjs): inline in the `srcdoc` of a frame
// (`HOST` false: the tag's markup follows it in the same document), and inside
// dist/frame.html, the tag host page (`HOST` true: the markup arrives over the port
// and is written into this document). ES5 on purpose: it runs in whatever the tag
// leaves of the frame, and must not depend on anything the page's build adds.
(function (HOST, TOP) {
  var port = null;
  var queue = [];
  var said = false;
  var errors = 0;
  var erredAt = 0;
  var loadedAt = 0;
  var loads = typeof WeakMap === 'function' ? new WeakMap() : null; // nested frame -> when it loaded
  var sf = { cb: null, geom: null, status: 'collapsed', pending: null };
  var beat = 0;

  function send(m) {
    if (port) port.postMessage(m);
    else queue.push(m);
  }
  function say(kind) {
    if (said) return;
    said = true;
    send(kind);
  }
  // After mount (tag host), the written document's load: an RTB creative has rendered.
  function rendered() {
    if (HOST) send('rendered');
  }

  // The tag's globals. A passback calls mediation.noad(); a tag that knows it failed
  // (its script did not load) calls mediation.error().
  window.mediation = Object.freeze({
    noad: function () {
      say('no_fill');
    },
    filled: function () {
      say('filled');
    },
    error: function () {
      say('error');
    },
  });

  // SafeFrame 1.1's $sf.ext, the part networks call (docs/runtime.md §11); the page
  // answers over the port. One command (expand, collapse) may be pending at a time.
  function num(v) {
    v = Number(v);
    return v > 0 && v <= 10000 ? Math.round(v) : 0;
  }
  function tell(status, data) {
    if (typeof sf.cb !== 'function') return;
    try {
      sf.cb(status, data);
    } catch (e) {
      setTimeout(function () {
        throw e;
      });
    }
  }
  function command(cmd, m) {
    if (!sf.cb || sf.pending) return undefined;
    sf.pending = cmd;
    sf.before = sf.status; // what a failure goes back to
    sf.status = cmd === 'collapse' ? 'collapsing' : 'expanding';
    m.sf = cmd;
    send(m);
    return true;
  }
  var ext = {
    register: function (w, h, cb) {
      if (sf.cb) return;
      sf.cb = typeof cb === 'function' ? cb : function () {};
      send({ sf: 'register', w: num(w), h: num(h) });
    },
    geom: function () {
      return sf.geom;
    },
    inViewPercentage: function () {
      return sf.geom ? Math.floor(sf.geom.self.iv * 100) : undefined;
    },
    status: function () {
      return sf.status;
    },
    supports: function (key) {
      var all = { 'exp-ovr': true, 'exp-push': false, 'read-cookie': false, 'write-cookie': false };
      return key === undefined ? all : all[key] === true;
    },
    meta: function () {
      return '';
    },
    // expand({t, l, r, b, push}) in px to grow each side; or the older expand(dx, dy).
    expand: function (o, dy) {
      var t = 0,
        l = 0,
        r = 0,
        b = 0;
      if (typeof o === 'number') {
        r = o > 0 ? num(o) : 0;
        l = o < 0 ? num(-o) : 0;
        b = dy > 0 ? num(dy) : 0;
        t = dy < 0 ? num(-dy) : 0;
      } else if (o && typeof o === 'object') {
        if (o.push) return undefined; // only overlay: supports()['exp-push'] is false
        t = num(o.t);
        l = num(o.l);
        r = num(o.r);
        b = num(o.b);
      }
      if (!t && !l && !r && !b) return undefined;
      return command('expand', { t: t, l: l, r: r, b: b });
    },
    collapse: function () {
      if (sf.status !== 'expanded') return undefined;
      return command('collapse', {});
    },
  };
  window.$sf = Object.freeze({ ext: Object.freeze(ext) });

  // The page's privacy signals (web/page/consent.js), for the IAB's CMP APIs in the
  // frame: __tcfapi, __gpp, __uspapi, and their locator frames for nested frames.
  var privacy = null;
  var asked = []; // calls made before the signals came
  function tcData(listenerId) {
    var t = privacy && privacy.tcf;
    return {
      tcString: t && t.tcString,
      gdprApplies: t ? t.gdprApplies : undefined,
      eventStatus: 'tcloaded',
      cmpStatus: 'loaded',
      listenerId: listenerId,
      tcfPolicyVersion: 5,
      apiVersion: '2.2',
    };
  }
  function gppPing() {
    var g = privacy && privacy.gpp;
    return {
      gppVersion: '1.1',
      cmpStatus: 'loaded',
      cmpDisplayStatus: 'hidden',
      signalStatus: 'ready',
      supportedAPIs: [],
      cmpId: 0,
      gppString: g ? g.gppString : '',
      applicableSections: g ? g.applicableSections : [-1],
    };
  }
  var apis = {
    __tcfapi: function (command, version, callback) {
      if (typeof callback !== 'function') return;
      if (!privacy) return asked.push(['__tcfapi', arguments]);
      if (command === 'ping')
        callback({ gdprApplies: tcData().gdprApplies, cmpLoaded: true, cmpStatus: 'loaded', apiVersion: '2.2' }, true);
      else if (command === 'getTCData' || command === 'addEventListener')
        callback(tcData(command === 'addEventListener' ? 1 : undefined), true);
      else if (command === 'removeEventListener') callback(true, true);
      else callback(null, false);
    },
    __gpp: function (command, callback) {
      if (typeof callback !== 'function') return;
      if (!privacy) return asked.push(['__gpp', arguments]);
      if (command === 'ping') callback(gppPing(), true);
      else if (command === 'addEventListener')
        callback({ eventName: 'listenerRegistered', listenerId: 1, data: true, pingData: gppPing() }, true);
      else if (command === 'getGPPData')
        callback({ gppString: gppPing().gppString, applicableSections: gppPing().applicableSections }, true);
      else if (command === 'removeEventListener') callback(true, true);
      else callback(null, false);
    },
    __uspapi: function (command, version, callback) {
      if (typeof callback !== 'function') return;
      if (!privacy) return asked.push(['__uspapi', arguments]);
      if (command === 'getUSPData' && privacy.usp) callback({ version: 1, uspString: privacy.usp }, true);
      else callback(null, false);
    },
  };
  for (var api in apis) window[api] = apis[api];
  // A nested frame finds a locator frame by name up its ancestors and posts its call to
  // the window that holds it: this one answers for the frames inside it.
  function locators() {
    if (!document.body) return;
    for (var name in apis) {
      if (document.getElementsByName(name + 'Locator').length) continue;
      var f = document.createElement('iframe');
      f.name = name + 'Locator';
      f.style.cssText = 'display:none';
      f.setAttribute('aria-hidden', 'true');
      document.body.appendChild(f);
    }
  }
  function cmpMessage(e) {
    var d = e.data;
    if (!d || typeof d !== 'object' || !inside(e.source)) return;
    for (var name in apis) {
      var call = d[name + 'Call'];
      if (!call || typeof call !== 'object') continue;
      var reply = function (value, success) {
        var m = {};
        m[name + 'Return'] = { returnValue: value, success: success, callId: call.callId };
        e.source.postMessage(m, '*');
      };
      if (name === '__gpp') apis[name](call.command, reply, call.parameter, call.version);
      else apis[name](call.command, call.version, reply, call.parameter);
      return;
    }
  }

  // From the page: the tag (tag host), 'shown' (the ad won: heartbeats stop), and
  // SafeFrame answers { sf, geom, reason } with sf 'geom-update', 'expanded',
  // 'collapsed' or 'failed'.
  function fromPage(e) {
    var d = e.data;
    if (d === 'shown') return clearInterval(beat);
    if (HOST && d && typeof d.tag === 'string') return mount(d.tag, d.top === true);
    if (d && d.privacy && typeof d.privacy === 'object') {
      privacy = d.privacy;
      var calls = asked;
      asked = [];
      for (var i = 0; i < calls.length; i++) apis[calls[i][0]].apply(window, calls[i][1]);
      return;
    }
    if (!d || typeof d.sf !== 'string') return;
    if (d.geom) sf.geom = d.geom;
    if (d.sf === 'geom-update') return tell('geom-update');
    var cmd = sf.pending;
    sf.pending = null;
    if (d.sf === 'failed') {
      sf.status = sf.before || 'collapsed';
      return tell('failed', { cmd: cmd === 'collapse' ? 'collapse' : 'exp-ovr', reason: String(d.reason) });
    }
    sf.status = d.sf === 'expanded' ? 'expanded' : 'collapsed';
    tell(sf.status);
  }

  // The hand-shake: the port comes only from the parent, answering our hello.
  addEventListener('message', function take(e) {
    if (e.source !== parent || e.data !== 'mediation:port' || !e.ports || !e.ports[0] || port) return;
    removeEventListener('message', take);
    port = e.ports[0];
    port.onmessage = fromPage;
    for (var i = 0; i < queue.length; i++) port.postMessage(queue[i]);
    queue = [];
    port.postMessage('alive');
    beat = setInterval(function () {
      port.postMessage('alive');
    }, 100);
  });
  parent.postMessage('mediation:hello', '*');

  // A window is ours if it is this one or lies inside it, however deep and whatever
  // its origin (a cross-origin window still tells its parent).
  function inside(w) {
    for (var i = 0; w && i < 64; i++) {
      if (w === window) return true;
      if (w === w.parent) return false;
      w = w.parent;
    }
    return false;
  }

  // Listeners on the window; in the tag host they are set again after the tag's
  // document is written, since document.open() removes them.
  function listen() {
    addEventListener('error', function (e) {
      if (!e.isTrusted) return; // only the browser's own, not a tag's dispatchEvent
      errors++;
      send('uncaught');
      if (!erredAt) erredAt = Date.now();
    });
    addEventListener('message', cmpMessage);
    if (document.body) locators();
    else addEventListener('DOMContentLoaded', locators);
    // A passback from a nested frame (dist/noad.js posts this to every ancestor).
    addEventListener('message', function (e) {
      if (e.data === 'mediation:noad' && inside(e.source)) say('no_fill');
    });
    // Load events do not reach the window: the document hears its nested frames load.
    document.addEventListener(
      'load',
      function (e) {
        if (e.target && e.target.tagName === 'IFRAME' && loads) loads.set(e.target, Date.now());
      },
      true,
    );
    addEventListener('load', function (e) {
      if (!e.isTrusted || loadedAt) return;
      rendered();
      loadedAt = Date.now();
      setTimeout(look, 50);
    });
    // Ad clicks open a new tab unless the page lets ads navigate it (allowTopNavigation).
    addEventListener(
      'click',
      function (e) {
        if (TOP) return;
        for (var n = e.target; n && n.nodeType === 1; n = n.parentNode) {
          if (n.tagName !== 'A' && n.tagName !== 'AREA') continue;
          var t = String(n.getAttribute('target') || '').toLowerCase();
          if (t === '_top' || t === '_parent') n.setAttribute('target', '_blank');
          return;
        }
      },
      true,
    );
    // The tag sends its own frame elsewhere (a redirect to the creative): the page
    // takes the next document's load as the fill.
    addEventListener('pagehide', function (e) {
      if (e.isTrusted && !said) send('navigating');
    });
  }

  var SKIP = { SCRIPT: 1, STYLE: 1, NOSCRIPT: 1, LINK: 1, META: 1, BR: 1 };
  var NESTED_QUIET_MS = 300; // a nested frame shows only once loaded this long: time for its passback
  var ERROR_GRACE_MS = 250; // after an uncaught error (and load), how long the tag may still draw
  function shows(el, now) {
    var r = el.getBoundingClientRect();
    if (r.width < 10 || r.height < 10 || SKIP[el.tagName]) return false;
    var t = el.tagName.toUpperCase();
    if (t === 'IMG') return el.complete && el.naturalWidth > 1;
    if (t === 'IFRAME') {
      var at = loads && loads.get(el);
      return !!at && now - at >= NESTED_QUIET_MS;
    }
    if (t === 'VIDEO' || t === 'CANVAS' || t === 'SVG' || t === 'OBJECT' || t === 'EMBED') return true;
    var cs = getComputedStyle(el);
    if (cs.visibility === 'hidden' || cs.opacity === '0') return false;
    if (cs.backgroundImage !== 'none') return true;
    for (var c = el.firstChild; c; c = c.nextSibling) if (c.nodeType === 3 && /\S/.test(c.data)) return true;
    return false;
  }
  function look() {
    if (said) return;
    var now = Date.now();
    var all = document.body ? document.body.getElementsByTagName('*') : [];
    for (var i = 0; i < all.length; i++) if (shows(all[i], now)) return say('filled');
    // An uncaught error ends the attempt only if nothing shows once the grace is over.
    if (erredAt && loadedAt && now - Math.max(erredAt, loadedAt) >= ERROR_GRACE_MS) return say('error');
    setTimeout(look, 100);
  }

  // Where storage is refused (srcdoc frames have an opaque origin; a browser may block
  // a tag host's storage as third-party), tags that read their cookie or storage get
  // an empty one for the life of the frame instead of a SecurityError.
  function memoryStorage() {
    var m = {};
    return {
      getItem: function (k) {
        return Object.prototype.hasOwnProperty.call(m, k) ? m[k] : null;
      },
      setItem: function (k, v) {
        m[k] = String(v);
      },
      removeItem: function (k) {
        delete m[k];
      },
      clear: function () {
        m = {};
      },
      key: function (i) {
        return Object.keys(m)[i] || null;
      },
      get length() {
        return Object.keys(m).length;
      },
    };
  }
  function shimStorage() {
    ['localStorage', 'sessionStorage'].forEach(function (name) {
      try {
        if (window[name]) return;
      } catch (e) {
        /* SecurityError: replaced below */
      }
      try {
        Object.defineProperty(window, name, { value: memoryStorage(), configurable: true });
      } catch (e) {
        /* left as it is */
      }
    });
    try {
      void document.cookie;
    } catch (e) {
      var jar = {};
      try {
        Object.defineProperty(document, 'cookie', {
          configurable: true,
          get: function () {
            return Object.keys(jar)
              .map(function (k) {
                return k + '=' + jar[k];
              })
              .join('; ');
          },
          set: function (v) {
            var kv = String(v).split(';')[0];
            var eq = kv.indexOf('=');
            if (eq > 0) jar[kv.slice(0, eq).trim()] = kv.slice(eq + 1).trim();
          },
        });
      } catch (e2) {
        /* left as it is */
      }
    }
  }

  var HEAD = 'FRAME_HEAD</head><body>';

  // A tag that opens its document again (document.write after load does it too) wipes
  // the listeners above: they are set again, and the look starts once it closes.
  var open = document.open;
  document.open = function () {
    var r = open.apply(document, arguments);
    if (r === document) {
      listen();
      setTimeout(function () {
        if (!loadedAt) {
          loadedAt = Date.now();
          look();
        }
      }, 1000);
    }
    return r;
  };

  // Tag host: the tag's markup becomes this frame's document, parsed as a page would
  // be (so document.write in its scripts works).
  function mount(markup, top) {
    if (mount.done) return;
    mount.done = true;
    TOP = top;
    open.call(document);
    listen();
    document.write(HEAD + markup + '</body></html>');
    document.close();
  }

  shimStorage();
  if (!HOST) listen();
})(HOST_MODE, TOP_MODE);
