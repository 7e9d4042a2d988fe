// Drives Debian's Chromium, headless, through StreamVault's web UI for
// t/ui.t (StreamVault::Browser): commands arrive as JSON lines on stdin,
// each answered by one JSON line on stdout ({"ok": true, ...} or
// {"ok": false, "error": "..."}). Console errors, page errors and CSP
// violations are collected from the start; "problems" returns them.
//
//   node t/ui/driver.mjs BASE_URL OUT_DIR
//
// Chromium gets a fresh profile, removed at the end, and flags that keep it
// off the network (it would wait on lookups of Google's services).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const [base, outDir] = process.argv.slice(2);
const profile = mkdtempSync(join(tmpdir(), 'sv-chromium-'));
const problems = [];
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
let context = null;
let page = null;

async function launch() {
  context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.SV_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
    viewport: DESKTOP,
  });
  page = context.pages()[0] ?? await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.exposeBinding('__svCspViolation', (_source, text) => problems.push(`CSP violation: ${text}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__svCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} in ${e.sourceFile}:${e.lineNumber}`);
    });
  });
}

const streamerRow = (login) => page.locator(`li.streamer[data-login="${login}"]`);

async function nav(name, heading) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
  await page.getByRole('heading', { level: 1, name: heading ?? name }).waitFor();
}

const commands = {
  async login({ username, password }) {
    await page.goto(`${base}/`);
    await page.getByLabel('User name').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
    // set once per document: still there later means nothing reloaded
    await page.evaluate(() => { window.__svSameDocument = true; });
    return {};
  },

  // through the menu, typed as a channel URL; the name Twitch gives it is
  // read from the preview before Add is pressed
  async add_streamer({ login, timeout }) {
    await nav('Streamers');
    await page.getByLabel('Twitch login or channel URL').fill(`https://www.twitch.tv/${login}`);
    const shown = page.locator('.lookup-name');
    await shown.waitFor({ timeout: timeout * 1000 });
    const preview = await shown.textContent();
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await streamerRow(login).waitFor();
    return { id: Number(await streamerRow(login).getAttribute('data-id')), preview };
  },

  async wait_streamer_name({ login, name, timeout }) {
    const escaped = name.replace(/[.*+?^$()|[\]{}\\]/g, '\\$&');
    const exactly = new RegExp(`^${escaped}$`);
    await streamerRow(login).locator('.name a', { hasText: exactly }).waitFor({ timeout: timeout * 1000 });
    return {};
  },

  async wait_live({ login, live, timeout }) {
    const badge = streamerRow(login).locator(`.live-badge[data-live="${live}"]`);
    await badge.waitFor({ timeout: timeout * 1000 });
    return { text: await badge.textContent(), same_document: await page.evaluate(() => window.__svSameDocument === true) };
  },

  // from the library's grid; plays it (muted, as autoplay allows) and
  // reports the chapters listed, two playback times and the scrub preview
  async play_recording({ id, timeout }) {
    await nav('Library');
    await page.locator(`li.rec-card[data-id="${id}"] a`).click();
    await page.locator('video#player').waitFor();
    await page.locator('#chapters li').first().waitFor({ timeout: timeout * 1000 });
    const chapters = await page.locator('#chapters li').allTextContents();
    await page.evaluate(() => {
      const v = document.getElementById('player');
      v.muted = true;
      return v.play();
    });
    await page.waitForFunction(() => document.getElementById('player').currentTime > 1, null,
                               { timeout: timeout * 1000 });
    const t1 = await page.evaluate(() => document.getElementById('player').currentTime);
    await page.waitForTimeout(1500);
    const t2 = await page.evaluate(() => document.getElementById('player').currentTime);
    await page.locator('input.seek').hover();
    const tile = page.locator('.scrub-preview .scrub-tile');
    await tile.waitFor({ timeout: 5000 });
    const sprite = await tile.evaluate((el) => el.style.backgroundImage);
    return { chapters, t1, t2, sprite };
  },

  async screenshot({ name }) {
    const files = [];
    // the phone in the dark theme, the desktop in the light one
    for (const [label, size, colorScheme] of [['1280x800', DESKTOP, 'light'], ['390x844', PHONE, 'dark']]) {
      await page.emulateMedia({ colorScheme });
      await page.setViewportSize(size);
      await page.waitForTimeout(300);
      const path = join(outDir, `${name}-${label}.png`);
      await page.screenshot({ path });
      files.push(path);
    }
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize(DESKTOP);
    return { files };
  },

  // a template typed on the settings page: the path its preview shows
  // once it shows the marker (the preview follows the typing)
  async template_preview({ template, marker, timeout }) {
    await nav('Settings');
    await page.locator('#set-storage-filename_template').fill(template);
    const path = page.locator('#set-storage-filename_template-preview code', { hasText: marker });
    await path.waitFor({ timeout: timeout * 1000 });
    return { path: await path.textContent() };
  },

  // the library filtered by a category chosen from its select: the
  // recordings it then shows
  async library_category({ category, timeout }) {
    await nav('Library');
    const option = page.locator('#f-category option', { hasText: category });
    await option.waitFor({ state: 'attached', timeout: timeout * 1000 });
    await page.locator('#f-category').selectOption(await option.getAttribute('value'));
    await page.waitForURL(/[?&]category=/, { timeout: timeout * 1000 });
    await page.locator('li.rec-card').first().waitFor({ timeout: timeout * 1000 });
    return { ids: await page.locator('li.rec-card').evaluateAll((els) => els.map((e) => Number(e.dataset.id))) };
  },

  async goto_page({ name, heading }) {
    await nav(name, heading);
    return {};
  },

  async problems() {
    return { problems };
  },
};

async function quit(code) {
  try {
    await context?.close();
  } finally {
    rmSync(profile, { recursive: true, force: true });
    process.exit(code);
  }
}

process.on('SIGTERM', () => quit(1));
process.on('SIGINT', () => quit(1));

const reply = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

try {
  await launch();
  reply({ ok: true, ready: true });
} catch (err) {
  reply({ ok: false, error: `Chromium did not start: ${err.message}` });
  await quit(1);
}

for await (const line of createInterface({ input: process.stdin })) {
  if (!line.trim()) continue;
  let msg;
  try {
    msg = JSON.parse(line);
  } catch {
    reply({ ok: false, error: `not JSON: ${line}` });
    continue;
  }
  if (msg.cmd === 'quit') break;
  const fn = commands[msg.cmd];
  if (!fn) {
    reply({ ok: false, error: `unknown command ${msg.cmd}` });
    continue;
  }
  try {
    reply({ ok: true, ...(await fn(msg)) });
  } catch (err) {
    reply({ ok: false, error: err.message.split('\n')[0] });
  }
}
await quit(0);
