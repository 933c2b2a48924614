/**
 * Entry point of the Flowmorph panel (bundled to dist/webview.js). Builds the page, folds host messages
 * into the model (state.ts) and redraws on animation frames: curves at most every CURVE_INTERVAL_MS
 * (live, ≥ 2 Hz while training), clouds when a snapshot arrives.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-collapsible/index.js';
import '@vscode-elements/elements/dist/vscode-label/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { ExportBackground, HostToWebview, TrainWhat } from '../src/protocol/webview';
import { applyGlobalTheme } from './chartkit';
import { ScatterBoard } from './charts';
import { CurveBoard } from './curves';
import { Designer } from './designer';
import { h } from './dom';
import { DrawnReporter, loadViewState, post, saveViewState } from './host';
import { MarginalBoard } from './marginals';
import { beforeAfter } from './marginals-math';
import { PairPlot } from './pairplot';
import { renderBeforeAfter, renderMetrics, renderRuns } from './tables';
import { PanelModel, sanitizeView } from './state';
import { fmt, medians, robustRange } from './sampling';
import { readTheme, watchTheme, type Theme } from './theme';
import { chartPng, chartSvg, exportTheme } from './exportImage';

const CURVE_INTERVAL_MS = 200;
const CLOUD_INTERVAL_MS = 250;

const model = new PanelModel();
const view = sanitizeView(loadViewState());
const drawn = new DrawnReporter();
let theme = readTheme();
applyGlobalTheme(theme);

// ── Layout ──────────────────────────────────────────────────────────────────────────────────────────────
const app = document.getElementById('app')!;

function button(label: string, icon: string, onClick: () => void, secondary = false): HTMLElement & { disabled: boolean } {
  const b = h('vscode-button', { icon, secondary }, label) as HTMLElement & { disabled: boolean };
  b.addEventListener('click', onClick);
  return b;
}
const train = (what: TrainWhat) => () => post({ type: 'startTraining', what });
const btnBase = button('Train base flows', 'play', train('base'));
const btnMorph = button('Train morph', 'run-all', train('morph'));
const btnStop = button('Stop', 'debug-stop', () => post({ type: 'stop' }), true);
// Export Plots asks where and on which background (the host runs the command, then asks for the images).
const btnExport = button('Export plots', 'export', () => post({ type: 'exportRequest' }), true);
btnBase.id = 'train-base';
btnMorph.id = 'train-morph';
btnStop.id = 'stop';
btnExport.id = 'export-plots';

const titleName = h('span', { class: 'experiment-name' });
const statusText = h('span', { class: 'status-text', id: 'status-text' }, 'Idle');
const progressFill = h('div', { class: 'progress-fill' });
const progressTrack = h('div', { class: 'progress-track', hidden: true }, progressFill);
const hostStatus = h('div', { class: 'host-status', hidden: true, role: 'status' });

const xSelect = h('vscode-single-select', { id: 'x-feature', 'aria-label': 'x-axis feature' }) as HTMLElement & { value: string };
const ySelect = h('vscode-single-select', { id: 'y-feature', 'aria-label': 'y-axis feature' }) as HTMLElement & { value: string };
const featureControls = h('div', { class: 'feature-controls', hidden: true }, h('vscode-label', {}, 'x axis'), xSelect, h('vscode-label', {}, 'y axis'), ySelect);
const conditionBox = h('div', { class: 'condition-controls', hidden: true });
const plotControls = h('div', { class: 'plot-controls', hidden: true }, featureControls, conditionBox);

const scatterGrid = h('div', { class: 'grid scatter-grid' });
const marginalTitle = h('h2', { class: 'section-title', id: 'marginals-title' }, 'Marginals');
const marginalGrid = h('div', { class: 'grid marginal-grid', id: 'marginals' });
const beforeAfterBox = h('section', { class: 'card metrics before-after-card', id: 'before-after', hidden: true });
const curveGrid = h('div', { class: 'grid curve-grid' });
const metricsBox = h('section', { class: 'card metrics', id: 'metrics', hidden: true });
const pairGrid = h('div', { class: 'grid pair-grid' });
const runsBox = h('section', { class: 'runs', id: 'runs' });
const designer = new Designer(
  (path, value) => post({ type: 'designerEdit', path, value }),
  () => post({ type: 'openExperiment' }),
);

app.append(
  h(
    'header',
    { class: 'toolbar' },
    h('div', { class: 'title' }, h('span', { class: 'codicon codicon-git-compare' }), h('span', { class: 'app-name' }, 'Flowmorph'), titleName),
    h('div', { class: 'actions' }, btnBase, btnMorph, btnStop, btnExport),
  ),
  h('div', { class: 'statusline' }, statusText, progressTrack),
  hostStatus,
  h(
    'div',
    { class: 'layout' },
    h(
      'main',
      { class: 'plots' },
      plotControls,
      scatterGrid,
      marginalTitle,
      marginalGrid,
      pairGrid,
      h('h2', { class: 'section-title' }, 'Training'),
      curveGrid,
    ),
    h('aside', { class: 'sidebar' }, h('h2', { class: 'section-title' }, 'Designer'), designer.root, runsBox),
  ),
);
app.removeAttribute('aria-busy');

const scatter = new ScatterBoard(scatterGrid, model, view, theme, drawn.set, () => viewChanged());
const curves = new CurveBoard(curveGrid, model, theme, drawn.set);
const marginals = new MarginalBoard(marginalGrid, model, theme, drawn.set);
const pairs = new PairPlot(model, theme, drawn.set);
pairGrid.append(pairs.card.root, beforeAfterBox);

/** Marginals, pair plot and the before/after table, from the clouds. A 1-D dataset has no scatter plots. */
function renderMarginals(): void {
  const oneD = model.cols === 1 || model.dims === 1;
  scatterGrid.hidden = oneD;
  marginalTitle.textContent = oneD ? 'Histogram with the fitted densities' : 'Marginals';
  marginals.render();
  pairs.render();
  const names = Array.from({ length: model.cols }, (_, i) => model.featureName(i));
  const n = model.clouds.target && model.cols > 0 ? model.clouds.target.length / model.cols : 0;
  renderBeforeAfter(beforeAfterBox, model.cols > 0 && model.dims === model.cols ? beforeAfter(model.clouds, model.cols, names) : [], n);
}
curveGrid.append(metricsBox); // the evaluation table fills the curve grid's last cell

