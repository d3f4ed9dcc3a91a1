// partner-standins.mjs — stand-ins for the known partners' scripts (their real ones
// cannot be fetched here), each implementing the documented surface our tags use and
// nothing more: googletag (cmd, defineSlot, definePassback, pubads().addEventListener
// with slotRenderEnded and isEmpty, set, enableServices, display), adsbygoogle (push, the
// ins element's data-ad-status), pbjs (que, addAdUnits, requestBids with
// bidsBackHandler, getHighestCpmBids, renderAd, onEvent) and apstag (the _Q queue, init,
// fetchBids with amzniid, renderImp). What each is asked for is posted to the top page
// ({ standin, ... }) so tests can check the parameters arrive. Their answers follow
// the parameters: an ad unit path with /fill, /empty or /silent; AdSense slot
// 1111111111 (filled), 2222222222 (unfilled), else silent; a Prebid bid with
// params.fill; an apstag slot "fill".
const AD = (who) =>
  `<div style="width:300px;height:250px;background:#2e7d32;color:#fff;font:16px sans-serif">${who} ad</div>`;

const gpt = `(function () {
  var gt = (window.googletag = window.googletag || { cmd: [] });
  var listeners = {}, slots = [], settings = {};
  var pubads = {
    addEventListener: function (name, fn) { (listeners[name] = listeners[name] || []).push(fn); return pubads; },
    set: function (k, v) { settings[k] = v; return pubads; },
    setTargeting: function () { return pubads; },
    enableSingleRequest: function () { return pubads; },
    definePassback: function (path, size) { return slot(path, size, null, true); },
  };
  function slot(path, size, div, passback) {
    var s = { targeting: {}, path: path, size: size, div: div, passback: !!passback };
    s.addService = function () { return s; };
    s.setTargeting = function (k, v) { s.targeting[k] = v; return s; };
    s.getAdUnitPath = function () { return path; };
    s.display = function () { render(s); };
    slots.push(s);
    return s;
  }
  function render(s) {
    top.postMessage({ standin: 'gpt', path: s.path, size: s.size, targeting: s.targeting, passback: s.passback,
      page_url: settings.page_url }, '*');
    if (/\\/silent/.test(s.path)) return;
    var empty = /\\/empty/.test(s.path);
    setTimeout(function () {
      if (!empty) {
        var into = s.div ? document.getElementById(s.div) : document.body;
        into.insertAdjacentHTML('beforeend', ${JSON.stringify(AD('gpt'))});
      }
      (listeners.slotRenderEnded || []).forEach(function (fn) {
        fn({ slot: s, isEmpty: empty, size: empty ? null : s.size });
      });
    }, 30);
  }
  gt.pubads = function () { return pubads; };
  gt.defineSlot = function (path, size, div) { return slot(path, size, div, false); };
  gt.enableServices = function () {};
  gt.display = function (div) { slots.forEach(function (s) { if (s.div === div) render(s); }); };
  var queued = gt.cmd || [];
  gt.cmd = { push: function (f) { f(); return 1; } };
  for (var i = 0; i < queued.length; i++) queued[i]();
})();`;

const adsense = `(function () {
  var queued = window.adsbygoogle || [];
  function serve() {
    var all = document.querySelectorAll('ins.adsbygoogle:not([data-adsbygoogle-status])');
    for (var i = 0; i < all.length; i++) (function (ins) {
      ins.setAttribute('data-adsbygoogle-status', 'done');
      var slot = ins.getAttribute('data-ad-slot');
      top.postMessage({ standin: 'adsense', client: ins.getAttribute('data-ad-client'), slot: slot,
        script: document.currentScript ? document.currentScript.src : '' }, '*');
      setTimeout(function () {
        if (slot === '1111111111') {
          ins.innerHTML = ${JSON.stringify(AD('adsense'))};
          ins.setAttribute('data-ad-status', 'filled');
        } else if (slot === '2222222222') ins.setAttribute('data-ad-status', 'unfilled');
      }, 30);
    })(all[i]);
  }
  window.adsbygoogle = { loaded: true, push: function () { serve(); } };
  for (var i = 0; i < queued.length; i++) serve();
})();`;

const prebid = `(function () {
  var pbjs = (window.pbjs = window.pbjs || {});
  var queued = pbjs.que || [], units = [], events = {}, won = {};
  pbjs.addAdUnits = function (u) { units = units.concat(u); };
  pbjs.onEvent = function (name, fn) { (events[name] = events[name] || []).push(fn); };
  pbjs.requestBids = function (req) {
    top.postMessage({ standin: 'prebid', units: JSON.parse(JSON.stringify(units)), timeout: req.timeout,
      codes: req.adUnitCodes }, '*');
    setTimeout(function () {
      units.forEach(function (u) {
        var fill = u.bids.some(function (b) { return b.params && b.params.fill; });
        won[u.code] = fill ? [{ adId: 'pb-1', adUnitCode: u.code, cpm: 1.2, width: 300, height: 250 }] : [];
      });
      req.bidsBackHandler(won);
    }, 30);
  };
  pbjs.getHighestCpmBids = function (code) { return (won[code] || []).slice(0, 1); };
  pbjs.renderAd = function (doc, adId) {
    doc.open();
    doc.write(${JSON.stringify(AD('prebid'))});
    doc.close();
    (events.adRenderSucceeded || []).forEach(function (fn) { fn({ adId: adId }); });
  };
  pbjs.que = { push: function (f) { f(); } };
  queued.forEach(function (f) { f(); });
})();`;

const apstag = `(function () {
  var stub = window.apstag || { _Q: [] };
  var api = {
    init: function (cfg) { api.cfg = cfg; },
    fetchBids: function (req, cb) {
      top.postMessage({ standin: 'apstag', pubID: api.cfg && api.cfg.pubID, slots: req.slots, timeout: req.timeout }, '*');
      setTimeout(function () {
        cb(req.slots.map(function (s) {
          var fill = s.slotID === 'fill';
          return { slotID: s.slotID, amzniid: fill ? 'imp-1' : '', amznbid: fill ? 'b1' : '', size: '300x250' };
        }));
      }, 30);
    },
    renderImp: function (doc) { doc.open(); doc.write(${JSON.stringify(AD('amazon'))}); doc.close(); },
    setDisplayBids: function () {},
    targetingKeys: function () { return []; },
    _Q: [],
  };
  window.apstag = api;
  (stub._Q || []).forEach(function (c) { (c[0] === 'i' ? api.init : api.fetchBids).apply(null, c[1]); });
})();`;

export const STANDINS = { 'gpt.js': gpt, 'adsbygoogle.js': adsense, 'prebid.js': prebid, 'apstag.js': apstag };
