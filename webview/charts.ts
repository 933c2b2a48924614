/**
 * The scatter plots (data vs. flow samples, the morph g, the base-transfer baseline beside it, the inverse
 * g⁻¹) and the density heat map of a base flow.
 *
 * All scatter plots share one point budget (POINT_BUDGET, water-filled over the series shown) and the
 * same axis ranges, so the panels can be compared by eye. When the host marks a snapshot `paired`
 * (morphed[i] = g(source[i])), the morph plot can draw arrows x → g(x) for ARROW_BUDGET points.
 *
 * Drawn counts reported (see chartkit): per cloud (`source`, `sourceModel`, `target`, `targetModel`,
 * `morphed`, `baseTransfer`, `morphedInverse`), per chart (`scatter-source`, `scatter-target`,
 * `scatter-morph`, `scatter-transfer`, `scatter-inverse`: all points incl. faint references), `arrows`
 * (segments) and `density` (grid cells).
 */
import type { Plugin, ScatterDataPoint } from 'chart.js';
import type { CloudName, DensityGrid } from '../src/protocol/webview';
import { Chart, COMMON_OPTIONS, basePlugins, byIndex, drawnPlugin } from './chartkit';
import type { DrawnSink, Keyed } from './chartkit';
import { card, h } from './dom';
import type { Card } from './dom';
import { ARROW_BUDGET, POINT_BUDGET, allocate, densityPixels, fmt, histogramGrid, project, robustRange, strideIndices, viridis } from './sampling';
import type { PanelModel, ViewState } from './state';
import { withAlpha } from './theme';
import type { Theme } from './theme';

type ColorKey = 'blue' | 'orange' | 'green' | 'purple' | 'red' | 'yellow';

interface SeriesSpec {
  cloud: CloudName;
  label: string;
  /** A faint reference cloud (what the main series should look like) rather than the subject. */
  ref?: boolean;
  color?: ColorKey;
}

interface ScatterSpec {
  id: string;
  title: string;
  subtitle: string;
  series: SeriesSpec[];
  /** Shown while the subject cloud is missing. */
  empty: string;
  arrows?: boolean;
}

/** One side's data against its base flow's samples. */
function sideScatter(side: 'source' | 'target', title: string, data: ColorKey, model: ColorKey): ScatterSpec {
  const series: SeriesSpec[] = [
    { cloud: side, label: `${side} data`, color: data },
    { cloud: `${side}Model`, label: `${side} flow samples`, color: model },
  ];
  return { id: `scatter-${side}`, title, subtitle: 'data vs. base-flow samples', series, empty: `No ${side} data yet` };
}

/** A mapped cloud (the subject) over the faint data of the side it should match. */
function mappedScatter(id: string, title: string, matches: 'source' | 'target', subject: SeriesSpec, empty: string, more: Partial<ScatterSpec> = {}): ScatterSpec {
  const series: SeriesSpec[] = [{ cloud: matches, label: `${matches} data`, ref: true }, subject];
  return { id, title, subtitle: `should match the ${matches} data`, series, empty, ...more };
}

const SCATTERS: ScatterSpec[] = [
  sideScatter('source', 'Source', 'blue', 'green'),
  sideScatter('target', 'Target', 'orange', 'purple'),
  mappedScatter('scatter-morph', 'Morph g: source → target', 'target', { cloud: 'morphed', label: 'g(source)', color: 'red' }, 'Train the morph to see g(source)', { arrows: true }),
  mappedScatter('scatter-transfer', 'Base transfer: source → target', 'target', { cloud: 'baseTransfer', label: 'base transfer', color: 'yellow' }, 'Train both base flows to see the baseline', {
    subtitle: 'baseline: through both base flows',
  }),
  mappedScatter('scatter-inverse', 'Inverse g⁻¹: target → source', 'source', { cloud: 'morphedInverse', label: 'g⁻¹(target)', color: 'green' }, 'Train the morph to see g⁻¹(target)'),
];

type ScatterDataset = { label: string; data: ScatterDataPoint[]; backgroundColor: string; pointRadius: number; order: number } & Keyed;

interface ScatterPanel {
  spec: ScatterSpec;
  card: Card;
  chart: Chart<'scatter'>;
}

export class ScatterBoard {
  private readonly panels: ScatterPanel[] = [];
  private readonly density: { card: Card; chart: Chart<'scatter'>; select: HTMLElement & { value: string }; grid?: DensityGrid; image?: HTMLCanvasElement; fromHistogram: boolean };
  private arrowSegments: [number, number, number, number][] = [];
  private arrowsWanted = false;

