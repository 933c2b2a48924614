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
