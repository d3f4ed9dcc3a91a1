// build-dist.mjs — fills mediation.js.in with a Wasm engine and the JS around it,
// giving dist/mediation.js (classic script for pages: web/engine + web/page, with the
// waterfall state machine's Wasm), dist/mediation-auction.js (the page's auction
// engine, fetched on demand) and
// dist/mediation.mjs (ES module for Node: web/engine + web/node); and the tag host's
// files from web/frame: dist/frame.html, dist/noad.html, dist/noad.js.
//
// The Wasm travels gzipped and base64-encoded (the page inflates it with the
// browser's own DecompressionStream): base64 of raw Wasm compresses poorly. The JS
// loses its comment lines and indentation; the page's files are then minified.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import vm from 'node:vm';
import { minify } from 'terser';

const root = new URL('..', import.meta.url);
const read = (p) => readFileSync(new URL(p, root), 'utf8');
const pkg = JSON.parse(read('package.json'));
const template = read('mediation.js.in');
// Debian's zopfli packs gzip some 6% tighter than zlib; zlib is the fallback.
const gzip = (path) =>
  existsSync('/usr/bin/zopfli')
    ? execFileSync('/usr/bin/zopfli', ['--i25', '-c', path])
    : gzipSync(readFileSync(path), { level: 9 });
const wasm = (file) => gzip(new URL(file, root).pathname).toString('base64');
// What a page downloads is minified by terser (names mangled, dead code dropped; the
// /*! licence */ line kept); the Node module is left readable.
// (Single quotes inside: the frames' boot script travels as a JSON string.)
const minified = async (code, ecma = 2020) =>
  (
    await minify(code, {
      ecma,
      compress: { passes: 2, negate_iife: false },
      mangle: true,
      format: { comments: /^!/ },
    })
  ).code;

// Comment lines and end-of-line comments go (our sources put no ' // ' inside strings;
// the result is parsed below, so a mistake fails the build, not a page).
const slim = (js) =>
  js
    .split('\n')
    .map((l) => l.trimStart().replace(/\s+\/\/ [^'"`]*$/, ''))
    .filter((l) => l && !l.startsWith('//'))
    .join('\n');

// The JS may call only what c_src/exports.txt exports to its build (x.med_... calls).
const exported = read('c_src/exports.txt')
  .split('\n')
  .filter((l) => /^med_/.test(l))
  .map((l) => l.split(/\s+/));
function checkExports(js, page) {
  const allowed = new Set(exported.filter(([, only]) => !(page && only === 'server')).map(([name]) => name));
  for (const [, name] of js.matchAll(/\bx\.(med_[a-z0-9_]+)/g))
    if (!allowed.has(name))
      throw new Error(`build-dist: the JS calls ${name}, which c_src/exports.txt does not export to this build`);
}

// The tag frames' boot script (web/frame/boot.js) and the head of their documents:
// inline in every srcdoc frame, and the whole of dist/frame.html.
const FRAME_HEAD =
  '<!doctype html><html><head><meta charset="utf-8"><base target="_blank">' +
  '<style>html,body{margin:0;padding:0;overflow:hidden}</style>';
const bootCall = /\(HOST_MODE,\s*TOP_MODE\);?\s*$/;
const boot = await minified(slim(read('web/frame/boot.js')).replace('FRAME_HEAD', FRAME_HEAD), 5);
if (!bootCall.test(boot) || /<\/script/i.test(boot))
  throw new Error('build-dist: web/frame/boot.js has an unexpected shape');
const bootFunction = boot.replace(bootCall, '');
new vm.Script(boot.replace(bootCall, '(false, false);')); // throws on a syntax error
const frameConstants =
  `const FRAME_HEAD = ${JSON.stringify(FRAME_HEAD)};\n` + `const FRAME_BOOT = ${JSON.stringify(bootFunction)};\n`;

function build(engine, host, head, tail) {
  const files = [].concat(host);
  const hostJs = () => files.map((f) => slim(read(f))).join('\n');
  host = [].concat(host).at(-1);
  const page = host.startsWith('web/page/');
  // The page carries core.js only: the auction API (engine.js) is in its second file.
  const engineJs = slim(read('web/engine/core.js')) + (page ? '' : '\n' + slim(read('web/engine/engine.js')));
  checkExports(engineJs + '\n' + hostJs(), page);
  return template
    .replace('//@@HEAD@@', head)
    .replace('@@WASM_GZIP_BASE64@@', wasm(engine))
    .replace(
      '//@@CONSTANTS_JS@@\n',
      () => slim(read('build/constants.js')) + (host.startsWith('web/page/') ? '\n' + frameConstants : ''),
    )
    .replace('//@@ENGINE_JS@@\n', () => engineJs)
    .replace('//@@HOST_JS@@\n', hostJs)
    .replace('//@@TAIL@@', tail)
    .replaceAll('@@VERSION@@', pkg.version);
}

const classic = build(
  'build/engine-wf.wasm',
  ['web/page/consent.js', 'web/page/auction-loader.js', 'web/page/runtime.js'],
  "(function () {\n'use strict';",
  'globalThis.mediation = mediation;\n})();',
);
const page = await minified(classic);
new vm.Script(page, { filename: 'dist/mediation.js' }); // throws on a syntax error
const esm = build('build/engine.wasm', 'web/node/node.js', '', 'export default mediation;\nexport { mediation };');
writeFileSync(new URL('dist/mediation.mjs', root), esm);
writeFileSync(
  new URL('dist/frame.html', root),
  `${FRAME_HEAD}<meta name="robots" content="noindex"><title>ad</title><script>${bootFunction}(true, false);</script></head><body></body></html>\n`,
);
const noad = slim(read('web/frame/noad.js'));
writeFileSync(new URL('dist/noad.js', root), noad + '\n');
writeFileSync(
  new URL('dist/noad.html', root),
  `<!doctype html><html><head><meta charset="utf-8"><title>no ad</title><script>${noad}</script></head><body></body></html>\n`,
);
writeFileSync(new URL('dist/mediation.js', root), page);
// The page's auction engine, fetched on demand (web/page/auction-loader.js): its Wasm,
// handed to the runtime that mediation.js set up.
// It gets the helpers it shares with mediation.js (core.js) from the runtime.
const engineJs = slim(read('web/engine/engine.js'));
checkExports(engineJs, true);
const auction = `/*! mediation-auction.js ${pkg.version} (MIT): the auction engine of mediation.js, loaded on demand. */
(function (m) {
'use strict';
const provide = m && m[Symbol.for('mediation.provideAuction')];
if (!provide) throw new Error('mediation-auction.js: load mediation.js first');
provide(({ MediationError, makeCore, base64Bytes, inflate }) => {
${engineJs}
return makeEngineApi(inflate(base64Bytes('${wasm('build/engine-small.wasm')}')));
});
})(globalThis.mediation);
`;
const auctionPage = await minified(auction);
new vm.Script(auctionPage, { filename: 'dist/mediation-auction.js' });
writeFileSync(new URL('dist/mediation-auction.js', root), auctionPage);
