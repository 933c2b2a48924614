/**
 * Preview only: stands in for VS Code and the extension host, so the panel can be opened in a plain
 * browser (webview/dev.html) and screenshot with headless Chromium.
 *
 * It defines `acquireVsCodeApi`, validates every message the panel posts (isWebviewToHost, as the real
 * host does), answers `ready` with a synthetic experiment: four circles → checkerboard, the toy pair of
 * the flows-for-flows paper, with plausible curves, clouds, a density grid and an evaluation. Designer
 * edits are applied and echoed back like the real host does.
 *
 * URL parameters: theme=dark|light, mode=static|live|empty, dims=2|4, condition=1, pair=dijet (a 5-D conditional
 * sim → data pair whose morph follows the target-condition slider), oneD=1 (a 1-D dataset).
 * Exposes window.__fm = { posted, drawn, invalid } for the screenshot script.
 */
import { applyDesignerEdit } from '../../src/config/designer';
import { defaultExperiment, type Experiment } from '../../src/config/experiment';
import { isWebviewToHost, webviewMessageProblem, type HostToWebview, type RunInfo } from '../../src/protocol/webview';
import type { EvaluateSummary, Progress } from '../../src/jobs/types';

const params = new URLSearchParams(location.search);
const theme = params.get('theme') === 'light' ? 'light' : 'dark';
const mode = params.get('mode') ?? 'static';
const dijet = params.get('pair') === 'dijet';
const oneD = params.get('oneD') === '1';
const dims = dijet ? 5 : oneD ? 1 : params.get('dims') === '4' ? 4 : 2;
const conditional = params.get('condition') === '1' || dijet;
document.documentElement.dataset.previewTheme = theme;
document.body.classList.add(theme === 'light' ? 'vscode-light' : 'vscode-dark');
document.body.dataset.vscodeThemeKind = theme === 'light' ? 'vscode-light' : 'vscode-dark';

const fm = { posted: [] as unknown[], drawn: {} as Record<string, number>, invalid: [] as string[], exported: [] as string[] };
(window as unknown as { __fm: typeof fm }).__fm = fm;

function send(msg: HostToWebview): void {
  window.postMessage(msg, '*');
}

