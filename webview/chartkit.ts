/**
 * chart.js set-up shared by the scatter plots and the curves: only the pieces used are registered (the
 * bundle stays small), animations are off, and two plugins:
 * - `fmBackground` paints the card background under each chart, so exported PNGs are not transparent;
 * - `fmDrawn` records, after each dataset is drawn, how many elements it drew, for reportDrawn.
 */
import {
  Chart,
  Decimation,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  ScatterController,
  Tooltip,
} from 'chart.js';
import type { Plugin } from 'chart.js';
import { legendKeysPlugin } from './legendKeys';
import { withAlpha } from './theme';
import type { Theme } from './theme';

Chart.register(ScatterController, LineController, PointElement, LineElement, LinearScale, LogarithmicScale, Legend, Tooltip, Decimation, Filler);
// After Legend: the keyboard's legend buttons follow the legend's entries (legendKeys.ts).
Chart.register(legendKeysPlugin);

export { Chart };

/** Per dataset: the key its drawn count is reported under (none: not reported on its own). */
export interface Keyed {
  drawnKey?: string;
}

export type DrawnSink = (key: string, count: number) => void;

let background = '#1f1f1f';
export function setChartBackground(color: string): void {
  background = color;
}

const backgroundPlugin: Plugin<any> = {
  id: 'fmBackground',
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.globalCompositeOperation = 'destination-over';
    ctx.fillStyle = background;
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

/** Builds the counting plugin: per-dataset counts under drawnKey, and the chart's total under its name. */
export function drawnPlugin(chartName: string, sink: DrawnSink): Plugin<any> {
  let total = 0;
  return {
    id: 'fmDrawn',
    beforeDatasetsDraw() {
      total = 0;
    },
    afterDatasetDraw(chart, args) {
      const meta = chart.getDatasetMeta(args.index);
      const ds = chart.data.datasets[args.index] as Keyed;
      const n = meta.hidden ? 0 : (chart.data.datasets[args.index].data as unknown[]).length;
      total += n;
      if (ds.drawnKey) sink(ds.drawnKey, n);
    },
    afterDatasetsDraw() {
      sink(chartName, total);
    },
  };
}

export function applyGlobalTheme(t: Theme): void {
  Chart.defaults.color = t.muted;
  Chart.defaults.borderColor = withAlpha(t.grid, 0.35);
  Chart.defaults.font.family = t.font;
  Chart.defaults.font.size = Math.max(10, t.fontSize - 2);
  setChartBackground(t.background);
}

export const basePlugins: Plugin<any>[] = [backgroundPlugin];

/** Legend entries in the order the series are listed (not the drawing order). */
export function byIndex(a: { datasetIndex?: number }, b: { datasetIndex?: number }): number {
  return (a.datasetIndex ?? 0) - (b.datasetIndex ?? 0);
}

/** Options every chart of the panel shares: no animation, data already in {x, y} form, sized by its box. */
export const COMMON_OPTIONS = {
  animation: false,
  parsing: false,
  normalized: true,
  responsive: true,
  maintainAspectRatio: false,
  layout: { padding: 2 },
} as const;

/**
 * How a histogram drawn as a line of points (edge k, value of bin k) holds each value: chart.js's
 * 'before' draws from a point horizontally at its own value to the next point, then vertically. ('after'
 * draws the next point's value from this point on: every bin shifted one to the left, the first bin a
 * vertical line at the lower edge.)
 */
export const HISTOGRAM_STEP = 'before' as const;
