/**
 * Training curves: NLL of the base flows (train and validation), the morph's objective in both
 * directions, mean displacement against the optimal-transport lower bound W1, fidelity (sliced W1 between
 * morphed and target samples) against its noise floor, and the learning rate on a log axis.
 *
 * Redrawn by main.ts at most a few times per second; long runs stay cheap because the model thins old
 * points (CURVE_CAP) and chart.js's LTTB decimation reduces what is drawn to ~ the canvas width.
 * Drawn counts are reported per chart: `curve-nll`, `curve-morph`, `curve-displacement`, `curve-fidelity`,
 * `curve-lr` (points over all series).
 */
import type { ScatterDataPoint } from 'chart.js';
import { Chart, COMMON_OPTIONS, basePlugins, byIndex, drawnPlugin } from './chartkit';
import type { DrawnSink } from './chartkit';
import { compareSeries, levelData, seriesExtent } from './compare';
import { card } from './dom';
import type { Card } from './dom';
import type { Point } from './sampling';
import type { PanelModel } from './state';
import { curveStroke, withAlpha } from './theme';
import type { Theme } from './theme';

type ColorKey = 'blue' | 'orange' | 'green' | 'purple' | 'red' | 'yellow' | 'foreground';

interface LineSpec {
  key: string;
  label: string;
  color: ColorKey;
  /** Validation / evaluation points: markers and a heavier line. */
  marked?: boolean;
  dashed?: boolean;
  faint?: boolean;
  /** A level (bound / floor): drawn as a horizontal line at its latest value across the chart. */
  level?: boolean;
  /** On the right-hand axis (another unit: see CurveSpec.y2Title). */
  y2?: boolean;
}

interface CurveSpec {
  id: string;
  title: string;
  subtitle?: string;
  yTitle: string;
  /** Title of the right-hand axis, for lines marked y2. */
  y2Title?: string;
  log?: boolean;
  lines: LineSpec[];
  empty: string;
}

/** A training loss (faint) and its validation points (marked): keys `<key>:train` and `<key>:val`. */
function trainAndValidation(key: string, who: string, color: ColorKey): LineSpec[] {
  const label = (what: string): string => (who ? `${who} ${what}` : what);
  return [
    { key: `${key}:train`, label: label('train'), color, faint: true },
    { key: `${key}:val`, label: label('validation'), color, marked: true },
  ];
}

/** An evaluated figure of the morph beside the same figure of the base transfer (the baseline). */
function morphAndTransfer(key: string, morphLabel: string): LineSpec[] {
  return [
    { key: `${key}:morph`, label: morphLabel, color: 'red', marked: true },
    { key: `${key}:transfer`, label: 'base transfer', color: 'yellow', marked: true },
  ];
}

/** A level (bound, floor, expected value): dashed, in the foreground colour. */
function level(key: string, label: string): LineSpec {
  return { key, label, color: 'foreground', dashed: true, level: true };
}

