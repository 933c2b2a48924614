/**
 * The one protocol spoken by the extension host, the training worker and the webview panel. All three
 * import this file (the pattern of microsoft/vscode-hexeditor's shared protocol), so a message that one side
 * sends and the other does not understand is a type error, not a silent no-op.
 *
 * Sections:
 *  1. Experiment file (`*.flowmorph.json`): lives in src/config/experiment.ts (schema, defaults, rule
 *     table, budget rule); re-exported here so existing imports keep working.
 *  2. Designer: lives in src/config/designer.ts (editable fields, form values, the edit operation);
 *     re-exported here.
 *  3. Messages host → webview and webview → host, with a strict runtime validator for the latter:
 *     the webview is a browser page that renders untrusted data files, so the host treats everything it
 *     posts as untrusted input (every field type-checked, paths and file names whitelisted).
 *  4. Messages host ↔ worker.
 *  5. Replay: what the host keeps so that a closed and reopened panel shows the current state.
 *
 * Nothing here imports `vscode`, tfjs or DOM APIs: the file runs in Node, in a worker and in the browser.
 */
import type { BackendPreference } from './core/tf';
import { isPlainObject, ruleProblem, show, type Experiment } from './config/experiment';
import { designerField, type DesignerValue } from './config/designer';
import type {
  DataSpec,
  EvaluateSummary,
  FitJob,
  FitSummary,
  MorphJob,
  MorphSummary,
  Progress,
  Snapshot,
  TransportJob,
} from './jobs/types';

export * from './config/experiment';
export * from './config/designer';

// ────────────────────────────────────────────────────────────────────────────────────────────────────────
// 3. Host ↔ webview
// ────────────────────────────────────────────────────────────────────────────────────────────────────────

/** A finished or running training / evaluation, as listed in the panel. */
export interface RunInfo {
  id: string;
  label: string;
  kind: 'fit' | 'morph' | 'transport' | 'evaluate';
  /** Output folder of the run. */
  path: string;
  /** 'interrupted': the window that ran it closed or reloaded mid-run (its last checkpoint is kept). */
  status: 'running' | 'done' | 'cancelled' | 'failed' | 'interrupted';
  summary?: FitSummary | MorphSummary;
}

export type TrainWhat = 'base' | 'source' | 'target' | 'morph' | 'evaluate';
export const TRAIN_WHATS = ['base', 'source', 'target', 'morph', 'evaluate'] as const satisfies readonly TrainWhat[];

export interface RunningInfo {
  what: TrainWhat;
  /** ms since the epoch, for the elapsed-time display. */
  startedAt: number;
}

/** Condition columns of a conditional experiment, with the range the target-condition slider spans. */
export interface ConditionInfo {
  names: string[];
  min: number[];
  max: number[];
  value: number[];
}

/**
 * log q(x) of a base flow on a regular grid over two features (the others held at `fixed`, e.g. their
 * means). `logp` is row-major with `ny` rows of `nx` values; row 0 is at yMin, column 0 at xMin.
 */
export interface DensityGrid {
  xFeature: number;
  yFeature: number;
  xMin: number;
  xMax: number;
  yMin: number;
  yMax: number;
  nx: number;
  ny: number;
  logp: Float32Array;
  /** The condition a conditional flow was evaluated at (data units). */
  condition?: number[];
}

export type CloudName = keyof Snapshot['clouds'];
export const CLOUD_NAMES = ['source', 'target', 'sourceModel', 'targetModel', 'morphed', 'morphedInverse', 'baseTransfer'] as const satisfies readonly CloudName[];

