/**
 * Export Plots' images: a chart as PNG at `scale` device pixels per CSS pixel (2: sharp in slides and
 * papers, whatever the screen), by redrawing it once at that ratio and back (animations are off, so
 * Chart.js redraws synchronously inside resize()).
 */
import type { Chart } from 'chart.js';

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
