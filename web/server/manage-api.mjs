// manage-api.mjs — the Mediation API (docs/server.md §9): networks and mediated bids
// listed, read, created, changed (JSON merge patch), paused, resumed and deleted, and
// the config versions listed, exported and rolled back. Every change is an edit of the
// live config that the engine must load before it becomes the next version (so a bad
// body is refused whole, with the engine's own message and path, and nothing is half
// saved); every write names the version it was based on (If-Match), so that of two
// writers on one version only the first wins.
const KINDS = {
  networks: {
    list: 'networks',
    one: 'network',
    fields: new Set(['id', 'name', 'active', 'gvl_id', 'consent', 'kind', 'partner', 'script_url', 'report_timezone']),
  },
  bids: {
    list: 'mediated_bids',
    one: 'bid',
    fields: new Set([
      'id', 'network', 'name', 'cpm', 'active', 'timeout_ms', 'sizes', 'start', 'end', 'targeting', 'macros', 'tag', 'params',
    ]),
  },
}; // prettier-ignore
const MAX_BODY = 1 << 20;
const MAX_AUTHOR = 64;

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// RFC 7386: null removes a member, an object merges, anything else replaces.
export function mergePatch(target, patch) {
  if (!isObject(patch)) return patch;
  const out = isObject(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

const short = (v) => {
  const s = JSON.stringify(v);
  return s === undefined ? 'none' : s.length > 40 ? s.slice(0, 37) + '…' : s;
};

// What changed in one network or bid: "cpm 2 → 3", "targeting changed".
function fieldChanges(before, after) {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return keys
    .filter((k) => !same(before[k], after[k]))
    .map((k) => {
      const simple = (v) => v === undefined || (typeof v !== 'object' && String(v).length <= 40);
      return simple(before[k]) && simple(after[k]) ? `${k} ${short(before[k])} → ${short(after[k])}` : `${k} changed`;
    });
}

// A short account of what differs between two configs, one line a change.
export function diffConfigs(before, after) {
  const lines = [];
  for (const kind of Object.values(KINDS)) {
    const was = new Map((before[kind.list] ?? []).filter(isObject).map((e) => [e.id, e]));
    const now = new Map((after[kind.list] ?? []).filter(isObject).map((e) => [e.id, e]));
    for (const [id, e] of now) {
      const old = was.get(id);
      if (!old) lines.push(`${kind.one} ${id} added`);
      else if (!same(old, e)) {
        const pause = old.active !== false && e.active === false ? 'paused' : '';
        const resume = old.active === false && e.active !== false ? 'resumed' : '';
        const rest = fieldChanges({ ...old, active: undefined }, { ...e, active: undefined });
        lines.push(`${kind.one} ${id}: ${[pause, resume, ...rest].filter(Boolean).join(', ')}`);
      }
    }
    for (const id of was.keys()) if (!now.has(id)) lines.push(`${kind.one} ${id} removed`);
  }
  const other = Object.keys({ ...before, ...after }).filter(
    (k) => k !== 'networks' && k !== 'mediated_bids' && !same(before[k], after[k]),
  );
  if (other.length) lines.push(`settings changed: ${other.join(', ')}`);
  return lines.length ? lines : ['no change'];
}

// ctx: { HttpError, readBody, send, versions, change, liveConfig }
//   change({ basedOn, author, edit }) -> { version, result }: runs edit(config) on a
//     copy of the live config under the write lock, loads the result in the engine and
//     makes it the next version (edit returns { config, summary, result, prefix });
//   liveConfig() -> { version, config, text }.
export function manageApi(ctx) {
  const { HttpError, readBody, send, versions, change, liveConfig } = ctx;
  const fail = (status, code, message, at = '') => new HttpError(status, code, message, at);
  const etag = (n) => ({ etag: `"${n}"` });

  // The version a write is based on: If-Match "n" (or * for whatever is live).
  function basedOn(req) {
    const h = req.headers['if-match'];
    if (h === undefined)
      throw fail(428, 'precondition_required', 'send If-Match with the version you read (its ETag), or * for any');
    if (h.trim() === '*') return null;
    const m = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(h);
    if (!m) throw fail(400, 'invalid_value', 'If-Match must be a version ETag such as "12"', 'If-Match');
    return Number(m[1]);
  }

  // Who changed it: X-Mediation-Author (printable text), else the token's role.
  function authorOf(req, role) {
    const a = String(req.headers['x-mediation-author'] ?? '')
      .replace(/[^\x20-\x7e]/g, '')
      .trim();
    return a ? a.slice(0, MAX_AUTHOR) : role;
  }

  async function bodyOf(req) {
    if (!/^application\/(merge-patch\+)?json\b/i.test(req.headers['content-type'] ?? ''))
      throw fail(415, 'unsupported_media_type', 'send the body as application/json');
    const text = await readBody(req, MAX_BODY);
    try {
      return JSON.parse(text);
    } catch (e) {
      throw fail(400, 'invalid_json', `the body is not JSON: ${e.message}`);
    }
  }

  // A network or bid as sent: an object whose keys the config knows (x- keys are
  // kept for other tools); the engine checks the values.
  function checkEntity(kind, e, at = '') {
    if (!isObject(e)) throw fail(400, 'wrong_type', `a ${kind.one} must be a JSON object`, at);
    for (const k of Object.keys(e))
      if (!kind.fields.has(k) && !k.startsWith('x-'))
        throw fail(400, 'unknown_field', `a ${kind.one} has no field ${JSON.stringify(k)}`, k);
  }

  const indexOf = (config, kind, id) => (config[kind.list] ?? []).findIndex((e) => isObject(e) && e.id === id);
  const notFound = (kind, id) => fail(404, 'not_found', `no ${kind.one} ${JSON.stringify(id)}`);

  // Runs a change and answers it; the engine's error paths are made relative to the
  // entity edited (config.mediated_bids[3].targeting.countries[2] -> targeting.countries[2]).
  async function write(req, res, role, edit, status = 200) {
    if (role !== 'admin') throw fail(403, 'forbidden', 'this token may read but not change');
    const based = basedOn(req);
    try {
      const { version, result } = await change({ basedOn: based, author: authorOf(req, role), edit });
      send(res, status, JSON.stringify({ version, ...result }), 'application/json', etag(version));
    } catch (e) {
      const error = e.body?.error;
      const prefix = e.prefix;
      if (error && prefix && error.at?.startsWith(prefix) && error.at !== prefix) {
        error.config_at = error.at;
        error.at = error.at.slice(prefix.length).replace(/^\./, '');
      }
      throw e;
    }
  }

  function create(kind, body) {
    return (config) => {
      checkEntity(kind, body);
      if (typeof body.id !== 'string' || !body.id) throw fail(400, 'missing_field', `a ${kind.one} needs an id`, 'id');
      if (indexOf(config, kind, body.id) >= 0)
        throw fail(409, 'duplicate_id', `a ${kind.one} ${JSON.stringify(body.id)} exists already`, 'id');
      const list = [...(config[kind.list] ?? []), body];
      return {
        config: { ...config, [kind.list]: list },
        prefix: `config.${kind.list}[${list.length - 1}]`,
        result: { [kind.one]: body },
      };
    };
  }

  function update(kind, id, patch) {
    return (config) => {
      const i = indexOf(config, kind, id);
      if (i < 0) throw notFound(kind, id);
      if (!isObject(patch)) throw fail(400, 'wrong_type', 'the body must be a JSON object (a merge patch)');
      if ('id' in patch && patch.id !== id) throw fail(400, 'immutable_field', 'an id cannot change', 'id');
      const next = mergePatch(config[kind.list][i], patch);
      checkEntity(kind, next);
      const list = config[kind.list].map((e, k) => (k === i ? next : e));
      return {
        config: { ...config, [kind.list]: list },
        prefix: `config.${kind.list}[${i}]`,
        result: { [kind.one]: next },
      };
    };
  }

  function remove(kind, id) {
    return (config) => {
      const i = indexOf(config, kind, id);
      if (i < 0) throw notFound(kind, id);
      if (kind === KINDS.networks) {
        const users = (config.mediated_bids ?? []).filter((b) => isObject(b) && b.network === id).map((b) => b.id);
        if (users.length)
          throw fail(409, 'in_use', `network ${JSON.stringify(id)} has bids: ${users.slice(0, 10).join(', ')}`, 'id');
      }
      return { config: { ...config, [kind.list]: config[kind.list].filter((_, k) => k !== i) }, result: {} };
    };
  }

  function rollback(n) {
    return (config) => {
      const text = versions.text(n);
      if (text === null) throw fail(404, 'not_found', `no version ${n}`);
      const target = JSON.parse(text);
      return {
        config: target,
        text,
        summary: [`rolled back to version ${n}`, ...diffConfigs(config, target)],
        result: {},
      };
    };
  }

  // GET routes: the live config's networks and bids, one of them, the versions.
  function read(res, parts, url) {
    const live = liveConfig();
    const [what, id, more] = parts;
    if (what === 'config' && parts.length === 1)
      return send(res, 200, live.text, 'application/json', { ...etag(live.version), 'content-disposition': 'inline' });
    if (what === 'versions') {
      if (parts.length === 1) {
        const limit = Math.min(Math.max(Number(url.searchParams.get('limit')) || 50, 1), 500);
        const before = Number(url.searchParams.get('before')) || undefined;
        const list = versions.list({ before, limit }).map((v) => ({ ...v, live: v.version === live.version }));
        return send(
          res,
          200,
          JSON.stringify({ live: live.version, versions: list }),
          'application/json',
          etag(live.version),
        );
      }
      const n = Number(id);
      const meta = Number.isInteger(n) && versions.get(n);
      if (!meta || more) throw fail(404, 'not_found', `no version ${id}`);
      return send(res, 200, `{"version":${JSON.stringify(meta)},"config":${versions.text(n)}}`);
    }
    const kind = KINDS[what];
    if (!kind || parts.length > 2) throw fail(404, 'not_found', `no /api/${parts.join('/')}`);
    const list = live.config[kind.list] ?? [];
    if (parts.length === 1)
      return send(
        res,
        200,
        JSON.stringify({ version: live.version, [what]: list }),
        'application/json',
        etag(live.version),
      );
    const e = list.find((x) => isObject(x) && x.id === id);
    if (!e) throw notFound(kind, id);
    return send(
      res,
      200,
      JSON.stringify({ version: live.version, [kind.one]: e }),
      'application/json',
      etag(live.version),
    );
  }

  // /api/... with the caller's role ('admin' or 'read'; null was refused before).
  return async function handle(req, res, url, role) {
    let parts;
    try {
      parts = url.pathname.slice('/api/'.length).split('/').map(decodeURIComponent);
    } catch {
      throw fail(400, 'bad_request', 'the path is not valid percent-encoding');
    }
    if ((req.method === 'GET' || req.method === 'HEAD') && parts.join('/') === 'session')
      return send(res, 200, JSON.stringify({ role, version: liveConfig().version }));
    if (req.method === 'GET' || req.method === 'HEAD') return read(res, parts, url);
    if (role !== 'admin') throw fail(403, 'forbidden', 'this token may read but not change');
    const [what, id, action] = parts;
    const kind = KINDS[what];
    if (what === 'versions' && action === 'activate' && req.method === 'POST' && parts.length === 3) {
      const n = Number(id);
      if (!Number.isInteger(n) || !versions.get(n)) throw fail(404, 'not_found', `no version ${id}`);
      return write(req, res, role, rollback(n));
    }
    if (!kind) throw fail(404, 'not_found', `no ${req.method} /api/${parts.join('/')}`);
    if (req.method === 'POST' && parts.length === 1) return write(req, res, role, create(kind, await bodyOf(req)), 201);
    if (parts.length === 2 && req.method === 'PATCH') return write(req, res, role, update(kind, id, await bodyOf(req)));
    if (parts.length === 2 && req.method === 'DELETE') return write(req, res, role, remove(kind, id));
    if (parts.length === 3 && req.method === 'POST' && (action === 'pause' || action === 'resume'))
      return write(req, res, role, update(kind, id, { active: action === 'pause' ? false : null }));
    throw fail(405, 'method_not_allowed', `no ${req.method} /api/${parts.join('/')}`);
  };
}
