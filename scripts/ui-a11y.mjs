// UI checks of issue #13's looks and habits, on the panel of the installed VSIX (called by scripts/ui.mjs
// once a morph has trained): a screenshot of the panel in each of dark, light and both high-contrast themes
// (the panel follows each: body class, chart colours read again, focus drawn in the theme's focus colour),
// the chart legends from the keyboard (Tab reaches a legend button, Space hides and shows its series), and
// the designer reached by Tab.
import fs from 'node:fs';
import { waitUntil } from './vscode-lib.mjs';

const THEMES = [
  { label: 'Default High Contrast', body: 'vscode-high-contrast', shot: '11-theme-high-contrast-dark' },
  { label: 'Default High Contrast Light', body: 'vscode-high-contrast-light', shot: '12-theme-high-contrast-light' },
  { label: 'Default Light Modern', body: 'vscode-light', shot: '13-theme-light' },
  { label: 'Default Dark Modern', body: 'vscode-dark', shot: '14-theme-dark' },
];

/** Sets workbench.colorTheme in the user settings file (VS Code applies the change as it is written). */
function setTheme(settingsFile, label) {
  const old = fs.existsSync(settingsFile) ? JSON.parse(fs.readFileSync(settingsFile, 'utf8')) : {};
  const tmp = `${settingsFile}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ ...old, 'workbench.colorTheme': label }, null, 2));
  fs.renameSync(tmp, settingsFile);
}

/** The focused element of the panel: what it is and how its focus is drawn. */
const focused = (panel) =>
  panel.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return { tag: 'body' };
    const s = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    return {
      tag: el.tagName.toLowerCase(),
      cls: el.className,
      pressed: el.getAttribute('aria-pressed'),
      text: el.textContent?.trim(),
      inDesigner: !!el.closest('.designer'),
      outline: `${s.outlineStyle} ${s.outlineWidth}`,
      outlineColor: s.outlineColor,
      visible: r.width > 4 && r.height > 4,
    };
  });

/** Presses Tab from the panel's Export button until `want(focused)` holds (at most `max` times); the last focus. */
async function tabUntil(page, p, want, max) {
  await p.locator('#export-plots').focus();
  let f;
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    f = await focused(p);
    if (want(f)) break;
  }
  return f;
}

export async function themeAndKeyboardChecks({ page, panel, step, shot, settingsFile }) {
  await page.keyboard.press('Escape'); // no notification or quick input left over
  for (const t of THEMES) {
    await step(`theme ${t.label}: the panel follows it (screenshot ${t.shot})`, async () => {
      if (!panel()) throw new Error('no panel');
      setTheme(settingsFile, t.label);
      await waitUntil(async () => panel().evaluate((c) => document.body.classList.contains(c), t.body), { timeoutMs: 15000, what: `body.${t.body} in the panel` });
      if (t.body === 'vscode-high-contrast' || t.body === 'vscode-high-contrast-light') {
        // High contrast: the theme's contrast border is defined and the focus outline uses it.
        const border = await panel().evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--vscode-contrastActiveBorder').trim());
        if (!border) throw new Error('--vscode-contrastActiveBorder is not set in a high-contrast theme');
        await panel().locator('.legend-key').first().focus();
        const f = await focused(panel());
        if (!f.visible || !/^solid 2px$/.test(f.outline)) throw new Error(`focused legend button not drawn with a 2px outline in high contrast: ${JSON.stringify(f)}`);
      }
      await page.waitForTimeout(300);
      await shot(page, t.shot);
    }, page);
  }

  await step('keyboard: Tab reaches a chart legend button (shown, focus visible); Space hides its series and shows it again', async () => {
    const p = panel();
    if (!p) throw new Error('no panel');
    let f = await tabUntil(page, p, (x) => String(x.cls).includes('legend-key'), 200);
    if (!String(f?.cls).includes('legend-key')) throw new Error(`Tab did not reach a legend button; ended on ${JSON.stringify(f)}`);
    if (!f.visible || f.outline.startsWith('none')) throw new Error(`the focused legend button is not visible with a focus outline: ${JSON.stringify(f)}`);
    if (f.pressed !== 'true') throw new Error(`a shown series' button says aria-pressed=${f.pressed}`);
    const label = f.text;
    await page.keyboard.press('Space');
    f = await focused(p);
    if (f.text !== label || f.pressed !== 'false') throw new Error(`after Space: ${JSON.stringify(f)} (expected ${label} with aria-pressed=false)`);
    await shot(page, '15-legend-keyboard');
    await page.keyboard.press('Space');
    f = await focused(p);
    if (f.pressed !== 'true') throw new Error(`after a second Space: aria-pressed=${f.pressed}`);
  }, page);

  await step('keyboard: the designer is reached by Tab', async () => {
    const p = panel();
    if (!p) throw new Error('no panel');
    const f = await tabUntil(page, p, (x) => x.inDesigner, 400);
    if (!f?.inDesigner) throw new Error(`Tab did not reach the designer; ended on ${JSON.stringify(f)}`);
    await shot(page, '16-designer-keyboard');
  }, page);
}
