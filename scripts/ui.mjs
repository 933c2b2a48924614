// UI layer: the extension as a user gets it. Packages a VSIX with vsce, installs it into a fresh
// code-server with --install-extension, opens a copy of test-fixtures/ws in headless chromium and walks
// through the command palette, the Explorer context menu and the Flowmorph panel with Playwright.
// Screenshots go to test-results/screenshots/; with FLOWMORPH_README_SCREENSHOTS=1 (longer training) the
// panel during training is also saved as media/screenshots/panel-during-training.png for the README.
//
// A second session (scripts/ui-panel.mjs) checks the panel a physicist reads: a 5-D conditional pair's
// marginals with ratio panels, the condition slider, switching experiments, reloads, the themes.
//
// Usage: node scripts/ui.mjs [--keep-vsix <path>] [--only panel]   (needs a build: npm run build)
//   --only panel: package and install, then only the panel session
// Prints, last, `ui: N passed, N failed`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { themeAndKeyboardChecks } from './ui-a11y.mjs';
import { VSCE_PACKAGE_ARGS } from './vsce-args.mjs';
import {
  NAV_TIMEOUT_MS, ROOT, copyDir, installExtension, launchBrowser, makeTempDir, runFromPalette, shutdown, startCodeServer,
  waitUntil, webviewFrame, workbenchUrl,
} from './vscode-lib.mjs';
import { panelSession } from './ui-panel.mjs';

const SHOTS = path.join(ROOT, 'test-results', 'screenshots');
// FLOWMORPH_README_SCREENSHOTS=1: also save the panel mid-training for the README, after a longer run
// (about 3 minutes) so the plots show a model that has learned something, in a taller window so the
// curves below the plots are in the picture too.
const README = !!process.env.FLOWMORPH_README_SCREENSHOTS;
const BUDGET = README ? { base: 200, morph: 300, shotAt: 200 } : { base: 40, morph: 60, shotAt: 20 };
const README_SHOTS = path.join(ROOT, 'media', 'screenshots');
const onlyAt = process.argv.indexOf('--only');
const PANEL_ONLY = onlyAt >= 0 && process.argv[onlyAt + 1] === 'panel';
const t0 = Date.now();
const secs = () => ((Date.now() - t0) / 1000).toFixed(1);

// ------------------------------------------------------------------------------------------- packaging

/**
 * `vsce package` into tmp (scripts/vsce-args.mjs); returns the VSIX path.
 */
