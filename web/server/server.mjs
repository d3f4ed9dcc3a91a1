// server.mjs — the ad server: `make demo` runs it on 127.0.0.1:8080 (PORT to change).
//
//   POST /auction      an OpenRTB BidRequest in; asks every RTB bidder within tmax,
//                      runs the Wasm engine on the loaded config, answers its output
//                      with a signed token on every waterfall entry (tokens.mjs)
//   POST /events       mediation.js's beacons, checked against their tokens and
//                      stored in SQLite (data/events.db)
//   GET  /report       the report page; /report.json the same numbers; /status.json:
//                      the admin's, behind the admin token
//   GET  /demo/        the demo publisher page; /mediation.js the runtime
//   POST /bidders/*    the three demo bidders (only with --demo), so fan-out is real HTTP
//
// The config file (--config PATH or MEDIATION_CONFIG; web/demo/config.json by
// default) is checked by the engine at start and reloaded when it changes; a bad
// new file keeps the old config and says why.
import http from 'node:http';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { unwatchFile, watch, watchFile, writeFileSync } from 'node:fs';
import { dirname, basename, extname, join, resolve } from 'node:path';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import mediation from '../../dist/mediation.mjs';
import { askBidder, demoBid } from './bidders.mjs';
import { openStore, STORED, validEvent } from './store.mjs';
import { FEED_PATH, feedOf, follower } from './follow.mjs';
import { reportPage } from './report.mjs';
import { loadKeys, signOutput, verify } from './tokens.mjs';
import { openVersions, sha256 } from './versions.mjs';
import { countsOf, dayOf, openNetworkReports } from './network-reports.mjs';
import { diffConfigs, manageApi } from './manage-api.mjs';
import { openClickHouse } from './clickhouse.mjs';
import { openShipper } from './spool.mjs';
import { startCheckpointer } from './checkpointer.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
};
const STATIC = {
  '/mediation.js': 'dist/mediation.js',
  '/mediation.mjs': 'dist/mediation.mjs',
  '/mediation-auction.js': 'dist/mediation-auction.js',
  '/demo/': 'web/demo/index.html',
  '/demo/demo.js': 'web/demo/demo.js',
  '/manage/manage.js': 'web/manage/manage.js',
  '/manage/manage.css': 'web/manage/manage.css',
  '/manage/partners.json': 'dist/partners.json',
};
// What a tag host serves (dist/, built from web/frame): cached, framable by any page.
const TAG_HOST_FILES = {
  '/frame.html': 'dist/frame.html',
  '/noad.html': 'dist/noad.html',
  '/noad.js': 'dist/noad.js',
};
const MAX_REQUEST_BYTES = 64 * 1024;
const BARE_PATHS = new Set(['/events', '/auction']);
const MAX_EVENT_BYTES = 4 * 1024; // one beacon
const MAX_BATCH_EVENTS = 50; // a batch of beacons
const MAX_BATCH_BYTES = 64 * 1024; // as much as the browser's sendBeacon takes
const MAX_REPORT_BYTES = 20 * 1024 * 1024; // a network report CSV
const DEFAULT_TMAX = 300;
const TIMEOUT_MS = 10000; // for headers and for a whole request
const MAX_CONNECTIONS = Number(process.env.MEDIATION_MAX_CONNECTIONS) || 1024;

class HttpError extends Error {
  constructor(status, code, message, at = '') {
    super(message);
    this.status = status;
    this.body = { error: { code, message, at } };
  }
}

