// server.mjs — the ad server: `make demo` runs it on 127.0.0.1:8080 (PORT to change).
//
//   POST /auction      an OpenRTB BidRequest in; asks every RTB bidder within tmax,
//                      runs the Wasm engine on the loaded config, answers its output
//   POST /events       mediation.js's beacons, stored in SQLite (data/events.db)
//   GET  /report       the report page; /report.json the same numbers
//   GET  /demo/        the demo publisher page; /mediation.js the runtime
//   POST /bidders/*    the three demo bidders, served here so fan-out is real HTTP
//
// The config file (--config PATH or MEDIATION_CONFIG; web/demo/config.json by
// default) is checked by the engine at start and reloaded when it changes; a bad
// new file keeps the old config and says why.
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { readFileSync, watch } from 'node:fs';
import { dirname, basename, extname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import mediation from '../../dist/mediation.mjs';
import { askBidder, demoBid } from './bidders.mjs';
import { openStore, validEvent } from './store.mjs';
import { reportPage } from './report.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
};
const STATIC = {
  '/mediation.js': 'dist/mediation.js',
  '/mediation.mjs': 'dist/mediation.mjs',
  '/demo/': 'web/demo/index.html',
  '/demo/demo.js': 'web/demo/demo.js',
};
const MAX_REQUEST_BYTES = 64 * 1024;
const MAX_EVENT_BYTES = 4 * 1024;
const DEFAULT_TMAX = 300;

class HttpError extends Error {
  constructor(status, code, message, at = '') {
    super(message);
    this.status = status;
    this.body = { error: { code, message, at } };
  }
}

function readBody(req, limit) {
  return new Promise((resolvePromise, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > limit) reject(new HttpError(400, 'too_large', `the body is larger than ${limit} bytes`));
      else chunks.push(c);
    });
    req.on('end', () => resolvePromise(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res, status, body, type = 'application/json') {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'access-control-allow-origin': '*' });
  res.end(body);
}

