/**
 * The standard plot of the field: for every feature, the 1-D marginal histograms of source, target, the
 * morph g(source) and the base transfer (densities, so clouds of different sizes compare), with a ratio
 * panel underneath: each divided by the target, bin by bin, with statistical (Poisson) error bars.
 *
 * A 1-D dataset gets the same card with the fitted densities of the base flows (histograms of their
 * samples) drawn on top, instead of a scatter plot of x against x.
 *
 * Drawn counts reported: `marginal-<i>` (points over every series of feature i's chart).
 */
import type { Plugin, ScatterDataPoint } from 'chart.js';
import type { CloudName } from '../src/protocol/webview';
import { Chart, COMMON_OPTIONS, HISTOGRAM_STEP, basePlugins, byIndex, drawnPlugin } from './chartkit';
import type { DrawnSink } from './chartkit';
import { card } from './dom';
import type { Card } from './dom';
import { binsFor, column, histogram, ratio } from './marginals-math';
import type { Histogram } from './marginals-math';
import { robustRange } from './sampling';
import type { PanelModel } from './state';
import { withAlpha } from './theme';
import type { Theme } from './theme';

type ColorKey = 'blue' | 'orange' | 'green' | 'purple' | 'red' | 'yellow';

interface HistSpec {
  cloud: CloudName;
  label: string;
  color: ColorKey;
  /** The reference everything is divided by: drawn filled. */
  reference?: boolean;
  dashed?: boolean;
  /** Drawn only for 1-D data (the fitted density on top of the histogram). */
  oneD?: boolean;
  /** Divided by the target in the ratio panel. */
  ratio?: boolean;
}

const HISTS: HistSpec[] = [
  { cloud: 'target', label: 'target', color: 'orange', reference: true },
  { cloud: 'source', label: 'source', color: 'blue', ratio: true },
  { cloud: 'morphed', label: 'morph g(source)', color: 'red', ratio: true },
  { cloud: 'baseTransfer', label: 'base transfer', color: 'yellow', dashed: true, ratio: true },
  { cloud: 'sourceModel', label: 'source flow (fit)', color: 'green', dashed: true, oneD: true },
  { cloud: 'targetModel', label: 'target flow (fit)', color: 'purple', dashed: true, oneD: true },
];
const RATIOS = HISTS.filter((s) => s.ratio);
/** The ratio axis spans this range; points outside are drawn at its edge as triangles. */
export const RATIO_RANGE: [number, number] = [0.5, 1.5];

type LineDataset = {
  label: string;
  data: ScatterDataPoint[];
  yAxisID: string;
  hidden?: boolean;
  /** Error bar half-lengths per point (ratio series). */
  errors?: number[];
  /** Left out of the legend (ratio series, the line at 1). */
  noLegend?: boolean;
  [k: string]: unknown;
};

interface MarginalPanel {
  feature: number;
  card: Card;
  chart: Chart<'line'>;
}

export class MarginalBoard {
  private panels: MarginalPanel[] = [];

  constructor(
    private readonly grid: HTMLElement,
    private readonly model: PanelModel,
    private theme: Theme,
    private readonly sink: DrawnSink,
  ) {}

  exportable(): { name: string; chart: Chart }[] {
    return this.panels.filter((p) => p.chart.data.datasets.some((d) => d.data.length > 0)).map((p) => ({ name: `marginal-${p.feature}`, chart: p.chart as unknown as Chart }));
  }

  retheme(t: Theme): void {
    this.theme = t;
    this.render();
  }

  private ensure(d: number): void {
    if (this.panels.length === d) return;
    for (const p of this.panels) p.chart.destroy();
    this.panels = [];
    this.grid.replaceChildren();
    for (let f = 0; f < d; f++) {
      const c = card(`marginal-${f}`, '', 'marginal', 'ratio panel: each ÷ target, ±1σ statistical');
      const datasets: LineDataset[] = [
        ...HISTS.map((s, i) => ({ label: s.label, data: [], yAxisID: 'y', order: HISTS.length - i + 10 })),
        ...RATIOS.map((s) => ({ label: `${s.label} ÷ target`, data: [], yAxisID: 'ratio', noLegend: true, order: 1 })),
        { label: 'ratio 1', data: [], yAxisID: 'ratio', noLegend: true, order: 20 },
      ];
      const chart = new Chart(c.canvas, {
        type: 'line',
        data: { datasets: datasets as never },
        options: marginalOptions(),
        plugins: [...basePlugins, errorBarPlugin(), drawnPlugin(`marginal-${f}`, this.sink)],
      });
      this.grid.append(c.root);
      this.panels.push({ feature: f, card: c, chart });
    }
  }

