/**
 * Host ↔ webview: the messages the extension host posts to the panel (HostToWebview) and the panel posts
 * back (WebviewToHost), with a strict runtime validator for the latter: the webview is a browser page that
 * renders untrusted data files, so the host treats everything it posts as untrusted input (every field
 * type-checked, paths and file names whitelisted). The host (src/host/panel.ts, panelBridge.ts) and the
 * panel (webview/) both import this file, as in microsoft/vscode-hexeditor, so a message one side sends and
 * the other does not understand is a type error.
 *
 * Nothing here imports `vscode`, tfjs or DOM APIs: the file runs in Node and in the browser.
 */
import { isPlainObject, ruleProblem, show, type Experiment } from '../config/experiment';
import { designerField, type DesignerValue } from '../config/designer';
import type { EvaluateSummary, FitSummary, MorphSummary, Progress, Snapshot } from '../jobs/types';

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
  /** Ask the webview to post exportPlot and exportPlotSvg for every chart that shows data, on this background. */
  | { type: 'exportPlots'; background?: ExportBackground }
  /**
   * Everything a (re)opened panel shows, at once: the host keeps its own copy of the panel's model
   * (webview/state.ts's PanelModel, fed every message posted whether or not the panel is open) and sends
   * its contents when the page says `ready`.
   */
  | { type: 'restore'; contents: PanelContents }
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

/** The contents of the panel's model (webview/state.ts PanelModel.contents()); Maps as entry lists. */
export interface PanelContents {
  /** Which experiment the plots belong to (its workspace-relative path; '' for none), once a state came. */
  experimentKey?: string;
  experiment?: Experiment;
  experimentPath?: string;
  errors: string[];
  runs: RunInfo[];
  running: RunningInfo | null;
  features: string[];
  condition?: ConditionInfo;
  backend?: string;
  /** Latest progress of each phase, and the phase of the most recent one. */
  latest: Progress[];
  lastPhase?: Progress['phase'];
  /** Curve series by key (webview/state.ts Curves): points { x: step, y: value }. */
  curves: [string, { x: number; y: number }[]][];
  clouds: Partial<Record<CloudName, Float32Array>>;
  cols: number;
  paired: boolean;
  snapshotStep: number;
  metrics: { step: number; summary: EvaluateSummary }[];
  density: ['source' | 'target', DensityGrid][];
  /** Runs compared on the curve charts (Compare with…), until new curves end the comparison. */
  compare?: ComparedRunData[];
}

/** Export Plots' background: the theme's (as the panel shows it), the light theme's, or none (transparent). */
export type ExportBackground = 'theme' | 'light' | 'transparent';
export const EXPORT_BACKGROUNDS = ['theme', 'light', 'transparent'] as const satisfies readonly ExportBackground[];

export type WebviewToHost =
  /** The webview script loaded: send the full state (again). */
  | { type: 'ready' }
  | { type: 'startTraining'; what: TrainWhat }
  /** The morph has no density (ot-cfm): set morph.method to ot-f4f in the experiment file and train it. */
  | { type: 'trainWithDensity' }
  | { type: 'stop' }
  /** One designer field changed; null restores the default. The host writes the file and echoes `designer`. */
  | { type: 'designerEdit'; path: string; value: DesignerValue | null }
  | { type: 'setTargetCondition'; value: number[] }
  /** One chart as PNG; `name` is a safe file stem (letters, digits, . _ -). */
  | { type: 'exportPlot'; name: string; pngDataUrl: string }
  /** The same chart as an SVG document (webview/svgCanvas.ts). */
  | { type: 'exportPlotSvg'; name: string; svg: string }
  /** The panel's Export button: run Export Plots (it asks where and on which background). */
  | { type: 'exportRequest' }
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

/**
 * Why `svg` is not an SVG document the panel's recorder writes (written to disk and opened by people in
 * browsers: no scripts, no foreign content, no external references; images only as PNG data URLs).
 */
export function svgProblem(svg: unknown): string | undefined {
  if (typeof svg !== 'string') return 'svg: expected a string';
  if (svg.length > MAX_EXPORT_BYTES) return `svg: larger than ${MAX_EXPORT_BYTES} characters`;
  if (!/^<\?xml version="1\.0" encoding="UTF-8"\?>\n<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/.test(svg) || !svg.endsWith('</svg>\n')) return 'svg: not an SVG document';
  if (/<(script|foreignObject|iframe|object|embed|use|a)\b|\son\w+\s*=\s*"|javascript:|xlink:href/i.test(svg)) return 'svg: holds scripting, links or foreign content';
  for (const m of svg.matchAll(/\shref="([^"]*)"/g)) if (!m[1].startsWith(PNG_PREFIX)) return 'svg: an image that is not a PNG data URL';
  return undefined;
}

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
    case 'trainWithDensity':
    case 'openExperiment':
    case 'exportRequest':
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
    case 'exportPlotSvg': {
      const k = exactKeys(msg, ['type', 'name', 'svg']);
      if (k) return k;
      if (typeof msg.name !== 'string' || !SAFE_NAME.test(msg.name)) return `name: not a safe file name: ${show(msg.name)}`;
      return svgProblem(msg.svg);
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
