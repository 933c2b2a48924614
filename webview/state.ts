/**
 * The webview's model: what the host has told it, folded from HostToWebview messages. Rendering reads it
 * and clears the dirty flags; nothing here touches the DOM, so the unit tests drive it in Node. The host
 * keeps one too (src/host/panel.ts), fed every message it posts, and sends its contents() to a reopened
 * panel as one `restore` message: one model, on both sides, decides what the panel shows.
 */
import type { Experiment } from '../src/config/experiment';
import { CLOUD_NAMES, thinInPlace, toFloat32, type CloudName, type ComparedRunData, type ConditionInfo, type DensityGrid, type HostToWebview, type PanelContents, type RunInfo, type RunningInfo } from '../src/protocol/webview';
import type { EvaluateSummary, Progress } from '../src/jobs/types';
import type { Point } from './sampling';

export type Phase = Progress['phase'];
export type Dirty = 'state' | 'designer' | 'running' | 'progress' | 'curves' | 'clouds' | 'metrics' | 'density' | 'status';

/** Most points kept per curve series (older points are thinned; see thinInPlace). */
export const CURVE_CAP = 5000;

/**
 * Curve series fed by progress and metrics messages. Keys:
 * - `nll:<phase>:train`, `nll:<phase>:val` for base phases source, target, fit;
 * - `morph:train`, `morph:val`, `morph:forward`, `morph:inverse`, `disp:morph`;
 * - `lr:<phase>` for every phase; `penalty:weight`;
 * - from metrics: `fid:morph`, `fid:transfer`, `fid:floor`, `dispEval:morph`, `dispEval:transfer`, `ot:w1`.
 */
export type Curves = Map<string, Point[]>;

/** A run drawn beside another (Compare with…): its label and its curves, keyed as `Curves`. */
export interface ComparedRun {
  id: string;
  label: string;
  curves: Curves;
}

export interface MetricsEntry {
  step: number;
  summary: EvaluateSummary;
}

/** UI choices that survive a hidden/reshown panel (vscode.setState), not sent by the host. */
export interface ViewState {
  xFeature: number;
  yFeature: number;
  arrows: boolean;
  densityOf: 'source' | 'target';
}

export const DEFAULT_VIEW: ViewState = { xFeature: 0, yFeature: 1, arrows: true, densityOf: 'target' };

/** Accepts a stored view state only if every field is sound (it comes back from storage untyped). */
export function sanitizeView(v: unknown): ViewState {
  const o = (v && typeof v === 'object' ? v : {}) as Record<string, unknown>;
  const idx = (x: unknown, d: number): number => (typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < 4096 ? x : d);
  return {
    xFeature: idx(o.xFeature, DEFAULT_VIEW.xFeature),
    yFeature: idx(o.yFeature, DEFAULT_VIEW.yFeature),
    arrows: typeof o.arrows === 'boolean' ? o.arrows : DEFAULT_VIEW.arrows,
    densityOf: o.densityOf === 'source' || o.densityOf === 'target' ? o.densityOf : DEFAULT_VIEW.densityOf,
  };
}

export class PanelModel {
  experiment: Experiment | undefined;
  experimentPath: string | undefined;
  /**
   * Which experiment the plots, curves and metrics belong to (its file). A `state` for another experiment
   * clears them all, so nothing leaks from one experiment into the next.
   */
  private key: string | undefined;
  errors: string[] = [];
  runs: RunInfo[] = [];
  running: RunningInfo | null = null;
  features: string[] = [];
  condition: ConditionInfo | undefined;
  backend: string | undefined;
  /** Latest progress of each phase. */
  latest = new Map<Phase, Progress>();
  /** Phase of the most recent progress message (the status line shows it). */
  lastPhase: Phase | undefined;
  curves: Curves = new Map();
  clouds: Partial<Record<CloudName, Float32Array>> = {};
  cols = 0;
  paired = false;
  snapshotStep = 0;
  metrics: MetricsEntry[] = [];
  density = new Map<'source' | 'target', DensityGrid>();
  status: { level: 'info' | 'warn' | 'error'; text: string } | undefined;
  /** Runs compared on the curve charts (instead of `curves`) until the curves are cleared. */
  compare: ComparedRun[] | undefined = undefined;
  /** The compare message's runs as they came, for contents() (the host's replay to a reopened panel). */
  private compareData: ComparedRunData[] | undefined = undefined;
  readonly dirty = new Set<Dirty>();

