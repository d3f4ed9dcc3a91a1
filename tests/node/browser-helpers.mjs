// browser-helpers.mjs — a test server on 127.0.0.1 and Debian's Chromium through
// playwright-core, for the tests of mediation.js in a real page.
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const root = new URL('../../', import.meta.url);

// Serves the runtime, a test page, and records beacons and notices.
export async function startServer({ auction } = {}) {
  const beacons = [];
  const notices = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      if (url.pathname === '/mediation.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        return res.end(readFileSync(new URL('dist/mediation.js', root)));
      }
      if (url.pathname === '/page.html') {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end(`<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script src="/mediation.js"></script></head><body><h1 id="title">publisher page</h1>
<div id="slot-a"></div><div id="slot-b"></div></body></html>`);
      }
      if (url.pathname === '/beacon') {
        try {
          beacons.push(JSON.parse(body));
        } catch {
          beacons.push({ malformed: body });
        }
        res.writeHead(204);
        return res.end();
      }
      if (url.pathname === '/notice') {
        notices.push(url.searchParams.get('n'));
        res.writeHead(204);
        return res.end();
      }
      if (url.pathname === '/auction' && req.method === 'POST' && auction) {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify(auction(JSON.parse(body))));
      }
      if (url.pathname === '/served') {
        notices.push('served');
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<div style="width:300px;height:250px;background:#456">served on win</div>');
      }
      if (url.pathname === '/evil') {
        notices.push('evil');
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('evil');
      }
      res.writeHead(404);
      res.end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${server.address().port}`;
  return { base, beacons, notices, close: () => new Promise((r) => server.close(r)) };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

// Waits until fn() is true, or fails after ms.
export async function until(fn, ms = 3000, what = 'condition') {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Tags for the waterfall entries.
const box = (color, text) => `<div style="width:300px;height:250px;background:${color}">${text}</div>`;
export const TAGS = {
  fill: box('#0a0', 'fill') + '<script>mediation.filled()</script>',
  fillB: box('#0aa', 'fill b') + '<script>mediation.filled()</script>',
  autoFill: box('#00a', 'auto'),
  noad: '<script>mediation.noad()</script>',
  throws: '<script>throw new Error("tag failure")</script>',
  hang: '<script>/* never answers, shows nothing */</script>',
  busy: '<script>for (;;) {}</script>',
  late:
    '<script>setTimeout(function () { document.body.innerHTML = ' +
    JSON.stringify(box('#f00', 'late')) +
    '; mediation.filled(); }, 500)</script>',
  noadThenFill: box('#a0a', 'x') + '<script>mediation.noad(); mediation.filled();</script>',
  fillTwice: box('#aa0', 'twice') + '<script>mediation.filled(); mediation.filled();</script>',
  evil: `<script>
    try { parent.document.getElementById('title').textContent = 'HACKED'; } catch (e) {}
    try { top.location.href = '/evil'; } catch (e) {}
    try { parent.postMessage('filled', '*'); parent.postMessage({ type: 'filled' }, '*'); parent.postMessage('mediation:hello', '*'); } catch (e) {}
    mediation.noad();
  </script>`,
};

// Tags that should answer get a timeout a loaded 2-core machine cannot miss; tests of
// timeouts give their own.
export function mediated(bid, tag, timeout_ms = 2000) {
  return { source: 'mediated', bid, network: 'net-' + bid, price: 2, timeout_ms, w: 300, h: 250, tag };
}
export function rtb(bid, extra = {}) {
  return {
    source: 'rtb',
    bid,
    seat: 'dsp',
    price: 1,
    bid_price: 1.2,
    w: 300,
    h: 250,
    adm: box('#888', 'rtb ' + bid),
    nurl: '/notice?n=nurl-' + bid,
    burl: '/notice?n=burl-' + bid,
    ...extra,
  };
}
export function output(waterfall, id = 'auc-1') {
  return { id, cur: 'USD', imps: [{ impid: '1', waterfall, rejected: [] }] };
}

// The JS heap in use after a garbage collection, through the DevTools protocol.
export async function heapUsed(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = await cdp.send('Runtime.getHeapUsage');
  await cdp.detach();
  return usedSize;
}

// Renders `out` into n fresh slots one after another, removing each when done.
export function renderAndRemove(page, n, out) {
  return page.evaluate(
    async ([count, o]) => {
      for (let i = 0; i < count; i++) {
        const el = document.createElement('div');
        document.body.appendChild(el);
        await mediation.render(el, o);
        el.remove();
      }
    },
    [n, out],
  );
}
