// js_auction.mjs — a plain-JS auction of the same shape as the engine's, written
// for the benchmark only: what a JS developer would write (JSON.parse, filter,
// sort, JSON.stringify), with the config pre-processed once like the engine's.
// It covers the targeting dimensions the benchmark's config uses.

const A3 = {
  USA: 'US',
  CAN: 'CA',
  GBR: 'GB',
  DEU: 'DE',
  FRA: 'FR',
  ESP: 'ES',
  ITA: 'IT',
  BRA: 'BR',
  MEX: 'MX',
  JPN: 'JP',
  AUS: 'AU',
  IND: 'IN',
  CUB: 'CU',
};
const DEV = { mobile: [1, 4], desktop: [2], ctv: [3, 7], tablet: [5], connected_device: [6] };

export function loadConfig(config) {
  const rates = { [config.currency]: 1, ...config.rates };
  const byPlacement = new Map();
  const any = [];
  const bids = config.mediated_bids.map((b, index) => {
    const t = b.targeting || {};
    const bid = {
      ...b,
      index,
      placements: t.placements,
      countries: t.countries && new Set(t.countries),
      devices: t.device_types && new Set(t.device_types.flatMap((d) => DEV[d])),
      os: t.os && new Set(t.os.map((o) => o.toLowerCase())),
      domains: t.domains,
      dayparts: t.dayparts,
      kv: t.key_values,
      excludeCountries: t.exclude?.countries && new Set(t.exclude.countries),
    };
    if (bid.active === false) return bid;
    if (!bid.placements) any.push(bid);
    else for (const p of bid.placements) (byPlacement.get(p) || byPlacement.set(p, []).get(p)).push(bid);
    return bid;
  });
  return { ...config, rates, bids, byPlacement, any };
}

function domainMatches(list, domain) {
  return list.some((d) => domain === d || domain.endsWith('.' + d));
}

function eligible(b, f, imp) {
  if (b.countries && !b.countries.has(f.country)) return false;
  if (b.excludeCountries && b.excludeCountries.has(f.country)) return false;
  if (b.devices && !b.devices.has(f.devicetype)) return false;
  if (b.os && !b.os.has(f.os)) return false;
  if (b.domains && !domainMatches(b.domains, f.domain)) return false;
  if (b.dayparts && !b.dayparts.some((d) => d.days.includes(f.weekday) && f.hour >= d.hours[0] && f.hour < d.hours[1]))
    return false;
  if (b.kv) for (const [k, vs] of Object.entries(b.kv)) if (!vs.includes(imp.ext?.data?.[k])) return false;
  return b.sizes.find(([w, h]) => imp.formats.some((x) => x.w === w && x.h === h));
}

export function auction(cfg, requestText, bidTexts, now) {
  const req = JSON.parse(requestText);
  const responses = bidTexts.map((t) => JSON.parse(t));
  const t = new Date(now);
  const f = {
    country: A3[req.device?.geo?.country] || req.device?.geo?.country,
    devicetype: req.device?.devicetype,
    os: req.device?.os?.toLowerCase(),
    domain: req.site?.domain || '',
    weekday: t.getUTCDay() || 7,
    hour: t.getUTCHours(),
  };
  const out = { id: req.id, cur: cfg.currency, imps: [] };
  for (const imp of req.imp) {
    imp.formats = imp.banner?.format || [{ w: imp.banner?.w, h: imp.banner?.h }];
    const floor = (imp.bidfloor || 0) * cfg.rates[imp.bidfloorcur || 'USD'];
    const cands = [];
    const rejected = [];
    for (const b of [...cfg.any, ...(cfg.byPlacement.get(imp.tagid) || [])]) {
      const size = eligible(b, f, imp);
      if (!size) continue;
      if (b.cpm < floor)
        rejected.push({ source: 'mediated', bid: b.id, network: b.network, price: b.cpm, reason: 'floor' });
      else cands.push({ rtb: false, id: b.id, price: b.cpm, b, size });
    }
    for (const r of responses) {
      const rate = cfg.rates[r.cur || 'USD'];
      for (const sb of r.seatbid || [])
        for (const bid of sb.bid || []) {
          if (bid.impid !== imp.id) continue;
          const price = bid.price * rate;
          if (!(price >= floor)) rejected.push({ source: 'rtb', bid: bid.id, seat: sb.seat, reason: 100 });
          else cands.push({ rtb: true, id: bid.id, price, bid, seat: sb.seat });
        }
    }
    cands.sort((x, y) => y.price - x.price || (x.rtb === y.rtb ? (x.id < y.id ? -1 : 1) : x.rtb ? -1 : 1));
    const best = cands.findIndex((c) => c.rtb);
    const waterfall = [];
    let budget = cfg.waterfall_timeout_ms;
    cands.forEach((c, k) => {
      if (k === best) {
        const next = cands[k + 1] ? cands[k + 1].price : floor;
        const price = req.at === 1 ? c.price : Math.min(c.price, next + 0.01);
        const sub = (s) => s && s.replace(/\$\{AUCTION_PRICE\}/g, String(price)).replace(/\$\{AUCTION_ID\}/g, req.id);
        waterfall.push({
          source: 'rtb',
          bid: c.id,
          seat: c.seat,
          price,
          bid_price: c.price,
          w: c.bid.w,
          h: c.bid.h,
          adm: sub(c.bid.adm),
          nurl: sub(c.bid.nurl),
          burl: sub(c.bid.burl),
          crid: c.bid.crid,
          adomain: c.bid.adomain,
        });
      } else if (c.rtb) rejected.push({ source: 'rtb', bid: c.id, seat: c.seat, reason: 102 });
      else if (best >= 0 && k > best)
        rejected.push({ source: 'mediated', bid: c.id, network: c.b.network, price: c.price, reason: 'below_rtb' });
      else if (waterfall.length >= cfg.max_waterfall)
        rejected.push({ source: 'mediated', bid: c.id, network: c.b.network, price: c.price, reason: 'depth' });
      else if (c.b.timeout_ms > budget)
        rejected.push({ source: 'mediated', bid: c.id, network: c.b.network, price: c.price, reason: 'budget' });
      else {
        budget -= c.b.timeout_ms;
        const tag = c.b.tag
          .replace(/#\{(\w+)\}/g, (m, n) => c.b.macros?.[n] ?? m)
          .replace(/\$\{WIDTH\}/g, c.size[0])
          .replace(/\$\{HEIGHT\}/g, c.size[1])
          .replace(/\$\{CACHEBUSTER\}/g, String(Math.floor(Math.random() * 1e10)));
        waterfall.push({
          source: 'mediated',
          bid: c.id,
          network: c.b.network,
          price: c.price,
          timeout_ms: c.b.timeout_ms,
          w: c.size[0],
          h: c.size[1],
          tag,
        });
      }
    });
    out.imps.push({ impid: imp.id, waterfall, rejected });
  }
  return JSON.stringify(out);
}