export type HostToWebview =
  /** Everything but the plots: sent on `ready` and whenever the experiment, runs or data change. */
  | {
      type: 'state';
      experiment: Experiment;
      /** Workspace-relative path of the experiment file, for the title. */
      experimentPath?: string;
      /** Problems with the experiment file (shown above the designer). */
      errors: string[];
      runs: RunInfo[];
      running: RunningInfo | null;
      /** Feature column names; their count is D. */
      features?: string[];
      condition?: ConditionInfo;
      backend?: string;
      /** A known answer for the NLL chart (the tutorial's N(2, 1) data: its entropy, 1.419 nats). */
      nllReference?: { value: number; label: string };
    }
  /** The experiment changed (designer edit echoed back, or the file was edited): updates the form only. */
  | { type: 'designer'; experiment: Experiment; errors: string[] }
  | { type: 'running'; running: RunningInfo | null }
  | { type: 'progress'; progress: Progress }
  /** Many progress points at once (replay after the panel reopens). */
  | { type: 'history'; progress: Progress[] }
  /**
   * New sample clouds (merged into those already shown, by name). `paired`: morphed[i] = g(source[i]) and
   * morphedInverse[i] = g⁻¹(target[i]), which lets the panel draw displacement arrows.
   */
  | { type: 'snapshot'; snapshot: Snapshot; paired?: boolean }
  /** Held-out evaluation; `step` places it on the fidelity curve (the morph's step when evaluated). */
  | { type: 'metrics'; summary: EvaluateSummary; step?: number }
  | { type: 'density'; which: 'source' | 'target'; grid: DensityGrid }
  /** Forget what is shown (a new training starts). `phase` limits curves/clouds to one model. */
  | { type: 'clear'; what: 'curves' | 'clouds' | 'metrics' | 'all'; phase?: Progress['phase'] }
  | { type: 'status'; level: 'info' | 'warn' | 'error'; text: string }
  /** Ask the webview to post exportPlot for every chart that shows data. */
  | { type: 'exportPlots' }
  /** Draw these runs' recorded curves together, each chart's lines once per run, labelled by run (Compare with…). */
  | { type: 'compare'; runs: ComparedRunData[] };

/** One run of a comparison: its recorded progress and evaluations (src/host/runCompare.ts). */
export interface ComparedRunData {
  id: string;
  /** Distinct among the compared runs. */
  label: string;
  progress: Progress[];
  metrics: { step?: number; summary: EvaluateSummary }[];
}

export type WebviewToHost =
  /** The webview script loaded: send the full state (again). */
  | { type: 'ready' }
  | { type: 'startTraining'; what: TrainWhat }
  | { type: 'stop' }
  /** One designer field changed; null restores the default. The host writes the file and echoes `designer`. */
  | { type: 'designerEdit'; path: string; value: DesignerValue | null }
  | { type: 'setTargetCondition'; value: number[] }
  /** One chart as PNG; `name` is a safe file stem (letters, digits, . _ -). */
  | { type: 'exportPlot'; name: string; pngDataUrl: string }
  /** Ends a series of exportPlot messages (after the Export button or an `exportPlots` request). */
  | { type: 'exportDone'; names: string[] }
  /** What the last renders drew, per chart / cloud (points, segments or grid cells). Throttled. */
  | { type: 'reportDrawn'; charts: Record<string, number> }
  /**
   * Ask for a density grid of a base flow over two features: n × n cells over xRange × yRange (data units),
   * the other features held at `fixed` (one value per feature, e.g. the data's medians).
   */
  | { type: 'requestDensity'; which: 'source' | 'target'; xFeature: number; yFeature: number; n: number; xRange: [number, number]; yRange: [number, number]; fixed: number[] }
  | { type: 'openExperiment' }
  /** Show a run of the list (by its id, a folder name the host looks up among the experiment's runs). */
  | { type: 'openRun'; id: string }
  /** Errors inside the webview, for the host's output channel. */
  | { type: 'log'; level: 'info' | 'warn' | 'error'; message: string };

export const MAX_EXPORT_BYTES = 32 * 1024 * 1024;
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const CHART_KEY = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$/;
const PNG_PREFIX = 'data:image/png;base64,';

function exactKeys(msg: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const k of Object.keys(msg)) if (!keys.includes(k)) return `unexpected field "${k}"`;
  for (const k of keys) if (!(k in msg)) return `missing field "${k}"`;
  return undefined;
}

function isBase64(s: string, from: number): boolean {
  // A loop rather than a regex: data URLs run to megabytes and a backtracking regex is needless risk.
  const n = s.length - from;
  if (n === 0 || n % 4 !== 0) return false;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47 || (c === 61 && i >= s.length - 2);
    if (!ok) return false;
  }
  return true;
}