  constructor(
    grid: HTMLElement,
    private readonly model: PanelModel,
    private readonly view: ViewState,
    private theme: Theme,
    private readonly sink: DrawnSink,
    private readonly onViewChange: () => void,
  ) {
    for (const spec of SCATTERS.slice(0, 2)) this.panels.push(this.makeScatter(spec));
    this.density = this.makeDensity();
    for (const spec of SCATTERS.slice(2)) this.panels.push(this.makeScatter(spec));
    grid.append(this.panels[0].card.root, this.panels[1].card.root, this.density.card.root);
    for (const p of this.panels.slice(2)) grid.append(p.card.root);
  }

  /** Every chart with something drawn, for Export plots. */
  exportable(): { name: string; chart: Chart }[] {
    const out: { name: string; chart: Chart }[] = [];
    for (const p of this.panels) if (p.chart.data.datasets.some((d) => d.data.length > 0)) out.push({ name: p.spec.id, chart: p.chart as unknown as Chart });
    if (this.density.grid) out.push({ name: 'density', chart: this.density.chart as unknown as Chart });
    return out;
  }

  retheme(t: Theme): void {
    this.theme = t;
    this.render();
  }

  private makeScatter(spec: ScatterSpec): ScatterPanel {
    const c = card(spec.id, spec.title, 'square', spec.subtitle || undefined);
    const datasets: ScatterDataset[] = spec.series.map((s, i) => ({
      label: s.label,
      data: [],
      backgroundColor: 'transparent',
      pointRadius: s.ref ? 1.1 : 1.4,
      drawnKey: s.ref ? undefined : s.cloud,
      // chart.js paints the lowest `order` last (on top): later series go over the faint reference.
      order: spec.series.length - i,
    }));
    const plugins: Plugin<any>[] = [...basePlugins, drawnPlugin(spec.id, this.sink)];
    if (spec.arrows) {
      plugins.push(this.arrowPlugin());
      const box = h('vscode-checkbox', { id: 'arrows', label: 'arrows x → g(x)', class: 'header-control' }) as HTMLElement & { checked: boolean };
      box.checked = this.view.arrows;
      box.title = `Draw x → g(x) for up to ${ARROW_BUDGET} points (when the host sends paired clouds)`;
      box.addEventListener('change', () => {
        this.view.arrows = box.checked;
        this.onViewChange();
      });
      c.header.append(box);
    }
    const chart = new Chart(c.canvas, {
      type: 'scatter',
      data: { datasets: datasets as never },
      options: scatterOptions(),
      plugins,
    });
    return { spec, card: c, chart };
  }

  private makeDensity(): ScatterBoard['density'] {
    const c = card('density', 'Density of a base flow', 'square');
    const select = h('vscode-single-select', { class: 'header-control', 'aria-label': 'density of', id: 'density-of' }) as HTMLElement & { value: string };
    select.append(h('vscode-option', { value: 'source' }, 'source flow'), h('vscode-option', { value: 'target' }, 'target flow'));
    select.addEventListener('change', () => {
      const v = select.value === 'source' ? 'source' : 'target';
      if (v !== this.view.densityOf) {
        this.view.densityOf = v;
        this.onViewChange();
        this.renderDensity();
      }
    });
    c.header.append(select);
    const bar = h('canvas', { class: 'colorbar', width: '128', height: '8' });
    const ctx = bar.getContext('2d');
    if (ctx) for (let i = 0; i < 128; i++) {
      const [r, g, b] = viridis(i / 127);
      ctx.fillStyle = `rgb(${r},${g},${b})`;
      ctx.fillRect(i, 0, 1, 8);
    }
    const caption = h('span', { class: 'density-caption' });
    c.footer.append(h('span', {}, '0'), bar, h('span', {}, 'max'), caption);
    c.footer.hidden = false;
    const self = this;
    const heat: Plugin<any> = {
      id: 'fmHeatmap',
      beforeDatasetsDraw(chart) {
        const d = self.density;
        if (!d.grid || !d.image) return;
        const { ctx, chartArea, scales } = chart;
        const x0 = scales.x.getPixelForValue(d.grid.xMin);
        const x1 = scales.x.getPixelForValue(d.grid.xMax);
        const y0 = scales.y.getPixelForValue(d.grid.yMax);
        const y1 = scales.y.getPixelForValue(d.grid.yMin);
        ctx.save();
        ctx.beginPath();
        ctx.rect(chartArea.left, chartArea.top, chartArea.right - chartArea.left, chartArea.bottom - chartArea.top);
        ctx.clip();
        ctx.imageSmoothingEnabled = !d.fromHistogram;
        ctx.drawImage(d.image, x0, y0, x1 - x0, y1 - y0);
        ctx.restore();
      },
    };
    const chart = new Chart(c.canvas, {
      type: 'scatter',
      data: { datasets: [] },
      options: scatterOptions(),
      plugins: [...basePlugins, heat],
    });
    chart.options.plugins!.legend!.display = false;
    return { card: c, chart, select, fromHistogram: false };
  }