// ── Seeded randomness (mulberry32 + Box–Muller) ────────────────────────────────────────────────────────
let seed = 12345;
function uniform(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
function normal(): number {
  return Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

// ── Toy clouds ─────────────────────────────────────────────────────────────────────────────────────────
const CENTRES = [
  [1, 1],
  [1, -1],
  [-1, 1],
  [-1, -1],
];

function fourCircles(n: number, noise = 0.1): Float32Array {
  const out = new Float32Array(n * dims);
  for (let i = 0; i < n; i++) {
    const c = CENTRES[i % 4];
    const phi = 2 * Math.PI * uniform();
    out[i * dims] = c[0] + 2 * Math.cos(phi) + noise * normal();
    out[i * dims + 1] = c[1] + 2 * Math.sin(phi) + noise * normal();
    extra(out, i);
  }
  return out;
}

function checkerboard(n: number, blur = 0): Float32Array {
  const out = new Float32Array(n * dims);
  for (let i = 0; i < n; i++) {
    const x1 = 4 * uniform() - 2;
    const x2 = uniform() - (uniform() < 0.5 ? 2 : 0) + (((Math.floor(x1) % 2) + 2) % 2);
    out[i * dims] = 2 * x1 + blur * normal();
    out[i * dims + 1] = 2 * x2 + blur * normal();
    extra(out, i);
  }
  return out;
}

/** Features beyond the first two (dims=4): a correlated Gaussian pair, so the pair selector has something to show. */
function extra(out: Float32Array, i: number): void {
  if (dims < 4) return;
  const z = normal();
  out[i * dims + 2] = 0.8 * out[i * dims] + 0.6 * z;
  out[i * dims + 3] = 0.5 * normal() + 0.3 * z;
}

/**
 * A plausible learned map x → g(x) that lands exactly on a target sample: a Knothe–Rosenblatt-like
 * pairing (sort by x into blocks, then by y within a block), so nearby points move together.
 */
function morph(src: Float32Array): Float32Array {
  const n = src.length / dims;
  const tgt = checkerboard(n, 0.03);
  const by = (a: Float32Array, k: number) => (i: number, j: number) => a[i * dims + k] - a[j * dims + k];
  const si = [...Array(n).keys()].sort(by(src, 0));
  const ti = [...Array(n).keys()].sort(by(tgt, 0));
  const out = new Float32Array(src.length);
  const B = 40;
  for (let b = 0; b < n; b += B) {
    const s = si.slice(b, b + B).sort(by(src, 1));
    const t = ti.slice(b, b + B).sort(by(tgt, 1));
    for (let k = 0; k < s.length; k++) for (let d = 0; d < dims; d++) out[s[k] * dims + d] = tgt[t[k] * dims + d];
  }
  return out;
}

/** g⁻¹ on target points: onto the nearest of the four circles. */
function inverse(tgt: Float32Array): Float32Array {
  const out = new Float32Array(tgt.length);
  for (let r = 0; r < tgt.length / dims; r++) {
    const x = tgt[r * dims];
    const y = tgt[r * dims + 1];
    let best = CENTRES[0];
    let bestD = Infinity;
    for (const c of CENTRES) {
      const d = Math.abs(Math.hypot(x - c[0], y - c[1]) - 2);
      if (d < bestD) [best, bestD] = [c, d];
    }
    const phi = Math.atan2(y - best[1], x - best[0]);
    out[r * dims] = best[0] + 2 * Math.cos(phi) + 0.1 * normal();
    out[r * dims + 1] = best[1] + 2 * Math.sin(phi) + 0.1 * normal();
    for (let k = 2; k < dims; k++) out[r * dims + k] = tgt[r * dims + k];
  }
  return out;
}

function logistic(t: number): number {
  return 1 / (1 + Math.exp(-t));
}

/** log-density grids of the "trained" base flows: smooth versions of the true densities. */
function densityGrid(which: 'source' | 'target', n = 64) {
  const lo = -4.5;
  const hi = 4.5;
  const logp = new Float32Array(n * n);
  for (let r = 0; r < n; r++) {
    const y = lo + ((r + 0.5) * (hi - lo)) / n;
    for (let c = 0; c < n; c++) {
      const x = lo + ((c + 0.5) * (hi - lo)) / n;
      let p = 0;
      if (which === 'target') {
        for (let i = -2; i <= 1; i++)
          for (let j = -2; j <= 1; j++) {
            if ((((i + j) % 2) + 2) % 2 !== 0) continue;
            const s = 0.12;
            p += logistic((x - 2 * i) / s) * logistic((2 * i + 2 - x) / s) * logistic((y - 2 * j) / s) * logistic((2 * j + 2 - y) / s);
          }
        p /= 32;
      } else {
        for (const ce of CENTRES) {
          const rho = Math.hypot(x - ce[0], y - ce[1]);
          p += Math.exp(-((rho - 2) ** 2) / (2 * 0.13 ** 2)) / (4 * 2 * Math.PI * 2 * Math.sqrt(2 * Math.PI) * 0.13);
        }
      }
      logp[r * n + c] = Math.log(p + 1e-12);
    }
  }
  return { xFeature: 0, yFeature: 1, xMin: lo, xMax: hi, yMin: lo, yMax: hi, nx: n, ny: n, logp };
}

// ── Curves ─────────────────────────────────────────────────────────────────────────────────────────────
const BASE_STEPS = 3000;
const MORPH_STEPS = 4000;

function progressAt(phase: Progress['phase'], step: number): Progress {
  const total = phase === 'morph' ? MORPH_STEPS : BASE_STEPS;
  const lr = 1e-3 * 0.5 * (1 + Math.cos((Math.PI * step) / total)) + 1e-7;
  const noise = 0.06 * normal();
  const p: Progress = { phase, step, totalSteps: total, epoch: Math.floor(step / 200), loss: 0, lr, msPerStep: 27 + 3 * uniform(), samplesPerSec: 512 / 0.028, elapsedSec: step * 0.028 };
  if (phase === 'morph') {
    const f = 3.47 + 2.4 * Math.exp(-step / 500);
    const b = 2.87 + 2.6 * Math.exp(-step / 450);
    p.lossForward = f + noise;
    p.lossInverse = b + 0.06 * normal();
    p.loss = (p.lossForward + p.lossInverse) / 2;
    p.displacement = 1.78 + 1.1 * Math.exp(-step / 700) + 0.03 * normal();
    if (step % 100 === 0) p.valLoss = (f + b) / 2 + 0.01;
  } else {
    const floor = phase === 'source' ? 2.87 : 3.466;
    const c = floor + 1.7 * Math.exp(-step / (phase === 'source' ? 380 : 520)) + 0.02;
    p.loss = c + noise;
    if (step % 100 === 0) p.valLoss = c + 0.015;
  }
  return p;
}

function metricsAt(step: number): EvaluateSummary {
  const k = Math.exp(-step / 1200);
  const disp = (m: number) => ({ meanL2: m, stdL2: 0.9, meanL1: m * 1.27, perFeature: Array.from({ length: dims }, () => m / Math.sqrt(dims)) });
  return {
    n: 5000,
    nll: { sourceUnderSource: 2.889, targetUnderTarget: 3.49, morphedUnderTarget: 3.52 + 0.4 * k },
    morph: { displacement: disp(1.78 + 0.6 * k), fidelity: { slicedW1: 0.058 + 0.25 * k, slicedW1Floor: 0.051, energy: 0.004 + 0.05 * k, energyFloor: 0.003 } },
    baseTransfer: { displacement: disp(1.775), fidelity: { slicedW1: 0.056, slicedW1Floor: 0.051, energy: 0.0037, energyFloor: 0.003 } },
    ot: { w1: 0.928, w2sq: 1.119, n: 2000 },
  };
}

// ── The fake host ──────────────────────────────────────────────────────────────────────────────────────
let experiment: Experiment = {
  ...defaultExperiment(),
  name: 'four circles → checkerboard',
  source: { path: 'data/fourcircles.csv' },
  target: { path: 'data/checkerboard.csv' },
  morph: { top: {}, penalty: { kind: 'l1', weight: 1 }, train: { seconds: 120 } },
};
const features = dijet ? ['m_j1 [GeV]', 'Δm_jj [GeV]', 'τ21 j1', 'τ21 j2', 'ΔR_jj'] : oneD ? ['x'] : dims === 4 ? ['x', 'y', 'z', 'w'] : ['x', 'y'];

// ── A 5-D conditional pair (dijet-like): simulation vs. data, both depending on m_jj (TeV) ──────────────
const MJJ: [number, number] = [3, 4.5];
/** One event at condition m (TeV); `data` differs from simulation by shifts and widths, as a detector would. */
function dijetRows(n: number, which: 'sim' | 'data' | 'transfer', mjj?: number): Float32Array {
  const out = new Float32Array(n * 5);
  const d = which === 'sim' ? 0 : which === 'data' ? 1 : 0.85;
  for (let i = 0; i < n; i++) {
    const m = mjj ?? MJJ[0] + (MJJ[1] - MJJ[0]) * uniform();
    const k = m - 3;
    out[i * 5] = 90 + 35 * k + 12 * d + (22 + 6 * d) * normal();
    out[i * 5 + 1] = Math.abs((120 + 60 * k) * normal()) + 25 * d;
    out[i * 5 + 2] = Math.min(1, Math.max(0, 0.42 + 0.07 * d - 0.03 * k + 0.13 * normal()));
    out[i * 5 + 3] = Math.min(1, Math.max(0, 0.48 + 0.06 * d + 0.12 * (1 + 0.2 * d) * normal()));
    out[i * 5 + 4] = 3.0 + 0.12 * k + (0.25 + 0.05 * d) * Math.abs(normal());
  }
  return out;
}
/** The morph's output at target condition m: data-like (a little noisier than data itself). */
function dijetMorph(n: number, mjj: number | undefined): Float32Array {
  const out = dijetRows(n, 'data', mjj);
  for (let i = 0; i < out.length; i++) out[i] *= 1 + 0.015 * normal();
  return out;
}
function dijetSnapshot(mjj?: number): HostToWebview {
  const clouds = mjj === undefined
    ? { source: dijetRows(N, 'sim'), target: dijetRows(N, 'data'), sourceModel: dijetRows(N, 'sim'), targetModel: dijetRows(N, 'data'), morphed: dijetMorph(N, undefined), baseTransfer: dijetRows(N, 'transfer'), morphedInverse: dijetRows(N, 'sim') }
    : { target: dijetRows(N, 'data', mjj), morphed: dijetMorph(N, mjj), baseTransfer: dijetRows(N, 'transfer', mjj) };
  return { type: 'snapshot', paired: false, snapshot: { phase: 'morph', step: 3200, cols: 5, clouds } };
}
const N = 2000;

function state(running: boolean, runs: RunInfo[]): HostToWebview {
  return {
    type: 'state',
    experiment,
    experimentPath: dijet ? 'analysis/dijet.flowmorph.json' : 'toys/circles-to-checkerboard.flowmorph.json',
    errors: [],
    runs,
    running: running ? { what: 'morph', startedAt: Date.now() - 60_000 } : null,
    features,
    condition: dijet ? { names: ['m_jj [TeV]'], min: [MJJ[0]], max: [MJJ[1]], value: [3.5] } : conditional ? { names: ['θ'], min: [0], max: [1], value: [0.25] } : undefined,
    backend: 'wasm',
  };
}

const RUNS: RunInfo[] = [
  { id: 'r1', label: 'source · fourcircles', kind: 'fit', path: 'flowmorph-runs/source', status: 'done', summary: { out: '', trainNll: 2.884, valNll: 2.889, steps: 3000, seconds: 84, backend: 'wasm', cancelled: false } },
  { id: 'r2', label: 'target · checkerboard', kind: 'fit', path: 'flowmorph-runs/target', status: 'done', summary: { out: '', trainNll: 3.481, valNll: 3.49, steps: 3000, seconds: 86, backend: 'wasm', cancelled: false } },
  { id: 'r3', label: 'morph · l1 λ = 1', kind: 'morph', path: 'flowmorph-runs/morph', status: 'running' },
];

function sendStatic(): void {
  send(state(true, RUNS));
  const history: Progress[] = [];
  for (const phase of ['source', 'target'] as const) for (let s = 0; s <= BASE_STEPS; s += 25) history.push(progressAt(phase, s));
  for (let s = 0; s <= 3200; s += 25) history.push(progressAt('morph', s));
  send({ type: 'history', progress: history });
  if (dijet) {
    send(dijetSnapshot());
    send(dijetSnapshot(3.5));
    for (const s of [800, 1600, 2400, 3200]) send({ type: 'metrics', summary: metricsAt(s), step: s });
    return;
  }
  const source = fourCircles(N);
  const target = checkerboard(N);
  send({
    type: 'snapshot',
    paired: true,
    snapshot: {
      phase: 'morph',
      step: 3200,
      cols: dims,
      clouds: {
        source,
        target,
        sourceModel: fourCircles(N, 0.14),
        targetModel: checkerboard(N, 0.09),
        morphed: morph(source),
        morphedInverse: inverse(target),
        baseTransfer: checkerboard(N, 0.1),
      },
    },
  });
  for (const s of [800, 1600, 2400, 3200]) send({ type: 'metrics', summary: metricsAt(s), step: s });
  send({ type: 'density', which: 'target', grid: densityGrid('target') });
  send({ type: 'density', which: 'source', grid: densityGrid('source') });
}

function sendLive(): void {
  send(state(true, RUNS.slice(0, 0)));
  const source = fourCircles(N);
  const target = checkerboard(N);
  send({ type: 'snapshot', snapshot: { phase: 'source', step: 0, cols: dims, clouds: { source, target } } });
  let phase: Progress['phase'] = 'source';
  let step = 0;
  let lastSnap = 0;
  const timer = setInterval(() => {
    step += 10;
    send({ type: 'progress', progress: progressAt(phase, step) });
    if (performance.now() - lastSnap > 1000) {
      lastSnap = performance.now();
      const t = Math.min(1, step / (phase === 'morph' ? MORPH_STEPS : BASE_STEPS));
      const blend = (a: Float32Array, b: Float32Array) => a.map((v, i) => (1 - t) * v + t * b[i]);
      const gauss = Float32Array.from({ length: N * dims }, () => 1.5 * normal());
      const clouds: Record<string, Float32Array> = {};
      if (phase === 'source') clouds.sourceModel = blend(gauss, fourCircles(N, 0.14));
      if (phase === 'target') clouds.targetModel = blend(gauss, checkerboard(N, 0.09));
      if (phase === 'morph') {
        clouds.morphed = blend(source, morph(source));
        clouds.morphedInverse = blend(target, inverse(target));
        clouds.baseTransfer = checkerboard(N, 0.1);
      }
      send({ type: 'snapshot', paired: true, snapshot: { phase, step, cols: dims, clouds } });
    }
    if (phase === 'morph' && step % 1000 === 0) send({ type: 'metrics', summary: metricsAt(step), step });
    const total = phase === 'morph' ? MORPH_STEPS : BASE_STEPS;
    if (step >= total) {
      if (phase === 'source') phase = 'target';
      else if (phase === 'target') phase = 'morph';
      else {
        clearInterval(timer);
        send({ type: 'running', running: null });
        return;
      }
      step = 0;
    }
  }, 50);
}

function receive(msg: unknown): void {
  fm.posted.push(msg);
  const problem = webviewMessageProblem(msg);
  if (problem !== undefined || !isWebviewToHost(msg)) {
    fm.invalid.push(problem ?? 'invalid');
    console.error('[fake host] invalid message', problem, msg);
    return;
  }
  switch (msg.type) {
    case 'ready':
      setTimeout(() => (mode === 'live' ? sendLive() : mode === 'empty' ? send(state(false, [])) : sendStatic()), 0);
      break;
    case 'reportDrawn':
      Object.assign(fm.drawn, msg.charts);
      document.body.dataset.drawn = JSON.stringify(fm.drawn);
      break;
    case 'designerEdit': {
      const r = applyDesignerEdit(experiment, msg.path, msg.value);
      if (r.ok) experiment = r.experiment;
      send({ type: 'designer', experiment, errors: r.ok ? [] : [r.error] });
      break;
    }
    case 'exportPlot':
      fm.exported.push(msg.name);
      break;
    case 'exportPlotSvg':
      fm.exported.push(`${msg.name}.svg`);
      break;
    case 'exportRequest':
      // The real host asks for the background and the folder first.
      send({ type: 'exportPlots', background: 'theme' });
      break;
    case 'setTargetCondition':
      // The real host morphs the plotted source rows to this target condition; the preview draws new ones.
      if (dijet) send(dijetSnapshot(msg.value[0]));
      break;
    case 'startTraining':
      send({ type: 'status', level: 'info', text: `(preview) would start training: ${msg.what}` });
      break;
    default:
      break;
  }
}

(window as unknown as { acquireVsCodeApi: () => unknown }).acquireVsCodeApi = () => {
  let saved: unknown;
  return {
    postMessage: (m: unknown) => receive(JSON.parse(JSON.stringify(m))), // a JSON round trip, like a real channel
    getState: () => saved,
    setState: (s: unknown) => {
      saved = s;
    },
  };
};
