// firefox.mjs — Debian's Firefox ESR, headless, with site isolation (Fission) on,
// driven by puppeteer-core over WebDriver BiDi.
//
// puppeteer's own launch() cannot be used: its Firefox profile always sets
// fission.webContentIsolationStrategy to 0 (no isolation, so a cross-site frame's
// busy loop freezes the page), after any extra prefs. So Firefox is started here as a
// plain process with a profile of ours, and puppeteer only connects to it.
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { descendants } from './browser-helpers.mjs';

const FIREFOX = process.env.FIREFOX || '/usr/bin/firefox-esr';

const PREFS = {
  // Site isolation, as in a user's desktop Firefox: every site its own process.
  'fission.autostart': true,
  'fission.webContentIsolationStrategy': 1,
  // A quiet start: no first-run, welcome or default-browser pages.
  'browser.startup.page': 0,
  'browser.startup.homepage_override.mstone': 'ignore',
  'browser.aboutwelcome.enabled': false,
  'browser.shell.checkDefaultBrowser': false,
  'browser.sessionstore.resume_from_crash': false,
  'toolkit.startup.max_resumed_crashes': -1,
  'datareporting.policy.dataSubmissionPolicyBypassNotification': true,
  // No traffic to the outside: this machine has no internet, and tests stay fast.
  'app.update.disabledForTesting': true,
  'app.normandy.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'datareporting.healthreport.uploadEnabled': false,
  'toolkit.telemetry.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'browser.safebrowsing.downloads.enabled': false,
  'browser.search.update': false,
  'browser.region.update.enabled': false,
  'extensions.update.enabled': false,
  'media.gmp-manager.updateEnabled': false,
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
  'dom.push.connection.enabled': false,
  // Tests run long scripts; no slow-script prompt, no hang reports.
  'dom.max_script_run_time': 0,
  'dom.ipc.reportProcessHangs': false,
  'focusmanager.testmode': true,
  'dom.disable_open_during_load': false,
};

const userJs = (prefs) =>
  Object.entries(prefs)
    .map(([k, v]) => `user_pref(${JSON.stringify(k)}, ${JSON.stringify(v)});`)
    .join('\n') + '\n';

// Firefox prints "WebDriver BiDi listening on ws://…" once it is ready.
function bidiUrl(proc, ms) {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`firefox: no BiDi endpoint after ${ms} ms\n${text}`)), ms);
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk) => {
      text += chunk;
      const m = text.match(/WebDriver BiDi listening on (ws:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`firefox exited (${code}) before it was ready\n${text.slice(-2000)}`));
    });
  });
}

const exited = (proc, ms) =>
  proc.exitCode !== null || proc.signalCode !== null
    ? Promise.resolve(true)
    : new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), ms);
        proc.once('exit', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });

// A fresh Firefox with its own profile; close() quits it (killing its process group
// if it lingers) and removes the profile. contentProcesses() counts its content
// processes.
export async function launchFirefox({ timeout = 60000 } = {}) {
  const profile = await mkdtemp(join(tmpdir(), 'mediation-firefox-'));
  await writeFile(join(profile, 'user.js'), userJs(PREFS));
  const proc = spawn(
    FIREFOX,
    ['--headless', '--no-remote', '--profile', profile, '--remote-debugging-port', '0', 'about:blank'],
    {
      detached: true, // its own process group, killed whole at the end
      stdio: ['ignore', 'ignore', 'pipe'],
      env: {
        ...process.env,
        MOZ_HEADLESS: '1',
        MOZ_CRASHREPORTER_DISABLE: '1',
        MOZ_DISABLE_AUTO_SAFE_MODE: '1',
        MOZ_REMOTE_SETTINGS_DEVTOOLS: '1', // else release builds poll Mozilla's settings server
      },
    },
  );
  const kill = () => {
    try {
      process.kill(-proc.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  const onExit = () => {
    kill();
    rmSync(profile, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  const cleanup = async () => {
    if (!(await exited(proc, 5000))) kill();
    await exited(proc, 5000);
    kill();
    await rm(profile, { recursive: true, force: true, maxRetries: 3 });
    process.off('exit', onExit);
  };
  let browser;
  try {
    const url = await bidiUrl(proc, timeout);
    proc.stderr.on('data', () => {}); // keep the pipe drained
    browser = await puppeteer.connect({
      browserWSEndpoint: `${url}/session`,
      protocol: 'webDriverBiDi',
      defaultViewport: null,
    });
  } catch (e) {
    kill();
    await cleanup();
    throw e;
  }
  const close = browser.close.bind(browser);
  browser.close = async () => {
    let timer;
    await Promise.race([close().catch(() => {}), new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
    await cleanup();
  };
  browser.contentProcesses = () => descendants(proc.pid, (cmd) => cmd.includes('-contentproc')).length;
  return browser;
}