  /** x → g(x) segments over the morph plot, for a spread subset of points. */
  private arrowPlugin(): Plugin<any> {
    return {
      id: 'fmArrows',
      afterDatasetsDraw: (chart) => {
        const segs = this.arrowsWanted ? this.arrowSegments : [];
        const { ctx, chartArea, scales } = chart;
        ctx.save();
        ctx.beginPath();
        ctx.rect(chartArea.left, chartArea.top, chartArea.right - chartArea.left, chartArea.bottom - chartArea.top);
        ctx.clip();
        ctx.strokeStyle = withAlpha(this.theme.foreground, this.theme.strokes.alpha.arrow);
        ctx.lineWidth = this.theme.strokes.arrow;
        ctx.beginPath();
        for (const [ax, ay, bx, by] of segs) {
          const x0 = scales.x.getPixelForValue(ax);
          const y0 = scales.y.getPixelForValue(ay);
          const x1 = scales.x.getPixelForValue(bx);
          const y1 = scales.y.getPixelForValue(by);
          ctx.moveTo(x0, y0);
          ctx.lineTo(x1, y1);
          const len = Math.hypot(x1 - x0, y1 - y0);
          if (len > 6) {
            // A small open arrowhead at g(x).
            const ux = (x1 - x0) / len;
            const uy = (y1 - y0) / len;
            const s = 4;
            ctx.moveTo(x1, y1);
            ctx.lineTo(x1 - s * ux - s * 0.6 * uy, y1 - s * uy + s * 0.6 * ux);
            ctx.moveTo(x1, y1);
            ctx.lineTo(x1 - s * ux + s * 0.6 * uy, y1 - s * uy - s * 0.6 * ux);
          }
        }
        ctx.stroke();
        ctx.restore();
        this.sink('arrows', segs.length);
      },
    };
  }

  /** The selected feature pair, clamped to the features there are. */
  private pair(): [number, number] {
    const d = this.model.dims;
    const xf = Math.min(this.view.xFeature, Math.max(0, d - 1));
    const yf = d > 1 ? Math.min(this.view.yFeature, d - 1) : xf;
    return [xf, yf];
  }

  /** Redraws every scatter plot from the model's clouds and the selected feature pair. */
  render(): void {
    const m = this.model;
    const cols = m.cols;
    const [xf, yf] = this.pair();
    const t = this.theme;
    // One budget over every series shown (references included).
    const slots: { panel: ScatterPanel; index: number; data?: Float32Array }[] = [];
    for (const p of this.panels) p.spec.series.forEach((s, index) => slots.push({ panel: p, index, data: m.clouds[s.cloud] }));
    const rows = slots.map((s) => (s.data && cols > 0 ? Math.floor(s.data.length / cols) : 0));
    const share = allocate(rows, POINT_BUDGET);
    // Shared axes: ranges from the data clouds (flow samples may have wild tails early in training).
    const dataClouds = [m.clouds.source, m.clouds.target].filter((c): c is Float32Array => !!c);
    const rangeClouds = dataClouds.length > 0 ? dataClouds : Object.values(m.clouds).filter((c): c is Float32Array => !!c);
    const xr = cols > 0 ? robustRange(rangeClouds, cols, xf) : ([-1, 1] as [number, number]);
    const yr = cols > 0 ? robustRange(rangeClouds, cols, yf) : ([-1, 1] as [number, number]);
    slots.forEach((s, i) => {
      const spec = s.panel.spec.series[s.index];
      const ds = s.panel.chart.data.datasets[s.index] as unknown as ScatterDataset;
      ds.data = s.data ? project(s.data, cols, xf, yf, share[i]) : [];
      ds.backgroundColor = spec.ref ? withAlpha(t.foreground, 0.16) : withAlpha(t[spec.color ?? 'blue'], 0.55);
    });
    this.arrowsWanted = this.view.arrows && m.paired;
    this.arrowSegments = [];
    const src = m.clouds.source;
    const mor = m.clouds.morphed;
    if (this.arrowsWanted && src && mor && src.length === mor.length && cols > 0) {
      for (const r of strideIndices(src.length / cols, ARROW_BUDGET)) {
        const seg: [number, number, number, number] = [src[r * cols + xf], src[r * cols + yf], mor[r * cols + xf], mor[r * cols + yf]];
        if (seg.every(Number.isFinite)) this.arrowSegments.push(seg);
      }
    }
    for (const p of this.panels) {
      const subject = p.spec.series.find((s) => !s.ref)!;
      const hasSubject = !!m.clouds[subject.cloud] || (p.spec.series.length > 1 && !!m.clouds[p.spec.series[1].cloud]);
      p.card.setNote(hasSubject ? undefined : p.spec.empty);
      setAxes(p.chart, xr, yr, m.featureName(xf), m.featureName(yf), t);
      p.chart.update('none');
    }
    this.renderDensity(xr, yr);
  }