  /** Number of features D: the clouds' width once there are clouds (they are the truth), else the names'. */
  get dims(): number {
    return this.cols > 0 ? this.cols : this.features.length;
  }

  /** A feature's column name; x0, x1, … when the names the host sent do not fit the clouds (stale names). */
  featureName(i: number): string {
    return this.cols > 0 && this.features.length !== this.cols ? `x${i}` : (this.features[i] ?? `x${i}`);
  }

  apply(msg: HostToWebview): void {
    switch (msg.type) {
      case 'state': {
        const key = msg.experimentPath ?? '';
        if (this.key !== undefined && key !== this.key) this.forgetExperiment();
        // Same experiment, other feature columns (the file was edited): the clouds were of the old columns.
        else if (this.features.length > 0 && msg.features?.length && msg.features.join('\u0000') !== this.features.join('\u0000')) this.clear('clouds');
        this.key = key;
        this.takeState(msg);
        if (msg.nllReference && Number.isFinite(msg.nllReference.value)) this.curves.set('ref:nll', [{ x: 0, y: msg.nllReference.value }]);
        else this.curves.delete('ref:nll');
        this.mark('state', 'designer', 'running', 'clouds', 'density', 'curves');
        break;
      }
      case 'designer':
        this.experiment = msg.experiment;
        this.errors = msg.errors ?? [];
        this.mark('designer');
        break;
      case 'running':
        this.running = msg.running;
        this.mark('running');
        break;
      case 'progress':
        this.addProgress(msg.progress);
        break;
      case 'history':
        for (const p of msg.progress) this.addProgress(p);
        break;
      case 'snapshot':
        this.addSnapshot(msg.snapshot.cols, msg.snapshot.step, msg.snapshot.clouds, msg.paired);
        break;
      case 'metrics':
        this.addMetrics(msg.summary, msg.step);
        break;
      case 'density': {
        const logp = toFloat32(msg.grid.logp);
        if (logp && logp.length === msg.grid.nx * msg.grid.ny) {
          this.density.set(msg.which, { ...msg.grid, logp });
          this.mark('density');
        }
        break;
      }
      case 'clear':
        this.clear(msg.what, msg.phase);
        break;
      case 'status':
        this.status = { level: msg.level, text: msg.text };
        this.mark('status');
        break;
      case 'exportPlots':
        break; // an action, handled by main.ts
      case 'restore':
        this.restore(msg.contents);
        break;
      case 'compare':
        this.compareData = msg.runs.length > 0 ? msg.runs : undefined;
        this.compare = msg.runs.length > 0 ? msg.runs.map((r) => ({ id: r.id, label: r.label, curves: PanelModel.curvesOf(r) })) : undefined;
        this.mark('curves');
        break;
    }
  }

  /** What a reopened panel needs to show all of this (a `restore` message); the status line is momentary. */
  contents(): Extract<HostToWebview, { type: 'restore' }> {
    return {
      type: 'restore',
      contents: {
        experimentKey: this.key,
        experiment: this.experiment,
        experimentPath: this.experimentPath,
        errors: this.errors,
        runs: this.runs,
        running: this.running,
        features: this.features,
        condition: this.condition,
        backend: this.backend,
        latest: [...this.latest.values()],
        lastPhase: this.lastPhase,
        curves: [...this.curves].map(([k, points]) => [k, [...points]]),
        clouds: { ...this.clouds },
        cols: this.cols,
        paired: this.paired,
        snapshotStep: this.snapshotStep,
        metrics: [...this.metrics],
        density: [...this.density],
        compare: this.compareData,
      },
    };
  }