// ── View controls ───────────────────────────────────────────────────────────────────────────────────────
let densityAsked = '';
function viewChanged(): void {
  saveViewState(view);
  model.dirty.add('clouds');
  askDensity();
  schedule();
}

/**
 * Asks the host for the heat map of the chosen base flow over the plotted feature pair: the scatter plots'
 * ranges, the other features at the data's medians, at the slider's condition (the host adds it).
 */
function askDensity(): void {
  const cols = model.cols;
  if (model.dims < 2 || cols !== model.dims) return;
  const data = [model.clouds.source, model.clouds.target].filter((c): c is Float32Array => !!c);
  if (data.length === 0) return;
  const xf = Math.min(view.xFeature, cols - 1);
  const yf = Math.min(view.yFeature, cols - 1);
  if (xf === yf) return;
  const xRange = robustRange(data, cols, xf);
  const yRange = robustRange(data, cols, yf);
  const own = model.clouds[view.densityOf] ?? data[0];
  const fixed = medians(own, cols);
  const key = JSON.stringify([view.densityOf, xf, yf, model.condition?.value, xRange.map((v) => v.toPrecision(3)), yRange.map((v) => v.toPrecision(3))]);
  if (key === densityAsked) return;
  densityAsked = key;
  post({ type: 'requestDensity', which: view.densityOf, xFeature: xf, yFeature: yf, n: 64, xRange, yRange, fixed });
}

xSelect.addEventListener('change', () => {
  view.xFeature = Number(xSelect.value) || 0;
  viewChanged();
});
ySelect.addEventListener('change', () => {
  view.yFeature = Number(ySelect.value) || 0;
  viewChanged();
});

let featureKey = '';
function renderFeatureControls(): void {
  const d = model.dims;
  featureControls.hidden = d <= 2;
  plotControls.hidden = featureControls.hidden && conditionBox.hidden;
  const key = Array.from({ length: d }, (_, i) => model.featureName(i)).join('\u0000');
  if (key !== featureKey) {
    featureKey = key;
    for (const sel of [xSelect, ySelect]) sel.replaceChildren(...Array.from({ length: d }, (_, i) => h('vscode-option', { value: String(i) }, model.featureName(i))));
    // Never x against x: a 1-D dataset before this one must not leave both axes on feature 0 (the pair is
    // only repaired here, for D ≥ 2; a 1-D dataset has no scatter plots at all).
    if (d > 1) {
      if (view.xFeature >= d) view.xFeature = 0;
      if (view.yFeature >= d || view.yFeature === view.xFeature) view.yFeature = view.xFeature === 0 ? 1 : 0;
      saveViewState(view);
    }
  }
  xSelect.value = String(view.xFeature);
  ySelect.value = String(view.yFeature);
}