  /** The heat map: the host's log-density grid if it sent one, else a histogram of the flow's samples. */
  renderDensity(xr?: [number, number], yr?: [number, number]): void {
    const m = this.model;
    const d = this.density;
    const which = this.view.densityOf;
    d.select.value = which;
    const cols = m.cols;
    const [xf, yf] = this.pair();
    let grid = m.density.get(which);
    d.fromHistogram = false;
    if (!grid || grid.xFeature !== xf || grid.yFeature !== yf) {
      const samples = m.clouds[which === 'source' ? 'sourceModel' : 'targetModel'];
      if (samples && cols > 1) {
        const dataClouds = [m.clouds.source, m.clouds.target].filter((c): c is Float32Array => !!c);
        const xs = xr ?? robustRange(dataClouds.length ? dataClouds : [samples], cols, xf);
        const ys = yr ?? robustRange(dataClouds.length ? dataClouds : [samples], cols, yf);
        grid = histogramGrid(samples, cols, xf, yf, xs, ys, 48);
        d.fromHistogram = true;
      }
    }
    d.grid = grid;
    const caption = d.card.footer.querySelector('.density-caption')!;
    if (!grid) {
      d.image = undefined;
      d.card.setNote(`Train the ${which} flow to see its density`);
      caption.textContent = '';
      setAxes(d.chart, xr ?? [-1, 1], yr ?? [-1, 1], m.featureName(xf), m.featureName(yf), this.theme);
      d.chart.update('none');
      this.sink('density', 0);
      return;
    }
    const { rgba, cells } = densityPixels(grid);
    const img = document.createElement('canvas');
    img.width = grid.nx;
    img.height = grid.ny;
    img.getContext('2d')!.putImageData(new ImageData(rgba as unknown as Uint8ClampedArray<ArrayBuffer>, grid.nx, grid.ny), 0, 0);
    d.image = img;
    d.card.setNote(undefined);
    const at = !d.fromHistogram && grid.condition?.length ? ` at ${grid.condition.map((v, i) => `${m.condition?.names[i] ?? `c${i}`} = ${fmt(v, 3)}`).join(', ')}` : '';
    caption.textContent = d.fromHistogram ? 'histogram of flow samples' : `flow density q(x)${at}`;
    setAxes(d.chart, [grid.xMin, grid.xMax], [grid.yMin, grid.yMax], m.featureName(grid.xFeature), m.featureName(grid.yFeature), this.theme);
    d.chart.options.scales!.x!.grid!.display = false;
    d.chart.options.scales!.y!.grid!.display = false;
    d.chart.update('none');
    this.sink('density', cells);
  }
}

function scatterOptions(): Chart<'scatter'>['options'] {
  return {
    ...COMMON_OPTIONS,
    events: [],
    plugins: {
      legend: { position: 'bottom', labels: { usePointStyle: true, pointStyle: 'circle', boxWidth: 6, boxHeight: 6, padding: 8, sort: byIndex } },
      tooltip: { enabled: false },
      // Decimation applies to line charts only; the scatter budget is enforced in render().
      decimation: { enabled: false },
    },
    scales: {
      // includeBounds off: the data-driven min/max stay the axis ends but are not labelled (no "-4.37").
      x: { type: 'linear', title: { display: true, text: '' }, ticks: { maxTicksLimit: 7, includeBounds: false } },
      y: { type: 'linear', title: { display: true, text: '' }, ticks: { maxTicksLimit: 7, includeBounds: false } },
    },
  } as Chart<'scatter'>['options'];
}

function setAxes(chart: Chart<'scatter'>, xr: [number, number], yr: [number, number], xName: string, yName: string, t: Theme): void {
  const sc = chart.options.scales as Record<'x' | 'y', any>;
  for (const [axis, r, name] of [['x', xr, xName], ['y', yr, yName]] as const) {
    sc[axis].min = r[0];
    sc[axis].max = r[1];
    sc[axis].title.text = name;
    sc[axis].title.color = t.muted;
    sc[axis].ticks.color = t.muted;
    sc[axis].grid = { ...(sc[axis].grid ?? {}), color: withAlpha(t.grid, 0.18), display: true };
  }
  const legend = chart.options.plugins?.legend;
  if (legend && legend.labels) legend.labels.color = t.foreground;
}
