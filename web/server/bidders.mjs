// bidders.mjs — asking real-time bidders over OpenRTB, each within the request's
// tmax; and the three demo bidders this same process serves on loopback.
import http from 'node:http';
import https from 'node:https';

const agents = {
  'http:': new http.Agent({ keepAlive: true, maxSockets: 256 }),
  'https:': new https.Agent({ keepAlive: true, maxSockets: 256 }),
};
const MAX_DEPTH = 100; // the engine refuses documents nested deeper than 128

// How deep a JSON text nests, strings skipped: one bidder's absurd response must
// be dropped here, not sink the whole auction document in the engine.
function depthOf(text) {
  let depth = 0,
    max = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // a string: skip to its closing quote
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++;
    } else if (c === 91 || c === 123) max = Math.max(max, ++depth);
    else if (c === 93 || c === 125) depth--;
  }
  return max;
}

// Posts the request to one bidder. Resolves to { text } (a bid response that is
// a JSON object), or { none } for a no-bid, or { failed: 'timeout' | 'error' | 'malformed' }.
export function askBidder(url, body, timeoutMs) {
  return new Promise((resolve) => {
    let done = false;
    const finish = (r) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        resolve(r);
      }
    };
    const mod = url.protocol === 'https:' ? https : http;
    const req = mod.request(
      url,
      {
        method: 'POST',
        agent: agents[url.protocol],
        headers: {
          'content-type': 'application/json',
          'x-openrtb-version': '2.6',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        if (res.statusCode === 204) {
          res.resume();
          return finish({ none: true });
        }
        const chunks = [];
        let size = 0;
        res.on('data', (c) => {
          size += c.length;
          if (size > 1 << 20) {
            res.destroy();
            finish({ failed: 'malformed' });
          } else chunks.push(c);
        });
        res.on('end', () => {
          if (res.statusCode !== 200) return finish({ failed: 'error' });
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            const v = JSON.parse(text);
            if (v === null || typeof v !== 'object' || Array.isArray(v) || depthOf(text) > MAX_DEPTH)
              return finish({ failed: 'malformed' });
          } catch {
            return finish({ failed: 'malformed' });
          }
          finish({ text });
        });
        res.on('error', () => finish({ failed: 'error' }));
      },
    );
    const timer = setTimeout(
      () => {
        finish({ failed: 'timeout' });
        req.destroy();
      },
      Math.max(1, timeoutMs),
    );
    req.on('error', () => finish({ failed: 'error' }));
    req.end(body);
  });
}

function seeded(text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return (h >>> 0) / 2 ** 32;
}

const creative = (dsp, color) =>
  `<div style="box-sizing:border-box;width:300px;height:250px;background:${color};color:#fff;font:bold 20px sans-serif;display:flex;align-items:center;justify-content:center;text-align:center">${dsp}<br>RTB at \${AUCTION_PRICE}</div>`;

// The demo bidders: quick always bids, sparse mostly does not, slow answers after
// tmax (unless `instant`, for benchmarks).
export function demoBid(kind, request, { instant = false } = {}) {
  const r = seeded(request.id + kind);
  const bid = (imp, price, color) => ({
    id: `${kind}-${imp.id}`,
    impid: imp.id,
    price,
    w: 300,
    h: 250,
    crid: `${kind}-cr`,
    adomain: [`${kind}.example`],
    adm: creative(`DSP ${kind}`, color),
  });
  const imps = Array.isArray(request.imp) ? request.imp : [];
  if (kind === 'quick')
    return {
      delay: 0,
      response: {
        id: request.id,
        cur: 'USD',
        seatbid: [
          {
            seat: 'dsp-quick',
            bid: imps.map((imp, i) =>
              bid(imp, Math.round((0.8 + seeded(request.id + i) * 0.8) * 100) / 100, '#37474f'),
            ),
          },
        ],
      },
    };
  if (kind === 'sparse')
    return {
      delay: 0,
      response:
        r < 0.2
          ? {
              id: request.id,
              cur: 'USD',
              seatbid: [{ seat: 'dsp-sparse', bid: imps.map((imp) => bid(imp, 1.9, '#4e342e')) }],
            }
          : null,
    };
  if (kind === 'slow')
    return {
      // After the request's tmax, but never more than 2.2 s whatever tmax says.
      delay: instant
        ? 0
        : Math.min(Number.isInteger(request.tmax) && request.tmax > 0 ? request.tmax : 300, 2000) + 200,
      response: {
        id: request.id,
        cur: 'USD',
        seatbid: [{ seat: 'dsp-slow', bid: imps.map((imp) => bid(imp, 5, '#b71c1c')) }],
      },
    };
  return null;
}
