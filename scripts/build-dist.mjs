// build-dist.mjs — fills mediation.js.in with the Wasm engine and the runtime's JS,
// giving dist/mediation.mjs (ES module) and dist/mediation.js (classic script).
import { readFileSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const read = (p) => readFileSync(new URL(p, root), 'utf8');
const pkg = JSON.parse(read('package.json'));
const template = read('mediation.js.in');
const wasm = readFileSync(new URL('build/engine.wasm', root)).toString('base64');
const js = ['web/engine.js', 'web/runtime.js'].map(read);

function build(head, tail) {
  return template
    .replace('//@@HEAD@@', head)
    .replace('@@WASM_BASE64@@', wasm)
    .replace('//@@ENGINE_JS@@\n', js[0])
    .replace('//@@RUNTIME_JS@@\n', js[1])
    .replace('//@@TAIL@@', tail)
    .replaceAll('@@VERSION@@', pkg.version);
}

writeFileSync(new URL('dist/mediation.mjs', root), build('', 'export default mediation;\nexport { mediation };'));
writeFileSync(
  new URL('dist/mediation.js', root),
  build("(function () {\n'use strict';", 'globalThis.mediation = mediation;\n})();'),
);
