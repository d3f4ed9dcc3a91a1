// demo.test.mjs — the whole loop in Chromium: the demo page asks the ad server,
// runs each slot's waterfall, beacons every attempt; the report counts them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../web/server/server.mjs';
import { launch, until } from './browser-helpers.mjs';

test('the demo page ends every slot as its networks dictate, and the report counts the attempts', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mediation-demo-'));
  const root = new URL('../../', import.meta.url).pathname;
  const ADMIN = 'demo-test-token';
  const admin = { headers: { authorization: `Bearer ${ADMIN}` } };
  const server = await startServer({
    port: 0,
    configPath: root + 'web/demo/config.json',
    dataDir: dir,
    log: () => {},
    demo: true,
    adminToken: ADMIN,
  });
  const browser = await launch();
  try {
    const page = await browser.newPage();
    await page.goto(server.url + '/');
    await until(
      () =>
        page.evaluate(() =>
          [...document.querySelectorAll('.outcome')].every((o) => o.dataset.state && o.dataset.state !== 'running'),
        ),
      10000,
      'all slots to end',
    );
    const slots = await page.evaluate(() =>
      [...document.querySelectorAll('.outcome')].map((o) => [o.id, o.dataset.state, o.dataset.by]),
    );
    assert.deepEqual(
      slots.map(([id, state]) => [id, state]),
      [
        ['slot-1-outcome', 'filled'],
        ['slot-2-outcome', 'filled'],
        ['slot-3-outcome', 'filled'],
        ['slot-4-outcome', 'filled'],
      ],
    );
    assert.equal(slots[0][2], 'slot-1-fastfill');
    assert.equal(slots[1][2], 'slot-2-quietnet');
    assert.match(slots[2][2], /^(quick|sparse)-slot-3$/, 'the RTB fallback');
    assert.equal(slots[3][2], 'slot-4-fastfill');
    // Every ad on show came through a tag host of the ad server, another site than the page.
    const srcs = await page.evaluate(() =>
      [...document.querySelectorAll('iframe')].filter((f) => f.style.opacity !== '0').map((f) => f.src),
    );
    assert.equal(srcs.length, 4);
    for (const src of srcs) assert.match(src, /^http:\/\/tags[12]\.localhost:\d+\/frame\.html$/);
    // 1 + 2 + 3 + 2 attempts, and Slowpoke's late fill.
    let seen = null;
    await until(
      async () => {
        seen = (await (await fetch(server.url + '/report.json', admin)).json()).verified;
        return seen.totals.attempts === 8 && seen.totals.late === 1;
      },
      8000,
      () =>
        `the report to count 8 attempts and 1 late fill; it had ${JSON.stringify(seen?.totals)}, ` +
        JSON.stringify(seen?.networks.map((n) => [n.network, n.attempts, n.fills, n.timeouts, n.late])),
    );
    const report = (await (await fetch(server.url + '/report.json', admin)).json()).verified;
    const by = Object.fromEntries(report.networks.map((n) => [n.network, n]));
    assert.deepEqual(
      [
        by.fastfill.fills,
        by.passback.no_fills,
        by.brokenads.errors,
        by.blackhole.timeouts,
        by.slowpoke.timeouts,
        by.slowpoke.late,
        by.quietnet.fills,
      ],
      [2, 1, 1, 1, 1, 1, 1],
    );
    // The report page asks for the admin token once, then a cookie opens it.
    await page.goto(server.url + '/report');
    await page.fill('input[name=token]', ADMIN);
    await Promise.all([page.waitForURL('**/report'), page.click('button')]);
    const text = await page.textContent('body');
    assert.match(text, /8 attempts/);
    assert.ok((await page.$$('svg')).length >= 4);
  } finally {
    await browser.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
