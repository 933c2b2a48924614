// Preview only: the README's screenshots of the physicist's views, from the standalone preview
// (webview/dev.html with the fake host of feed.ts, under the production CSP):
//   media/screenshots/marginals-dijet.png       marginals with ratio panels, a 5-D conditional pair (m_jj = 3.5 TeV)
//   media/screenshots/marginals-dijet-slider.png the same after the slider moved to m_jj = 4.3 TeV
//   media/screenshots/pairplot-dijet.png        the pair plot and the before/after table
//   media/screenshots/heatmap.png               the density heat map of a base flow
// Usage: node webview/dev/build.mjs && node webview/dev/readme-shots.mjs [--out DIR]
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const i = process.argv.indexOf('--out');
const out = path.resolve(i > 0 ? process.argv[i + 1] : path.join(root, 'media', 'screenshots'));
fs.mkdirSync(out, { recursive: true });
const server = await serve(0);
const base = `http://127.0.0.1:${server.address().port}/webview/dev.html`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
const errors = [];
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1 });
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${base}?theme=dark&pair=dijet`);
  await page.waitForFunction(() => (window.__fm?.drawn?.['marginal-4'] ?? 0) > 0 && (window.__fm?.drawn?.pairplot ?? 0) > 0, null, { timeout: 30_000 });
  await page.waitForTimeout(500);
  const marginals = page.locator('#marginals');
  await page.locator('.plot-controls').scrollIntoViewIfNeeded();
  const shot = async (name, locators) => {
    const boxes = await Promise.all(locators.map((l) => l.boundingBox()));
    const x = Math.min(...boxes.map((b) => b.x));
    const y = Math.min(...boxes.map((b) => b.y));
    const r = Math.max(...boxes.map((b) => b.x + b.width));
    const bottom = Math.max(...boxes.map((b) => b.y + b.height));
    await page.screenshot({ path: path.join(out, name), clip: { x, y, width: r - x, height: bottom - y }, fullPage: true });
    console.log(`wrote ${path.join(out, name)}`);
  };
  await shot('marginals-dijet.png', [page.locator('.plot-controls'), marginals]);
  await shot('pairplot-dijet.png', [page.locator('.pair-grid')]);
  // Move the slider: the fake host answers like the real one, with the morph at that condition against the
  // target rows of its bin.
  const before = await page.evaluate(() => window.__fm.posted.length);
  await page.locator('#condition-0').evaluate((el) => {
    el.value = '4.3';
    el.dispatchEvent(new Event('input'));
    el.dispatchEvent(new Event('change'));
  });
  await page.waitForFunction((n) => window.__fm.posted.slice(n).some((m) => m.type === 'setTargetCondition'), before);
  await page.waitForTimeout(1200);
  await shot('marginals-dijet-slider.png', [page.locator('.plot-controls'), marginals]);
  await page.close();

  const p2 = await browser.newPage({ viewport: { width: 1440, height: 1000 }, deviceScaleFactor: 1 });
  p2.on('pageerror', (e) => errors.push(e.message));
  await p2.goto(`${base}?theme=dark`);
  await p2.waitForFunction(() => (window.__fm?.drawn?.density ?? 0) > 0, null, { timeout: 30_000 });
  await p2.waitForTimeout(500);
  await p2.locator('#density').screenshot({ path: path.join(out, 'heatmap.png') });
  console.log(`wrote ${path.join(out, 'heatmap.png')}`);
} finally {
  await browser.close();
  server.close();
}
if (errors.length) {
  console.error(errors.join('\n'));
  process.exit(1);
}
