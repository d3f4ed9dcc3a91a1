// manage-page.test.mjs — the Mediation tab (/manage) in Chromium against a real ad
// server: sign in with the printed token, add a network and a bid through the forms and
// find the bid in the next /auction; an invalid CPM shown at its field before anything
// is sent; delete with a confirmation; a rollback from the version list; the keyboard,
// a phone's width, and the read-only token.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../../web/server/server.mjs';
import { launch } from './browser-helpers.mjs';

const root = new URL('../../', import.meta.url).pathname;
const demoText = readFileSync(root + 'web/demo/config.json', 'utf8');
const ADMIN = 'page-admin-token';
const READ = 'page-read-token';
let dir, browser, server;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mediation-manage-page-'));
  writeFileSync(join(dir, 'config.json'), demoText);
  server = await startServer({
    port: 0,
    configPath: join(dir, 'config.json'),
    dataDir: join(dir, 'data'),
    log: () => {},
    adminToken: ADMIN,
    readToken: READ,
    demo: true,
    instantBidders: true,
  });
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const bearer = { authorization: `Bearer ${ADMIN}` };
const liveVersion = async () => (await (await fetch(server.url + '/api/versions', { headers: bearer })).json()).live;
const waterfall = async (id) => {
  const r = await fetch(server.url + '/auction', {
    method: 'POST',
    body: JSON.stringify({ id, imp: [{ id: '1', tagid: 'slot-1', banner: { w: 300, h: 250 } }], site: {}, tmax: 100 }),
  });
  return (await r.json()).imps[0].waterfall;
};

// A page signed in with token, at /manage, its errors collected.
async function signedIn(token, viewport = { width: 1200, height: 900 }) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url + '/manage');
  await page.fill('input[name=token]', token);
  await page.click('button');
  await page.waitForSelector('#bids tbody tr[data-id]');
  return { page, context, errors };
}

