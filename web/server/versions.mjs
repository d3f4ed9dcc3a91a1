// versions.mjs — every config the ad server has run, in its SQLite database: a new
// version for each change (the Mediation API's, a changed config file, a rollback),
// which one is live, and the hash of the config file last taken in, so a file edited
// while the server was down is noticed at start. Texts are kept deflated. An ad server
// that follows another's config (follow.mjs) keeps a copy of that one's versions here,
// under the same numbers.
import { createHash } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

export const sha256 = (text) => createHash('sha256').update(text).digest('hex');

export function openVersions(db) {
  db.exec(`
    CREATE TABLE IF NOT EXISTS config_version (
      n INTEGER PRIMARY KEY, at INTEGER NOT NULL, author TEXT NOT NULL, source TEXT NOT NULL,
      summary TEXT NOT NULL, bytes INTEGER NOT NULL, text BLOB NOT NULL);
    CREATE TABLE IF NOT EXISTS config_live (
      one INTEGER PRIMARY KEY CHECK (one = 1), n INTEGER NOT NULL, file_sha TEXT);
  `);
  const liveRow = db.prepare('SELECT n, file_sha FROM config_live WHERE one = 1');
  const textOf = db.prepare('SELECT text FROM config_version WHERE n = ?').pluck();
  const meta = db.prepare('SELECT n, at, author, source, summary, bytes FROM config_version WHERE n = ?');
  const page = db.prepare(
    'SELECT n, at, author, source, summary, bytes FROM config_version WHERE n < ? ORDER BY n DESC LIMIT ?',
  );
  const insert = db.prepare(
    'INSERT INTO config_version (at, author, source, summary, bytes, text) VALUES (?, ?, ?, ?, ?, ?)',
  );
  const setLive = db.prepare(`INSERT INTO config_live (one, n, file_sha) VALUES (1, ?, ?)
    ON CONFLICT (one) DO UPDATE SET n = excluded.n, file_sha = coalesce(excluded.file_sha, file_sha)`);
  const upsert = db.prepare(
    'INSERT OR REPLACE INTO config_version (n, at, author, source, summary, bytes, text) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const after = db.prepare(
    'SELECT n, at, author, source, summary, bytes, text FROM config_version WHERE n > ? ORDER BY n LIMIT 100',
  );
  const dropAll = db.prepare('DELETE FROM config_version');
  const newest = db.prepare('SELECT max(n) FROM config_version').pluck();
  const row = (r) => r && { version: r.n, at: new Date(r.at).toISOString(), author: r.author, source: r.source,
    summary: JSON.parse(r.summary), bytes: r.bytes }; // prettier-ignore

  // Adds a version and makes it live, in one transaction: its number. fileSha: the
  // config file's hash when the text came from it.
  const add = db.transaction(({ text, author, source, summary, fileSha = null, now = Date.now() }) => {
    const bytes = Buffer.byteLength(text);
    const n = Number(
      insert.run(now, author, source, JSON.stringify(summary), bytes, deflateRawSync(text)).lastInsertRowid,
    );
    setLive.run(n, fileSha);
    return n;
  });

  // Copies of a followed server's versions (feed() there) and its live one, in one
  // transaction; `reset` drops this server's own history first (it was not that one's).
  const shas = new Map(); // version -> sha-256 of its text, as asked
  const copy = db.transaction(({ list, live, reset }) => {
    if (reset) {
      dropAll.run();
      shas.clear();
    }
    for (const v of list) shas.delete(v.version);
    for (const v of list)
      upsert.run(v.version, Date.parse(v.at), v.author, v.source, JSON.stringify(v.summary), v.bytes,
        deflateRawSync(v.text)); // prettier-ignore
    if (live) setLive.run(live, null);
  });

  return {
    add,
    copy,
    // The versions after n, oldest first, with their texts, up to about maxBytes of text
    // (at least one): what a follower copies.
    feed(n, maxBytes = 8 << 20) {
      const out = [];
      let bytes = 0;
      for (const r of after.iterate(n)) {
        if (out.length && bytes + r.bytes > maxBytes) break;
        bytes += r.bytes;
        out.push({ ...row(r), text: inflateRawSync(r.text).toString('utf8') });
      }
      return out;
    },
    newest: () => newest.get() ?? 0,
    // The sha-256 of a version's text (null for none): how a follower and the primary
    // tell that they hold the same history.
    sha(n) {
      if (!shas.has(n)) {
        const text = this.text(n);
        if (shas.size > 1000) shas.clear();
        shas.set(n, text === null ? null : sha256(text));
      }
      return shas.get(n);
    },
    // { version, fileSha } of the live config, or null before the first.
    live() {
      const r = liveRow.get();
      return r ? { version: r.n, fileSha: r.file_sha } : null;
    },
    text(n) {
      const blob = textOf.get(n);
      return blob ? inflateRawSync(blob).toString('utf8') : null;
    },
    get: (n) => row(meta.get(n)),
    // Newest first, `limit` of them before version `before`.
    list: ({ before = Number.MAX_SAFE_INTEGER, limit = 50 } = {}) => page.all(before, limit).map(row),
  };
}
