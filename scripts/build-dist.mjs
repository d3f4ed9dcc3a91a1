// build-dist.mjs — fills mediation.js.in with the Wasm engine and the runtime's JS,
// giving dist/mediation.mjs (ES module) and dist/mediation.js (classic script).
//
// The Wasm travels gzipped and base64-encoded (the page inflates it with the
// browser's own DecompressionStream): base64 of raw Wasm compresses poorly. The JS
// loses its comment lines and indentation; nothing else is rewritten.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import vm from 'node:vm';

const root = new URL('..', import.meta.url);
const read = (p) => readFileSync(new URL(p, root), 'utf8');
const pkg = JSON.parse(read('package.json'));
const template = read('mediation.js.in');
// Debian's zopfli packs gzip some 6% tighter than zlib; zlib is the fallback.
const gzip = (path) =>
  existsSync('/usr/bin/zopfli') ? execFileSync('/usr/bin/zopfli', ['--i25', '-c', path]) : gzipSync(readFileSync(path), { level: 9 });
const wasm = (file) => gzip(new URL(file, root).pathname).toString('base64');
// Comment lines and end-of-line comments go (our sources put no ' // ' inside strings;
// the result is parsed below, so a mistake fails the build, not a page).
const slim = (js) =>
  js.split('\n').map((l) => l.trimStart().replace(/\s+\/\/ [^'"`]*$/, '')).filter((l) => l && !l.startsWith('//')).join('\n');
const js = ['web/engine.js', 'web/runtime.js'].map((f) => slim(read(f)));

function build(engine, head, tail) {
  return template
    .replace('//@@HEAD@@', head)
    .replace('@@WASM_GZIP_BASE64@@', wasm(engine))
    .replace('//@@ENGINE_JS@@\n', () => js[0])
    .replace('//@@RUNTIME_JS@@\n', () => js[1])
    .replace('//@@TAIL@@', tail)
    .replaceAll('@@VERSION@@', pkg.version);
}

const classic = build('build/engine-small.wasm', "(function () {\n'use strict';", 'globalThis.mediation = mediation;\n})();');
new vm.Script(classic, { filename: 'dist/mediation.js' }); // throws on a syntax error
writeFileSync(new URL('dist/mediation.mjs', root), build('build/engine.wasm', '', 'export default mediation;\nexport { mediation };'));
writeFileSync(new URL('dist/mediation.js', root), classic);