function packageVsix(tmp) {
  const vsix = path.join(tmp, 'flowmorph.vsix');
  const r = spawnSync(
    'npx',
    ['--no-install', 'vsce', ...VSCE_PACKAGE_ARGS, '-o', vsix],
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

/**
 * Preview Dataset's view of `name` (a webview: src/host/previewPanel.ts, webview/preview.ts): waits until
 * its heading is the file name, its size line matches `dims`, and it shows a summary row and a drawn
 * histogram canvas for each of `columns` columns. Returns the view's frame.
 */
async function previewView(page, name, dims, columns) {
  const frame = await webviewFrame(page, async (f) => (await f.locator('h1#file-name').textContent({ timeout: 500 }).catch(() => null)) === name);
  await frame.locator('#dims', { hasText: dims }).waitFor({ timeout: 30000 });
  await waitUntil(
    async () => (await frame.locator('#stats tbody tr').count()) === columns && (await frame.locator('#histograms canvas[data-column]').count()) === columns,
    { timeoutMs: 30000, what: `${columns} summary rows and ${columns} histograms in the preview of ${name}` },
  );
  // Drawn: chart.js has sized every canvas to its box.
  const widths = await frame.locator('#histograms canvas').evaluateAll((cs) => cs.map((c) => c.width));
  if (widths.some((w) => !(w > 0))) throw new Error(`preview of ${name}: histogram canvases of widths ${widths}`);
  return frame;
}

/** Whether the palette lists `title` (waits `ms` for the row). */
async function paletteHas(page, title, ms) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor({ state: 'visible', timeout: 10000 });
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-widget .monaco-list-row').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) }) });
  try {
    await row.first().waitFor({ state: 'visible', timeout: ms });
    return true;
  } catch {
    return false;
  } finally {
    await page.keyboard.press('Escape');
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
// Files users have: a ZSTD Parquet written by polars and an LZF HDF5 written by h5py (test/fixtures/writers).
for (const f of ['polars_default.parquet', 'h5py_lzf.h5']) fs.copyFileSync(path.join(ROOT, 'test', 'fixtures', 'writers', f), path.join(ws, f));
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

/**
 * An HDF5 and a Parquet table in the workspace, as physicists have them: the HDF5 file written by the
 * shipped CLI (dist/cli.js), the Parquet file by hyparquet-writer. 400 rows of the crescent toy each.
 */
async function writeTables() {
  const h5 = path.join(ws, 'tables', 'crescent.h5');
  fs.mkdirSync(path.dirname(h5), { recursive: true });
  const g = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'generate', 'crescent', '--n', '400', '--seed', '5', '--out', h5], { encoding: 'utf8' });
  if (g.status !== 0) throw new Error(`dist/cli.js generate → ${h5} failed: ${g.stderr}`);
  const csv = path.join(tmp, 'crescent.csv');
  spawnSync(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'generate', 'crescent', '--n', '400', '--seed', '5', '--out', csv]);
  const rows = fs.readFileSync(csv, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  const columnData = [0, 1].map((j) => ({ name: `x${j}`, data: Float64Array.from(rows, (r) => r[j]), type: 'DOUBLE' }));
  fs.writeFileSync(path.join(ws, 'tables', 'crescent.parquet'), new Uint8Array(parquetWriteBuffer({ columnData })));
}

if (results[0].ok && !PANEL_ONLY) {
  // Start from scratch: no experiment file, so the Explorer menu has to create one.
  fs.rmSync(path.join(ws, 'demo.flowmorph.json'));
  await writeTables();
  server = await startCodeServer({ dir: csDir, env: { FLOWMORPH_BACKEND: process.env.FLOWMORPH_BACKEND || 'wasm' } });
  browser = await launchBrowser(README ? { viewport: { width: 1400, height: 1900 } } : undefined);
  const { page } = browser;
  await page.goto(workbenchUrl(server, ws), { timeout: NAV_TIMEOUT_MS });
  const explorerItem = (name) => page.getByRole('treeitem', { name: new RegExp(`^${name.replace(/\./g, '\\.')}`) }).first();
  const menu = page.locator('.context-view .monaco-menu').first();

  /** Right-click a file in the Explorer; resolves once its context menu shows. */
  async function contextMenu(file) {
    await page.keyboard.press('Escape');
    await explorerItem(file).click({ button: 'right' });
    await menu.waitFor({ state: 'visible', timeout: 15000 });
    await page.getByRole('menuitem', { name: /Copy Path/ }).first().waitFor({ timeout: 15000 });
  }
  /**
   * Explorer › right-click `file` › Flowmorph › `entry`, reopening the menu until the entry shows: like the
   * palette, menus get an installed extension's contributions a few seconds after the workbench paints,
   * and entries behind a context key (Morph This File) appear once the extension has set it.
   */
  async function flowmorphMenu(file, entry, shotName) {
    const sub = page.getByRole('menuitem', { name: /^Flowmorph/ }).first();
    const item = page.getByRole('menuitem', { name: new RegExp(`^${entry}`) }).first();
    await waitUntil(
      async () => {
        await contextMenu(file);
        try {
          await sub.waitFor({ state: 'visible', timeout: 2000 });
          await sub.hover();
          await item.waitFor({ state: 'visible', timeout: 2000 });
          return true;
        } catch {
          return false;
        }
      },
      { timeoutMs: 60000, everyMs: 100, what: `Flowmorph › ${entry} on ${file}` },
    );
    if (shotName) await shot(page, shotName);
    await item.click();
    // A click that lands while the submenu is still settling can leave the menu open without running the
    // entry; the entry is highlighted then, so Enter runs it (once: the menu is gone after a real click).
    try {
      await menu.waitFor({ state: 'hidden', timeout: 3000 });
    } catch {
      await page.keyboard.press('Enter');
      await menu.waitFor({ state: 'hidden', timeout: 5000 });
    }
  }
  /**
   * Use as Source / Target ask for the feature columns (a multi-select quick pick, every column checked):
   * accept them as they are. A 2-column file has no columns left for the condition step.
   */
  async function acceptColumnPicker(shotName) {
    const picker = page.locator('.quick-input-widget').filter({ hasText: 'feature columns' });
    await picker.waitFor({ state: 'visible', timeout: 60000 });
    if (shotName) await shot(page, shotName);
    await page.keyboard.press('Enter');
    await picker.waitFor({ state: 'hidden', timeout: 10000 });
  }
  /** A row of the Flowmorph tree view showing both texts (label and description). */
  const viewItem = (label, description) =>
    page.locator('.part.sidebar').getByRole('treeitem').filter({ hasText: label }).filter({ hasText: description }).first();
  const expFile = path.join(ws, 'experiment.flowmorph.json');
  const readExp = () => (fs.existsSync(expFile) ? JSON.parse(fs.readFileSync(expFile, 'utf8')) : undefined);

  await step('workbench loads the workspace', async () => {
    await explorerItem('two-moons.csv').waitFor({ timeout: 90000 });
    await shot(page, '01-workbench');
  }, page);

  await step('Explorer › four-circles.csv › Flowmorph › Use as Source creates the experiment', async () => {
    await flowmorphMenu('four-circles.csv', 'Use as Source', '03-explorer-flowmorph-menu');
    await acceptColumnPicker('03b-column-picker');
    await waitUntil(() => readExp()?.source?.path === 'four-circles.csv', { timeoutMs: 30000, what: 'source in experiment.flowmorph.json' });
  }, page);

  await step('Explorer › two-moons.csv › Flowmorph › Use as Target', async () => {
    await flowmorphMenu('two-moons.csv', 'Use as Target');
    await acceptColumnPicker();
    await waitUntil(() => readExp()?.target?.path === 'two-moons.csv', { timeoutMs: 30000, what: 'target in experiment.flowmorph.json' });
    // A short budget so the test trains in about a minute (what a user would set in the designer).
    const exp = readExp();
    exp.base.train = { steps: BUDGET.base };
    exp.morph.train = { steps: BUDGET.morph };
    fs.writeFileSync(expFile, JSON.stringify(exp, null, 2));
  }, page);

  // After the menus above showed the submenu, so its absence here is not just "not loaded yet".
  await step('Explorer menu on a .txt file has no Flowmorph entry', async () => {
    await contextMenu('notes.txt');
    const n = await page.getByRole('menuitem', { name: /^Flowmorph/ }).count();
    await shot(page, '02-no-flowmorph-on-txt');
    await page.keyboard.press('Escape');
    if (n !== 0) throw new Error(`${n} Flowmorph entries on notes.txt`);
  }, page);

  await step('the Flowmorph view shows the experiment with its source and target', async () => {
    await page.locator('.activitybar [role="tab"][aria-label^="Flowmorph"], .activitybar .action-item a[aria-label^="Flowmorph"]').first().click();
    await viewItem('Source', 'four-circles.csv').waitFor({ timeout: 30000 });
    await viewItem('Target', 'two-moons.csv').waitFor({ timeout: 30000 });
    // Activated by now (the Explorer menu ran its commands): its status-bar item shows.
    await page.locator('.statusbar-item', { hasText: 'Flowmorph' }).first().waitFor({ timeout: 10000 });
    await shot(page, '04-experiment-view');
  }, page);

  await step('palette: Stop Training is not offered while nothing runs (Show Log is)', async () => {
    await waitUntil(() => paletteHas(page, 'Flowmorph: Show Log', 3000), { timeoutMs: 60000, what: 'Flowmorph: Show Log in the palette' });
    if (await paletteHas(page, 'Flowmorph: Stop Training', 3000)) throw new Error('Flowmorph: Stop Training is in the palette with nothing running');
  }, page);

  for (const [file, what] of [['polars_default.parquet', 'a ZSTD Parquet (polars)'], ['h5py_lzf.h5', 'an LZF HDF5 (h5py)']]) {
    await step(`Explorer › ${file} › Flowmorph › Preview Dataset reads ${what}`, async () => {
      await runFromPalette(page, 'View: Show Explorer'); // (clicking the Explorer tab when it shows would hide it)
      await flowmorphMenu(file, 'Preview Dataset');
      await previewView(page, file, /^200 rows × 3 feature columns$/, 3);
      await shot(page, `04-preview-${file.replace(/\W+/g, '-')}`);
      await page.keyboard.press('Escape');
    }, page);
  }
  // Back to the Flowmorph view, which the steps below read.
  await page.locator('.activitybar [role="tab"][aria-label^="Flowmorph"], .activitybar .action-item a[aria-label^="Flowmorph"]').first().click();

  let panel;
  await step('palette › Flowmorph: Open Flowmorph shows the panel', async () => {
    // No notification (and no quick input) may sit over the palette.
    await runFromPalette(page, 'Notifications: Clear All Notifications').catch(() => undefined);
    await page.keyboard.press('Escape');
    await runFromPalette(page, 'Flowmorph: Open Flowmorph');
    panel = await webviewFrame(page, async (f) => (await f.locator('#app .app-name').count()) > 0 && (await f.locator('#app[aria-busy]').count()) === 0);
    await panel.locator('#status-text', { hasText: /Idle/ }).waitFor({ timeout: 30000 });
    await shot(page, '05-panel-open');
  }, page);

  await step('panel › Train morph: live progress, plots, a Cancel notification and the status bar', async () => {
    if (!panel) throw new Error('no panel');
    await panel.locator('#train-morph').click();
    // Base flows first, then the morph: wait until the morph itself is well under way.
    const status = panel.locator('#status-text');
    await waitUntil(
      async () => {
        const m = /Training morph.*morph · step (\d+)/.exec((await status.textContent()) ?? '');
        return m && Number(m[1]) >= BUDGET.shotAt;
      },
      { timeoutMs: 240000 + 1000 * BUDGET.morph, everyMs: 250, what: `morph step ${BUDGET.shotAt} in the panel` },
    );
    const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: /Flowmorph: morph/ }).first();
    await toast.waitFor({ timeout: 10000 });
    await toast.getByRole('button', { name: 'Cancel' }).waitFor({ timeout: 5000 });
    await page.locator('.statusbar-item', { hasText: /Flowmorph · wasm · step/ }).first().waitFor({ timeout: 10000 });
    await shot(page, '06-panel-during-training');
    if (README) {
      // For the README: the same view without the notification over the plots.
      await page.locator('.notifications-toasts').evaluate((el) => (el.style.visibility = 'hidden'));
      fs.mkdirSync(README_SHOTS, { recursive: true });
      const file = path.join(README_SHOTS, 'panel-during-training.png');
      await page.screenshot({ path: file });
      await page.locator('.notifications-toasts').evaluate((el) => (el.style.visibility = ''));
      console.log(`    README screenshot: ${path.relative(ROOT, file)}`);
    }
  }, page);

  await step('the morph finishes: panel idle, evaluation shown, run listed as done in the view', async () => {
    if (!panel) throw new Error('no panel');
    await panel.locator('#status-text', { hasText: /^Idle/ }).waitFor({ timeout: 240000 });
    await panel.locator('#metrics:not([hidden])').waitFor({ timeout: 30000 });
    // The run's tree item: done icon, and its metrics (loss, steps, fidelity) as description.
    await viewItem('morph four-circles.csv → two-moons.csv', 'fidelity').locator('.codicon-pass').waitFor({ timeout: 30000 });
    // The default morph (ot-cfm) has no density: the tree and the evaluation card say so, and offer ot-f4f.
    await viewItem('morph four-circles.csv → two-moons.csv', 'ot-cfm (no density)').waitFor({ timeout: 30000 });
    await panel.locator('#metrics-no-density', { hasText: 'no density: flow matching; for log-densities train ot-f4f' }).waitFor({ timeout: 30000 });
    await panel.locator('#train-with-density').waitFor({ timeout: 10000 });
    await shot(page, '07-panel-after-morph');
  }, page);

  await step('palette › Flowmorph: Export Plots asks the background (light), then where (save dialog), writes a PNG at 2× and an SVG per chart, and offers Reveal', async () => {
    await runFromPalette(page, 'Flowmorph: Export Plots');
    // First the background: theme / light / transparent.
    const light = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Light background' }).first();
    await light.waitFor({ timeout: 15000 });
    for (const other of ['Theme background', 'Transparent']) await page.locator('.quick-input-widget .monaco-list-row', { hasText: other }).first().waitFor({ timeout: 5000 });
    await light.click();
    // code-server's own save dialog: a quick input holding the proposed path (flowmorph-runs/plots/<date>).
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: 15000 });
    await waitUntil(async () => /plots\/\d{4}-\d\d-\d\d-/.test(await input.inputValue()), { timeoutMs: 10000, what: 'the proposed plots folder in the save dialog' });
    await shot(page, '08-export-plots-dialog');
    await page.keyboard.press('Enter');
    const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: /saved \d+ plot\(s\) in .*plots\/\d{4}-.*PNG at 2× and SVG/ }).first();
    // The dialog may confirm the new folder's name in a second prompt: accept it too.
    await input.waitFor({ state: 'hidden', timeout: 3000 }).catch(() => page.keyboard.press('Enter'));
    await toast.waitFor({ timeout: 60000 });
    const plots = path.join(ws, 'flowmorph-runs', 'plots');
    const dirs = fs.readdirSync(plots).filter((d) => /^\d{4}-/.test(d));
    if (dirs.length !== 1) throw new Error(`expected one dated folder in ${plots}, found ${dirs}`);
    const dir = path.join(plots, dirs[0]);
    const files = fs.readdirSync(dir).sort();
    const stems = (ext) => files.filter((f) => f.endsWith(ext)).map((f) => f.slice(0, -ext.length));
    if (stems('.png').length === 0 || stems('.png').join() !== stems('.svg').join()) throw new Error(`expected a PNG and an SVG per chart in ${dir}, found ${files}`);
    for (const stem of stems('.svg')) {
      const svg = fs.readFileSync(path.join(dir, `${stem}.svg`), 'utf8');
      const w = Number(/ width="([\d.]+)"/.exec(svg)?.[1]);
      const h = Number(/ height="([\d.]+)"/.exec(svg)?.[1]);
      // Light background: a white rectangle under everything, then vector elements (no script, no raster but the heat map).
      if (!svg.split('\n').slice(2).find((l) => !l.startsWith('<defs>'))?.startsWith(`<rect x="0" y="0" width="${w}" height="${h}" fill="#ffffff"/>`)) throw new Error(`${stem}.svg does not start with a white background`);
      if (!/<(path|circle|text) /.test(svg) || /<script/i.test(svg)) throw new Error(`${stem}.svg: no vector elements, or a script`);
      const png = fs.readFileSync(path.join(dir, `${stem}.png`));
      if (Math.abs(png.readUInt32BE(16) - 2 * w) > 2) throw new Error(`${stem}.png is ${png.readUInt32BE(16)} px wide, the chart ${w} CSS px: not 2×`);
    }
    // "Reveal" selects the first file written in the Explorer (inside the new dated folder).
    await toast.getByRole('button', { name: 'Reveal' }).click();
    await page.locator('.explorer-folders-view .monaco-list-row.selected', { hasText: /\.(png|svg)$/ }).first().waitFor({ timeout: 15000 });
  }, page);

  // Themes (dark, light, both high contrasts) and the keyboard: scripts/ui-a11y.mjs.
  await themeAndKeyboardChecks({ page, panel: () => panel, step, shot });

  await step('Explorer › four-circles.csv › Flowmorph › Morph This File writes the morphed CSV', async () => {
    await page.keyboard.press('Escape');
    await runFromPalette(page, 'View: Show Explorer'); // shows it whatever the side bar showed (a click could hide it)
    await flowmorphMenu('four-circles.csv', 'Morph This File', '08-morph-file-menu');
    // It asks for the format (CSV, NPY, HDF5, Parquet): CSV.
    const csv = page.locator('.quick-input-widget .monaco-list-row', { hasText: 'CSV' }).first();
    await csv.waitFor({ timeout: 60000 });
    await csv.click();
    const toast = page.locator('.notifications-toasts .notification-list-item', { hasText: /four-circles\.morphed\.csv/ }).first();
    await toast.waitFor({ timeout: 60000 });
    const runs = path.join(ws, 'flowmorph-runs');
    const out = fs.readdirSync(runs).filter((d) => d.includes('transport-four-circles')).map((d) => path.join(runs, d, 'four-circles.morphed.csv'));
    if (out.length !== 1 || !fs.existsSync(out[0])) throw new Error(`morphed file not found in ${runs}`);
    const lines = fs.readFileSync(out[0], 'utf8').trim().split('\n').length;
    if (lines !== 513) throw new Error(`${out[0]}: ${lines} lines, expected 513 (header + 512 rows)`);
    await shot(page, '09-morph-file-done');
  }, page);

  // HDF5 and Parquet through the Explorer menu of the installed VSIX: what failed in the bundle before
  // (h5wasm's createRequire) is read by the shipped extension and worker.
  await step('Explorer › tables/crescent.h5 › Flowmorph › Preview Dataset shows its rows and columns', async () => {
    const folder = explorerItem('tables');
    if ((await folder.getAttribute('aria-expanded')) !== 'true') await folder.click();
    await explorerItem('crescent.h5').waitFor({ timeout: 15000 });
    await flowmorphMenu('crescent.h5', 'Preview Dataset');
    const tab = page.locator('.tabs-container .tab', { hasText: 'crescent.h5' }).first();
    await tab.waitFor({ timeout: 60000 });
    await previewView(page, 'crescent.h5', /^400 rows × 2 feature columns$/, 2);
    await shot(page, '10-preview-hdf5');
  }, page);

  await step('Explorer › tables/crescent.parquet › Flowmorph › Train Base Flow on This File trains it', async () => {
    await flowmorphMenu('crescent.parquet', 'Train Base Flow on This File');
    const runs = path.join(ws, 'flowmorph-runs');
    const record = (d) => {
      try {
        return JSON.parse(fs.readFileSync(path.join(runs, d, 'flowmorph-status.json'), 'utf8'));
      } catch {
        return undefined;
      }
    };
    await waitUntil(
      () => fs.readdirSync(runs).some((d) => { const r = record(d); return r?.label === 'base flow on crescent.parquet' && r.status !== 'running'; }),
      { timeoutMs: 240000, everyMs: 500, what: 'the run record of a base flow on crescent.parquet' },
    );
    const rec = fs.readdirSync(runs).map(record).find((r) => r?.label === 'base flow on crescent.parquet');
    if (rec.status !== 'done') throw new Error(`base flow on crescent.parquet: ${rec.status}: ${rec.error}`);
    if (!fs.existsSync(path.join(rec.path, 'model.json'))) throw new Error(`no model.json in ${rec.path}`);
    const errors = await page.locator('.notifications-toasts .notification-list-item', { hasText: /Flowmorph.*(fail|error)/i }).count();
    if (errors) throw new Error('an error notification is showing');
    await shot(page, '11-base-flow-on-parquet');
  }, page);
}