// The body as text. One past the limit is answered 413 and the connection is then
// destroyed (tooLarge), so that a client cannot keep the server reading what it refuses.
function readBody(req, limit) {
  return new Promise((resolvePromise, reject) => {
    const chunks = [];
    let size = 0;
    const tooLarge = () => {
      req.pause();
      reject(
        Object.assign(new HttpError(413, 'too_large', `the body is larger than ${limit} bytes`), { tooLarge: true }),
      );
    };
    if (Number(req.headers['content-length']) > limit) return tooLarge();
    req.on('data', (c) => {
      size += c.length;
      if (size <= limit) chunks.push(c);
      else if (size - c.length <= limit) tooLarge();
    });
    req.on('end', () => resolvePromise(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res, status, body, type = 'application/json', headers = {}) {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...res.cors, ...headers });
  res.end(body);
}

// What the server takes from the config beside the engine's part: which page origins
// may call /auction and /events from a browser, which Host names it answers to,
// whether beacons without a token (in-page auctions) are kept, how long tokens live.
function readServerSettings(c) {
  const list = (v, at) => {
    if (v === undefined) return null;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string'))
      throw new HttpError(400, 'wrong_type', `${at} must be an array of strings`, at);
    return v;
  };
  const ttl = c.event_token_ttl_s ?? 3600;
  if (!Number.isInteger(ttl) || ttl < 10 || ttl > 7 * 86400)
    throw new HttpError(
      400,
      'invalid_value',
      'config.event_token_ttl_s must be 10..604800',
      'config.event_token_ttl_s',
    );
  if (c.accept_unsigned_events !== undefined && typeof c.accept_unsigned_events !== 'boolean')
    throw new HttpError(
      400,
      'wrong_type',
      'config.accept_unsigned_events must be true or false',
      'config.accept_unsigned_events',
    );
  const days = (name, fallback) => {
    const v = c[name] ?? fallback;
    if (!Number.isInteger(v) || v < 1 || v > 3650)
      throw new HttpError(
        400,
        'invalid_value',
        `config.${name} must be a whole number of days, 1..3650`,
        `config.${name}`,
      );
    return v;
  };
  return {
    rawDays: days('raw_retention_days', 30),
    rollupDays: days('rollup_retention_days', 400),
    origins: list(c.publisher_origins, 'config.publisher_origins') ?? [],
    hosts: list(c.hosts, 'config.hosts') ?? ['127.0.0.1', 'localhost', '[::1]'],
    // Host names that serve only the tag host's files: another site than the pages,
    // where tag frames keep an origin of their own (docs/runtime.md §5).
    tagHosts: (list(c.tag_hosts, 'config.tag_hosts') ?? ['tags1.localhost', 'tags2.localhost']).map((h) =>
      h.toLowerCase(),
    ),
    acceptUnsigned: c.accept_unsigned_events === true,
    tokenTtlMs: ttl * 1000,
  };
}

// Tokens compare in constant time: both sides hashed to the same length first.
function sameSecret(a, b) {
  const h = (x) => createHash('sha256').update(String(x)).digest();
  return typeof a === 'string' && a.length > 0 && timingSafeEqual(h(a), h(b));
}

// The admin token (reads and changes) and the read-only one: MEDIATION_ADMIN_TOKEN or
// MEDIATION_READ_TOKEN, else the one kept in the data folder, else a new one made now
// (printed once, kept with mode 0600). Never logged otherwise.
function tokenOf(dataDir, role, log) {
  const env = process.env[role === 'admin' ? 'MEDIATION_ADMIN_TOKEN' : 'MEDIATION_READ_TOKEN'];
  if (env) return env;
  const path = resolve(dataDir, role === 'admin' ? 'admin-token' : 'read-token');
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  const token = randomBytes(24).toString('base64url');
  writeFileSync(path, token + '\n', { mode: 0o600 });
  chmodSync(path, 0o600);
  const what = role === 'admin' ? 'admin token (/manage, /report, the API)' : 'read-only token (/report, API reads)';
  log(`${what}; kept in ${path}: ${token}`);
  return token;
}

// One log line per kind of error and minute, with how many there were.
function throttledLog(log) {
  const seen = new Map();
  return (kind, text) => {
    const now = Date.now();
    const s = seen.get(kind);
    if (s && now - s.at < 60000) return void s.n++;
    log(s && s.n ? `${text} (and ${s.n} more like it in the last minute)` : text);
    seen.set(kind, { at: now, n: 0 });
  };
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
// A loaded config in its own worker thread (engine-worker.mjs): auction() sends it
// one auction and resolves to the output text, or rejects with the engine's error.
class EngineWorker {
  constructor(text, learned = null) {
    const workerData = { config: text, learned };
    this.worker = new Worker(new URL('./engine-worker.mjs', import.meta.url), { workerData });
    this.pending = new Map();
    this.next = 1;
    this.dead = null;
    // A worker that dies (out of memory, say) fails what it was given and all after it.
    this.worker.on('error', (e) => (this.dead ??= e));
    this.worker.on('exit', (code) => {
      this.dead ??= new Error(`the engine worker exited (${code})`);
      for (const p of this.pending.values()) p.reject(this.dead);
      this.pending.clear();
    });
    // Its first message: the server's part of the config, parsed off this thread; the
    // second: whether the engine loaded it.
    let gotPart, failPart;
    this.part = new Promise((resolve, reject) => ((gotPart = resolve), (failPart = reject)));
    this.part.catch(() => {}); // awaited by load(); a dead worker must not go unhandled
    this.ready = new Promise((resolve, reject) => {
      this.worker.on('message', function first(m) {
        if ('part' in m) {
          if (m.part) gotPart(m.part);
          else failPart(new Error(m.message));
          return;
        }
        this.off('message', first);
        if (m.loaded) resolve();
        else reject(engineError(m.error));
      });
      this.worker.once('exit', () => {
        failPart(this.dead);
        reject(this.dead);
      });
    }).then(() => {
      this.worker.on('message', ({ id, out, error }) => {
        const p = this.pending.get(id);
        this.pending.delete(id);
        if (error) p.reject(engineError(error));
        else p.resolve(out);
      });
    });
    this.ready.catch(() => {});
  }
  // (this.ready is awaited by load(), unless the server's part failed first)
  auction(request, bids, now, check = false) {
    const id = this.next++;
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, request, bids, now, check });
    });
  }
  // Ends the worker once no request can still be using it: requests end within
  // TIMEOUT_MS, so the old config goes that long after the new one took over.
  retire() {
    this.worker.unref(); // it does not keep the process alive meanwhile
    setTimeout(() => this.worker.terminate(), TIMEOUT_MS).unref();
  }
}

function engineError({ code, message, at }) {
  return new HttpError(400, code, message, at);
}

