// Preview only: the README's screenshot of Preview Dataset's view (media/screenshots/preview-dataset.png):
// the real summary of test-fixtures/ws/dijet/dijet-sim.csv (five jet features, mjj the condition), made
// by the worker's code (out/src/worker/preview.js), drawn by the shipped bundle (dist/preview.js) with
// media/preview.css under the Dark Modern variables of webview/dev/themes.json.
// Usage: npm run build && node webview/dev/preview-shot.mjs [--out FILE]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';
import { themesCss } from './themes.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const i = process.argv.indexOf('--out');
const out = path.resolve(i > 0 ? process.argv[i + 1] : path.join(root, 'media', 'screenshots', 'preview-dataset.png'));
const { previewDataset } = createRequire(import.meta.url)(path.join(root, 'out', 'src', 'worker', 'preview.js'));
const file = path.join(root, 'test-fixtures', 'ws', 'dijet', 'dijet-sim.csv');
const preview = await previewDataset(file, { conditionColumns: ['mjj'] });
preview.file = '/home/physicist/dijet/dijet-sim.csv'; // not this machine's path

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-preview-shot-'));
for (const f of ['dist/preview.js', 'media/preview.css']) fs.copyFileSync(path.join(root, f), path.join(dir, path.basename(f)));
fs.writeFileSync(path.join(dir, 'themes.css'), themesCss(root));
fs.writeFileSync(
  path.join(dir, 'index.html'),
  '<!DOCTYPE html><html data-preview-theme="dark"><head><link rel="stylesheet" href="themes.css"><link rel="stylesheet" href="preview.css"></head>' +
    '<body class="vscode-dark"><div id="app" aria-busy="true"></div><script src="preview.js"></script></body></html>',
);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, deviceScaleFactor: 1 });
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  let drawn;
  const done = new Promise((r) => (drawn = r));
  page.on('console', (m) => m.text().includes('drawn') && drawn());
  await page.goto(`file://${path.join(dir, 'index.html')}`);
  await page.evaluate((p) => window.postMessage({ type: 'preview', preview: p }, '*'), preview);
  await Promise.race([done, new Promise((_, rej) => setTimeout(() => rej(new Error('the view did not draw in 30 s')), 30_000))]);
  if (errors.length) throw new Error(errors.join('\n'));
  await page.screenshot({ path: out, fullPage: true });
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