  render(): void {
    const m = this.model;
    const cols = m.cols;
    const d = cols > 0 ? m.dims : 0;
    this.ensure(cols > 0 && d === cols ? d : 0);
    const t = this.theme;
    const oneD = cols === 1;
    for (const p of this.panels) {
      const f = p.feature;
      p.card.root.querySelector('.card-title')!.textContent = m.featureName(f);
      const dataClouds = [m.clouds.source, m.clouds.target].filter((c): c is Float32Array => !!c);
      const [lo, hi] = robustRange(dataClouds.length > 0 ? dataClouds : Object.values(m.clouds).filter((c): c is Float32Array => !!c), cols, f, 0.001, 0.999, 0.02);
      const hists = new Map<CloudName, Histogram>();
      const tn = m.clouds.target ? Math.floor(m.clouds.target.length / cols) : 0;
      const bins = binsFor(tn || 400);
      let any = false;
      HISTS.forEach((s, i) => {
        const ds = p.chart.data.datasets[i] as unknown as LineDataset;
        const data = m.clouds[s.cloud];
        const show = !!data && (!s.oneD || oneD);
        ds.hidden = !show;
        ds.data = [];
        if (!show) return;
        const hist = histogram(column(data, cols, f), lo, hi, bins);
        hists.set(s.cloud, hist);
        ds.data = hist.density.map((y, k) => ({ x: hist.edges[k], y }));
        ds.data.push({ x: hist.edges[hist.edges.length - 1], y: hist.density[hist.density.length - 1] ?? 0 });
        any = true;
        const color = t[s.color];
        ds.stepped = HISTOGRAM_STEP;
        ds.borderColor = withAlpha(color, s.reference ? (t.highContrast ? 1 : 0.9) : t.strokes.alpha.line);
        ds.backgroundColor = withAlpha(color, 0.22);
        ds.fill = s.reference ? 'origin' : false;
        ds.borderWidth = s.reference ? t.strokes.thin : t.strokes.line;
        ds.borderDash = s.dashed ? [5, 3] : [];
        ds.pointRadius = 0;
      });
      const target = hists.get('target');
      RATIOS.forEach((s, i) => {
        const ds = p.chart.data.datasets[HISTS.length + i] as unknown as LineDataset;
        const h = hists.get(s.cloud);
        const pts = target && h ? ratio(h, target) : [];
        const [rlo, rhi] = RATIO_RANGE;
        ds.data = pts.map((q) => ({ x: q.x, y: Math.min(rhi, Math.max(rlo, q.y)) }));
        ds.errors = pts.map((q) => (q.y < rlo || q.y > rhi ? 0 : q.err));
        ds.pointStyle = pts.map((q) => (q.y > rhi || q.y < rlo ? 'triangle' : 'circle'));
        ds.rotation = pts.map((q) => (q.y < rlo ? 180 : 0));
        ds.hidden = pts.length === 0;
        ds.showLine = false;
        const color = t[s.color];
        ds.borderColor = withAlpha(color, t.strokes.alpha.line);
        ds.backgroundColor = withAlpha(color, t.strokes.alpha.line);
        ds.pointRadius = 2;
        ds.borderWidth = t.strokes.thin;
      });
      const unity = p.chart.data.datasets[HISTS.length + RATIOS.length] as unknown as LineDataset;
      unity.data = target ? [{ x: lo, y: 1 }, { x: hi, y: 1 }] : [];
      unity.borderColor = withAlpha(t.foreground, t.strokes.alpha.unity);
      unity.borderWidth = t.strokes.thin;
      unity.borderDash = [4, 3];
      unity.pointRadius = 0;
      const sc = p.chart.options.scales as Record<'x' | 'y' | 'ratio', any>;
      sc.x.min = lo;
      sc.x.max = hi;
      sc.x.title.text = m.featureName(f);
      for (const axis of ['x', 'y', 'ratio'] as const) {
        sc[axis].ticks.color = t.muted;
        sc[axis].title.color = t.muted;
        sc[axis].grid = { color: withAlpha(t.grid, 0.18) };
      }
      p.chart.options.plugins!.legend!.labels!.color = t.foreground;
      p.card.setNote(any ? undefined : 'No data yet');
      // What was plotted, for the UI test (scripts/ui-panel.mjs): each histogram's counts per bin and the
      // ratio points drawn, so a check fails when the plotted data did not change (or was not drawn).
      const root = p.card.root;
      for (const s of HISTS) {
        const hist = hists.get(s.cloud);
        if (hist) root.setAttribute(`data-counts-${s.cloud}`, hist.counts.join(' '));
        else root.removeAttribute(`data-counts-${s.cloud}`);
      }
      root.dataset.ratioPoints = String(RATIOS.reduce((n, _, i) => n + (p.chart.data.datasets[HISTS.length + i].data.length), 0));
      p.chart.update('none');
    }
  }
}