  /** The fields a `state` message (or a restore) sets. */
  private takeState(m: Partial<Pick<PanelContents, 'experiment' | 'experimentPath' | 'errors' | 'runs' | 'running' | 'features' | 'condition' | 'backend'>>): void {
    this.experiment = m.experiment;
    this.experimentPath = m.experimentPath;
    this.errors = m.errors ?? [];
    this.runs = m.runs ?? [];
    this.running = m.running ?? null;
    this.features = m.features ?? [];
    this.condition = m.condition;
    this.backend = m.backend;
  }

  /** Takes over another model's contents() (the host's, when this page opens). */
  private restore(c: PanelContents): void {
    this.key = c.experimentKey;
    this.takeState(c);
    this.latest = new Map((c.latest ?? []).map((p) => [p.phase, p]));
    this.lastPhase = c.lastPhase;
    this.curves = new Map(c.curves ?? []);
    this.cols = c.cols ?? 0;
    this.clouds = {};
    for (const name of CLOUD_NAMES) {
      const v = toFloat32(c.clouds?.[name]);
      if (v && this.cols > 0 && v.length % this.cols === 0) this.clouds[name] = v;
    }
    this.paired = c.paired ?? false;
    this.snapshotStep = c.snapshotStep ?? 0;
    this.metrics = c.metrics ?? [];
    this.density = new Map();
    for (const [which, grid] of c.density ?? []) {
      const logp = toFloat32(grid.logp);
      if (logp && logp.length === grid.nx * grid.ny) this.density.set(which, { ...grid, logp });
    }
    if (c.compare?.length) this.apply({ type: 'compare', runs: c.compare });
    else this.compare = this.compareData = undefined;
    this.mark('state', 'designer', 'running', 'progress', 'curves', 'clouds', 'metrics', 'density');
  }

  /** A compared run's curves: its progress and evaluations folded as the panel folds a live run's. */
  static curvesOf(r: ComparedRunData): Curves {
    const m = new PanelModel();
    m.apply({ type: 'history', progress: r.progress });
    for (const e of r.metrics) m.addMetrics(e.summary, e.step);
    return m.curves;
  }

  private mark(...d: Dirty[]): void {
    for (const x of d) this.dirty.add(x);
  }

  private push(key: string, x: number, y: number | undefined): void {
    if (y === undefined || !Number.isFinite(y)) return;
    let s = this.curves.get(key);
    if (!s) this.curves.set(key, (s = []));
    s.push({ x, y });
    thinInPlace(s, CURVE_CAP);
  }

  private dropPhase(phase: Phase): void {
    const prefixes = phase === 'morph' ? ['morph:', 'disp:morph', 'lr:morph', 'penalty:'] : [`nll:${phase}:`, `lr:${phase}`];
    for (const k of [...this.curves.keys()]) if (prefixes.some((p) => k.startsWith(p))) this.curves.delete(k);
    this.latest.delete(phase);
  }

  addProgress(p: Progress): void {
    const prev = this.latest.get(p.phase);
    // The step went back: a new run of this model started, so its old curves end here.
    if (prev && p.step < prev.step) this.dropPhase(p.phase);
    this.latest.set(p.phase, p);
    this.lastPhase = p.phase;
    if (p.phase === 'morph') {
      this.push('morph:train', p.step, p.loss);
      this.push('morph:val', p.step, p.valLoss);
      this.push('morph:forward', p.step, p.lossForward);
      this.push('morph:inverse', p.step, p.lossInverse);
      this.push('disp:morph', p.step, p.displacement);
      this.push('penalty:weight', p.step, p.penaltyWeight);
    } else {
      this.push(`nll:${p.phase}:train`, p.step, p.loss);
      this.push(`nll:${p.phase}:val`, p.step, p.valLoss);
    }
    if (p.lr > 0) this.push(`lr:${p.phase}`, p.step, p.lr);
    this.mark('progress', 'curves');
  }

