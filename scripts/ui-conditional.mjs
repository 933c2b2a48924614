// NOT YET CALLED by scripts/ui.mjs: its first step passed, the slider and heat-map steps failed in the last
// run (the slider's answer and the heat map's caption were not seen within the timeouts; not yet looked into).
// UI steps of a conditional experiment in the installed VSIX (for scripts/ui.mjs, with its page and helpers): train a small conditional morph from the panel, move the target-condition
// slider and wait for the morph at that condition, then for the heat map of the base flow at that condition.
// Screenshots: test-results/screenshots/12-conditional-slider.png, 13-conditional-heatmap.png; with
// FLOWMORPH_README_SCREENSHOTS=1 also media/screenshots/vscode-slider.png and vscode-heatmap.png (README).
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { ROOT, runFromPalette, webviewFrame } from './vscode-lib.mjs';

const require = createRequire(import.meta.url);

/**
 * @param {{ page: import('playwright-core').Page, ws: string,
 *   step: (name: string, fn: () => Promise<void>, page?: unknown) => Promise<boolean>,
 *   shot: (page: unknown, name: string, target?: unknown) => Promise<string>, readme: boolean, readmeShots: string }} o
 */
export async function conditionalSteps({ page, ws, step, shot, readme, readmeShots }) {
  let panel;
  const { writeToyCsv } = require(path.join(ROOT, 'out', 'src', 'host', 'datasets.js'));
  const saveForReadme = async (name) => {
    if (!readme) return;
    fs.mkdirSync(readmeShots, { recursive: true });
    await page.locator('.notifications-toasts').evaluate((el) => (el.style.visibility = 'hidden'));
    await page.screenshot({ path: path.join(readmeShots, name) });
    await page.locator('.notifications-toasts').evaluate((el) => (el.style.visibility = ''));
    console.log(`    README screenshot: media/screenshots/${name}`);
  };

  await step('conditional experiment (rotation toys, condition c0): the panel trains a morph and shows the slider', async () => {
    const rows = readme ? 4000 : 800;
    writeToyCsv(path.join(ws, 'cond-source.csv'), { name: 'fourcircles', rows, seed: 1, condition: 'rotation' });
    writeToyCsv(path.join(ws, 'cond-target.csv'), { name: 'checkerboard', rows, seed: 2, condition: 'rotation' });
    const file = path.join(ws, 'experiment.flowmorph.json');
    const exp = JSON.parse(fs.readFileSync(file, 'utf8'));
    const small = { stacks: 2, blocks: 1, hidden: 32, bins: 8 };
    exp.source = { path: 'cond-source.csv', conditionColumns: ['c0'] };
    exp.target = { path: 'cond-target.csv', conditionColumns: ['c0'] };
    exp.base = { ...exp.base, flow: small, train: { steps: readme ? 600 : 40 } };
    exp.morph = { ...exp.morph, mode: 'concat', top: small, train: { steps: readme ? 400 : 30 } };
    fs.writeFileSync(file, JSON.stringify(exp, null, 2));
    // The panel again (an editor opened since may have hidden it, and a hidden webview is rebuilt).
    await runFromPalette(page, 'View: Close All Editors');
    await runFromPalette(page, 'Flowmorph: Open Flowmorph');
    panel = await webviewFrame(page, async (f) => (await f.locator('#app .app-name').count()) > 0 && (await f.locator('#app[aria-busy]').count()) === 0);
    await panel.locator('#train-morph').click();
    await panel.locator('#status-text', { hasText: /Training/ }).waitFor({ timeout: 60000 });
    await panel.locator('#status-text', { hasText: /^Idle/ }).waitFor({ timeout: readme ? 900000 : 300000 });
    // With a conditional morph run the host sends the slider (the target condition's mean ± 2σ).
    await panel.locator('#condition-0').waitFor({ state: 'attached', timeout: 60000 });
  }, page);

  await step('the slider morphs to c0 = 0.8 (in a worker) against the target rows of that bin', async () => {
    if (!panel) throw new Error('no panel');
    const slider = panel.locator('#condition-0');
    await slider.scrollIntoViewIfNeeded();
    await slider.evaluate((el) => {
      el.value = '0.8';
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new Event('change', { bubbles: true }));
    });
    // The host's answer shows in the panel's status message (an info message, fading after 8 s).
    await panel.locator('.status-message', { hasText: /Morphed to c0 = 0\.8/ }).waitFor({ timeout: 120000 });
    await panel.locator('.plot-controls').scrollIntoViewIfNeeded();
    await shot(page, '12-conditional-slider');
    await saveForReadme('vscode-slider.png');
  }, page);

  await step('the heat map is the base flow\'s density q(x) at that condition', async () => {
    const density = panel.locator('#density');
    await density.scrollIntoViewIfNeeded();
    await density.filter({ hasText: /flow density q\(x\) at c0 = 0\.8/ }).waitFor({ timeout: 180000 });
    await shot(page, '13-conditional-heatmap');
    await saveForReadme('vscode-heatmap.png');
  }, page);
}