const CURVES: CurveSpec[] = [
  {
    id: 'curve-nll',
    title: 'Base flows: negative log-likelihood',
    yTitle: 'NLL (nats)',
    lines: [
      ...trainAndValidation('nll:source', 'source', 'blue'),
      ...trainAndValidation('nll:target', 'target', 'orange'),
      ...trainAndValidation('nll:fit', '', 'green'),
      level('ref:nll', 'expected: entropy of N(2, 1), ½·log(2πe) ≈ 1.419'),
    ],
    empty: 'Train base flows to see their NLL',
  },
  {
    id: 'curve-morph',
    title: 'Morph: objective',
    subtitle: 'forward −log q_t(g(x)) − log|det J|, inverse likewise',
    yTitle: 'loss (nats)',
    lines: [
      ...trainAndValidation('morph', '', 'red'),
      { key: 'morph:forward', label: 'forward (source → target)', color: 'purple' },
      { key: 'morph:inverse', label: 'inverse (target → source)', color: 'green' },
    ],
    empty: 'Train the morph to see its loss',
  },
  {
    id: 'curve-displacement',
    title: 'Mean displacement ‖g(x) − x‖',
    subtitle: 'held out, in data units; OT W1: the least any map can move (normal to be under it until on target)',
    yTitle: 'distance (data units)',
    y2Title: 'training batches (standardised)',
    lines: [
      { key: 'disp:morph', label: 'morph (training batches, standardised, right axis)', color: 'red', faint: true, y2: true },
      ...morphAndTransfer('dispEval', 'morph (held out)'),
      level('ot:w1', 'OT lower bound W1'),
    ],
    empty: 'Train the morph to see how far it moves points',
  },
  {
    id: 'curve-fidelity',
    title: 'Fidelity: sliced W1(morphed, target)',
    subtitle: 'lower is better; the floor is two target samples',
    yTitle: 'sliced W1',
    lines: [
      ...morphAndTransfer('fid', 'morph'),
      level('fid:floor', 'noise floor'),
    ],
    empty: 'Evaluate a morph to see its fidelity',
  },
  {
    id: 'curve-lr',
    title: 'Learning rate',
    yTitle: 'lr',
    log: true,
    lines: [
      { key: 'lr:source', label: 'source', color: 'blue' },
      { key: 'lr:target', label: 'target', color: 'orange', dashed: true },
      { key: 'lr:fit', label: 'fit', color: 'green' },
      { key: 'lr:morph', label: 'morph', color: 'red' },
    ],
    empty: 'No training yet',
  },
];

interface CurvePanel {
  spec: CurveSpec;
  card: Card;
  chart: Chart<'line'>;
  /** The chart's own datasets (one per line), put back when a comparison ends. */
  own: Chart<'line'>['data']['datasets'];
}

export class CurveBoard {
  private readonly panels: CurvePanel[];

  constructor(
    grid: HTMLElement,
    private readonly model: PanelModel,
    private theme: Theme,
    sink: DrawnSink,
  ) {
    this.panels = CURVES.map((spec) => {
      const c = card(spec.id, spec.title, 'wide', spec.subtitle);
      const chart = new Chart(c.canvas, {
        type: 'line',
        // Lowest `order` is painted last: later lines (validation markers, levels) go on top.
        data: { datasets: spec.lines.map((l, i) => ({ label: l.label, data: [] as ScatterDataPoint[], order: spec.lines.length - i, yAxisID: l.y2 ? 'y2' : 'y' })) },
        options: lineOptions(spec),
        plugins: [...basePlugins, drawnPlugin(spec.id, sink)],
      });
      grid.append(c.root);
      return { spec, card: c, chart, own: chart.data.datasets };
    });
  }

  exportable(): { name: string; chart: Chart }[] {
    return this.panels.filter((p) => p.chart.data.datasets.some((d) => d.data.length > 0)).map((p) => ({ name: p.spec.id, chart: p.chart as unknown as Chart }));
  }

  retheme(t: Theme): void {
    this.theme = t;
    this.render();
  }