/** Why `msg` is not a valid WebviewToHost message, or undefined when it is. */
export function webviewMessageProblem(msg: unknown): string | undefined {
  if (!isPlainObject(msg)) return 'not a plain object';
  const t = msg.type;
  switch (t) {
    case 'ready':
    case 'stop':
    case 'openExperiment':
      return exactKeys(msg, ['type']);
    case 'startTraining':
      return exactKeys(msg, ['type', 'what']) ?? (TRAIN_WHATS.includes(msg.what as TrainWhat) ? undefined : `bad "what": ${show(msg.what)}`);
    case 'designerEdit': {
      const k = exactKeys(msg, ['type', 'path', 'value']);
      if (k) return k;
      const field = typeof msg.path === 'string' ? designerField(msg.path) : undefined;
      if (!field) return `not an editable path: ${show(msg.path)}`;
      if (msg.value === null) return msg.path === 'base.preset' ? 'base.preset cannot be null' : undefined;
      const p = ruleProblem(field.rule, msg.value);
      return p ? `${msg.path}: ${p}, got ${show(msg.value)}` : undefined;
    }
    case 'setTargetCondition': {
      const k = exactKeys(msg, ['type', 'value']);
      if (k) return k;
      const v = msg.value;
      if (!Array.isArray(v) || v.length === 0 || v.length > 64) return 'value: expected 1 to 64 numbers';
      return v.every((x) => typeof x === 'number' && Number.isFinite(x)) ? undefined : 'value: expected finite numbers';
    }
    case 'exportPlot': {
      const k = exactKeys(msg, ['type', 'name', 'pngDataUrl']);
      if (k) return k;
      if (typeof msg.name !== 'string' || !SAFE_NAME.test(msg.name)) return `name: not a safe file name: ${show(msg.name)}`;
      const url = msg.pngDataUrl;
      if (typeof url !== 'string' || !url.startsWith(PNG_PREFIX)) return 'pngDataUrl: expected a data:image/png;base64 URL';
      if (url.length > MAX_EXPORT_BYTES) return `pngDataUrl: larger than ${MAX_EXPORT_BYTES} characters`;
      return isBase64(url, PNG_PREFIX.length) ? undefined : 'pngDataUrl: malformed base64';
    }
    case 'exportDone': {
      const k = exactKeys(msg, ['type', 'names']);
      if (k) return k;
      const names = msg.names;
      if (!Array.isArray(names) || names.length > 128) return 'names: expected a list of at most 128 names';
      return names.every((n) => typeof n === 'string' && SAFE_NAME.test(n)) ? undefined : 'names: not safe file names';
    }
    case 'reportDrawn': {
      const k = exactKeys(msg, ['type', 'charts']);
      if (k) return k;
      const charts = msg.charts;
      if (!isPlainObject(charts)) return 'charts: expected an object';
      const entries = Object.entries(charts);
      if (entries.length > 128) return 'charts: too many entries';
      for (const [name, n] of entries) {
        if (!CHART_KEY.test(name)) return `charts: bad chart name ${show(name)}`;
        if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) return `charts.${name}: expected a count, got ${show(n)}`;
      }
      return undefined;
    }
    case 'requestDensity': {
      const k = exactKeys(msg, ['type', 'which', 'xFeature', 'yFeature', 'n', 'xRange', 'yRange', 'fixed']);
      if (k) return k;
      if (msg.which !== 'source' && msg.which !== 'target') return `which: ${show(msg.which)}`;
      const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
      for (const f of ['xRange', 'yRange'] as const) {
        const r = msg[f];
        if (!Array.isArray(r) || r.length !== 2 || !finite(r[0]) || !finite(r[1]) || !(r[1] > r[0])) return `${f}: expected [low, high] with low < high, got ${show(r)}`;
      }
      const fixed = msg.fixed;
      if (!Array.isArray(fixed) || fixed.length === 0 || fixed.length > 4096 || !fixed.every(finite)) return 'fixed: expected 1 to 4096 finite numbers';
      for (const f of ['xFeature', 'yFeature'] as const) {
        const v = msg[f];
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 4095) return `${f}: expected a feature index, got ${show(v)}`;
      }
      const n = msg.n;
      return typeof n === 'number' && Number.isInteger(n) && n >= 8 && n <= 512 ? undefined : `n: expected an integer in [8, 512], got ${show(n)}`;
    }
    case 'openRun': {
      const k = exactKeys(msg, ['type', 'id']);
      if (k) return k;
      return typeof msg.id === 'string' && SAFE_NAME.test(msg.id) && !msg.id.includes('..') ? undefined : `id: not a run id: ${show(msg.id)}`;
    }
    case 'log': {
      const k = exactKeys(msg, ['type', 'level', 'message']);
      if (k) return k;
      if (msg.level !== 'info' && msg.level !== 'warn' && msg.level !== 'error') return `level: ${show(msg.level)}`;
      return typeof msg.message === 'string' && msg.message.length <= 10_000 ? undefined : 'message: expected a string of at most 10000 characters';
    }
    default:
      return `unknown message type ${show(t)}`;
  }
}