  addSnapshot(cols: number, step: number, clouds: Record<string, unknown>, paired?: boolean): void {
    if (cols !== this.cols) this.clouds = {};
    this.cols = cols;
    this.snapshotStep = step;
    for (const name of CLOUD_NAMES) {
      const c = toFloat32(clouds[name]);
      if (c && cols > 0 && c.length % cols === 0) this.clouds[name] = c;
    }
    if (paired !== undefined) this.paired = paired;
    this.mark('clouds', 'density');
  }

  addMetrics(summary: EvaluateSummary, step?: number): void {
    // Without a step, place the evaluation at the morph's latest step (or after the previous one).
    const x = step ?? this.latest.get('morph')?.step ?? (this.metrics.length > 0 ? this.metrics[this.metrics.length - 1].step + 1 : 0);
    this.metrics.push({ step: x, summary });
    this.push('fid:morph', x, summary.morph?.fidelity?.slicedW1);
    this.push('fid:transfer', x, summary.baseTransfer?.fidelity?.slicedW1);
    this.push('fid:floor', x, summary.morph?.fidelity?.slicedW1Floor);
    this.push('dispEval:morph', x, summary.morph?.displacement?.meanL2);
    this.push('dispEval:transfer', x, summary.baseTransfer?.displacement?.meanL2);
    this.push('ot:w1', x, summary.ot?.w1);
    this.mark('metrics', 'curves');
  }

  clear(what: 'curves' | 'clouds' | 'metrics' | 'all', phase?: Phase): void {
    // New curves (a run starts, another run is shown): the comparison ends.
    if (what === 'curves' || what === 'all') this.compare = this.compareData = undefined;
    if (what === 'curves' || what === 'all') {
      if (phase) this.dropPhase(phase);
      else {
        // Known answers (`ref:`) come with the state, not with a run: a replay's `clear` keeps them.
        for (const k of [...this.curves.keys()]) if (!isMetricsKey(k) && !k.startsWith('ref:')) this.curves.delete(k);
        this.latest.clear();
      }
      this.mark('curves', 'progress');
    }
    if (what === 'clouds' || what === 'all') {
      if (phase && phase !== 'morph') {
        const names: CloudName[] = phase === 'source' ? ['sourceModel'] : phase === 'target' ? ['targetModel'] : ['sourceModel', 'targetModel'];
        for (const n of names) delete this.clouds[n];
      } else if (phase === 'morph') {
        for (const n of ['morphed', 'morphedInverse'] as const) delete this.clouds[n];
      } else {
        this.clouds = {};
        this.density.clear();
      }
      this.mark('clouds', 'density');
    }
    if (what === 'metrics' || what === 'all') {
      this.metrics = [];
      for (const k of [...this.curves.keys()]) if (isMetricsKey(k)) this.curves.delete(k);
      this.mark('metrics', 'curves');
    }
  }

  /** Drops everything shown for the previous experiment: curves, clouds, metrics, density grids, status. */
  private forgetExperiment(): void {
    this.clear('all');
    this.latest.clear();
    this.lastPhase = undefined;
    this.cols = 0;
    this.paired = false;
    this.snapshotStep = 0;
    this.status = undefined;
    this.mark('status', 'metrics');
  }

  /** Returns the dirty flags and clears them. */
  takeDirty(): Set<Dirty> {
    const d = new Set(this.dirty);
    this.dirty.clear();
    return d;
  }
}

function isMetricsKey(k: string): boolean {
  return k.startsWith('fid:') || k.startsWith('dispEval:') || k.startsWith('ot:');
}
