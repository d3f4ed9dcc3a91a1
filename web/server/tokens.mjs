// tokens.mjs — signed waterfall entries, so that the report counts only what the ad
// server itself offered. /auction gives every entry a token, an HMAC-SHA256 over what
// the entry is (auction, imp, position, bid, network, source, price, currency) and
// when it expires; mediation.js sends it back in each beacon and /events recomputes
// it from the beacon's own fields. Keys rotate: the newest signs, the one before it
// still verifies.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const KEY_FILE = 'signing-keys.json';

// The keys, newest first: from MEDIATION_SIGNING_KEYS ("id:base64,id:base64"), else
// from the data folder, where a first key is made (mode 0600) when there is none.
// rotateKeys() adds a new one in front and keeps the one before it.
export function loadKeys(dataDir, env = process.env.MEDIATION_SIGNING_KEYS) {
  if (env) {
    const keys = env.split(',').map((pair) => {
      const [id, b64] = pair.split(':');
      const key = Buffer.from(b64 ?? '', 'base64');
      if (!/^[\w-]{1,32}$/.test(id ?? '') || key.length < 16)
        throw new Error('MEDIATION_SIGNING_KEYS must be id:base64 pairs, keys of 16 bytes or more');
      return { id, key };
    });
    return keys.slice(0, 2);
  }
  const path = join(dataDir, KEY_FILE);
  if (!existsSync(path)) return rotateKeys(dataDir);
  const stored = JSON.parse(readFileSync(path, 'utf8'));
  return stored.map(({ id, key }) => ({ id, key: Buffer.from(key, 'base64') }));
}

export function rotateKeys(dataDir) {
  const path = join(dataDir, KEY_FILE);
  const old = existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : [];
  const fresh = { id: Date.now().toString(36), key: randomBytes(32).toString('base64') };
  const keys = [fresh, ...old].slice(0, 2);
  writeFileSync(path, JSON.stringify(keys), { mode: 0o600 });
  chmodSync(path, 0o600);
  return keys.map(({ id, key }) => ({ id, key: Buffer.from(key, 'base64') }));
}

// What a token covers, in one fixed order. Numbers as JSON writes them.
function message(f, exp) {
  return JSON.stringify([
    f.auction_id,
    f.imp_id,
    f.position,
    f.bid,
    f.network ?? null,
    f.source,
    f.price ?? null,
    f.cur ?? null,
    exp,
  ]);
}

function mac(key, text) {
  return createHmac('sha256', key).update(text).digest('base64url');
}

// "v1.<key id>.<expiry, ms since 1970>.<mac>"
export function sign(keys, fields, exp) {
  return `v1.${keys[0].id}.${exp}.${mac(keys[0].key, message(fields, exp))}`;
}

// 'ok', or why not: 'missing', 'malformed', 'unknown_key', 'bad_signature', 'expired'.
export function verify(keys, fields, token, now = Date.now()) {
  if (token === undefined || token === null) return 'missing';
  if (typeof token !== 'string' || token.length > 200) return 'malformed';
  const m = /^v1\.([\w-]{1,32})\.(\d{1,15})\.([\w-]{43})$/.exec(token);
  if (!m) return 'malformed';
  const key = keys.find((k) => k.id === m[1]);
  if (!key) return 'unknown_key';
  const want = Buffer.from(mac(key.key, message(fields, Number(m[2]))));
  const got = Buffer.from(m[3]);
  if (got.length !== want.length || !timingSafeEqual(got, want)) return 'bad_signature';
  return Number(m[2]) < now ? 'expired' : 'ok';
}

// Adds a token to every waterfall entry of an engine output (text in, text out).
// Returns the signed output's text, and the mediated bids it rejected for consent
// ({ network, bid, detail }) for the report's counts.
export function signOutput(keys, outputText, ttlMs, now = Date.now()) {
  const out = JSON.parse(outputText);
  const exp = now + ttlMs;
  const consentRejected = [];
  for (const imp of out.imps ?? []) {
    imp.waterfall.forEach((e, position) => {
      const fields = { auction_id: out.id, imp_id: imp.impid, position, bid: e.bid, source: e.source, price: e.price };
      e.token = sign(keys, { ...fields, network: e.network ?? e.seat ?? null, cur: out.cur }, exp);
    });
    for (const r of imp.rejected ?? [])
      if (r.reason === 'consent') consentRejected.push({ network: r.network, bid: r.bid, detail: r.detail ?? '' });
  }
  return { text: JSON.stringify(out), consentRejected };
}