/** Runtime check of every field of a message from the webview. The host drops anything this rejects. */
export function isWebviewToHost(msg: unknown): msg is WebviewToHost {
  return webviewMessageProblem(msg) === undefined;
}

/**
 * Float32Array from whatever a message channel turned it into: VS Code transfers typed arrays as such,
 * but a JSON round trip yields a number array or an index-keyed object ({"0": 1.5, "1": …}).
 */
export function toFloat32(v: unknown): Float32Array | undefined {
  if (v instanceof Float32Array) return v;
  if (v instanceof ArrayBuffer) return new Float32Array(v);
  if (ArrayBuffer.isView(v)) return new Float32Array(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) return Float32Array.from(v, Number);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const n = Object.keys(o).length;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const x = o[i];
      if (typeof x !== 'number') return undefined;
      out[i] = x;
    }
    return out;
  }
  return undefined;
}

// ────────────────────────────────────────────────────────────────────────────────────────────────────────
// 4. Host ↔ worker
// ────────────────────────────────────────────────────────────────────────────────────────────────────────

/** Held-out evaluation of a morph run (see EvaluateSummary). */
export interface EvaluateJobSpec {
  run: string;
  source: DataSpec;
  target: DataSpec;
  /** Held-out points to use. */
  n?: number;
  out?: string;
  backend?: BackendPreference;
}

/** log q on a grid for the heat map (src/host/densityGrid.ts): a base model folder and what to hold fixed. */
export interface DensityJob {
  model: string;
  xFeature: number;
  yFeature: number;
  n: number;
  xRange: [number, number];
  yRange: [number, number];
  /** Data units, one per feature (the two gridded ones are overwritten). */
  fixed: number[];
  /** Data units, one per condition column; default: the mean of the training conditions. */
  condition?: number[];
}

/** The condition slider, live (src/host/conditionMorph.ts): a morph run, its data, one target condition. */
export interface ConditionMorphJob {
  run: string;
  source: DataSpec;
  target: DataSpec;
  /** Source rows to morph (and target rows to show, at most). */
  n: number;
  /** Data units, one per condition column. */
  condition: number[];
  /** Width of the target's condition bin as a share of each condition's range (default 0.2). */
  binFraction?: number;
}

export type WorkerJob =
  | { kind: 'density'; job: DensityJob }
  | { kind: 'conditionMorph'; job: ConditionMorphJob }
  | { kind: 'fit'; job: FitJob }
  | { kind: 'morph'; job: MorphJob }
  | { kind: 'transport'; job: TransportJob }
  | { kind: 'evaluate'; job: EvaluateJobSpec };

export interface WorkerHookOptions {
  progressEveryMs?: number;
  snapshotEveryMs?: number;
  plotPoints?: number;
}

export type HostToWorker =
  | ({ type: 'start'; id: string; hooks?: WorkerHookOptions } & WorkerJob)
  /** Stop job `id` within one step, keeping its last checkpoint. */
  | { type: 'cancel'; id: string };

export type WorkerToHost =
  /** The worker loaded its engine; `threads`: what one training will use (flowmorph.threads, cores). */
  | { type: 'ready'; backend: string; threads: number }
  | { type: 'progress'; id: string; progress: Progress }
  | { type: 'snapshot'; id: string; snapshot: Snapshot; paired?: boolean }
  | { type: 'log'; id: string; line: string }
  | { type: 'done'; id: string; summary: FitSummary | MorphSummary | EvaluateSummary | Record<string, unknown> }
  | { type: 'error'; id: string; message: string; stack?: string };

// ────────────────────────────────────────────────────────────────────────────────────────────────────────
// 5. Replay
// ────────────────────────────────────────────────────────────────────────────────────────────────────────