let conditionKey = '';
let conditionTimer: ReturnType<typeof setTimeout> | undefined;
function renderCondition(): void {
  const c = model.condition;
  conditionBox.hidden = !c;
  plotControls.hidden = featureControls.hidden && conditionBox.hidden;
  if (!c) return;
  const key = JSON.stringify([c.names, c.min, c.max]);
  const inputs = conditionBox.querySelectorAll('input');
  if (key === conditionKey && inputs.length === c.names.length) {
    c.value.forEach((v, i) => {
      if (document.activeElement !== inputs[i]) inputs[i].value = String(v);
      inputs[i].nextElementSibling!.textContent = fmt(Number(inputs[i].value));
    });
    return;
  }
  conditionKey = key;
  const send = (): void => {
    const value = Array.from(conditionBox.querySelectorAll('input'), (el) => Number(el.value));
    post({ type: 'setTargetCondition', value });
    // The heat map of a conditional flow follows the slider.
    if (model.condition) model.condition.value = value;
    askDensity();
  };
  const rows = c.names.map((name, i) => {
    const span = c.max[i] - c.min[i];
    const input = h('input', {
      type: 'range',
      min: String(c.min[i]),
      max: String(c.max[i]),
      step: span > 0 ? String(span / 200) : 'any',
      value: String(c.value[i] ?? c.min[i]),
      'aria-label': `target condition ${name}`,
      id: `condition-${i}`,
    });
    const out = h('span', { class: 'condition-value' }, fmt(Number(input.value)));
    input.addEventListener('input', () => {
      out.textContent = fmt(Number(input.value));
      // Throttled while dragging; the final value goes out on 'change'.
      if (conditionTimer === undefined) conditionTimer = setTimeout(() => ((conditionTimer = undefined), send()), 150);
    });
    input.addEventListener('change', send);
    return h('label', { class: 'condition' }, h('span', { class: 'condition-name' }, `target ${name}`), input, out);
  });
  conditionBox.replaceChildren(...rows);
}

// ── Status ──────────────────────────────────────────────────────────────────────────────────────────────
function renderStatus(): void {
  const running = model.running;
  btnBase.disabled = !!running;
  btnMorph.disabled = !!running;
  btnStop.disabled = !running;
  const p = model.lastPhase ? model.latest.get(model.lastPhase) : undefined;
  const parts: string[] = [];
  if (running) parts.push(`Training ${running.what}`);
  else parts.push(p ? 'Idle (last run shown)' : 'Idle');
  if (p) {
    parts.push(`${p.phase} · step ${p.step}${p.totalSteps ? ` / ${p.totalSteps}` : ''}`);
    parts.push(`loss ${fmt(p.loss)}${p.valLoss !== undefined ? ` (val ${fmt(p.valLoss)})` : ''}`);
    parts.push(`${fmt(p.msPerStep, 3)} ms/step`, `${fmt(p.samplesPerSec, 3)} samples/s`, `${fmt(p.elapsedSec, 3)} s`);
  }
  if (model.backend) parts.push(`backend ${model.backend}`);
  statusText.textContent = parts.join('  ·  ');
  const frac = p && p.totalSteps ? Math.min(1, p.step / p.totalSteps) : undefined;
  progressTrack.hidden = !running || frac === undefined;
  if (frac !== undefined) progressFill.style.width = `${(frac * 100).toFixed(1)}%`;
}

// Host messages: info fades after a while, warnings and errors stay until dismissed or replaced.
const STATUS_INFO_MS = 8000;
let statusTimer: ReturnType<typeof setTimeout> | undefined;
function renderHostStatus(): void {
  const st = model.status;
  clearTimeout(statusTimer);
  if (!st) {
    hostStatus.hidden = true;
    return;
  }
  const close = h('vscode-button', { secondary: true, icon: 'close', 'icon-only': true, 'aria-label': 'Dismiss', class: 'status-close' });
  close.addEventListener('click', () => {
    model.status = undefined;
    renderHostStatus();
  });
  hostStatus.className = `host-status ${st.level}`;
  hostStatus.replaceChildren(h('span', { class: 'status-message' }, st.text), close);
  hostStatus.hidden = false;
  if (st.level === 'info') {
    statusTimer = setTimeout(() => {
      if (model.status === st) {
        model.status = undefined;
        renderHostStatus();
      }
    }, STATUS_INFO_MS);
  }
}

// ── Render loop ─────────────────────────────────────────────────────────────────────────────────────────
let scheduled = false;
let lastCurves = 0;
let lastClouds = 0;
let retry: ReturnType<typeof setTimeout> | undefined;

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  requestAnimationFrame(frame);
}