test('add a network and a bid through the page: the bid is in the next waterfall, nothing restarted', async () => {
  const { page, context, errors } = await signedIn(ADMIN);
  try {
    const v0 = await liveVersion();
    await page.fill('#author', 'ana');
    await page.dispatchEvent('#author', 'change');
    await page.click('#add-network');
    await page.fill('#n-id', 'zeta');
    await page.fill('#n-name', 'Zeta Ads');
    await page.fill('#n-gvl', '755');
    await page.click('#network-form button[type=submit]');
    await page.waitForSelector('#networks tr[data-id="zeta"]');
    await page.click('#add-bid');
    await page.fill('#b-id', 'zeta-1');
    await page.selectOption('#b-network', 'zeta');
    await page.fill('#b-cpm', '50');
    await page.fill('#b-sizes', '300x250');
    await page.fill('#t-placements', 'slot-1, slot-2');
    await page.fill('#t-countries', '');
    await page.check('input[name=device][value=desktop]');
    await page.check('input[name=device][value=mobile]');
    await page.fill('#t-dayparts', '1-7 *');
    await page.fill('#b-tag', '<div>zeta</div>');
    await page.click('#bid-form button[type=submit]');
    await page.waitForSelector('#bids tr[data-id="zeta-1"]');
    assert.equal(await liveVersion(), v0 + 2);
    const bid = (await (await fetch(server.url + '/api/bids/zeta-1', { headers: bearer })).json()).bid;
    assert.deepEqual(bid, {
      id: 'zeta-1',
      network: 'zeta',
      cpm: 50,
      timeout_ms: 1000,
      sizes: [[300, 250]],
      tag: '<div>zeta</div>',
      targeting: {
        placements: ['slot-1', 'slot-2'],
        device_types: ['desktop', 'mobile'],
        dayparts: [{ days: [1, 2, 3, 4, 5, 6, 7] }],
      },
    });
    // Desktop or mobile only: a request without a device type fails the targeting.
    const r = await fetch(server.url + '/auction', {
      method: 'POST',
      body: JSON.stringify({
        id: 'page-1',
        imp: [{ id: '1', tagid: 'slot-1', banner: { w: 300, h: 250 } }],
        site: {},
        device: { devicetype: 2 },
        tmax: 100,
      }),
    });
    assert.equal((await r.json()).imps[0].waterfall[0].bid, 'zeta-1', 'first in the next waterfall');
    const versions = await page.locator('#versions tbody tr').allTextContents();
    assert.match(versions[0], /bid zeta-1 added/);
    assert.match(versions[0], /ana/);

    // Edit: the form shows the bid as saved; a change is a merge patch of what changed.
    await page.click('#bids tr[data-id="zeta-1"] button:has-text("Edit")');
    assert.equal(await page.inputValue('#b-cpm'), '50');
    assert.equal(await page.inputValue('#t-placements'), 'slot-1, slot-2');
    assert.equal(await page.inputValue('#t-dayparts'), '1,2,3,4,5,6,7 *');
    await page.fill('#t-placements', 'slot-2');
    await page.click('#bid-form button[type=submit]');
    await page.waitForFunction(() => !document.querySelector('#bid-dialog').open);
    assert.ok(!(await waterfall('page-2')).some((e) => e.bid === 'zeta-1'), 'now only on slot-2');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('an invalid CPM is shown at its field as it is typed, and nothing is sent', async () => {
  const { page, context } = await signedIn(ADMIN);
  try {
    const v0 = await liveVersion();
    await page.click('#add-bid');
    await page.fill('#b-id', 'bad-cpm');
    await page.fill('#b-tag', '<div>x</div>');
    await page.fill('#b-cpm', '-5');
    const cpm = page.locator('#b-cpm');
    // (an empty CPM was refused as the other fields were typed: wait for the new verdict)
    await page.waitForFunction(() => {
      const input = document.querySelector('#b-cpm');
      const msg = document.getElementById(input.getAttribute('aria-describedby'));
      return input.getAttribute('aria-invalid') === 'true' && /negative/.test(msg.textContent);
    });
    const describedBy = await cpm.getAttribute('aria-describedby');
    assert.equal(await page.textContent(`#${describedBy}`), 'cpm must not be negative');
    await page.click('#bid-form button[type=submit]');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'b-cpm', 'the focus goes to the field');
    assert.ok(await page.locator('#bid-dialog').evaluate((d) => d.open));
    // Other fields, the same engine: a country code.
    await page.fill('#b-cpm', '2');
    await page.fill('#t-countries', 'FR, QQ');
    await page.waitForFunction(() => document.querySelector('#t-countries').getAttribute('aria-invalid') === 'true');
    assert.equal(await cpm.getAttribute('aria-invalid'), null, 'the CPM error is gone');
    await page.keyboard.press('Escape');
    assert.equal(await liveVersion(), v0, 'nothing was saved');
  } finally {
    await context.close();
  }
});

test('delete asks first; a rollback from the version list brings the config back', async () => {
  const { page, context } = await signedIn(ADMIN);
  try {
    const v0 = await liveVersion();
    page.once('dialog', (d) => d.dismiss());
    await page.click('#bids tr[data-id="slot-4-fastfill"] button:has-text("Delete")');
    await page.waitForTimeout(200);
    assert.equal(await liveVersion(), v0, 'dismissed: nothing deleted');
    page.once('dialog', (d) => d.accept());
    await page.click('#bids tr[data-id="slot-4-fastfill"] button:has-text("Delete")');
    await page.waitForSelector('#bids tr[data-id="slot-4-fastfill"]', { state: 'detached' });
    assert.equal(await liveVersion(), v0 + 1);

    page.once('dialog', (d) => d.accept());
    await page.click('#versions tr[data-version="1"] button');
    await page.waitForFunction((v) => document.querySelector('#live-version').textContent === String(v), v0 + 2);
    const exported = await (await fetch(server.url + '/api/config', { headers: bearer })).text();
    assert.equal(exported, demoText, 'version 1 again');
    await page.waitForSelector('#bids tr[data-id="slot-4-fastfill"]');
    assert.equal(await page.locator('#bids tr[data-id="zeta-1"]').count(), 0);
  } finally {
    await context.close();
  }
});

test('the keyboard opens, fills and closes a form; a phone width scrolls tables, not the page; a read-only token sees no write control', async () => {
  const { page, context } = await signedIn(ADMIN, { width: 390, height: 800 });
  try {
    await page.focus('#add-network');
    await page.keyboard.press('Enter');
    assert.ok(await page.locator('#network-dialog').evaluate((d) => d.open));
    assert.equal(await page.evaluate(() => document.activeElement.id), 'n-id', 'the first field has the focus');
    await page.keyboard.press('Escape');
    assert.ok(!(await page.locator('#network-dialog').evaluate((d) => d.open)));
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page is ${overflow} px wider than a phone`);
  } finally {
    await context.close();
  }
  const ro = await signedIn(READ);
  try {
    assert.equal(await ro.page.locator('#add-bid').isVisible(), false);
    assert.equal(await ro.page.locator('#bids button:visible').count(), 0);
    assert.equal(await ro.page.locator('#versions button').count(), 0);
  } finally {
    await ro.context.close();
  }
});

test('a GPT network and bid from their ids alone: the partner fields are checked by the engine, the tag is written for them', async () => {
  const { page, context, errors } = await signedIn(ADMIN);
  try {
    await page.click('#add-network');
    await page.fill('#n-id', 'gam');
    await page.selectOption('#n-partner', 'google_ad_manager');
    assert.ok(await page.locator('#n-script').isVisible(), 'a partner may name its script');
    await page.click('#network-form button[type=submit]');
    await page.waitForSelector('#networks tr[data-id="gam"]');
    assert.match(await page.textContent('#networks tr[data-id="gam"]'), /Google Ad Manager \(GPT\)\s*755/);
    await page.click('#add-bid');
    await page.fill('#b-id', 'gam-1');
    await page.selectOption('#b-network', 'gam');
    assert.equal(await page.locator('#b-tag').isVisible(), false, 'no tag to write');
    await page.fill('#b-cpm', '40');
    await page.fill('#b-sizes', '300x250');
    await page.fill('#p-ad_unit', 'home/top');
    await page.waitForFunction(() => document.querySelector('#p-ad_unit').getAttribute('aria-invalid') === 'true');
    assert.match(
      await page.textContent(`#${await page.getAttribute('#p-ad_unit', 'aria-describedby')}`),
      /ad unit path/,
    );
    await page.fill('#p-ad_unit', '/6355419/home/top');
    await page.fill('#p-targeting', '{"section": ["news"]}');
    await page.click('#bid-form button[type=submit]');
    await page.waitForSelector('#bids tr[data-id="gam-1"]');
    const bid = (await (await fetch(server.url + '/api/bids/gam-1', { headers: bearer })).json()).bid;
    assert.deepEqual(bid.params, { ad_unit: '/6355419/home/top', targeting: { section: ['news'] } });
    assert.equal(bid.tag, undefined);
    const first = (await waterfall('gam-page'))[0];
    assert.equal(first.bid, 'gam-1');
    assert.match(first.tag, /googletag\.defineSlot\('\/6355419\/home\/top', \[300, 250\]/);
    assert.match(first.tag, /slotRenderEnded/);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test("a bid's suggested CPM from the networks' reports is shown beside its CPM, and Apply makes it the CPM", async () => {
  const now = Date.now();
  const day = (age) => new Date(now - age * 86400000).toISOString().slice(0, 10);
  const csv = ['date,network,bid,impressions,revenue,currency'];
  for (let age = 1; age <= 3; age++) csv.push(`${day(age)},fastfill,slot-1-fastfill,4000,${(4000 * 3.8) / 1000},USD`);
  const imported = await fetch(server.url + '/api/reports', {
    method: 'POST',
    headers: { ...bearer, 'content-type': 'text/csv' },
    body: csv.join('\n') + '\n',
  });
  assert.equal(imported.status, 200);
  const { page, context, errors } = await signedIn(ADMIN);
  try {
    const row = page.locator('#bids tr[data-id="slot-1-fastfill"]');
    assert.match(await row.textContent(), /\$3\.80 \(\d+\.\d% sure\)/);
    const v0 = await liveVersion();
    await row.locator('button:has-text("Apply")').click();
    await page.waitForFunction((v) => document.querySelector('#live-version').textContent === String(v), v0 + 1);
    const bid = (await (await fetch(server.url + '/api/bids/slot-1-fastfill', { headers: bearer })).json()).bid;
    assert.equal(bid.cpm, 3.8);
    assert.equal(await page.locator('#bids tr[data-id="slot-1-fastfill"] button:has-text("Apply")').count(), 0);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
