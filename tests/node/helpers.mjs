// helpers.mjs — running one document through both hosts: the native CLI and the Wasm module.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import mediation from '../../dist/mediation.mjs';

const root = new URL('../../', import.meta.url).pathname;
// The sanitizer build when present, so bad input also proves the C clean.
export const CLI = existsSync(root + 'build/mediate-asan') ? root + 'build/mediate-asan' : root + 'build/mediate';

export function viaCli(text, command = 'auction') {
  const r = spawnSync(CLI, [command], { input: text, maxBuffer: 1 << 28, encoding: 'utf8' });
  if (r.stderr) throw new Error('CLI wrote to stderr: ' + r.stderr.slice(0, 2000));
  return { status: r.status, out: r.stdout.replace(/\n$/, '') };
}

export async function viaWasm(text) {
  await mediation.ready;
  try {
    return { status: 0, out: mediation.auctionJSON(text) };
  } catch (e) {
    if (!(e instanceof mediation.MediationError)) throw e;
    return { status: 2, out: JSON.stringify({ error: { code: e.code, message: e.message, at: e.at } }) };
  }
}

// Runs text through both hosts and asserts they agree: the same status, the same
// output byte for byte, or the same error. Returns the CLI's status and raw text.
export async function viaBoth(text) {
  const cli = viaCli(text);
  const wasm = await viaWasm(text);
  assert.equal(wasm.status, cli.status, 'both hosts agree on the status');
  if (cli.status === 0) assert.equal(wasm.out, cli.out, 'both hosts give the same output');
  else assert.deepEqual(JSON.parse(wasm.out), JSON.parse(cli.out), 'both hosts give the same error');
  return cli;
}

export { mediation };

// `mediate <command>` (tcf, gpp) on one string a line: each line's JSON.
export const decodeLines = (command, strings, bin = 'build/mediate') =>
  execFileSync(root + bin, [command], { input: strings.join('\n') + '\n', maxBuffer: 1 << 28 })
    .toString()
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

// A small deterministic generator, so a failure can be replayed.
export function random(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

// One call to an ad server's API (s.url): { status, json (null when not JSON), text, etag }.
// A body that is not a string is sent as JSON; headers may set another content type.
export async function apiCall(s, method, path, { token, body, ifMatch, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.authorization = `Bearer ${token}`;
  if (ifMatch !== undefined) h['if-match'] = ifMatch;
  if (body !== undefined) h['content-type'] ??= 'application/json';
  const r = await fetch(s.url + path, {
    method,
    headers: h,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await r.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: r.status, json, text, etag: r.headers.get('etag') };
}
