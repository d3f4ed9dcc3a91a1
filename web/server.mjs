// server.mjs — `make demo`: the demo on 127.0.0.1:8080 (PORT to change).
//
// Serves mediation.js and the demo page, and receives the page's beacons on
// POST /events (printed, one line each). The ad server and the report build on this.
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';

const root = new URL('..', import.meta.url);
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8', '.json': 'application/json' };
const STATIC = { '/mediation.js': 'dist/mediation.js', '/mediation.mjs': 'dist/mediation.mjs' };
const MAX_EVENT_BYTES = 16 * 1024;

async function serveFile(res, path) {
  try {
    const body = await readFile(new URL(path, root));
    res.writeHead(200, { 'content-type': TYPES[extname(path)] || 'application/octet-stream', 'cache-control': 'no-cache' });
    res.end(body);
  } catch {
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  }
}

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > limit) {
        reject(Object.assign(new Error('too large'), { status: 413 }));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export function createServer({ log = console.log } = {}) {
  return http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    try {
      if (req.method === 'POST' && url.pathname === '/events') {
        const text = await readBody(req, MAX_EVENT_BYTES);
        const e = JSON.parse(text);
        log(`event ${e.imp_id} #${e.position} ${e.bid} (${e.network}) ${e.outcome} ${e.latency_ms} ms`);
        res.writeHead(204);
        return res.end();
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405);
        return res.end();
      }
      if (url.pathname === '/') {
        res.writeHead(302, { location: '/demo/' });
        return res.end();
      }
      if (STATIC[url.pathname]) return serveFile(res, STATIC[url.pathname]);
      if (url.pathname === '/demo/') return serveFile(res, 'web/demo/index.html');
      const m = /^\/demo\/([a-z0-9-]+\.(?:js|html))$/.exec(url.pathname);
      if (m) return serveFile(res, 'web/demo/' + m[1]);
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
    } catch (e) {
      res.writeHead(e.status || 400, { 'content-type': 'text/plain' });
      res.end(`${e.message}\n`);
    }
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.PORT || 8080);
  createServer().listen(port, '127.0.0.1', () => {
    console.log(`mediation demo: http://127.0.0.1:${port}/demo/`);
  });
}
