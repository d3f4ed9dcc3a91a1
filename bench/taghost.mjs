// taghost.mjs — tag frames on tag hosts against srcdoc frames, in Chromium and in
// Firefox ESR (site isolation on): how long a render takes, and what a tag that loops
// for ever does to the page, to another slot and to the next entry.
//
// BENCH_TAGHOST_RENDERS (default 40) renders per figure; BENCH_BROWSERS=chromium,firefox.
import { launchWithProfile, mediated, output, rtb, startServer, box } from '../tests/node/browser-helpers.mjs';
import { launchFirefox } from '../tests/node/firefox.mjs';

const RENDERS = Number(process.env.BENCH_TAGHOST_RENDERS) || 40;
const BROWSERS = (process.env.BENCH_BROWSERS || 'chromium,firefox').split(',');
const server = await startServer({ auction: (req) => output([fill], req.id) });
const port = new URL(server.base).port;
const hosts = ['t1', 't2', 't3'].map((h) => `http://${h}.localhost:${port}/frame.html`);
const fill = mediated('m', box('#0a0', 'fill') + '<script>mediation.filled()</script>', 3000);
// On tag hosts the loop is endless; in srcdoc frames it stops after 2.5 s, since there
// it runs in the page's own process in Firefox and would freeze the page for good.
const loop = (ms, endless) =>
  mediated(
    'loop',
    endless ? '<script>for (;;) {}</script>' : '<script>var e = Date.now() + 2500; while (Date.now() < e) {}</script>',
    ms,
  );

async function figures(page, tagHost) {
  return page.evaluate(
    async ([th, n, one, two, a, b, chain]) => {
      await mediation.ready;
      mediation.setConfig({ tagHost: th });
      const med = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
      async function renders(out) {
        const t = [];
        for (let i = 0; i < n; i++) {
          const el = document.createElement('div');
          document.body.appendChild(el);
          const t0 = performance.now();
          await mediation.render(el, out);
          t.push(performance.now() - t0);
          mediation.clear(el);
          el.remove();
        }
        return med(t);
      }
      const oneMs = await renders(one);
      // Through an ad server (the test server answers at once): the first frame loads meanwhile.
      const serverMs = await renders({ endpoint: '/auction', request: { id: 'x', imp: [{ id: '1' }] } });
      const twoMs = await renders(two);
      // A loops for ever (2 s timeout) while B renders; the page's 10 ms timer's worst gap.
      let last = performance.now(),
        gap = 0;
      const timer = setInterval(() => {
        const now = performance.now();
        gap = Math.max(gap, now - last);
        last = now;
      }, 10);
      const ra = mediation.render('slot-a', a);
      await new Promise((r) => setTimeout(r, 200));
      const t0 = performance.now();
      const rb = await mediation.render('slot-b', b);
      const bMs = performance.now() - t0;
      await ra;
      clearInterval(timer);
      // A loop (500 ms timeout), then a tag that fills: its latency after the loop's deadline.
      const rc = await mediation.render('slot-a', chain);
      mediation.clear('slot-a');
      mediation.clear('slot-b');
      const next = rc.attempts[1];
      return {
        oneMs,
        serverMs,
        twoMs,
        gap,
        bMs: rb.filled ? bMs : null,
        nextMs: next && next.outcome === 'filled' ? next.latency_ms : null,
      };
    },
    [
      tagHost,
      RENDERS,
      output([fill]),
      output([fill, rtb('r')]),
      output([loop(2000, !!tagHost), rtb('ra')], 'a'),
      output([fill, rtb('rb')], 'b'),
      output([loop(500, !!tagHost), fill, rtb('rc')], 'c'),
    ],
  );
}

const f1 = (v) => (v === null ? 'never' : v.toFixed(0));
console.log(`\ntag hosts (t1..t3.localhost) against srcdoc frames; medians of ${RENDERS} renders.`);
console.log('A tag loops (for ever on tag hosts, 2.5 s in srcdoc) in slot A while slot B renders a tag that fills');
console.log("at once: the page's 10 ms timer's worst gap, and B's time. Then a loop (500 ms timeout) followed by a");
console.log("filling tag: that tag's latency from the loop's deadline.");
console.log(
  '| browser | frames | render, 1 entry ms | same, from /auction ms | render, 2 entries ms | page timer gap ms | B fills in ms | next tag after a loop ms |',
);
console.log('|---|---|---:|---:|---:|---:|---:|---:|');
for (const name of BROWSERS) {
  const browser = name === 'firefox' ? await launchFirefox() : await launchWithProfile();
  try {
    const page = await browser.newPage();
    await page.goto(server.base + '/page.html');
    for (const [mode, th] of [
      ['srcdoc', null],
      ['tag host', hosts],
    ]) {
      const r = await figures(page, th);
      console.log(
        `| ${name} | ${mode} | ${f1(r.oneMs)} | ${f1(r.serverMs)} | ${f1(r.twoMs)} | ${f1(r.gap)} | ${f1(r.bMs)} | ${f1(r.nextMs)} |`,
      );
    }
    await page.close();
  } finally {
    await browser.close();
  }
}
await server.close();