  render(): void {
    const t = this.theme;
    for (const p of this.panels) {
      let any = false;
      let points = 0;
      const style = (ds: any, l: LineSpec, data: Point[], run = 0) => {
        if (data.length > 0 && !l.level) any = true;
        if (!l.level) points += data.length;
        const color = l.color === 'foreground' ? t.foreground : t[l.color];
        ds.data = data;
        ds.hidden = data.length === 0;
        const stroke = curveStroke(t.strokes, l);
        ds.borderColor = withAlpha(color, stroke.alpha);
        ds.backgroundColor = withAlpha(color, t.strokes.alpha.line);
        ds.borderWidth = stroke.width;
        // Compared runs: the first as its lines are, the others dashed (levels dotted) and with square markers.
        ds.borderDash = run === 0 ? (l.dashed ? [6, 4] : []) : l.dashed || l.level ? [2, 3] : [7, 3];
        ds.pointStyle = run === 0 ? 'circle' : 'rect';
        ds.pointRadius = l.marked ? (data.length > 60 ? 0 : 2.5) : 0;
        ds.pointHoverRadius = 3;
        ds.tension = 0;
        ds.spanGaps = true;
      };
      const compared = this.model.compare;
      if (compared) {
        const series = compareSeries(p.spec.id, p.spec.lines, compared, p.spec.log);
        p.chart.data.datasets = series.map((s) => {
          const ds = { label: s.label, data: [] as ScatterDataPoint[], order: series.length - s.run * p.spec.lines.length - s.line, yAxisID: p.spec.lines[s.line].y2 ? 'y2' : 'y', drawnKey: s.drawnKey };
          style(ds, p.spec.lines[s.line], s.data, s.run);
          return ds;
        });
      } else {
        if (p.chart.data.datasets !== p.own) p.chart.data.datasets = p.own;
        // x-extent of the chart's real series, for the level lines.
        const [x0, x1] = seriesExtent(p.spec.lines, [this.model.curves]);
        p.spec.lines.forEach((l, i) => {
          const s = this.model.curves.get(l.key) ?? [];
          let data: Point[] = l.level && s.length > 0 ? levelData(s, x0, x1) : s;
          if (p.spec.log) data = data.filter((q) => q.y > 0);
          style(p.chart.data.datasets[i], l, data);
        });
      }
      const sc = p.chart.options.scales as Record<'x' | 'y' | 'y2', any>;
      if (sc.y2) sc.y2.display = p.chart.data.datasets.some((d) => d.yAxisID === 'y2' && !(d as any).hidden);
      for (const axis of sc.y2 ? (['x', 'y', 'y2'] as const) : (['x', 'y'] as const)) {
        sc[axis].ticks.color = t.muted;
        sc[axis].title.color = t.muted;
        sc[axis].grid = { color: withAlpha(t.grid, 0.18), drawOnChartArea: axis !== 'y2' };
      }
      p.chart.options.plugins!.legend!.labels!.color = t.foreground;
      // Hide legend entries of series with no data (e.g. `fit` in a source/target experiment).
      p.chart.options.plugins!.legend!.labels!.filter = (item) => !(p.chart.data.datasets[item.datasetIndex!] as any).hidden;
      p.card.setNote(any ? undefined : p.spec.empty);
      // Points of the real series (levels left out), for the UI test: a restored run must bring them back.
      p.card.root.dataset.points = String(points);
      p.chart.update('none');
    }
  }
}

function lineOptions(spec: CurveSpec): Chart<'line'>['options'] {
  return {
    ...COMMON_OPTIONS,
    interaction: { mode: 'nearest', axis: 'x', intersect: false },
    plugins: {
      legend: { position: 'bottom', labels: { boxWidth: 14, boxHeight: 2, padding: 8, sort: byIndex } },
      tooltip: { enabled: true },
      decimation: { enabled: true, algorithm: 'lttb', samples: 600, threshold: 800 },
    },
    scales: {
      x: { type: 'linear', title: { display: true, text: 'step' }, ticks: { maxTicksLimit: 8 } },
      y: {
        type: spec.log ? 'logarithmic' : 'linear',
        title: { display: true, text: spec.yTitle },
        // Log axis: label the powers of ten only, as 1e-3 (chart.js would print 0.0010000).
        ticks: spec.log ? { callback: (v: number | string) => decadeLabel(Number(v)) } : { maxTicksLimit: 6 },
      },
      ...(spec.y2Title ? { y2: { type: 'linear', position: 'right', title: { display: true, text: spec.y2Title }, ticks: { maxTicksLimit: 6 }, grid: { drawOnChartArea: false } } } : {}),
    },
  } as Chart<'line'>['options'];
}

function decadeLabel(v: number): string {
  const e = Math.log10(v);
  return Math.abs(e - Math.round(e)) < 1e-6 ? `1e${Math.round(e)}` : '';
}
