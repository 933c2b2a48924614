// The charts' lines under high-contrast themes (webview/theme.ts): readTheme tells the two high-contrast
// themes (VS Code's body classes) from the others, and their strokes are thicker and more opaque; the
// other themes keep the panel's usual widths and opacities.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { curveStroke, readTheme, strokes } from '../../../webview/theme';

/** readTheme in a page whose body has `classes` (no CSS variables set: the fallbacks apply). */
function themeWith(...classes: string[]) {
  const g = globalThis as Record<string, unknown>;
  const saved = { document: g.document, getComputedStyle: g.getComputedStyle };
  g.document = { body: { classList: { contains: (c: string) => classes.includes(c) } }, documentElement: {} };
  g.getComputedStyle = () => ({ getPropertyValue: () => '' });
  try {
    return readTheme();
  } finally {
    Object.assign(g, saved);
  }
}

test('readTheme: high contrast (dark and light) gets the high-contrast strokes, the other themes the usual ones', () => {
  for (const [cls, hc] of [
    ['vscode-dark', false],
    ['vscode-light', false],
    ['vscode-high-contrast', true],
    ['vscode-high-contrast-light', true],
  ] as const) {
    const t = themeWith(cls);
    assert.equal(t.highContrast, hc, cls);
    assert.deepEqual(t.strokes, strokes(hc), cls);
  }
  // High contrast: axis text in the foreground colour, not the paler description colour.
  const t = themeWith('vscode-high-contrast');
  assert.equal(t.muted, t.foreground);
});

test('high-contrast lines are thicker and at least as opaque as the usual ones, which keep their values', () => {
  const usual = strokes(false);
  const hc = strokes(true);
  assert.deepEqual(usual, { line: 1.6, thin: 1, arrow: 0.7, alpha: { line: 0.95, dashed: 0.7, faint: 0.45, unity: 0.5, arrow: 0.4 } });
  for (const k of ['line', 'thin', 'arrow'] as const) assert.ok(hc[k] >= 1.4 * usual[k], `${k}: ${hc[k]} px vs ${usual[k]} px`);
  assert.ok(hc.thin >= 1.5 && hc.line >= 2.5, 'no hairlines in high contrast');
  for (const k of Object.keys(usual.alpha) as (keyof typeof usual.alpha)[]) assert.ok(hc.alpha[k] >= usual.alpha[k] && hc.alpha[k] >= 0.7, `alpha.${k}`);
  // Plain and dashed lines fully opaque; a faint (training) line still paler than its validation line.
  assert.equal(hc.alpha.line, 1);
  assert.equal(hc.alpha.dashed, 1);
  assert.ok(hc.alpha.faint < hc.alpha.line);
});

test('curveStroke: faint lines thin and pale, dashed ones less opaque than plain ones (outside high contrast)', () => {
  const s = strokes(false);
  assert.deepEqual(curveStroke(s, {}), { width: 1.6, alpha: 0.95 });
  assert.deepEqual(curveStroke(s, { dashed: true }), { width: 1.6, alpha: 0.7 });
  assert.deepEqual(curveStroke(s, { faint: true }), { width: 1, alpha: 0.45 });
  assert.deepEqual(curveStroke(strokes(true), { faint: true }), { width: 1.5, alpha: 0.8 });
  assert.deepEqual(curveStroke(strokes(true), { dashed: true }), { width: 2.5, alpha: 1 });
});