function marginalOptions(): Chart<'line'>['options'] {
  return {
    ...COMMON_OPTIONS,
    events: [],
    plugins: {
      legend: {
        position: 'bottom',
        labels: { boxWidth: 14, boxHeight: 2, padding: 8, sort: byIndex, filter: (item, data) => !(data.datasets[item.datasetIndex!] as unknown as LineDataset).noLegend && !(data.datasets[item.datasetIndex!] as unknown as LineDataset).hidden },
      },
      tooltip: { enabled: false },
      decimation: { enabled: false },
    },
    scales: {
      x: { type: 'linear', title: { display: true, text: '' }, ticks: { maxTicksLimit: 7, includeBounds: false } },
      // Two panels stacked on one x axis (chart.js stacks the first-listed axis at the bottom): the ratio
      // panel (weight 1.6) under the histograms (weight 3).
      ratio: {
        type: 'linear',
        axis: 'y',
        position: 'left',
        stack: 'marginal',
        stackWeight: 1.6,
        offset: true,
        min: RATIO_RANGE[0],
        max: RATIO_RANGE[1],
        title: { display: true, text: '÷ target' },
        ticks: { stepSize: 0.5, autoSkip: false },
      },
      y: { type: 'linear', axis: 'y', position: 'left', stack: 'marginal', stackWeight: 3, beginAtZero: true, title: { display: true, text: 'density' }, ticks: { maxTicksLimit: 5 } },
    },
  } as Chart<'line'>['options'];
}

/** Vertical ±err bars on every point of datasets that carry `errors`, clipped to their own axis. */
function errorBarPlugin(): Plugin<'line'> {
  return {
    id: 'fmErrorBars',
    afterDatasetsDraw(chart) {
      const { ctx } = chart;
      chart.data.datasets.forEach((raw, i) => {
        const ds = raw as unknown as LineDataset;
        if (!ds.errors || ds.hidden) return;
        const meta = chart.getDatasetMeta(i);
        const y = chart.scales[ds.yAxisID];
        if (!y) return;
        ctx.save();
        ctx.beginPath();
        ctx.rect(chart.chartArea.left, y.top, chart.chartArea.right - chart.chartArea.left, y.bottom - y.top);
        ctx.clip();
        ctx.strokeStyle = String(ds.borderColor ?? '#888');
        ctx.lineWidth = Number(ds.borderWidth ?? 1);
        ctx.beginPath();
        ds.data.forEach((pt, k) => {
          const e = ds.errors![k];
          if (!(e > 0) || !meta.data[k]) return;
          const px = meta.data[k].x;
          ctx.moveTo(px, y.getPixelForValue(Number(pt.y) - e));
          ctx.lineTo(px, y.getPixelForValue(Number(pt.y) + e));
        });
        ctx.stroke();
        ctx.restore();
      });
    },
  };
}