// The RTB bidders of the config: ids and http(s) URLs, relative ones meaning this
// server itself (the demo bidders).
function readBidders(list) {
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new HttpError(400, 'wrong_type', 'config.bidders must be an array', 'config.bidders');
  return list.map((b, i) => {
    const at = `config.bidders[${i}]`;
    if (!b || typeof b.url !== 'string') throw new HttpError(400, 'wrong_type', `${at}.url must be a URL`, `${at}.url`);
    let url;
    try {
      url = new URL(b.url, 'http://127.0.0.1');
    } catch {
      throw new HttpError(400, 'invalid_value', `${at}.url is not a URL`, `${at}.url`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new HttpError(400, 'invalid_value', `${at}.url must be http or https`, `${at}.url`);
    return { id: String(b.id ?? `bidder-${i}`), url: b.url };
  });
}

// The config, loaded by the engine; watched for changes.
function configHolder(path, log) {
  const state = { handle: null, bidders: [], currency: 'USD', loaded_at: null, error: null, path };
  function load(text) {
    const parsed = JSON.parse(text);
    const bidders = readBidders(parsed.bidders); // throws naming the bidder
    const handle = mediation.loadConfig(text); // throws MediationError naming the field
    const old = state.handle;
    const currency = typeof parsed.currency === 'string' ? parsed.currency : 'USD'; // the engine checked it
    Object.assign(state, { handle, bidders, currency, loaded_at: new Date().toISOString(), error: null });
    if (old) old.release(); // auctions run synchronously on a handle: none holds the old one now
  }
  function reload() {
    let text;
    try {
      text = readFileSync(path, 'utf8');
      load(text);
      log(`config reloaded from ${path}`);
    } catch (e) {
      const at = e.at ?? e.body?.error?.at;
      state.error = at ? `${e.message} (at ${at})` : e.message;
      log(`config change refused, keeping the previous config: ${state.error}`);
    }
  }
  let timer = 0;
  // Watch the folder: editors replace files rather than write them in place.
  const watcher = watch(dirname(path), (_, name) => {
    if (name && name !== basename(path)) return;
    clearTimeout(timer);
    timer = setTimeout(reload, 50);
  });
  return {
    state,
    load,
    close: () => {
      clearTimeout(timer);
      watcher.close();
    },
  };
}

export async function startServer({
  port = 8080,
  configPath,
  dataDir,
  log = console.log,
  instantBidders = false,
} = {}) {
  await mediation.ready;
  const config = configHolder(resolve(configPath), log);
  try {
    config.load(readFileSync(config.state.path, 'utf8'));
  } catch (e) {
    config.close(); // the caller says why and stops; nothing may keep the process alive
    throw e;
  }
  const store = openStore(dataDir);
  const bidderStats = {};
  const stat = (id) => (bidderStats[id] ??= { requests: 0, bids: 0, nobids: 0, timeouts: 0, errors: 0, malformed: 0 });
  const engine = { auctions: 0, engine_ns: 0, total_ns: 0 };
  let self = '';

  async function auction(req, res) {
    const t0 = process.hrtime.bigint();
    const text = await readBody(req, MAX_REQUEST_BYTES);
    let request;
    try {
      request = JSON.parse(text);
    } catch (e) {
      throw new HttpError(400, 'invalid_json', `the bid request is not JSON: ${e.message}`);
    }
    if (request === null || typeof request !== 'object' || Array.isArray(request))
      throw new HttpError(400, 'not_object', 'the bid request must be a JSON object (OpenRTB 2.6 BidRequest)');
    const tmax = Number.isInteger(request.tmax) && request.tmax > 0 ? Math.min(request.tmax, 2000) : DEFAULT_TMAX;
    // The engine and the answer need a few ms of tmax for themselves.
    const wait = Math.max(1, tmax - 10);
    const bidders = config.state.bidders;
    const answers = await Promise.all(bidders.map((b) => askBidder(new URL(b.url, self), text, wait)));
    const bids = [];
    answers.forEach((a, i) => {
      const s = stat(bidders[i].id);
      s.requests++;
      if (a.text) {
        s.bids++;
        bids.push(a.text);
      } else if (a.none) s.nobids++;
      else s[a.failed === 'timeout' ? 'timeouts' : a.failed === 'malformed' ? 'malformed' : 'errors']++;
    });
    const e0 = process.hrtime.bigint();
    let out;
    try {
      out = mediation.auctionJSON({ config: config.state.handle, request: text, bids, now: new Date().toISOString() });
    } catch (e) {
      if (e instanceof mediation.MediationError) throw new HttpError(400, e.code, e.message, e.at);
      throw e;
    }
    const e1 = process.hrtime.bigint();
    send(res, 200, out);
    engine.auctions++;
    engine.engine_ns += Number(e1 - e0);
    engine.total_ns += Number(process.hrtime.bigint() - t0);
  }

  async function events(req, res) {
    const text = await readBody(req, MAX_EVENT_BYTES).catch((e) => {
      store.reject('too large');
      throw e;
    });
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      store.reject('not JSON');
      throw new HttpError(400, 'invalid_json', 'the event is not JSON');
    }
    const { event, why } = validEvent(parsed);
    if (!event) {
      store.reject(why);
      throw new HttpError(400, 'invalid_event', why);
    }
    store.add(event); // committed before the answer: a 204 is a promise kept
    res.writeHead(204, { 'access-control-allow-origin': '*' });
    res.end();
  }

  function reportJson(url) {
    const bucket = Math.round(Number(url.searchParams.get('bucket_ms'))) || 60000;
    return mediation.reportJSON(
      `{"bucket_ms":${Math.min(Math.max(bucket, 1000), 86400000)},"attempts":${store.attemptsJson()}}`,
    );
  }

  async function demoBidder(kind, req, res) {
    const text = await readBody(req, MAX_REQUEST_BYTES);
    const { delay, response } = demoBid(kind, JSON.parse(text), { instant: instantBidders }) ?? {};
    const answer = () => (response ? send(res, 200, JSON.stringify(response)) : (res.writeHead(204), res.end()));
    if (delay)
      setTimeout(() => {
        if (!res.destroyed) answer();
      }, delay);
    else answer();
  }

  async function serveFile(res, path) {
    try {
      send(res, 200, await readFile(resolve(root, path)), TYPES[extname(path)] || 'application/octet-stream');
    } catch {
      send(res, 404, 'not found\n', 'text/plain');
    }
  }

  const server = http.createServer(async (req, res) => {
    let url = { pathname: req.url };
    try {
      try {
        url = new URL(req.url, 'http://127.0.0.1');
      } catch {
        throw new HttpError(400, 'bad_request', 'the request target is not a path');
      }
      if (req.method === 'OPTIONS') {
        // Pages on other origins may ask for auctions and send beacons.
        res.writeHead(204, {
          'access-control-allow-origin': '*',
          'access-control-allow-methods': 'GET, POST',
          'access-control-allow-headers': 'content-type',
          'access-control-max-age': '600',
        });
        return res.end();
      }
      if (req.method === 'POST') {
        if (url.pathname === '/auction') return await auction(req, res);
        if (url.pathname === '/events') return await events(req, res);
        const bidder = /^\/bidders\/(quick|sparse|slow)$/.exec(url.pathname);
        if (bidder) return await demoBidder(bidder[1], req, res);
        throw new HttpError(404, 'not_found', `no POST ${url.pathname}`);
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method_not_allowed', req.method);
      if (url.pathname === '/') {
        res.writeHead(302, { location: '/demo/' });
        return res.end();
      }
      if (STATIC[url.pathname]) return await serveFile(res, STATIC[url.pathname]);
      if (url.pathname === '/report.json') return send(res, 200, reportJson(url));
      if (url.pathname === '/report') {
        const report = JSON.parse(reportJson(url));
        const { rejected } = store.counts();
        return send(
          res,
          200,
          reportPage(report, { bidders: bidderStats, rejected, config: config.state, currency: config.state.currency }),
          TYPES['.html'],
        );
      }
      if (url.pathname === '/status.json') {
        const { handle, ...cfg } = config.state;
        return send(res, 200, JSON.stringify({ config: cfg, store: store.counts(), bidders: bidderStats, engine }));
      }
      throw new HttpError(404, 'not_found', `no ${url.pathname}`);
    } catch (e) {
      if (res.headersSent) return res.destroy();
      if (e instanceof HttpError) return send(res, e.status, JSON.stringify(e.body));
      log(`error on ${req.method} ${url.pathname}: ${e.stack || e}`);
      send(res, 500, JSON.stringify({ error: { code: 'internal', message: 'internal error', at: '' } }));
    }
  });
  server.keepAliveTimeout = 5000;
  await new Promise((r, j) => server.once('error', j).listen(port, '127.0.0.1', r));
  self = `http://127.0.0.1:${server.address().port}`;
  return {
    url: self,
    close: async () => {
      config.close();
      server.closeAllConnections?.();
      await new Promise((r) => server.close(r));
      store.close();
    },
  };
}

function argValue(flag) {
  const i = process.argv.indexOf(flag);
  return i > 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const configPath = argValue('--config') || process.env.MEDIATION_CONFIG || resolve(root, 'web/demo/config.json');
  const dataDir = process.env.MEDIATION_DATA || resolve(root, 'data');
  try {
    const s = await startServer({
      port: Number(process.env.PORT || 8080),
      configPath,
      dataDir,
      instantBidders: process.env.DEMO_BIDDERS_INSTANT === '1',
    });
    console.log(
      `mediation ad server on ${s.url}: demo page ${s.url}/demo/, report ${s.url}/report (config ${configPath}, data ${dataDir})`,
    );
    for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => s.close().then(() => process.exit(0)));
  } catch (e) {
    const at = e.at ?? e.body?.error?.at;
    console.error(
      at !== undefined
        ? `mediation: the config ${configPath} is not valid: ${e.message} (at ${at})`
        : `mediation: ${e.message}`,
    );
    process.exit(2);
  }
}
