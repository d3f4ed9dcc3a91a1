// follow.mjs — ad servers on any hosts sharing one history of config versions. One of
// them is the primary: it keeps the versions (versions.mjs) and the networks' reports
// (network-reports.mjs) and serves what is new at GET /api/versions/feed. The others
// follow it (MEDIATION_CONFIG_PRIMARY): each copies the versions under the same numbers
// about once a second, runs the primary's live one, and passes every change made
// through its own Mediation API (and every report import) on to the primary, answering
// once it has copied the result. So an ETag read from one ad server holds on any other,
// and of two writers on one version only the first wins, wherever each one wrote.
// While the primary is down a follower serves the last version it copied, and changes
// are refused (503) rather than kept apart.

export const FEED_PATH = '/api/versions/feed';

const count = (v) => (/^\d{1,15}$/.test(v ?? '') ? Number(v) : 0);

// The primary's answer to ?after=<version>&reports_after=<ms>: the versions after that
// one (texts included, a page of about 8 MB; `more` when there are others), the sha-256
// of the version named (so a follower whose history is not this one's starts over), the
// live version, and the report rows imported after that time.
export function feedOf({ versions, netReports, live }, url) {
  const after = count(url.searchParams.get('after'));
  const list = versions.feed(after);
  const newest = versions.newest();
  return {
    live,
    base: after ? { version: after, sha: versions.sha(after) } : null,
    versions: list,
    more: list.length > 0 && list[list.length - 1].version < newest,
    reports: netReports.importedSince(count(url.searchParams.get('reports_after'))),
  };
}

export class FollowError extends Error {}

// The follower's side. primary: the primary's URL; token: one the primary takes (the
// admin token by default: changes are passed on with the caller's own token).
export function follower({ primary, token, versions, netReports, timeoutMs = 10000 }) {
  const base = new URL(primary);
  async function call(path, init = {}) {
    try {
      return await fetch(new URL(path, base), { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      throw new FollowError(`the primary ${base.origin} is not reachable: ${e.cause?.code ?? e.message}`);
    }
  }

  // Copies what is new at the primary; resolves to its live version.
  async function pull() {
    let after = versions.newest();
    let reset = false;
    for (;;) {
      const reportsAfter = netReports.lastImport();
      const r = await call(`${FEED_PATH}?after=${after}&reports_after=${reportsAfter}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      if (!r.ok)
        throw new FollowError(`the primary ${base.origin} answered ${r.status}: ${(await r.text()).slice(0, 200)}`);
      const doc = await r.json();
      if (after && doc.base?.sha !== versions.sha(after)) {
        // This server's history is not the primary's (it started alone, or the
        // primary's database is new): copy the primary's whole.
        after = 0;
        reset = true;
        continue;
      }
      const last = doc.versions.length ? doc.versions[doc.versions.length - 1].version : after;
      versions.copy({ list: doc.versions, live: doc.more ? null : doc.live, reset });
      reset = false;
      if (doc.reports.length) netReports.copyRows(doc.reports);
      if (!doc.more) return doc.live;
      after = last;
    }
  }

  // Passes a change on to the primary as it came (its body, If-Match, author and the
  // caller's token); resolves to the primary's answer { status, body, type, etag }.
  async function forward({ method, path, headers, body, token: callerToken }) {
    const pass = { authorization: `Bearer ${callerToken}` };
    for (const h of ['content-type', 'if-match', 'x-mediation-author'])
      if (headers[h] !== undefined) pass[h] = headers[h];
    const r = await call(path, { method, headers: pass, body: method === 'DELETE' && !body ? undefined : body });
    return {
      status: r.status,
      body: await r.text(),
      type: r.headers.get('content-type') ?? 'application/json',
      etag: r.headers.get('etag'),
    };
  }

  return { primary: base.origin, pull, forward };
}