/**
 * Keeps at most `cap` points of a growing series: when full, every other point of the older half is
 * dropped, so the recent past stays dense and the whole run stays visible (cost O(cap) per halving).
 */
export function thinInPlace<T>(points: T[], cap: number): void {
  if (points.length <= cap) return;
  const half = Math.floor(points.length / 2);
  let w = 0;
  for (let r = 0; r < half; r += 2) points[w++] = points[r];
  for (let r = half; r < points.length; r++) points[w++] = points[r];
  points.length = w;
}

/**
 * What the host keeps while the panel is closed (training goes on): the latest state, the progress
 * history, the latest cloud of each name, the metrics and the density grids. `messages()` replays them to
 * a reopened panel. Record every message posted (or that would have been posted) to the webview.
 */
export class PanelReplay {
  private state: Extract<HostToWebview, { type: 'state' }> | undefined;
  private progress = new Map<Progress['phase'], Progress[]>();
  private clouds: Snapshot | undefined;
  private paired = false;
  private metrics: Extract<HostToWebview, { type: 'metrics' }>[] = [];
  private density = new Map<'source' | 'target', DensityGrid>();
  /** Runs compared on the curve charts, until new curves clear them (as the webview's model does). */
  private compare: Extract<HostToWebview, { type: 'compare' }> | undefined;

  constructor(private readonly progressCap = 4000, private readonly metricsCap = 200) {}

  record(msg: HostToWebview): void {
    switch (msg.type) {
      case 'state':
        this.state = msg;
        break;
      case 'designer':
        if (this.state) this.state = { ...this.state, experiment: msg.experiment, errors: msg.errors };
        else this.state = { type: 'state', experiment: msg.experiment, errors: msg.errors, runs: [], running: null };
        break;
      case 'running':
        if (this.state) this.state = { ...this.state, running: msg.running };
        break;
      case 'progress':
        this.addProgress(msg.progress);
        break;
      case 'history':
        for (const p of msg.progress) this.addProgress(p);
        break;
      case 'snapshot': {
        const s = msg.snapshot;
        if (!this.clouds || this.clouds.cols !== s.cols) this.clouds = { ...s, clouds: { ...s.clouds } };
        else this.clouds = { phase: s.phase, step: s.step, cols: s.cols, clouds: { ...this.clouds.clouds, ...s.clouds } };
        if (msg.paired !== undefined) this.paired = msg.paired;
        break;
      }
      case 'metrics':
        this.metrics.push(msg);
        thinInPlace(this.metrics, this.metricsCap);
        break;
      case 'density':
        this.density.set(msg.which, msg.grid);
        break;
      case 'clear':
        this.clear(msg.what, msg.phase);
        break;
      case 'compare':
        this.compare = msg.runs.length > 0 ? msg : undefined;
        break;
      case 'status':
      case 'exportPlots':
        break; // momentary: not replayed
    }
  }

  private addProgress(p: Progress): void {
    let list = this.progress.get(p.phase);
    // A step that goes back means a new run of that model: its old curve is no longer relevant.
    if (!list || (list.length > 0 && p.step < list[list.length - 1].step)) this.progress.set(p.phase, (list = []));
    list.push(p);
    thinInPlace(list, this.progressCap);
  }

  private clear(what: 'curves' | 'clouds' | 'metrics' | 'all', phase?: Progress['phase']): void {
    if (what === 'curves' || what === 'all') {
      this.compare = undefined;
      if (phase) this.progress.delete(phase);
      else this.progress.clear();
    }
    if (what === 'clouds' || what === 'all') {
      this.clouds = undefined;
      this.density.clear();
    }
    if (what === 'metrics' || what === 'all') this.metrics = [];
  }

  /** The messages that rebuild the panel, in order. */
  messages(): HostToWebview[] {
    const out: HostToWebview[] = [];
    if (this.state) out.push(this.state);
    out.push({ type: 'clear', what: 'all' });
    const history = [...this.progress.values()].flat();
    if (history.length > 0) out.push({ type: 'history', progress: history });
    if (this.clouds) out.push({ type: 'snapshot', snapshot: this.clouds, paired: this.paired });
    for (const m of this.metrics) out.push(m);
    for (const [which, grid] of this.density) out.push({ type: 'density', which, grid });
    if (this.compare) out.push(this.compare);
    return out;
  }
}
