// consent-page.test.mjs — mediation.js with a CMP on the page (Chromium): the request
// it sends carries the CMP's TC, US Privacy and GPP strings; a tag's nested
// cross-origin frame gets the TC data through the IAB's locator protocol; a CMP that
// never answers holds the auction up by consentTimeoutMs and no more.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, mediated, output, rtb, startServer, until } from './browser-helpers.mjs';

const TC = 'CQuZP8AQuZP8AAHABBENDIFgAPAAAAAAAAqIF5wAgAQALzAAAAAA';
let browser, server, port;
const requests = [];

before(async () => {
  server = await startServer({
    auction: (req) => {
      requests.push(req);
      if (req.id === 'q4') return output([rtb('r')], req.id); // renders at once
      // A network whose nested frame asks the CMP through the locator, as real ones do.
      const nested = `http://net.localhost:${port}/net/cmp`;
      const tag = `<iframe src="${nested}" width="300" height="250" style="border:0"></iframe>`;
      return output([mediated('m1', tag, 3000), rtb('r')], req.id);
    },
  });
  port = new URL(server.base).port;
  browser = await launch();
});
after(async () => {
  await browser?.close();
  await server?.close();
});

// The stub CMP: answers addEventListener at once (tcloaded), or never.
const stubCmp = (answer) => `
  window.__tcfapi = function (command, version, callback) {
    if (!${answer}) return;
    if (command === 'addEventListener')
      callback({ eventStatus: 'tcloaded', gdprApplies: true, tcString: '${TC}', listenerId: 1 }, true);
  };
  window.__uspapi = function (command, version, callback) {
    if (${answer} && command === 'getUSPData') callback({ version: 1, uspString: '1YNN' }, true);
  };
  window.__gpp = function (command, callback) {
    if (${answer} && command === 'addEventListener')
      callback({ eventName: 'signalStatus', pingData: { signalStatus: 'ready', gppString: 'DBABMA~${TC}', applicableSections: [2] } }, true);
  };`;

async function pageWith(cmp) {
  const page = await browser.newPage();
  await page.goto(server.base + '/page.html');
  await page.addScriptTag({ content: cmp });
  await page.evaluate(() => {
    window.fromTags = [];
    addEventListener('message', (e) => e.data && e.data.test && window.fromTags.push(e.data));
  });
  return page;
}

test("the request carries the CMP's signals, and a nested frame gets the TC data through the locator", async () => {
  const page = await pageWith(stubCmp(true));
  try {
    requests.length = 0;
    const r = await page.evaluate(async (tagHost) => {
      await mediation.ready;
      mediation.setConfig({ tagHost });
      return mediation.render('slot-a', {
        endpoint: '/auction',
        request: { id: 'q1', imp: [{ id: '1' }], regs: { coppa: 0 } },
      });
    }, `http://t1.localhost:${port}/frame.html`);
    assert.equal(requests.length, 1);
    assert.deepEqual(requests[0].regs, { coppa: 0, gdpr: 1, us_privacy: '1YNN', gpp: `DBABMA~${TC}`, gpp_sid: [2] });
    assert.equal(requests[0].user.consent, TC);
    assert.deepEqual(
      r.attempts.map((a) => a.outcome),
      ['filled'],
    );
    await until(() => page.evaluate(() => window.fromTags.length > 0), 5000, 'the nested frame to report');
    const [said] = await page.evaluate(() => window.fromTags);
    assert.deepEqual(said, { test: 'tcf', tcString: TC, gdprApplies: true, success: true });
  } finally {
    await page.close();
  }
});

test('what the publisher put in the request stays; a text request is sent as it is', async () => {
  const page = await pageWith(stubCmp(true));
  try {
    requests.length = 0;
    await page.evaluate(async () => {
      await mediation.ready;
      await mediation.render('slot-a', {
        endpoint: '/auction',
        request: { id: 'q2', imp: [{ id: '1' }], regs: { gdpr: 0 }, user: { consent: 'mine' } },
      });
      await mediation.render('slot-b', { endpoint: '/auction', request: '{"id":"q3","imp":[{"id":"1"}]}' });
    });
    assert.equal(requests[0].regs.gdpr, 0);
    assert.equal(requests[0].user.consent, 'mine');
    assert.equal(requests[1].regs, undefined);
  } finally {
    await page.close();
  }
});

test('a CMP that never answers holds the auction up by consentTimeoutMs, no more', async () => {
  const page = await pageWith(stubCmp(false));
  try {
    requests.length = 0;
    const ms = await page.evaluate(async () => {
      await mediation.ready;
      mediation.setConfig({ consentTimeoutMs: 300 });
      const t0 = performance.now();
      await mediation.render('slot-a', { endpoint: '/auction', request: { id: 'q4', imp: [{ id: '1' }] } });
      return performance.now() - t0;
    });
    assert.equal(requests.length, 1);
    assert.equal(requests[0].regs, undefined, 'no signal: nothing added');
    assert.ok(ms >= 300, `the auction waited ${ms} ms`);
    assert.ok(ms < 300 + 700, `the render took ${ms} ms`);
  } finally {
    await page.close();
  }
});
