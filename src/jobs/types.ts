/**
 * Jobs: what the CLI and the extension's training worker both run. A job takes file paths and plain
 * options, trains or evaluates on the engine, writes its outputs atomically under `out`, reports progress
 * through hooks, and returns a JSON-able summary. Same inputs + same seed ⇒ same numbers, CLI or panel.
 */
import type { FlowConfig, MorphConfig, MorphMethod, TrainConfig } from '../core/config';
import type { BackendPreference } from '../core/tf';
import type { StepStats } from '../core/train/report';
import type { ReadOptions } from '../data/read';

/**
 * Where a dataset comes from and which columns play which role: a path (or toy:NAME[:ROWS[:SEED]]) and the
 * reader's options (src/data/read.ts) that a job passes on; `workspaceRoot` is set by the extension (the CLI
 * leaves it unset).
 */
export interface DataSpec
  extends Pick<ReadOptions, 'columns' | 'conditionColumns' | 'dataset' | 'dropNonFinite' | 'header' | 'maxRows' | 'maxBytes' | 'workspaceRoot'> {
  path: string;
}

export interface Progress extends StepStats {
  /** Which model is training: a base flow or the morph. */
  phase: 'source' | 'target' | 'fit' | 'morph';
  totalSteps?: number;
  /** Morph extras: per-direction losses, mean displacement, current penalty weight. */
  lossForward?: number;
  lossInverse?: number;
  displacement?: number;
  penaltyWeight?: number;
}

/** Sample clouds for the panel's plots (row-major, `cols` features each). */
export interface Snapshot {
  phase: Progress['phase'];
  step: number;
  cols: number;
  /** Any of: source, target, sourceModel (samples of the source base flow), targetModel, morphed (source →
   * target through g), morphedInverse (target → source through g⁻¹), baseTransfer (source → target through
   * the two base flows). Each is a subsample at most `plotPoints` rows. */
  clouds: Partial<Record<'source' | 'target' | 'sourceModel' | 'targetModel' | 'morphed' | 'morphedInverse' | 'baseTransfer', Float32Array>>;
  /** A morph's live held-out evaluation at `step` (on fewer rows than the final one), for the curves. */
  evaluation?: EvaluateSummary;
}

export interface JobHooks {
  onProgress?(p: Progress): void;
  onSnapshot?(s: Snapshot): void;
  onLog?(line: string): void;
  /** Checked once per step: training stops within one step, keeping the last checkpoint. */
  cancelled?(): boolean;
  /** How often to emit progress (ms) and snapshots (ms). */
  progressEveryMs?: number;
  snapshotEveryMs?: number;
  /** A morph's live evaluation with a snapshot at most this often (ms; default 10 000). */
  evaluateEveryMs?: number;
  plotPoints?: number;
}

/** A flow's architecture without the data-dependent sizes (as in src/config/experiment.ts). */
type FlowSettings = Omit<FlowConfig, 'features' | 'context'>;

/**
 * Jobs receive fully resolved configurations (src/config/experiment.ts resolves presets, defaults,
 * overrides and the budget rule) and merge nothing: what the job is given is what it trains.
 */
export interface FitJob {
  data: DataSpec;
  out: string;
  flow: FlowSettings;
  train: TrainConfig;
  backend?: BackendPreference;
  /** Resume from the checkpoint in `out` if present. */
  resume?: boolean;
}

export interface FitSummary {
  out: string;
  /** Per feature, the share of held-out rows outside the spline's ±bound after preprocessing. */
  outsideBound?: number[];
  trainNll: number;
  valNll: number;
  steps: number;
  seconds: number;
  backend: string;
  cancelled: boolean;
  /** Present when a seconds budget ran: the clock set the schedule; replay with these steps (record.json). */
  replay?: Replay;
}

/** What a seconds budget took, so a run can be replayed deterministically with --steps. */
export interface Replay {
  note: string;
  steps: Record<string, number>;
}

export interface MorphJob {
  source: DataSpec;
  target: DataSpec;
  out: string;
  /** Trained base flows; trained (and saved under out/source, out/target) when missing. */
  sourceModel?: string;
  targetModel?: string;
  /** Base flows trained here (when not given). */
  base: { flow: FlowSettings; train: TrainConfig };
  morph: MorphConfig;
  backend?: BackendPreference;
}

export interface MorphSummary {
  out: string;
  sourceModel: string;
  targetModel: string;
  steps: number;
  seconds: number;
  backend: string;
  cancelled: boolean;
  finalLoss: number;
  /** How the morph was learned (absent when cancelled before training, or in older summaries). */
  method?: MorphMethod;
  /** Held-out evaluation right after training (see EvaluateSummary). */
  evaluation?: EvaluateSummary;
  /** Present when a seconds budget ran (see FitSummary.replay). */
  replay?: Replay;
}

export interface TransportJob {
  run: string;
  data: DataSpec;
  out: string;
  inverse?: boolean;
  targetCondition?: number[];
  /** Write the condition columns after the morphed ones (Morph This File, Export Samples). */
  withConditions?: boolean;
  backend?: BackendPreference;
}

export interface Fidelity {
  /** Sliced Wasserstein-1 between the morphed sample and a target sample. */
  slicedW1: number;
  /** The same between two independent target samples: what a perfect morph would score. */
  slicedW1Floor: number;
  energy: number;
  energyFloor: number;
}

export interface Displacement {
  meanL2: number;
  stdL2: number;
  meanL1: number;
  perFeature: number[];
}

export interface EvaluateSummary {
  n: number;
  /**
   * Present when n is below MIN_HELD_OUT (src/data/split.ts): that the estimate is noisy and why, in words
   * (the CLI's JSON and the run's record carry it; the panel says the same beside its table).
   */
  noisy?: string;
  /** How the morph was learned; ot-cfm has no density (absent in summaries from before methods: f4f). */
  method?: MorphMethod;
  nll: { sourceUnderSource: number; targetUnderTarget: number; morphedUnderTarget?: number };
  morph: { displacement: Displacement; fidelity: Fidelity };
  baseTransfer: { displacement: Displacement; fidelity: Fidelity };
  ot: { w1: number; w2sq: number; n: number };
}
