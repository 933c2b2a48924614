// Preview only: drives the panel in headless Chromium like a user and checks the messages it posts
// (through the fake host in webview/dev/feed.ts, which validates them as the extension does):
// designer edits round-trip, a bad value is flagged and not sent, the budget switch, the feature-pair
// selects, the density select, arrows toggle, and Export plots.
// Usage: node webview/dev/build.mjs && node webview/dev/interact.mjs   (exit code 1 on any failure)
import { chromium } from 'playwright-core';
import { serve } from './serve.mjs';

const server = await serve(0);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
const errors = [];
page.on('pageerror', (e) => errors.push(e.message));
let failed = 0;
const check = (name, ok, detail = '') => {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${ok ? '' : ` ${detail}`}`);
  if (!ok) failed++;
};
const posted = () => page.evaluate(() => window.__fm.posted);
const lastOf = async (type) => (await posted()).filter((m) => m.type === type).at(-1);
/** Sets a control's value (or, for a checkbox, `checked`) as the user would, and sends its change event. */
const change = (selector, key, value) =>
  page.evaluate(([sel, k, v]) => {
    const el = document.querySelector(sel);
    el[k] = v;
    el.dispatchEvent(new Event('change'));
  }, [selector, key, value]);

try {
  await page.goto(`http://127.0.0.1:${server.address().port}/webview/dev.html?theme=dark&dims=4&condition=1`);
  await page.waitForFunction(() => (window.__fm?.drawn?.morphed ?? 0) > 0 && (window.__fm?.drawn?.['curve-nll'] ?? 0) > 0, null, { timeout: 30_000 });

  // Designer: type a value, commit with Enter → designerEdit → host echo → the row shows as overridden.
  const hidden = page.locator('#f-base-flow-hidden input');
  await hidden.fill('32');
  await hidden.press('Enter');
  await page.waitForTimeout(200);
  const edit = await lastOf('designerEdit');
  check('designer edit posts designerEdit{path, value}', edit?.path === 'base.flow.hidden' && edit?.value === 32, JSON.stringify(edit));
  const overridden = await page.evaluate(() => document.querySelector('#f-base-flow-hidden').closest('.field').classList.contains('overridden'));
  check('the echoed experiment marks the field overridden', overridden);

  // A value outside the rule is flagged in place and not sent.
  const before = (await posted()).length;
  const lr = page.locator('#f-base-train-lr input');
  await lr.fill('-3');
  await lr.press('Enter');
  await page.waitForTimeout(200);
  const invalid = await page.evaluate(() => document.querySelector('#f-base-train-lr').invalid);
  const sentAfter = (await posted()).slice(before).filter((m) => m.type === 'designerEdit');
  check('an invalid value is flagged and not posted', invalid === true && sentAfter.length === 0, JSON.stringify(sentAfter));
  // −5 hidden units (typographic minus): refused with a message under the field, not saved as 5.
  const beforeHidden = (await posted()).length;
  const hiddenUnits = page.locator('#f-base-flow-hidden input');
  await hiddenUnits.fill('\u22125');
  await hiddenUnits.press('Enter');
  await page.waitForTimeout(200);
  const refusal = await page.evaluate(() => document.querySelector('#f-base-flow-hidden').closest('.field').querySelector('.field-error'));
  const message = await page.evaluate(() => { const e = document.querySelector('#f-base-flow-hidden').closest('.field').querySelector('.field-error'); return e && !e.hidden ? e.textContent : ''; });
  const sentHidden = (await posted()).slice(beforeHidden).filter((m) => m.type === 'designerEdit');
  check('−5 hidden units is refused with a message and not posted', refusal !== null && /not saved/.test(message) && sentHidden.length === 0, `${message} ${JSON.stringify(sentHidden)}`);

  // Budget kind switch: seconds → steps keeps the amount when it is valid for steps (120) and posts it.
  await change('#f-morph-train-budget-kind', 'value', 'steps');
  await page.waitForTimeout(200);
  const budget = await lastOf('designerEdit');
  check('budget kind switch posts the new budget', budget?.path === 'morph.train.steps' && budget?.value === 120, JSON.stringify(budget));

  // Feature pair: x = feature 2 ("z") → the scatter plots redraw with it on the x axis.
  await change('#x-feature', 'value', '2');
  await page.waitForTimeout(500);
  const req = await lastOf('requestDensity');
  check('changing the feature pair asks for a density of that pair', req?.xFeature === 2 && req?.yFeature === 1, JSON.stringify(req));
  const caption = await page.evaluate(() => document.querySelector('#density .density-caption').textContent);
  check('without a grid for the pair, the density card falls back to a histogram', caption === 'histogram of flow samples', caption);

  // Arrows off → 0 arrows drawn.
  await change('#arrows', 'checked', false);
  await page.waitForFunction(() => window.__fm.drawn.arrows === 0, null, { timeout: 5000 }).then(
    () => check('unticking arrows removes them', true),
    async () => check('unticking arrows removes them', false, JSON.stringify(await page.evaluate(() => window.__fm.drawn))),
  );

  // Target condition slider.
  await change('#condition-0', 'value', '0.75');
  await page.waitForTimeout(200);
  const cond = await lastOf('setTargetCondition');
  check('the condition slider posts setTargetCondition', JSON.stringify(cond?.value) === '[0.75]', JSON.stringify(cond));

  // Export plots: every chart with data as a PNG, then exportDone with the names.
  await page.click('#export-plots');
  await page.waitForTimeout(500);
  const plots = (await posted()).filter((m) => m.type === 'exportPlot');
  const done = await lastOf('exportDone');
  // 5 scatter + density + 4 marginals (dims=4) + 5 curves + the pair plot.
  check('Export plots posts 16 PNGs and exportDone', plots.length === 16 && done?.names.length === 16 && plots.every((p) => p.pngDataUrl.length > 1000), `${plots.length} ${JSON.stringify(done)}`);

  const invalidSeen = await page.evaluate(() => window.__fm.invalid);
  check('the fake host rejected nothing', invalidSeen.length === 0, JSON.stringify(invalidSeen));
  check('no page errors', errors.length === 0, errors.join('; '));
} finally {
  await browser.close();
  server.close();
}
console.log(failed === 0 ? 'interact: all checks passed' : `interact: ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
