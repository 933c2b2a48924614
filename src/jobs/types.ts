/**
 * Jobs: what the CLI and the extension's training worker both run. A job takes file paths and plain
 * options, trains or evaluates on the engine, writes its outputs atomically under `out`, reports progress
 * through hooks, and returns a JSON-able summary. Same inputs + same seed ⇒ same numbers, CLI or panel.
 */
import type { ContextMode, Direction, FlowConfig, MorphMethod, OtConfig, PenaltyConfig, PresetName, TrainConfig } from '../core/config';
import type { BackendPreference } from '../core/tf';

/** Where a dataset comes from and which columns play which role. */
export interface DataSpec {
  path: string;
  /** Feature columns by name or 0-based index; default: every column not used as condition. */
  columns?: (string | number)[];
  conditionColumns?: (string | number)[];
  /** HDF5 dataset / group path, or .npz array name. */
  dataset?: string;
  /** Drop rows with NaN / ±Inf instead of refusing the file. */
  dropNonFinite?: boolean;
  /** Refuse a path outside this folder (the extension sets the workspace folder; the CLI leaves it unset). */
  workspaceRoot?: string;
}

export interface Progress {
  /** Which model is training: a base flow or the morph. */
  phase: 'source' | 'target' | 'fit' | 'morph';
  step: number;
  totalSteps?: number;
  epoch: number;
  /** Training loss of this step (NLL in nats for base flows; morph objective for the morph). */
  loss: number;
  /** Held-out loss, when it was evaluated at this step. */
  valLoss?: number;
  lr: number;
  msPerStep: number;
  samplesPerSec: number;
  elapsedSec: number;
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
  plotPoints?: number;
}

export interface FitJob {
  data: DataSpec;
  out: string;
  preset?: PresetName;
  flow?: Partial<Omit<FlowConfig, 'features' | 'context'>>;
  train?: Partial<TrainConfig>;
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
}

export interface MorphJob {
  source: DataSpec;
  target: DataSpec;
  out: string;
  /** Trained base flows; trained (and saved under out/source, out/target) when missing. */
  sourceModel?: string;
  targetModel?: string;
  basePreset?: PresetName;
  baseFlow?: Partial<Omit<FlowConfig, 'features' | 'context'>>;
  baseTrain?: Partial<TrainConfig>;
  /** f4f (the paper's), ot-f4f or ot-cfm (src/core/config.ts, MorphMethod). */
  method?: MorphMethod;
  ot?: Partial<OtConfig>;
  mode?: ContextMode;
  direction?: Direction;
  /** For direction 'iterate': epochs per block. */
  iterateEpochs?: number;
  penalty?: Partial<PenaltyConfig>;
  identityInit?: boolean;
  top?: Partial<Omit<FlowConfig, 'features' | 'context'>>;
  train?: Partial<TrainConfig>;
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
  /** Held-out evaluation right after training (see EvaluateSummary). */
  evaluation?: EvaluateSummary;
}

export interface TransportJob {
  run: string;
  data: DataSpec;
  out: string;
  inverse?: boolean;
  targetCondition?: number[];
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
  nll: { sourceUnderSource: number; targetUnderTarget: number; morphedUnderTarget?: number };
  morph: { displacement: Displacement; fidelity: Fidelity };
  baseTransfer: { displacement: Displacement; fidelity: Fidelity };
  ot: { w1: number; w2sq: number; n: number };
}
