// Preview only: opens webview/dev.html in headless Chromium (playwright-core + /usr/bin/chromium), waits
// until the panel reports (reportDrawn) that every plot drew, checks that nothing failed (page errors,
// console errors, CSP violations, messages the fake host rejected), and saves screenshots.
//
// Usage: node webview/dev/build.mjs && node webview/dev/screenshot.mjs [--out DIR] [--width 1440] [query ...]
//   each query (default: "theme=dark" and "theme=light") is a URL query for dev.html, e.g. "theme=light&dims=4".
// Screenshots: DIR/panel-<query>.png (default DIR: out/webview-dev/shots). Exit code 1 if anything failed.
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const args = process.argv.slice(2);
const opt = (name, d) => {
  const i = args.indexOf(name);
  if (i < 0) return d;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const outDir = path.resolve(opt('--out', path.join(root, 'out', 'webview-dev', 'shots')));
const width = Number(opt('--width', '1440'));
const queries = args.length > 0 ? args : ['theme=dark', 'theme=light'];
fs.mkdirSync(outDir, { recursive: true });

const server = await serve(0);
const base = `http://127.0.0.1:${server.address().port}/webview/dev.html`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update'],
});
let failures = 0;
try {
  for (const q of queries) {
    const page = await browser.newPage({ viewport: { width, height: 1000 }, deviceScaleFactor: 1 });
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      // HTTP failures are reported with their URL below (the console line has none).
      if (/^Failed to load resource/.test(m.text())) return;
      if (m.type() === 'error' || /Content Security Policy|Refused to/i.test(m.text())) problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) problems.push(`HTTP ${r.status()} ${r.url()}`);
    });
    const t0 = Date.now();
    await page.goto(`${base}?${q}`);
    const empty = /mode=empty/.test(q);
    // What must have drawn: the panel's own reportDrawn counts (see webview/charts.ts, curves.ts).
    const want = empty ? {} : { source: 1, target: 1, sourceModel: 1, targetModel: 1, morphed: 1, morphedInverse: 1, baseTransfer: 1, density: 1, arrows: 1, 'curve-nll': 1, 'curve-morph': 1, 'curve-displacement': 1, 'curve-fidelity': 1, 'curve-lr': 1, 'marginal-0': 1 };
    // The dijet pair's morph follows the condition slider (not paired with the source rows: no arrows);
    // it has five features, so the pair plot draws too.
    if (/pair=dijet/.test(q)) {
      delete want.arrows;
      Object.assign(want, { 'marginal-4': 1, pairplot: 1 });
    }
    try {
      await page.waitForFunction(
        (w) => {
          const d = window.__fm?.drawn ?? {};
          return Object.keys(d).length > 0 && Object.entries(w).every(([k, n]) => (d[k] ?? 0) >= n);
        },
        want,
        { timeout: 30_000 },
      );
    } catch {
      problems.push(`not everything drew: ${JSON.stringify(await page.evaluate(() => window.__fm?.drawn))}`);
    }
    await page.waitForTimeout(600); // let a last throttled frame land
    const fm = await page.evaluate(() => window.__fm);
    for (const inv of fm.invalid) problems.push(`fake host rejected a message: ${inv}`);
    // The panel reports its own errors and CSP violations to the host as log messages.
    for (const m of fm.posted) if (m.type === 'log') problems.push(`panel logged ${m.level}: ${m.message}`);
    const name = `panel-${q.replace(/[^a-z0-9=&]/gi, '').replace(/[=&]/g, '-')}.png`;
    await page.screenshot({ path: path.join(outDir, name), fullPage: true });
    const total = Object.entries(fm.drawn).filter(([k]) => !k.includes('-')).reduce((s, [, n]) => s + n, 0);
    console.log(`${q}: ${Date.now() - t0} ms, drawn ${JSON.stringify(fm.drawn)} (scatter + arrow + cell total ${total}) → ${path.relative(root, path.join(outDir, name))}`);
    for (const p of problems) console.log(`  PROBLEM ${p}`);
    failures += problems.length;
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
}
process.exit(failures > 0 ? 1 : 0);
