// case.mjs — the benchmark's auction, made the same way every run (a seeded PRNG):
// a config of N mediated bids over 50 placements and 20 networks, a ~0.5 KB
// OpenRTB request, and 20 RTB bids in ~8 KB of bid-response JSON.

function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const COUNTRIES = ['US', 'CA', 'GB', 'DE', 'FR', 'ES', 'IT', 'BR', 'MX', 'JP', 'AU', 'IN'];
const DEVICES = ['mobile', 'desktop', 'tablet', 'ctv'];
const OS = ['ios', 'android', 'windows', 'macos'];

export function makeConfig(n, seed = 1) {
  const rnd = prng(seed);
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const some = (list, k) => Array.from(new Set(Array.from({ length: k }, () => pick(list))));
  const networks = Array.from({ length: 20 }, (_, i) => ({ id: `net-${i}`, name: `Network ${i}`, kind: 'custom' }));
  const mediated_bids = Array.from({ length: n }, (_, i) => {
    const targeting = {
      placements: [`placement-${i % 50}`],
      countries: rnd() < 0.7 ? ['US', ...some(COUNTRIES, 2)] : some(COUNTRIES, 3),
      device_types: some(DEVICES, 1 + Math.floor(rnd() * 2)),
    };
    if (rnd() < 0.5) targeting.os = some(OS, 2);
    if (rnd() < 0.3) targeting.domains = ['example.com'];
    if (rnd() < 0.2) targeting.dayparts = [{ days: [1, 2, 3, 4, 5], hours: [8, 20] }];
    if (rnd() < 0.2) targeting.key_values = { section: ['sports', 'news'] };
    if (rnd() < 0.1) targeting.exclude = { countries: ['CU'] };
    return {
      id: `mb-${i}`,
      network: `net-${i % 20}`,
      cpm: Math.round((0.2 + rnd() * 4) * 100) / 100,
      timeout_ms: 200 + Math.floor(rnd() * 8) * 100,
      sizes: [
        [300, 250],
        [320, 50],
      ],
      targeting,
      macros: { ZONE: String(10000 + i) },
      tag: `<script src="https://ads.net-${i % 20}.example/tag.js?zone=#{ZONE}&w=\${WIDTH}&h=\${HEIGHT}&cb=\${CACHEBUSTER}"></script>`,
    };
  });
  return {
    currency: 'USD',
    rates: { EUR: 1.08, GBP: 1.27 },
    max_waterfall: 4,
    waterfall_timeout_ms: 3000,
    networks,
    mediated_bids,
  };
}

export const request = {
  id: 'bench-req-0001',
  at: 2,
  tmax: 300,
  cur: ['USD'],
  imp: [
    {
      id: '1',
      tagid: 'placement-7',
      bidfloor: 0.5,
      bidfloorcur: 'USD',
      banner: {
        format: [
          { w: 300, h: 250 },
          { w: 320, h: 50 },
        ],
      },
      ext: { data: { section: 'sports' } },
    },
  ],
  site: {
    id: 'site-1',
    domain: 'www.example.com',
    page: 'https://www.example.com/sports/article-1234.html',
    publisher: { id: 'pub-1' },
  },
  device: {
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)',
    devicetype: 4,
    os: 'iOS',
    geo: { country: 'USA', region: 'CA' },
  },
  user: { id: 'user-abc' },
};

export function makeBids(seed = 2) {
  const rnd = prng(seed);
  const responses = [];
  for (let r = 0; r < 4; r++) {
    const bid = Array.from({ length: 5 }, (_, k) => ({
      id: `bid-${r}-${k}`,
      impid: '1',
      price: Math.round((0.3 + rnd() * 2.2) * 100) / 100,
      adm: `<a href="https://click.dsp${r}.example/c?id=${k}"><img src="https://cdn.dsp${r}.example/cr/${k}/300x250.jpg" width="300" height="250"></a><img src="https://t.dsp${r}.example/i?p=\${AUCTION_PRICE}" width="1" height="1">`,
      nurl: `https://win.dsp${r}.example/n?a=\${AUCTION_ID}&p=\${AUCTION_PRICE}`,
      lurl: `https://loss.dsp${r}.example/l?r=\${AUCTION_LOSS}`,
      adomain: [`brand${k}.example`],
      crid: `cr-${r}-${k}`,
      w: 300,
      h: 250,
    }));
    responses.push(JSON.stringify({ id: request.id, cur: 'USD', seatbid: [{ seat: `dsp-${r}`, bid }] }));
  }
  return responses;
}

export const NOW = '2026-11-25T12:00:00Z'; // a Wednesday, 12:00 UTC