function frame(now: number): void {
  scheduled = false;
  const d = model.takeDirty();
  const later = new Set<typeof d extends Set<infer T> ? T : never>();
  if (d.has('state')) {
    titleName.textContent = model.experimentPath ?? model.experiment?.name ?? '';
    renderFeatureControls();
    renderCondition();
    renderRuns(runsBox, model.runs, (id) => post({ type: 'openRun', id }));
    askDensity();
  }
  if ((d.has('designer') || d.has('state')) && model.experiment) designer.setExperiment(model.experiment, model.errors);
  if (d.has('state') || d.has('running') || d.has('progress')) renderStatus();
  if (d.has('status')) renderHostStatus();
  if (d.has('curves')) {
    if (now - lastCurves >= CURVE_INTERVAL_MS) {
      lastCurves = now;
      curves.render();
    } else later.add('curves');
  }
  if (d.has('clouds')) {
    if (now - lastClouds >= CLOUD_INTERVAL_MS) {
      lastClouds = now;
      if (!d.has('state')) renderFeatureControls();
      scatter.render();
      renderMarginals();
    } else later.add('clouds');
  } else if (d.has('density')) scatter.renderDensity();
  if (d.has('metrics')) renderMetrics(metricsBox, model.metrics, (i) => model.featureName(i), () => post({ type: 'trainWithDensity' }));
  if (later.size > 0) {
    for (const x of later) model.dirty.add(x);
    if (retry === undefined) retry = setTimeout(() => ((retry = undefined), schedule()), CURVE_INTERVAL_MS / 2);
  }
}

// ── Export ──────────────────────────────────────────────────────────────────────────────────────────────
/** Every chart with data as PNG (2×) and SVG, drawn on the chosen background's colours, then back. */
function exportPlots(background: ExportBackground = 'theme'): void {
  const names: string[] = [];
  const colours = exportTheme(background, theme);
  if (colours !== theme) applyTheme(colours);
  try {
    for (const { name, chart } of [...scatter.exportable(), ...marginals.exportable(), ...curves.exportable()]) {
      if (chart.canvas.getClientRects().length === 0) continue; // not laid out (the scatter plots of 1-D data are hidden)
      post({ type: 'exportPlot', name, pngDataUrl: chartPng(chart) }); // at 2× (exportImage.ts)
      post({ type: 'exportPlotSvg', name, svg: chartSvg(chart) });
      names.push(name);
    }
    const pairPng = pairs.png();
    const pairSvg = pairs.svg();
    if (pairPng && pairSvg) {
      post({ type: 'exportPlot', name: 'pairplot', pngDataUrl: pairPng });
      post({ type: 'exportPlotSvg', name: 'pairplot', svg: pairSvg });
      names.push('pairplot');
    }
  } finally {
    if (colours !== theme) applyTheme(theme);
  }
  post({ type: 'exportDone', names });
}

// ── Messages ────────────────────────────────────────────────────────────────────────────────────────────
window.addEventListener('message', (e: MessageEvent) => {
  const msg = e.data as HostToWebview;
  if (!msg || typeof msg !== 'object' || typeof msg.type !== 'string') return;
  try {
    if (msg.type === 'exportPlots') exportPlots(msg.background);
    else model.apply(msg);
    if ((msg.type === 'snapshot' || msg.type === 'restore') && model.dims >= 2) askDensity();
    // A new training, or one that ended (its model now exists): ask for the heat map again.
    if (msg.type === 'clear' || (msg.type === 'running' && !msg.running)) densityAsked = '';
    if (msg.type === 'running' && !msg.running) askDensity();
    schedule();
  } catch (err) {
    post({ type: 'log', level: 'error', message: `handling ${msg.type}: ${(err as Error).stack ?? err}`.slice(0, 10_000) });
  }
});

window.addEventListener('error', (e) => post({ type: 'log', level: 'error', message: String(e.error?.stack ?? e.message).slice(0, 10_000) }));
document.addEventListener('securitypolicyviolation', (e) =>
  post({ type: 'log', level: 'warn', message: `CSP blocked ${e.blockedURI || 'inline'} (${e.violatedDirective})`.slice(0, 10_000) }),
);

/** The colours and line width the charts were drawn with, for the UI test's theme checks (scripts/ui-panel.mjs). */
function markTheme(): void {
  app.dataset.chartForeground = theme.foreground;
  app.dataset.chartBackground = theme.background;
  app.dataset.chartLineWidth = String(theme.strokes.line);
}
markTheme();

function applyTheme(t: Theme): void {
  applyGlobalTheme(t);
  markTheme();
  scatter.retheme(t);
  curves.retheme(t);
  marginals.retheme(t);
  pairs.retheme(t);
}

watchTheme(() => {
  theme = readTheme();
  applyTheme(theme);
});

renderStatus();
curves.render();
scatter.render();
renderMarginals();
post({ type: 'ready' });