if (browser) await browser.close();
if (server) await server.stop();

// Restricted Mode: the same installed extension in a folder that is not trusted (workspace trust on).
if (results[0].ok && !PANEL_ONLY) {
  const rws = copyDir(path.join(ROOT, 'test-fixtures', 'ws'), path.join(tmp, 'ws-restricted'));
  const rserver = await startCodeServer({ dir: csDir, trust: true, env: { FLOWMORPH_BACKEND: process.env.FLOWMORPH_BACKEND || 'wasm' } });
  const rbrowser = await launchBrowser();
  const { page } = rbrowser;
  await page.goto(workbenchUrl(rserver, rws), { timeout: NAV_TIMEOUT_MS });
  await step('Restricted Mode: Flowmorph activates limited: Preview Dataset offered; training, morphing and the native install not', async () => {
    await page.locator('.statusbar-item', { hasText: /Restricted Mode/ }).first().waitFor({ timeout: 90000 });
    // Activated (workspaceContains *.flowmorph.json; the experiment names a source and a target): its status-bar item shows.
    await page.locator('.statusbar-item', { hasText: 'Flowmorph' }).first().waitFor({ timeout: 60000 });
    await waitUntil(() => paletteHas(page, 'Flowmorph: Preview Dataset', 3000), { timeoutMs: 60000, what: 'Flowmorph: Preview Dataset in the palette' });
    await shot(page, '10-restricted-mode');
    for (const t of ['Flowmorph: Train Morph', 'Flowmorph: Train Base Flows', 'Flowmorph: Morph This File', 'Flowmorph: Install Native Backend (tfjs-node)']) {
      if (await paletteHas(page, t, 2000)) throw new Error(`${t} is in the palette in Restricted Mode`);
    }
  }, page);
  await rbrowser.close();
  await rserver.stop();
}
// The panel a physicist reads, in a code-server of its own (scripts/ui-panel.mjs).
if (results[0].ok) {
  try {
    await panelSession({ csDir, tmp, step, shot, readme: README });
  } catch (e) {
    await step('panel session starts', () => Promise.reject(e));
  }
}
const passed = results.filter((r) => r.ok).length;
const failed = results.length - passed;
console.log(`ui: ${secs()} s, screenshots in ${path.relative(ROOT, SHOTS)}/`);
console.log(`ui: ${passed} passed, ${failed} failed`);
await shutdown(failed === 0 && passed > 0 ? 0 : 1);
