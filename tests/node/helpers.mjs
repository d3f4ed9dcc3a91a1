// helpers.mjs — running one document through both hosts: the native CLI and the Wasm module.
import { spawnSync } from 'node:child_process';
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

export { mediation };