// The config: checked here (bidders, server settings), loaded by the engine in a new
// worker; the old one answers until the new one is ready, so neither a change nor a
// large config ever stops requests. Every config that goes live is a version in the
// database (versions.mjs); changes (the API's, the file's, rollbacks) go one at a time.
// follow: a follower (follow.mjs) of another ad server's versions; this server's file
// is then read only when that one has never answered.
function configHolder(path, log, versions, follow = null, pollMs = 1000) {
  const state = {
    engine: null, bidders: [], settings: null, currency: 'USD', loaded_at: null, error: null, path, version: 0,
    learned: null, learned_at: null, ...(follow && { primary: follow.primary, synced_at: null }),
  }; // prettier-ignore
  const loading = new Set(); // workers still loading a config
  let closed = false;
  let chain = Promise.resolve();
  const serial = (fn) => {
    const p = chain.then(fn);
    chain = p.catch(() => {});
    return p;
  };
  let parsed = { version: 0, config: null }; // the live config as an object, parsed when first asked

  // Loads text in a new worker: resolves once the engine took it, rejects with the
  // engine's error (or the server's, naming the field).
  async function prepare(text) {
    const engine = new EngineWorker(text, state.learned);
    loading.add(engine);
    try {
      const part = await engine.part; // parsed in the worker: a large config never stalls requests
      const bidders = readBidders(part.bidders);
      const settings = readServerSettings(part);
      await engine.ready;
      const currency = typeof part.currency === 'string' ? part.currency : 'USD'; // the engine checked it
      return { engine, bidders, settings, currency };
    } catch (e) {
      engine.worker.terminate();
      throw e;
    } finally {
      loading.delete(engine);
    }
  }
  function swapIn(ready, version) {
    if (closed) return ready.engine.worker.terminate();
    parsed = { version: 0, config: null };
    textCache = { version: 0, text: '' }; // a follower's copy may give a number other text
    const old = state.engine;
    Object.assign(state, ready, { loaded_at: new Date().toISOString(), error: null, version });
    if (old) old.retire();
  }
  // What was learned of the bids, for a config with "optimize": the live version again,
  // in a new worker with it (the version is unchanged: it is not the publisher's).
  // Unchanged figures (a quiet hour) load nothing.
  function relearn(learned) {
    return serial(async () => {
      if (closed || !state.version) return;
      const same = JSON.stringify(learned) === JSON.stringify(state.learned);
      state.learned = learned;
      state.learned_at = new Date().toISOString();
      if (same || liveConfig().config?.optimize !== true) return;
      swapIn(await prepare(liveText()), state.version);
    });
  }
  // Makes text the next version, live once the engine has it.
  async function commit(text, { author, source, summary, fileSha }) {
    const ready = await prepare(text);
    const version = versions.add({ text, author, source, summary, fileSha });
    swapIn(ready, version);
    return version;
  }
  function liveConfig() {
    if (parsed.version !== state.version) parsed = { version: state.version, config: JSON.parse(liveText()) };
    return { version: state.version, config: parsed.config, text: liveText() };
  }
  let textCache = { version: 0, text: '' };
  function liveText() {
    if (textCache.version !== state.version) textCache = { version: state.version, text: versions.text(state.version) };
    return textCache.text;
  }
  const summaryOf = (beforeText, afterText) => {
    // Configs of a few MB are compared; larger ones are only named.
    if (beforeText.length + afterText.length > 4e6) return ['config replaced'];
    try {
      return diffConfigs(JSON.parse(beforeText), JSON.parse(afterText));
    } catch {
      return ['config replaced'];
    }
  };

  // A follower: copies what is new at the primary and runs its live version.
  let liveSha = null;
  let syncing = null;
  function sync() {
    syncing ??= serial(async () => {
      if (closed) return;
      const live = await follow.pull();
      state.synced_at = new Date().toISOString();
      const sha = versions.sha(live);
      if (live === state.version && sha === liveSha) return;
      swapIn(await prepare(versions.text(live)), live);
      liveSha = sha;
      log(`config version ${live} from the primary ${follow.primary}`);
    }).finally(() => (syncing = null));
    return syncing;
  }
  // A copy that starts after now (a change just made at the primary is in it).
  async function syncFresh() {
    await syncing?.catch(() => {});
    return sync();
  }
  let pollTimer = 0;
  let lastError = null;
  function poll() {
    pollTimer = setTimeout(async () => {
      try {
        await sync();
        if (lastError) log(`the primary ${follow.primary} answers again`);
        lastError = state.error = null;
      } catch (e) {
        if (e.message !== lastError) log(`config not copied, keeping version ${state.version}: ${e.message}`);
        lastError = state.error = e.message;
      }
      if (!closed) poll();
    }, pollMs);
  }
  async function startFollowing() {
    try {
      await sync();
    } catch (e) {
      log(`config not copied at start: ${e.message}`);
      state.error = lastError = e.message;
      const live = versions.live();
      if (live) swapIn(await prepare(versions.text(live.version)), live.version);
      // Never in step yet: this server's own file, until the primary answers.
      else
        await commit(readFileSync(path, 'utf8'), { author: 'config file', source: 'file', summary: [`from ${path}`] });
    }
    poll();
  }

  // At start: version 1 from the file when the database has none; the file again when
  // it changed since it was last taken in (edited while the server was down); else
  // the live version.
  async function start() {
    if (follow) return startFollowing();
    const text = readFileSync(path, 'utf8');
    const live = versions.live();
    const fileSha = sha256(text);
    if (!live) return commit(text, { author: 'config file', source: 'file', summary: [`from ${path}`], fileSha });
    if (live.fileSha !== fileSha) {
      const summary = [`from ${path}`, ...summaryOf(versions.text(live.version), text)];
      return commit(text, { author: 'config file', source: 'file', summary, fileSha });
    }
    swapIn(await prepare(versions.text(live.version)), live.version);
  }

  // A change through the API: edit(config) on a copy of the live config, under the lock.
  function change({ basedOn, author, edit }) {
    return serial(async () => {
      if (closed) throw new HttpError(503, 'closing', 'the server is closing');
      if (follow) throw new HttpError(503, 'follower', `changes are made at the primary, ${follow.primary}`);
      if (basedOn !== null && basedOn !== state.version)
        throw new HttpError(
          409,
          'stale_version',
          `the live version is ${state.version}, not ${basedOn}: read it again`,
        );
      const before = liveConfig();
      const out = edit(structuredClone(before.config));
      const text = out.text ?? JSON.stringify(out.config, null, 2) + '\n';
      const summary = out.summary ?? diffConfigs(before.config, out.config);
      try {
        return { version: await commit(text, { author, source: 'api', summary }), result: out.result };
      } catch (e) {
        e.prefix = out.prefix;
        throw e;
      }
    });
  }

  // A changed file: the next version, if the engine takes it.
  let refusedSha = null; // the file last refused, so that one change is refused once
  function reload() {
    return serial(async () => {
      if (closed) return;
      try {
        const text = readFileSync(path, 'utf8');
        const fileSha = sha256(text);
        if (versions.live()?.fileSha === fileSha || refusedSha === fileSha) return; // touched, not changed
        refusedSha = fileSha; // until it loads
        const summary = [`from ${path}`, ...summaryOf(liveText(), text)];
        const version = await commit(text, { author: 'config file', source: 'file', summary, fileSha });
        refusedSha = null;
        log(`config reloaded from ${path} (version ${version})`);
      } catch (e) {
        const at = e.at ?? e.body?.error?.at;
        state.error = at ? `${e.message} (at ${at})` : e.message;
        log(`config change refused, keeping the previous config: ${state.error}`);
      }
    });
  }
  let timer = 0;
  const soon = () => {
    clearTimeout(timer);
    timer = setTimeout(reload, 50);
  };
  // Watch the folder: editors replace files rather than write them in place. And poll
  // what the path leads to: a swapped symlink (a Kubernetes ConfigMap) changes no
  // name in this folder, only the file at the end of the link.
  const watcher =
    !follow &&
    watch(dirname(path), (_, name) => {
      if (!name || name === basename(path)) soon();
    });
  if (!follow)
    watchFile(path, { interval: 500 }, (now, before) => {
      if (now.mtimeMs !== before.mtimeMs || now.ino !== before.ino || now.size !== before.size) soon();
    });
  return {
    state,
    start,
    change,
    relearn,
    liveConfig,
    sync: follow && syncFresh,
    close: () => {
      closed = true;
      clearTimeout(timer);
      clearTimeout(pollTimer);
      if (watcher) watcher.close();
      if (!follow) unwatchFile(path);
      for (const engine of loading) engine.worker.terminate();
      return state.engine?.worker.terminate();
    },
  };
}

