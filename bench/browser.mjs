// browser.mjs — mediation.js in headless Chromium: how fast the waterfall moves on,
// how exact its timeouts are, whether it blocks the page, and what it leaves behind.
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';
import {
  heapUsed,
  launch,
  mediated,
  output,
  renderAndRemove,
  rtb,
  startServer,
  TAGS,
} from '../tests/node/browser-helpers.mjs';

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const server = await startServer();
const browser = await launch();
const page = await browser.newPage();
await page.goto(server.base + '/page.html');

// 1. Timeouts: a hanging tag (100 ms) then a filling one, 40 times.
const timing = await page.evaluate(
  async (out) => {
    await mediation.ready;
    const slot = document.getElementById('slot-a');
    const lateness = [],
      toFrame = [];
    let requestedAt = 0,
      timeoutAt = 0;
    const onInit = () => {
      requestedAt = performance.now();
    };
    const onTimeout = () => {
      timeoutAt = performance.now();
    };
    mediation.on('auctionInit', onInit); // the first attempt's clock starts right after
    mediation.on('bidTimeout', onTimeout);
    for (let i = 0; i < 40; i++) {
      // The next tag's frame is in the page, pointed at its tag, when bidRequested
      // for it is emitted (right after its srcdoc is set).
      let frameAt = 0;
      const onNext = (e) => {
        if (e.position === 1) frameAt = performance.now();
      };
      mediation.on('bidRequested', onNext);
      timeoutAt = 0;
      await mediation.render(slot, out);
      mediation.off('bidRequested', onNext);
      lateness.push(timeoutAt - (requestedAt + 100));
      toFrame.push(frameAt - timeoutAt);
    }
    mediation.off('auctionInit', onInit);
    mediation.off('bidTimeout', onTimeout);
    return { lateness, toFrame };
  },
  output([mediated('hang', TAGS.hang, 100), mediated('fill', TAGS.fill, 1000)]),
);

// 2. Long tasks on the page during waterfalls of 4 entries.
const longTasks = await page.evaluate(
  async (out) => {
    const tasks = [];
    const po = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) tasks.push(e.duration);
    });
    po.observe({ type: 'longtask', buffered: false });
    for (let i = 0; i < 10; i++) await mediation.render('slot-b', out);
    await new Promise((r) => setTimeout(r, 100));
    po.disconnect();
    return tasks;
  },
  output([mediated('a', TAGS.noad), mediated('b', TAGS.throws), mediated('c', TAGS.hang, 150), rtb('r')]),
);

// 3. 200 slots rendered and removed (the two test slots emptied first).
await page.evaluate(() => {
  mediation.clear('slot-a');
  mediation.clear('slot-b');
});
const churnOut = output([mediated('m1', TAGS.noad), mediated('m2', TAGS.fill)]);
await renderAndRemove(page, 20, churnOut);
const before = await heapUsed(page);
await renderAndRemove(page, 200, churnOut);
const after = await heapUsed(page);
const left = await page.evaluate(() => ({ ...mediation.stats(), iframes: document.querySelectorAll('iframe').length }));

await browser.close();
await server.close();

const dist = readFileSync(new URL('../dist/mediation.js', import.meta.url));
const gz = gzipSync(dist, { level: 9 }).length;
const ms = (x) => `${x.toFixed(2)} ms`;
console.log('');
console.log('mediation.js in headless Chromium');
console.log(
  `  dist/mediation.js (the runtime; the auction engine is mediation-auction.js): ${dist.length} bytes, ${gz} gzip -9 (${(gz / 1024).toFixed(1)} KiB; bench.mjs holds it to 12 KB)`,
);
console.log(
  `  a timeout fires after its deadline by (median of ${timing.lateness.length}): ${ms(median(timing.lateness))} (target ≤ 15 ms)`,
);
console.log(
  `  from the timeout to the next tag's frame in the page (median): ${ms(median(timing.toFrame))} (target ≤ 5 ms)`,
);
console.log(
  `  main-thread tasks over 50 ms during 10 waterfalls of 4 entries: ${longTasks.length}${longTasks.length ? ' (' + longTasks.map((t) => t.toFixed(0)).join(', ') + ' ms)' : ''}`,
);
console.log(
  `  after 200 slots rendered and removed: ${left.iframes} frames, ${left.runs} runs, listening: ${left.listening}; JS heap ${after - before >= 0 ? '+' : ''}${((after - before) / 1024).toFixed(1)} KiB (target within 1 MB)`,
);
