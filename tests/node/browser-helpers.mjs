// browser-helpers.mjs — a test server on 127.0.0.1 and Debian's Chromium through
// playwright-core, for the tests of mediation.js in a real page.
import http from 'node:http';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { STANDINS } from './partner-standins.mjs';

const root = new URL('../../', import.meta.url);
export const box = (color, text) => `<div style="width:300px;height:250px;background:${color}">${text}</div>`;

// A network that serves through nested frames: `depth` frames deep (each on the next
// network host), then an ad, or a passback through the tag host's noad.html (`pass=html`)
// or noad.js (`pass=js`).
function nestedPage(url, host) {
  const depth = Number(url.searchParams.get('depth') || 1);
  const port = host.split(':')[1];
  if (depth > 1) {
    const next = new URL(url);
    next.host = `net${depth}.localhost:${port}`;
    next.searchParams.set('depth', depth - 1);
    return `<body style="margin:0"><iframe src="${next}" width="300" height="250" style="border:0"></iframe></body>`;
  }
  const tagHost = `http://${url.searchParams.get('taghost')}:${port}`;
  const pass = url.searchParams.get('pass');
  if (pass === 'html')
    return `<body style="margin:0"><iframe src="${tagHost}/noad.html" width="300" height="250" style="border:0"></iframe></body>`;
  if (pass === 'js') return `<body style="margin:0"><script src="${tagHost}/noad.js"></script></body>`;
  return `<body style="margin:0">${box('#c60', 'nested ad')}</body>`;
}

// Serves the runtime, a test page, and records beacons and notices.
export async function startServer({ auction } = {}) {
  const beacons = [];
  const beaconRequests = []; // the bodies as sent: one beacon, or a batch
  const notices = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      // The tag host's files, and stand-ins for networks' pages (any Host name: the
      // tests reach this server as t1.localhost, net.localhost, … too).
      const dist = { '/frame.html': 'text/html', '/noad.html': 'text/html', '/noad.js': 'text/javascript' };
      if (Object.hasOwn(dist, url.pathname)) {
        res.writeHead(200, { 'content-type': dist[url.pathname], 'cache-control': 'public, max-age=3600' });
        return res.end(readFileSync(new URL('dist' + url.pathname, root)));
      }
      // Stand-ins for the known partners' scripts, and image creatives (tests/node/partners.test.mjs).
      const standIn = /^\/partners\/([\w.]+)$/.exec(url.pathname)?.[1];
      if (standIn && Object.hasOwn(STANDINS, standIn)) {
        notices.push(`partner:${standIn}`);
        res.writeHead(200, { 'content-type': 'text/javascript' });
        return res.end(STANDINS[standIn]);
      }
      if (standIn === 'banner.svg' || standIn === 'pixel.svg') {
        const [w, h] = standIn === 'pixel.svg' ? [1, 1] : [300, 250];
        res.writeHead(200, { 'content-type': 'image/svg+xml' });
        return res.end(
          `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="${w}" height="${h}" fill="#c62828"/></svg>`,
        );
      }
      if (url.pathname === '/net/nested') {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end(nestedPage(url, req.headers.host));
      }
      if (url.pathname === '/net/cmp') {
        // A network's frame that asks the CMP for the TC data through the locator protocol.
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end(`<body style="margin:0">${box('#0a0', 'cmp ad')}<script>
          var w = window.parent, at = null;
          for (var i = 0; i < 10 && !at; i++) {
            try { if (w.frames['__tcfapiLocator']) at = w; } catch (e) {}
            if (w === w.parent) break;
            w = w.parent;
          }
          addEventListener('message', function (e) {
            var r = e.data && e.data.__tcfapiReturn;
            if (r && r.callId === 'c1')
              top.postMessage({ test: 'tcf', tcString: r.returnValue.tcString, gdprApplies: r.returnValue.gdprApplies, success: r.success }, '*');
          });
          if (at) at.postMessage({ __tcfapiCall: { command: 'getTCData', version: 2, callId: 'c1' } }, '*');
          else top.postMessage({ test: 'tcf', error: 'no locator' }, '*');
        </script></body>`);
      }
      if (url.pathname === '/net/creative') {
        notices.push('creative');
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end(`<body style="margin:0">${box('#06c', 'creative')}</body>`);
      }
      if (url.pathname === '/net/landing') {
        notices.push('landing');
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('landing page');
      }
      if (url.pathname === '/mediation.js' || url.pathname === '/mediation-auction.js') {
        if (url.pathname === '/mediation-auction.js') notices.push('auction-engine');
        res.writeHead(200, { 'content-type': 'text/javascript' });
        return res.end(readFileSync(new URL('dist' + url.pathname, root)));
      }
      if (url.pathname === '/page.html') {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end(`<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script src="/mediation.js"></script></head><body><h1 id="title">publisher page</h1>
<div id="slot-a"></div><div id="slot-b"></div></body></html>`);
      }
      if (url.pathname === '/beacon') {
        try {
          beacons.push(...[].concat(JSON.parse(body))); // a batch is an array
          beaconRequests.push(body);
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
  return { base, beacons, beaconRequests, notices, close: () => new Promise((r) => server.close(r)) };
}

const CHROMIUM_ARGS = [
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

// Processes from /proc: the pids whose command line passes `test`, and the
// descendants of a pid that pass it (a browser's content processes).
function processTable() {
  const table = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      table.push({ pid: Number(name), ppid, cmd });
    } catch {
      /* gone meanwhile */
    }
  }
  return table;
}
export function processesWhere(test) {
  return processTable()
    .filter((p) => test(p.cmd))
    .map((p) => p.pid);
}
export function descendants(pid, test) {
  const table = processTable();
  const found = [];
  let level = [pid];
  while (level.length) {
    const next = table.filter((p) => level.includes(p.ppid));
    found.push(...next.filter((p) => test(p.cmd)).map((p) => p.pid));
    level = next.map((p) => p.pid);
  }
  return found;
}

// A fresh incognito-like Chromium: third-party storage is blocked there.
export async function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

// Chromium as a user's profile with third-party cookies allowed (the browser's own
// setting), so a tag host's frames have their storage. Returns a context, which has
// newPage() and close() like a browser; close() also removes the profile.
export async function launchWithProfile() {
  const dir = mkdtempSync(join(tmpdir(), 'mediation-chromium-'));
  mkdirSync(join(dir, 'Default'));
  writeFileSync(
    join(dir, 'Default', 'Preferences'),
    JSON.stringify({ profile: { cookie_controls_mode: 0, block_third_party_cookies: false } }),
  );
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
  const root = processesWhere((cmd) => cmd.includes(`--user-data-dir=${dir}`) && !cmd.includes('--type='))[0];
  context.contentProcesses = () => descendants(root, (cmd) => cmd.includes('--type=renderer')).length;
  const close = context.close.bind(context);
  context.close = async () => {
    await close();
    rmSync(dir, { recursive: true, force: true });
  };
  return context;
}

// Waits until fn() is true, or fails after ms; `what` may be a function, asked then for
// what was seen instead.
export async function until(fn, ms = 3000, what = 'condition') {
  const t0 = Date.now();
  while (!(await fn())) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Tags for the waterfall entries.
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