export async function startServer({
  port = 8080,
  configPath,
  dataDir,
  log = console.log,
  instantBidders = false,
  demo = false, // serve the demo bidders (make demo)
  adminToken,
  readToken,
  signingKeys,
  // 'sqlite' (the default: everything in data/events.db), or 'clickhouse': the attempt
  // log and the report's rollups in ClickHouse at clickhouseUrl (a Distributed table
  // over clickhouseCluster's shards when named), SQLite as the spool (spool.mjs).
  storeKind = 'sqlite',
  clickhouseUrl = 'http://127.0.0.1:8123',
  clickhouseCluster = '',
  // MEDIATION_CONFIG_PRIMARY: the ad server whose config versions this one follows
  // (follow.mjs), and a token that one takes (this server's admin token by default).
  configPrimary = '',
  primaryToken,
  configPollMs = 1000,
} = {}) {
  await mediation.ready;
  const store = openStore(dataDir);
  // While the checkpointer starts the WAL again (checkpointer.mjs), beacons wait in the
  // group commit's queue (flushEvents) instead of the server waiting on SQLite's lock.
  let held = false;
  let flushQueued = () => {};
  const holdEvents = () => {
    held = true;
    return () => {
      held = false;
      flushQueued();
    };
  };
  // Checkpoints (where SQLite waits for the disk) in a worker thread, not in a commit.
  store.db.pragma('wal_autocheckpoint = 0');
  const checkpointer = startCheckpointer(join(dataDir, 'events.db'), { hold: holdEvents });
  const ch = storeKind === 'clickhouse' ? openClickHouse({ url: clickhouseUrl, cluster: clickhouseCluster }) : null;
  const shipper = ch ? openShipper({ db: store.db, sink: ch, serverId: serverIdOf(dataDir), paced: true, log }) : null;
  if (ch) store.enableOutbox();
  const versions = openVersions(store.db);
  const netReports = openNetworkReports(store.db);
  const admin = adminToken ?? tokenOf(dataDir, 'admin', log);
  const follow = configPrimary
    ? follower({ primary: configPrimary, token: primaryToken ?? admin, versions, netReports })
    : null;
  const config = configHolder(resolve(configPath), log, versions, follow, configPollMs);
  try {
    await config.start();
  } catch (e) {
    config.close(); // the caller says why and stops; nothing may keep the process alive
    await checkpointer.stop();
    store.close();
    throw e;
  }
  const keys = signingKeys ?? loadKeys(dataDir);
  const reader = readToken ?? tokenOf(dataDir, 'read', log);
  const logOnce = throttledLog(log);
  // Raw attempts are kept for raw_retention_days (config, default 30), rollups for
  // rollup_retention_days (default 400); pruned at start and every hour.
  const prune = () => {
    // Raw rows are what catches a replayed beacon: kept at least as long as a token lives.
    const { rawDays, rollupDays, tokenTtlMs } = config.state.settings;
    store.prune({ rawDays: Math.max(rawDays, Math.ceil(tokenTtlMs / 86400000)), rollupDays });
  };
  prune();
  const pruner = setInterval(prune, 3600000).unref();
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
    const now = new Date().toISOString();
    // The engine reads the request before any bidder is asked: a bad one costs them nothing.
    const engineNow = config.state.engine;
    await engineNow.auction(text, [], now, true);
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
    const out = await engineNow.auction(text, bids, now);
    const e1 = process.hrtime.bigint();
    const signed = signOutput(keys, out, config.state.settings.tokenTtlMs);
    send(res, 200, signed.text);
    if (signed.consentRejected.length) consentCounts(signed.consentRejected);
    engine.auctions++;
    engine.engine_ns += Number(e1 - e0);
    engine.total_ns += Number(process.hrtime.bigint() - t0);
  }

  // Bids rejected for consent, counted for the report: the rows of the auctions of one
  // turn of the event loop in one transaction, after their answers are sent.
  let consentQueue = new Map();
  function consentCounts(rows) {
    if (!consentQueue.size) setImmediate(flushConsent);
    for (const r of rows) {
      const key = `${r.network}\u0000${r.bid}\u0000${r.detail}`;
      const had = consentQueue.get(key);
      if (had) had.n++;
      else consentQueue.set(key, { ...r, n: 1 });
    }
  }
  function flushConsent() {
    const rows = [...consentQueue.values()];
    consentQueue = new Map();
    try {
      store.countConsentRejections(rows);
    } catch (e) {
      logOnce(`consent counts not stored: ${e.message}`);
    }
  }

  // Group commit: the events that arrive while the event loop turns are stored in one
  // transaction, and each is answered once that transaction is committed.
  let queue = [];
  function flushEvents() {
    if (held) return; // the checkpointer's resume flushes them
    const batch = queue;
    queue = [];
    try {
      const results = store.addBatch(batch.map((b) => [b.event, { verified: b.verified }]));
      batch.forEach((b, i) => b.resolve(results[i]));
    } catch (e) {
      batch.forEach((b) => b.reject(e));
    }
  }
  flushQueued = () => queue.length && setImmediate(flushEvents);
  function stored(event, verified) {
    return new Promise((resolve, reject) => {
      if (!queue.length && !held) setImmediate(flushEvents);
      queue.push({ event, verified, resolve, reject });
    });
  }

  // One beacon is an object; mediation.js sends the attempts of a page's waterfalls as
  // one array (at most MAX_BATCH_EVENTS). Each event is checked and stored on its own:
  // a forged or contradicting one is refused without its neighbours. A lone beacon gets
  // its status (204, or the error); a batch gets 204 when every event was kept, else
  // 200 with { kept, refused: [{ index, status, code, message }] } (a copy of a stored
  // event counts as kept).
  async function events(req, res) {
    const text = await readBody(req, MAX_BATCH_BYTES).catch((e) => {
      throw e instanceof HttpError ? (store.refuse('too_large'), e) : e;
    });
    let parsed;
    try {
      parsed = JSON.parse(text);
    } catch {
      store.refuse('not_json');
      throw new HttpError(400, 'invalid_json', 'the event is not JSON');
    }
    const one = !Array.isArray(parsed);
    if (one && Buffer.byteLength(text) > MAX_EVENT_BYTES) {
      store.refuse('too_large');
      throw new HttpError(413, 'too_large', `an event is larger than ${MAX_EVENT_BYTES} bytes`);
    }
    if (!one && (!parsed.length || parsed.length > MAX_BATCH_EVENTS)) {
      store.refuse('invalid');
      throw new HttpError(400, 'invalid_event', `a batch holds 1 to ${MAX_BATCH_EVENTS} events`);
    }
    const refused = [];
    (await keepEvents(one ? [parsed] : parsed)).forEach((r, index) => r && refused.push({ index, ...r }));
    if (one && refused.length) throw new HttpError(refused[0].status, refused[0].code, refused[0].message);
    if (refused.length) return send(res, 200, JSON.stringify({ kept: parsed.length - refused.length, refused }));
    res.writeHead(204, res.cors);
    res.end();
  }

  // Checks and stores events; for each, null when kept (stored, or a copy of one
  // stored) or { status, code, message } when refused (and counted by reason, one
  // counter update a reason). All are checked and their refusals counted before any is
  // queued for the group commit, so a failure there (a 500) leaves no stored event
  // unanswered.
  async function keepEvents(list) {
    const out = new Array(list.length).fill(null);
    const counts = new Map(); // reason -> how many
    const refuse = (i, status, code, reason, message) => {
      counts.set(reason, (counts.get(reason) ?? 0) + 1);
      out[i] = { status, code, message };
    };
    const countRefusals = () => {
      counts.forEach((n, reason) => store.refuse(reason, n));
      counts.clear();
    };
    const full = shipper?.full();
    const good = [];
    list.forEach((item, i) => {
      const { event, why } = validEvent(item);
      if (!event) return refuse(i, 400, 'invalid_event', 'invalid', why);
      // Only the token vouches for bid, network, price and position; without one the
      // event is kept only where the config accepts unsigned events, and apart.
      const trust = verify(keys, event, event.token);
      if (trust !== 'ok' && !(trust === 'missing' && config.state.settings.acceptUnsigned))
        return refuse(i, 403, 'bad_token', `token_${trust}`, `the event's token is ${trust.replace('_', ' ')}`);
      if (full) return refuse(i, 503, 'spool_full', 'spool_full', 'the spool is full: ClickHouse is behind');
      good.push([i, event, trust === 'ok']);
    });
    countRefusals();
    // Committed before the answer.
    const results = await Promise.all(good.map(([, event, verified]) => stored(event, verified)));
    results.forEach((r, k) => {
      if (r === STORED) shipper?.noteStored();
      else if (r !== 'duplicate') refuse(good[k][0], 409, r, r, `the event contradicts one stored (${r})`);
    });
    countRefusals();
    return out;
  }

  // The report's range: ?from= and ?to= (RFC 3339 or ms since 1970; default the 7 days
  // before today and today so far) in whole hours, and ?bucket_ms= for the series
  // (whole hours; by default a day for two days or more, else the range in at most 48
  // points). It reads only the rollups (daily ones for whole days): its cost is that of
  // the range, whatever the volume.
  function reportRange(url) {
    const time = (name, fallback) => {
      const v = url.searchParams.get(name);
      if (v === null || v === '') return fallback;
      const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
      if (!Number.isFinite(t) || t < 0) throw new HttpError(400, 'invalid_value', `${name} must be a time`, name);
      return t;
    };
    const HOUR = 3600000;
    const DAY = 24 * HOUR;
    const to = Math.ceil(time('to', Date.now()) / HOUR) * HOUR;
    const weekBefore = Math.floor((to - 7 * DAY) / DAY) * DAY;
    const from = Math.floor(time('from', weekBefore) / HOUR) * HOUR;
    if (from >= to) throw new HttpError(400, 'invalid_value', 'from must be before to', 'from');
    const asked = Number(url.searchParams.get('bucket_ms'));
    const span = (to - from) / HOUR;
    const hours = asked > 0 ? Math.round(asked / HOUR) : span >= 48 ? 24 : Math.ceil(span / 48);
    // At most 1000 points in a series.
    const bucket = Math.min(Math.max(hours, 1, Math.ceil((to - from) / HOUR / 1000)), 31 * 24) * HOUR;
    return { from, to, bucket };
  }

  async function reportJson(url, verified = true) {
    // Two passes of the C statistics: the tables over the range, the series per bucket.
    const range = reportRange(url);
    const docs = ch ? await ch.rollupDocs({ verified, ...range }) : store.rollupDocs({ verified, ...range });
    const { series } = mediation.report(docs.series);
    return JSON.stringify({ ...mediation.report(docs.tables), series });
  }
  const consentJson = (url) => JSON.stringify(store.consentRejections(reportRange(url)));

  // The admin's routes want a token: as a bearer token, or the cookie the login form
  // sets (HttpOnly, SameSite=Strict). The admin token reads and changes; the read-only
  // one reads. { role: 'admin' | 'read' | null, cookie: whether it came as the cookie }.
  function roleOf(req) {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    const cookie = /(?:^|;\s*)mediation_admin=([^;]+)/.exec(req.headers.cookie ?? '');
    let fromCookie = '';
    try {
      fromCookie = decodeURIComponent(cookie?.[1] ?? '');
    } catch {
      /* a malformed cookie is no token */
    }
    const token = bearer?.[1] ?? fromCookie;
    const role = sameSecret(token, admin) ? 'admin' : sameSecret(token, reader) ? 'read' : null;
    return { role, cookie: !bearer, token };
  }

  const NEXT = new Set(['/report', '/manage']);
  const loginPage = (next) => `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>mediation — sign in</title>
<link rel="icon" href="data:,"></head><body style="font:16px system-ui;margin:24px">
<form method="post" action="/login"><input type="hidden" name="next" value="${NEXT.has(next) ? next : '/report'}">
<label>Token <input name="token" type="password" autocomplete="current-password" autofocus></label>
<button>Sign in</button></form></body></html>`;

  async function login(req, res) {
    const form = new URLSearchParams(await readBody(req, 4096));
    const token = form.get('token') ?? '';
    const next = NEXT.has(form.get('next')) ? form.get('next') : '/report';
    if (!sameSecret(token, admin) && !sameSecret(token, reader)) return send(res, 401, loginPage(next), TYPES['.html']);
    const cookie = `mediation_admin=${encodeURIComponent(token)}; HttpOnly; SameSite=Strict; Path=/`;
    send(res, 303, '', 'text/plain', { location: next, 'set-cookie': cookie });
  }

  // The Mediation API. A write by cookie must come from this server's own pages (its
  // Origin): a script on another origin of the same site could otherwise send the
  // cookie along.
  const api = manageApi({
    HttpError,
    readBody,
    send,
    versions,
    change: config.change,
    liveConfig: config.liveConfig,
  });
  async function apiRoute(req, res, url) {
    const { role, cookie, token } = roleOf(req);
    if (!role) throw new HttpError(401, 'unauthorized', 'send a token: Authorization: Bearer <token>');
    const write = req.method !== 'GET' && req.method !== 'HEAD';
    if (write && cookie && req.headers.origin !== `http://${req.headers.host}`)
      throw new HttpError(403, 'cross_origin', "a change by cookie must come from this server's own page");
    if (write && follow) return forwardChange(req, res, url, token);
    if (url.pathname === FEED_PATH && !write) {
      const live = config.state.version;
      return send(res, 200, JSON.stringify(feedOf({ versions, netReports, live }, url)));
    }
    if (url.pathname === '/api/reports') return reportsRoute(req, res, url, role);
    return api(req, res, url, role);
  }

  // A follower passes a change on to the primary and answers with the primary's answer
  // once it has copied what that answer names (read-your-writes on any ad server).
  async function forwardChange(req, res, url, token) {
    const body = await readBody(req, url.pathname === '/api/reports' ? MAX_REPORT_BYTES : MAX_REQUEST_BYTES * 16);
    let r;
    try {
      r = await follow.forward({
        method: req.method,
        path: url.pathname + url.search,
        headers: req.headers,
        body,
        token,
      });
    } catch (e) {
      throw new HttpError(503, 'primary_unreachable', `${e.message}: the change was not made`);
    }
    if (r.status >= 200 && r.status < 300) {
      const wanted = Number(/\d+/.exec(r.etag ?? '')?.[0] ?? 0);
      for (let t0 = Date.now(); ;) {
        await config.sync().catch(() => {}); // an answer the primary gave stays the answer
        if (config.state.version >= wanted || Date.now() - t0 > 5000) break;
      }
    }
    send(res, r.status, r.body, r.type, r.etag ? { etag: r.etag } : {});
  }

  // Networks' own reports: POST a CSV (c_src/reports.h) to import it whole, or nothing
  // when a row is bad (every bad row named with its line); GET the stored rows.
  async function reportsRoute(req, res, url, role) {
    if (req.method === 'GET' || req.method === 'HEAD') {
      const day = /^\d{4}-\d\d-\d\d$/;
      const from = url.searchParams.get('from') || dayOf(Date.now() - 30 * 86400000);
      const to = url.searchParams.get('to') || dayOf(Date.now() + 86400000);
      if (!day.test(from) || !day.test(to))
        throw new HttpError(400, 'invalid_value', 'from and to are days as YYYY-MM-DD', 'from');
      return send(res, 200, JSON.stringify({ rows: netReports.rows(from, to) }));
    }
    if (req.method !== 'POST') throw new HttpError(405, 'method_not_allowed', `no ${req.method} /api/reports`);
    if (role !== 'admin') throw new HttpError(403, 'forbidden', 'this token may read but not change');
    if (!/^text\/(csv|plain)\b/i.test(req.headers['content-type'] ?? ''))
      throw new HttpError(415, 'unsupported_media_type', 'send the report as text/csv');
    const text = await readBody(req, MAX_REPORT_BYTES);
    const read = mediation.importReport(text);
    // Revenue in the config's currency, at the config's rates.
    const cfg = config.liveConfig().config;
    const currency = typeof cfg.currency === 'string' ? cfg.currency : 'USD';
    for (const r of read.rows) {
      r.rate = r.currency === currency ? 1 : cfg.rates?.[r.currency];
      if (typeof r.rate !== 'number') {
        read.error_count++;
        read.errors.push({
          line: r.line,
          column: 'currency',
          message: `no rate for ${r.currency} in the config's rates`,
        });
      }
    }
    if (read.error_count) {
      read.errors.sort((a, b) => a.line - b.line);
      const message = `${read.error_count} problem(s) in the report; nothing was imported`;
      const error = { code: 'invalid_report', message, at: `line ${read.errors[0].line}` };
      return send(res, 400, JSON.stringify({ error, errors: read.errors, error_count: read.error_count }));
    }
    send(res, 200, JSON.stringify({ imported: netReports.importRows(read.rows) }));
  }

  // Discrepancy and suggested CPMs (c_src/suggest.h) over the report's range; the
  // suggestions from the 7 days before today.
  async function loopJson(url) {
    return JSON.stringify((await suggestNow(Date.now(), reportRange(url).from)).doc);
  }
  // The engine's suggest document (suggest.h) at `now`, over the days from `from` (at
  // most 8 days before now, the suggestions' own window).
  // The counts are every ad server's with the ClickHouse store, this one's with SQLite.
  async function suggestNow(now, from = now) {
    const fromDay = dayOf(Math.min(from, now - 8 * 86400000));
    const cfg = config.liveConfig().config;
    const range = countsOf(cfg, dayOf(now), fromDay);
    const counted = ch ? await ch.counted(range) : netReports.counted(range);
    return { doc: mediation.suggest(netReports.suggestInput(cfg, dayOf(now), fromDay, counted)), counted };
  }

  // auto_cpm: once a UTC day, each bid with auto_cpm (and not cpm_pinned) takes its
  // suggested CPM when the suggestion is confident (>= 0.5), all in one new version;
  // checked every hour until a day's change is made.
  async function autoCpm(now = Date.now(), sug = null) {
    const today = dayOf(now);
    if (follow || netReports.autoRan(today)) return null; // a follower's primary applies it
    const { suggestions } = (sug ?? (await suggestNow(now))).doc;
    const cfg = config.liveConfig().config;
    const auto = new Set(
      (cfg.mediated_bids ?? []).filter((b) => b && b.auto_cpm === true && b.cpm_pinned !== true).map((b) => b.id),
    );
    const apply = new Map(
      suggestions
        .filter((x) => auto.has(x.bid) && x.suggested_cpm !== null && x.confidence >= 0.5)
        .filter((x) => x.suggested_cpm !== x.entered_cpm)
        .map((x) => [x.bid, x.suggested_cpm]),
    );
    if (!apply.size) return null; // tried again within the hour (a report may come in meanwhile)
    const edit = (c) => ({
      config: {
        ...c,
        mediated_bids: c.mediated_bids.map((b) => (apply.has(b?.id) ? { ...b, cpm: apply.get(b.id) } : b)),
      },
      result: {},
    });
    const { version } = await config.change({ basedOn: null, author: 'auto_cpm', edit });
    netReports.markAutoRun(today, version, now);
    return version;
  }
  // optimize: every hour, what was learned of each bid (its attempts, fills and fill
  // latencies of the last 7 days, its suggestion) goes to the engine.
  async function learn(now = Date.now(), sug = null) {
    if (config.liveConfig().config?.optimize !== true) return null;
    const { doc, counted } = sug ?? (await suggestNow(now));
    const learned = netReports.learned(counted, doc.suggestions);
    await config.relearn(learned);
    return learned;
  }
  // Both hourly steps read the same suggestions, computed once.
  const hourly = async () => {
    const now = Date.now();
    let sug;
    try {
      sug = await suggestNow(now);
    } catch (e) {
      return logOnce(`no suggestions this hour: ${e.message}`);
    }
    await autoCpm(now, sug).catch((e) => logOnce(`auto_cpm not applied: ${e.message}`));
    await learn(now, sug).catch((e) => logOnce(`what was learned not applied: ${e.message}`));
  };
  const autoCpmTimer = setInterval(hourly, 3600000).unref();
  // A config that turns optimize on gets what was learned within a minute, not the hour.
  const learnTimer = setInterval(() => {
    if (!config.state.learned && config.liveConfig().config?.optimize === true)
      learn().catch((e) => logOnce(`what was learned not applied: ${e.message}`));
  }, 60000).unref();
  // The ClickHouse store: the schema once it answers, then the spool shipped four times a
  // second whenever it holds anything (a failure is logged once; the next turn retries).
  let shipping = null;
  let schemaReady = false;
  const shipTurn = async () => {
    if (!schemaReady) await ch.init().then(() => (schemaReady = true));
    if (shipper.status().backlog > 0) await shipper.drain();
  };
  // After a failure the next turns wait longer each time (0.5, 1, 2 s at most), so that
  // an outage costs the event loop next to nothing.
  let retryAt = 0;
  let retryWait = 250;
  const shipTimer = ch
    ? setInterval(() => {
        if (Date.now() < retryAt) return;
        shipping ??= shipTurn()
          .then(() => (retryWait = 250))
          .catch((e) => {
            retryWait = Math.min(retryWait * 2, 2000);
            retryAt = Date.now() + retryWait;
            logOnce(`ClickHouse: ${e.message}`);
          })
          .finally(() => (shipping = null));
      }, 250).unref()
    : null;
  hourly();

  async function demoBidder(kind, req, res) {
    const text = await readBody(req, MAX_REQUEST_BYTES);
    let request;
    try {
      request = JSON.parse(text);
    } catch {
      throw new HttpError(400, 'invalid_json', 'the bid request is not JSON');
    }
    const { delay, response } = demoBid(kind, request ?? {}, { instant: instantBidders }) ?? {};
    const answer = () => (response ? send(res, 200, JSON.stringify(response)) : (res.writeHead(204), res.end()));
    if (!delay) return answer();
    // A timer that holds the answer goes when the client does.
    const timer = setTimeout(answer, delay);
    res.on('close', () => clearTimeout(timer));
  }

  async function serveFile(res, path, headers = {}) {
    try {
      send(res, 200, await readFile(resolve(root, path)), TYPES[extname(path)] || 'application/octet-stream', headers);
    } catch {
      send(res, 404, 'not found\n', 'text/plain');
    }
  }

  // Publisher pages on the origins the config lists may call /auction and /events
  // from the browser; nothing else is readable cross-origin.
  function corsFor(req, path) {
    const origin = req.headers.origin;
    if (!origin || (path !== '/auction' && path !== '/events')) return {};
    const { origins } = config.state.settings;
    if (!origins.includes(origin) && !origins.includes('*')) return {};
    return { 'access-control-allow-origin': origin, vary: 'origin' };
  }

  // Only the Host names the config lists (by default the loopback ones), with any
  // port: a DNS-rebinding page cannot reach the server under another name.
  const hostName = (req) => (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
  function hostAllowed(host) {
    const { hosts, tagHosts } = config.state.settings;
    return hosts.includes(host) || tagHosts.includes(host);
  }
  // On a tag host name: the tag host's files and nothing else.
  async function tagHost(req, res, url) {
    if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method_not_allowed', req.method);
    const file = TAG_HOST_FILES[url.pathname];
    if (!file)
      throw new HttpError(404, 'not_found', `a tag host serves only ${Object.keys(TAG_HOST_FILES).join(', ')}`);
    return serveFile(res, file, { 'cache-control': 'public, max-age=3600', 'x-content-type-options': 'nosniff' });
  }

  const server = http.createServer(async (req, res) => {
    let url = { pathname: req.url };
    res.cors = {};
    try {
      // The beacons' and auctions' path as it comes (no query to read); any other parsed.
      try {
        url = BARE_PATHS.has(req.url) ? { pathname: req.url } : new URL(req.url, 'http://127.0.0.1');
      } catch {
        throw new HttpError(400, 'bad_request', 'the request target is not a path');
      }
      const host = hostName(req);
      if (!hostAllowed(host)) throw new HttpError(421, 'unknown_host', 'this server does not answer to that Host');
      if (config.state.settings.tagHosts.includes(host) && !config.state.settings.hosts.includes(host))
        return await tagHost(req, res, url);
      res.cors = corsFor(req, url.pathname);
      if (req.method === 'OPTIONS') {
        if (!res.cors['access-control-allow-origin']) throw new HttpError(403, 'cors', 'this origin may not call here');
        res.writeHead(204, {
          ...res.cors,
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers': 'content-type',
          'access-control-max-age': '600',
        });
        return res.end();
      }
      if (url.pathname.startsWith('/api/')) return await apiRoute(req, res, url);
      if (req.method === 'POST') {
        if (url.pathname === '/auction') return await auction(req, res);
        if (url.pathname === '/events') return await events(req, res);
        if (url.pathname === '/login') return await login(req, res);
        const bidder = demo && /^\/bidders\/(quick|sparse|slow)$/.exec(url.pathname);
        if (bidder) return await demoBidder(bidder[1], req, res);
        throw new HttpError(404, 'not_found', `no POST ${url.pathname}`);
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new HttpError(405, 'method_not_allowed', req.method);
      if (url.pathname === '/') {
        res.writeHead(302, { location: '/demo/' });
        return res.end();
      }
      if (STATIC[url.pathname]) return await serveFile(res, STATIC[url.pathname]);
      const adminRoute = ['/report', '/report.json', '/status.json', '/manage'].includes(url.pathname);
      if (adminRoute && !roleOf(req).role) {
        if (url.pathname === '/report' || url.pathname === '/manage')
          return send(res, 401, loginPage(url.pathname), TYPES['.html']);
        throw new HttpError(401, 'unauthorized', 'send the admin token: Authorization: Bearer <token>');
      }
      if (url.pathname === '/manage') return await serveFile(res, 'web/manage/index.html');
      if (url.pathname === '/report.json') {
        const [verified, unverified] = await Promise.all([reportJson(url), reportJson(url, false)]);
        const consent = consentJson(url);
        const loop = await loopJson(url);
        return send(
          res,
          200,
          `{"verified":${verified},"unverified":${unverified},"consent_rejected":${consent},"loop":${loop}}`,
        );
      }
      if (url.pathname === '/report') {
        const report = JSON.parse(await reportJson(url));
        const unverified = JSON.parse(await reportJson(url, false));
        const { rejected } = store.counts();
        const opts = { bidders: bidderStats, rejected, config: config.state, currency: config.state.currency };
        opts.consentRejected = JSON.parse(consentJson(url));
        opts.loop = JSON.parse(await loopJson(url));
        return send(res, 200, reportPage(report, { ...opts, unverified }), TYPES['.html']);
      }
      if (url.pathname === '/status.json') {
        const { engine: _, settings, learned, ...cfg } = config.state;
        cfg.learned_bids = learned ? Object.keys(learned).length : 0; // optimize: bids the engine plans with data
        const storeStatus = { kind: storeKind, ...store.counts(), ...(shipper && { spool: shipper.status() }) };
        return send(res, 200, JSON.stringify({ config: cfg, store: storeStatus, bidders: bidderStats, engine }));
      }
      throw new HttpError(404, 'not_found', `no ${url.pathname}`);
    } catch (e) {
      if (res.headersSent) return res.destroy();
      if (e.tooLarge) res.on('finish', () => req.socket.destroy());
      if (e instanceof HttpError)
        return send(
          res,
          e.status,
          JSON.stringify(e.body),
          'application/json',
          e.tooLarge ? { connection: 'close' } : {},
        );
      logOnce(String(e.message), `error on ${req.method} ${url.pathname}: ${e.stack || e}`);
      send(res, 500, JSON.stringify({ error: { code: 'internal', message: 'internal error', at: '' } }));
    }
  });
  server.keepAliveTimeout = 5000;
  server.headersTimeout = TIMEOUT_MS; // a client that trickles headers or a body is cut off
  server.requestTimeout = TIMEOUT_MS;
  server.maxConnections = MAX_CONNECTIONS;
  await new Promise((r, j) => server.once('error', j).listen(port, '127.0.0.1', r));
  self = `http://127.0.0.1:${server.address().port}`;
  return {
    url: self,
    autoCpm, // for tests: the daily auto_cpm step, at a given time
    learn, // for tests: the hourly step that gives the engine what was learned
    ship: () => shipper?.drain(), // for tests: ship what the spool holds now
    close: async () => {
      clearInterval(pruner);
      clearInterval(autoCpmTimer);
      clearInterval(learnTimer);
      clearInterval(shipTimer);
      await config.close();
      server.closeAllConnections?.();
      await new Promise((r) => server.close(r));
      if (consentQueue.size) flushConsent();
      await shipping?.catch(() => {});
      await checkpointer.stop();
      store.close();
    },
  };
}

// The id of this ad server's spool, kept in its data folder: the batches it ships are
// named by it, so two servers' batches never share a name, and a restart resumes its own.
function serverIdOf(dataDir) {
  const path = join(dataDir, 'server-id');
  if (!existsSync(path)) writeFileSync(path, `${hostname()}-${randomBytes(6).toString('hex')}\n`);
  return readFileSync(path, 'utf8').trim();
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
      storeKind: process.env.MEDIATION_STORE || 'sqlite',
      clickhouseUrl: process.env.MEDIATION_CLICKHOUSE_URL || undefined,
      clickhouseCluster: process.env.MEDIATION_CLICKHOUSE_CLUSTER || '',
      configPrimary: process.env.MEDIATION_CONFIG_PRIMARY || '',
      primaryToken: process.env.MEDIATION_PRIMARY_TOKEN || undefined,
      demo: process.argv.includes('--demo'),
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
