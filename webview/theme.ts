/**
 * Colours from the VS Code theme (CSS variables VS Code sets on the webview's <html>), re-read when the
 * theme changes (VS Code swaps the body's vscode-light / vscode-dark / vscode-high-contrast class).
 */

export interface Theme {
  foreground: string;
  muted: string;
  background: string;
  grid: string;
  font: string;
  fontSize: number;
  blue: string;
  orange: string;
  green: string;
  purple: string;
  red: string;
  yellow: string;
  /** A high-contrast theme (dark or light). */
  highContrast: boolean;
  /** Line widths and opacities of the charts (thicker and more opaque in high contrast). */
  strokes: Strokes;
}

/**
 * How the charts draw their lines: widths in CSS px and opacities. High-contrast themes get thicker, (nearly)
 * opaque lines: a pale 1-px line is what those themes are there to avoid. Outside them the values are the
 * panel's usual ones.
 */
export interface Strokes {
  /** A data line: a curve, a histogram's outline, the pair plot's diagonal histograms. */
  line: number;
  /** A secondary line: a training curve behind its validation one, a reference histogram, the ratio's markers, error bars and unity line. */
  thin: number;
  /** The morph's displacement arrows (many, over the clouds). */
  arrow: number;
  /** Opacities: a data line, a dashed one (levels, bounds), a faint one (training curves), the ratio's unity line, the arrows. */
  alpha: { line: number; dashed: number; faint: number; unity: number; arrow: number };
}

export function strokes(highContrast: boolean): Strokes {
  return highContrast
    ? { line: 2.5, thin: 1.5, arrow: 1, alpha: { line: 1, dashed: 1, faint: 0.8, unity: 1, arrow: 0.7 } }
    : { line: 1.6, thin: 1, arrow: 0.7, alpha: { line: 0.95, dashed: 0.7, faint: 0.45, unity: 0.5, arrow: 0.4 } };
}

/** A curve's width and opacity: faint (training) lines thin and pale, dashed ones (levels) less opaque. */
export function curveStroke(s: Strokes, l: { faint?: boolean; dashed?: boolean }): { width: number; alpha: number } {
  return { width: l.faint ? s.thin : s.line, alpha: l.faint ? s.alpha.faint : l.dashed ? s.alpha.dashed : s.alpha.line };
}

function cssVar(name: string, fallback: string): string {
  const v = getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  return v || fallback;
}

export function readTheme(): Theme {
  const cls = document.body.classList;
  const dark = !cls.contains('vscode-light') && !cls.contains('vscode-high-contrast-light');
  // High contrast (dark and light): axis text in the foreground colour, grid lines in the contrast border.
  const hc = cls.contains('vscode-high-contrast') || cls.contains('vscode-high-contrast-light');
  const foreground = cssVar('--vscode-editor-foreground', dark ? '#cccccc' : '#3b3b3b');
  return {
    foreground,
    muted: hc ? foreground : cssVar('--vscode-descriptionForeground', dark ? '#9d9d9d' : '#717171'),
    background: cssVar('--vscode-editor-background', dark ? '#1f1f1f' : '#ffffff'),
    grid: hc ? cssVar('--vscode-contrastBorder', foreground) : cssVar('--vscode-charts-lines', dark ? 'rgba(204,204,204,0.5)' : 'rgba(59,59,59,0.5)'),
    font: cssVar('--vscode-font-family', 'system-ui, sans-serif'),
    fontSize: parseFloat(cssVar('--vscode-font-size', '13')) || 13,
    blue: cssVar('--vscode-charts-blue', '#3794ff'),
    orange: cssVar('--vscode-charts-orange', '#d18616'),
    green: cssVar('--vscode-charts-green', '#89d185'),
    purple: cssVar('--vscode-charts-purple', '#b180d7'),
    red: cssVar('--vscode-charts-red', '#f14c4c'),
    yellow: cssVar('--vscode-charts-yellow', '#cca700'),
    highContrast: hc,
    strokes: strokes(hc),
  };
}

/** `color` (any CSS colour) with alpha `a`, resolved through a canvas so named and rgb() colours work too. */
export function withAlpha(color: string, a: number): string {
  const ctx = scratch();
  ctx.fillStyle = '#000';
  ctx.fillStyle = color;
  const c = ctx.fillStyle; // normalised: '#rrggbb' or 'rgba(r, g, b, a)'
  if (c.startsWith('#')) {
    const r = parseInt(c.slice(1, 3), 16);
    const g = parseInt(c.slice(3, 5), 16);
    const b = parseInt(c.slice(5, 7), 16);
    return `rgba(${r}, ${g}, ${b}, ${a})`;
  }
  const m = c.match(/rgba?\(([^,]+),([^,]+),([^,)]+)(?:,([^)]+))?\)/);
  if (!m) return color;
  const base = m[4] !== undefined ? parseFloat(m[4]) : 1;
  return `rgba(${m[1].trim()}, ${m[2].trim()}, ${m[3].trim()}, ${base * a})`;
}

let scratchCtx: CanvasRenderingContext2D | undefined;
function scratch(): CanvasRenderingContext2D {
  scratchCtx ??= document.createElement('canvas').getContext('2d')!;
  return scratchCtx;
}

/** Calls `onChange` when VS Code switches theme. */
export function watchTheme(onChange: () => void): void {
  new MutationObserver(() => onChange()).observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
}
