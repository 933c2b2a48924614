// UI checks of issue #13's habits, on the panel of the installed VSIX (called by scripts/ui.mjs once a
// morph has trained; the four themes are checked by scripts/ui-panel.mjs, which switches them through
// Preferences: Color Theme): the chart legends from the keyboard (Tab reaches a legend button, Space hides and shows its series), and
// the designer reached by Tab.
import { waitUntil } from './vscode-lib.mjs';



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

export async function themeAndKeyboardChecks({ page, panel, step, shot }) {
  await page.keyboard.press('Escape'); // no notification or quick input left over
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
