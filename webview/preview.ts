/**
 * Preview Dataset's view (bundled to dist/preview.js; the host side is src/host/previewPanel.ts): the file
 * name, rows × columns, Use as Source / Use as Target, the reader's warnings, a table of per-column
 * statistics, a histogram per column (counts made in the worker: src/data/summary.ts) and the first rows.
 * Condition columns are marked wherever columns are listed. Colours follow the VS Code theme.
 */
import type { Chart as ChartType } from 'chart.js';
import type { ColumnStats, DatasetPreview, HostToPreview, PreviewToHost } from '../src/protocol/preview';
import { applyGlobalTheme, basePlugins, Chart, COMMON_OPTIONS, HISTOGRAM_STEP } from './chartkit';
import { append, h } from './dom';
import { fmt } from './sampling';
import { readTheme, watchTheme, withAlpha } from './theme';

interface VsCodeApi {
  postMessage(msg: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const api: VsCodeApi = typeof acquireVsCodeApi === 'function' ? acquireVsCodeApi() : { postMessage: (m) => console.log('[no host] post', m) };
const post = (msg: PreviewToHost): void => api.postMessage(msg);

const app = document.getElementById('app')!;
let charts: ChartType[] = [];
let shown: DatasetPreview | undefined;

/** A value as read: NaN and ±Inf spelled out (they are what a physicist looks for in a preview). */
function cell(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  return fmt(v, 6);
}

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() ?? file;
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

function isCondition(p: DatasetPreview, i: number): boolean {
  return i >= p.columns.length;
}

function columnHeader(p: DatasetPreview, i: number, name: string): HTMLElement {
  return h('th', { scope: 'col' }, name, isCondition(p, i) ? h('span', { class: 'role condition', title: 'condition column' }, ' condition') : null);
}

function statsTable(p: DatasetPreview): HTMLElement {
  const nonFinite = p.stats.some((s) => s.nonFinite > 0);
  const head = ['column', 'role', 'min', 'max', 'mean', 'std', ...(nonFinite ? ['NaN / ±Inf'] : [])];
  return h(
    'table',
    { class: 'stats', id: 'stats' },
    h('thead', {}, h('tr', {}, ...head.map((t) => h('th', { scope: 'col' }, t)))),
    h(
      'tbody',
      {},
      ...p.stats.map((s, i) =>
        h(
          'tr',
          {},
          h('th', { scope: 'row' }, s.name),
          h('td', { class: isCondition(p, i) ? 'role condition' : 'role feature' }, isCondition(p, i) ? 'condition' : 'feature'),
          ...[s.min, s.max, s.mean, s.std].map((v) => h('td', {}, fmt(v))),
          nonFinite ? h('td', { class: s.nonFinite > 0 ? 'bad' : undefined }, String(s.nonFinite)) : null,
        ),
      ),
    ),
  );
}

function headTable(p: DatasetPreview): HTMLElement {
  const names = p.stats.map((s) => s.name);
  return h(
    'table',
    { class: 'head', id: 'first-rows' },
    h('thead', {}, h('tr', {}, ...names.map((n, i) => columnHeader(p, i, n)))),
    h('tbody', {}, ...p.head.map((r) => h('tr', {}, ...r.map((v) => h('td', {}, cell(v)))))),
  );
}

/** The histogram's outline as steps: one point per bin edge (the last bin repeated at `hi`). */
function steps(s: ColumnStats): { x: number; y: number }[] {
  const { lo, hi, counts } = s.histogram;
  if (!counts.length) return [];
  // A constant column: one bin, drawn one unit (or 1 % of the value) wide around it.
  const half = hi > lo ? 0 : Math.max(0.5, Math.abs(lo) * 0.01);
  const a = lo - half;
  const w = (hi + half - a) / counts.length;
  const pts = counts.map((c, i) => ({ x: a + i * w, y: c }));
  pts.push({ x: hi + half, y: counts[counts.length - 1] });
  return pts;
}

/** Appends column i's card to `grid`, then makes its chart (in the document, so the canvas sizes to its box). */
function histogramCard(grid: HTMLElement, p: DatasetPreview, s: ColumnStats, i: number, drew: () => void): void {
  const label = `Histogram of ${s.name}${isCondition(p, i) ? ' (condition)' : ''}`;
  const canvas = h('canvas', { role: 'img', 'aria-label': label, 'data-column': s.name });
  const bins = s.histogram.counts.length;
  const sub = bins ? `${plural(bins, 'bin', 'bins')}${s.nonFinite ? ` · ${s.nonFinite} NaN / ±Inf not shown` : ''}` : 'no finite values';
  const root = h(
    'section',
    { class: 'hist-card', 'data-column': s.name },
    h('div', { class: 'hist-title' }, h('span', { class: 'name' }, s.name), isCondition(p, i) ? h('span', { class: 'role condition' }, 'condition') : null, h('span', { class: 'sub' }, sub)),
    h('div', { class: 'hist-box' }, canvas),
  );
  grid.append(root);
  const t = readTheme();
  const color = isCondition(p, i) ? t.purple : t.blue;
  let counted = false;
  charts.push(
    new Chart(canvas, {
      type: 'line',
      data: { datasets: [{ data: steps(s), stepped: HISTOGRAM_STEP, fill: 'origin', borderColor: color, backgroundColor: withAlpha(color, 0.3), borderWidth: 1.2, pointRadius: 0 }] },
      options: {
        ...COMMON_OPTIONS,
        plugins: { legend: { display: false }, tooltip: { enabled: false } },
        scales: {
          x: { type: 'linear', bounds: 'data', ticks: { maxTicksLimit: 6, includeBounds: false } },
          y: { type: 'linear', beginAtZero: true, ticks: { maxTicksLimit: 5, precision: 0 }, title: { display: true, text: 'rows' } },
        },
      },
      plugins: [
        ...basePlugins,
        {
          id: 'fmPreviewDrawn',
          afterDraw() {
            if (counted) return;
            counted = true;
            drew();
          },
        },
      ],
    }),
  );
}

function render(p: DatasetPreview): void {
  for (const c of charts) c.destroy();
  charts = [];
  shown = p;
  applyGlobalTheme(readTheme());
  const name = baseName(p.file);
  document.title = name;
  const dims = `${plural(p.rows, 'row', 'rows')} × ${plural(p.columns.length, 'feature column', 'feature columns')}${p.conditionColumns.length ? ` + ${plural(p.conditionColumns.length, 'condition column', 'condition columns')}` : ''}`;
  const use = (as: 'source' | 'target', text: string, help: string) => {
    const b = h('button', { type: 'button', id: `use-as-${as}`, title: help }, text);
    b.addEventListener('click', () => post({ type: 'use', as }));
    return b;
  };
  let drawn = 0;
  const drew = () => {
    drawn++;
    if (drawn === p.stats.length) post({ type: 'drawn', histograms: drawn });
  };
  const grid = h('div', { class: 'hist-grid', id: 'histograms' });
  app.replaceChildren();
  append(
    app,
    h(
      'header',
      {},
      h('h1', { id: 'file-name' }, name),
      h('p', { class: 'dims', id: 'dims' }, dims),
      h('p', { class: 'path' }, p.file),
      h('div', { class: 'actions' }, use('source', 'Use as Source…', 'Choose its columns and make it the experiment’s source'), use('target', 'Use as Target…', 'Choose its columns and make it the experiment’s target')),
    ),
    p.warnings.length ? h('section', { class: 'warnings', id: 'warnings' }, h('h2', {}, 'Warnings'), h('ul', {}, ...p.warnings.map((w) => h('li', {}, w)))) : null,
    h('h2', {}, 'Columns'),
    h('div', { class: 'scroll' }, statsTable(p)),
    h('h2', {}, 'Histograms'),
    grid,
    h('h2', {}, `First ${plural(p.head.length, 'row', 'rows')}`),
    h('div', { class: 'scroll' }, headTable(p)),
  );
  p.stats.forEach((s, i) => histogramCard(grid, p, s, i, drew));
  if (!p.stats.length) post({ type: 'drawn', histograms: 0 });
  app.removeAttribute('aria-busy');
}

window.addEventListener('message', (e: MessageEvent<HostToPreview>) => {
  if (e.data?.type !== 'preview') return;
  try {
    render(e.data.preview);
  } catch (err) {
    post({ type: 'log', message: `showing the preview: ${(err as Error).stack ?? err}`.slice(0, 10_000) });
  }
});
window.addEventListener('error', (e) => post({ type: 'log', message: String(e.error?.stack ?? e.message).slice(0, 10_000) }));
watchTheme(() => {
  if (shown) render(shown);
});
post({ type: 'ready' });
