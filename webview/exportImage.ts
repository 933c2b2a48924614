/**
 * Export Plots' images: a chart as PNG at `scale` device pixels per CSS pixel (2: sharp in slides and
 * papers, whatever the screen), by redrawing it once at that ratio and back (animations are off, so
 * Chart.js redraws synchronously inside resize()); and as SVG, by drawing it once more into the recorder
 * of svgCanvas.ts. The background choice: the theme's, a light theme's, or transparent.
 */
import type { Chart } from 'chart.js';
import type { ExportBackground } from '../src/protocol/webview';
import { recordSvg, SvgRecorder, type SvgEnv } from './svgCanvas';
import type { Theme } from './theme';

export const EXPORT_SCALE = 2;

export function chartPng(chart: Chart, scale = EXPORT_SCALE): string {
  if (chart.currentDevicePixelRatio >= scale) return chart.toBase64Image('image/png', 1);
  const prev = chart.options.devicePixelRatio;
  chart.options.devicePixelRatio = scale;
  chart.resize();
  try {
    return chart.toBase64Image('image/png', 1);
  } finally {
    chart.options.devicePixelRatio = prev;
    chart.resize();
  }
}

/** The chart as an SVG document: the same draw as on screen, recorded as vector elements. */
export function chartSvg(chart: Chart): string {
  const ctx = chart.ctx;
  const t = ctx.getTransform();
  const rec = new SvgRecorder(browserEnv(), chart.width, chart.height, 1 / chart.currentDevicePixelRatio, [t.a, t.b, t.c, t.d, t.e, t.f]);
  // Lines keep a cached Path2D of the real kind: dropped so that this draw builds recording ones.
  const forgetPaths = () => chart.data.datasets.forEach((_, i) => ((chart.getDatasetMeta(i).dataset as unknown as { _path?: unknown } | undefined) ?? ({} as { _path?: unknown }))._path = undefined);
  forgetPaths();
  try {
    recordSvg(ctx, rec, () => chart.draw());
  } finally {
    forgetPaths();
    chart.draw();
  }
  return rec.svg();
}

/**
 * The colours of an export: the panel's theme, VS Code's Light Modern colours (dark text on white) in the
 * theme's font, or the theme's colours on no background.
 */
export function exportTheme(background: ExportBackground, current: Theme): Theme {
  if (background === 'theme') return current;
  if (background === 'transparent') return { ...current, background: 'rgba(0, 0, 0, 0)' };
  return {
    ...current,
    foreground: '#3b3b3b',
    muted: '#5f5f5f',
    background: '#ffffff',
    grid: 'rgba(59, 59, 59, 0.5)',
    blue: '#1a85ff',
    orange: '#c46a00',
    green: '#388a34',
    purple: '#652d90',
    red: '#e51400',
    yellow: '#a27100',
  };
}

let scratch: CanvasRenderingContext2D | undefined;
const ctx2d = () => (scratch ??= document.createElement('canvas').getContext('2d')!);

/** Text metrics, colours and images through a scratch canvas of the page. */
export function browserEnv(): SvgEnv {
  return {
    measure(font, text) {
      const c = ctx2d();
      c.font = font;
      const m = c.measureText(text);
      return { width: m.width, ascent: m.fontBoundingBoxAscent ?? m.actualBoundingBoxAscent, descent: m.fontBoundingBoxDescent ?? m.actualBoundingBoxDescent };
    },
    color(style) {
      if (typeof style !== 'string') return undefined;
      const c = ctx2d();
      c.fillStyle = '#000000';
      c.fillStyle = style;
      const v = String(c.fillStyle); // '#rrggbb', or 'rgba(r, g, b, a)' when translucent
      if (v.startsWith('#')) return { rgb: v, alpha: 1 };
      const m = /rgba?\(\s*(\d+),\s*(\d+),\s*(\d+)(?:,\s*([\d.e-]+))?\)/.exec(v);
      if (!m) return undefined;
      const hex = [m[1], m[2], m[3]].map((x) => Number(x).toString(16).padStart(2, '0')).join('');
      return { rgb: `#${hex}`, alpha: m[4] === undefined ? 1 : Number(m[4]) };
    },
    image(source) {
      if (source instanceof HTMLCanvasElement) return source.toDataURL('image/png');
      if (source instanceof ImageBitmap || source instanceof HTMLImageElement) {
        const c = document.createElement('canvas');
        c.width = source.width;
        c.height = source.height;
        c.getContext('2d')!.drawImage(source, 0, 0);
        return c.toDataURL('image/png');
      }
      return undefined;
    },
  };
}
