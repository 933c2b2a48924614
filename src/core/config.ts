/**
 * Plain-JSON configuration of flows, training and morphs. These objects are what the experiment file
 * (`*.flowmorph.json`), the designer, the CLI flags and saved models all speak; nothing here holds tensors.
 */

/** Autoregressive (MAF, Papamakarios et al. 2017) or coupling (RealNVP-style, Dinh et al. 2017) splines. */
export type TransformKind = 'maf' | 'coupling';
/** What sits between stacks: a fixed reverse / random permutation, or a learned LU-factorised linear map. */
export type PermutationKind = 'reverse' | 'random' | 'lu';

export interface FlowConfig {
  /** Number of feature columns. */
  features: number;
  /** Number of condition (context) columns fed to every conditioner; 0 for none. */
  context: number;
  transform: TransformKind;
  /** Number of spline transforms. */
  stacks: number;
  /** Residual blocks per conditioner network. */
  blocks: number;
  /** Hidden units per conditioner layer. */
  hidden: number;
  /** Spline bins K. */
  bins: number;
  /** Spline interval [−bound, bound]; linear tails outside. */
  bound: number;
  permutation: PermutationKind;
  /** Zero the last layer of every conditioner (and fix permutation parity) so the untrained flow is g(x) = x. */
  identityInit: boolean;
}

export interface TrainConfig {
  /** Adam learning rate at step 0. */
  lr: number;
  batch: number;
  /** Budget: whichever of steps / epochs / seconds is given; steps wins, then epochs, then seconds. */
  steps?: number;
  epochs?: number;
  seconds?: number;
  /** Cosine decay of the learning rate to 0 over the budget, per step (as the paper). */
  cosine: boolean;
  /** Global gradient-norm clip; 0 disables. */
  clip: number;
  seed: number;
  /** Fraction of the data held out for validation NLL. */
  validationFraction: number;
  /** Evaluate validation loss every this many steps. */
  evalEvery: number;
}

export type PresetName = 'reference' | 'fast';

/** The paper's base-flow architecture (4 stacks × 2 blocks × 128 hidden × 8 bins, bound 4) and its optimiser. */
export const REFERENCE_FLOW: Omit<FlowConfig, 'features' | 'context'> = {
  transform: 'maf',
  stacks: 4,
  blocks: 2,
  hidden: 128,
  bins: 8,
  bound: 4,
  permutation: 'reverse',
  identityInit: false,
};

export const PRESETS: Record<PresetName, { flow: Omit<FlowConfig, 'features' | 'context'>; train: TrainConfig }> = {
  reference: {
    flow: REFERENCE_FLOW,
    train: { lr: 1e-4, batch: 128, epochs: 32, cosine: true, clip: 5, seed: 0, validationFraction: 0.1, evalEvery: 200 },
  },
  // Interactive use. The reference's best 60-second setting is lr 1e-3, batch 512 (bench/table.ts); we
  // take fewer steps per second than PyTorch, and a larger step pays: measured here on wasm (60 s, batch
  // 512, held-out NLL on 20 000 fresh points), checkerboard 3.536 / 3.500 / 3.492 / 3.493 and four circles
  // 2.928 / 2.903 / 2.903 at lr 1e-3 / 2e-3 / 3e-3 / 5e-3.
  fast: {
    flow: REFERENCE_FLOW,
    train: { lr: 3e-3, batch: 512, seconds: 60, cosine: true, clip: 5, seed: 0, validationFraction: 0.1, evalEvery: 100 },
  },
};

/**
 * How conditions enter a flow for flows (Golling et al. 2023, sec. 3):
 * - none: no condition;
 * - delta: the top flow sees c_target − c_input (inverse pass when the shift is negative);
 * - concat: the top flow sees [c_input, c_target];
 * - two-bases: separate conditional base flows for source and target;
 * - two-bases-shared: one base flow conditioned on c, used as both source and target density.
 */
export type ContextMode = 'none' | 'delta' | 'concat' | 'two-bases' | 'two-bases-shared';

/**
 * Which way the top flow g is trained (source → target is "forward"):
 * - forward: source samples x, loss −log q_target(g(x)) − log|det ∂g/∂x|;
 * - inverse: target samples y, loss −log q_source(g⁻¹(y)) − log|det ∂g⁻¹/∂y|;
 * - both: the sum of the two every step; alternate: one then the other per batch;
 * - iterate: blocks of `iterateEpochs` epochs, forward first.
 */
export type Direction = 'forward' | 'inverse' | 'both' | 'alternate' | 'iterate';

export interface PenaltyConfig {
  kind: 'none' | 'l1' | 'l2';
  /** Weight λ of d(x, g(x)), the per-sample sum over features of |Δ| (l1) or Δ² (l2). */
  weight: number;
  /** Cosine-anneal λ from `weight` to 0 over the budget. */
  anneal: boolean;
}

/**
 * How the morph is learned:
 * - f4f: the paper's flows for flows (likelihood under the other side's base flow, optional penalty);
 * - ot-f4f: the same top flow, first regressed onto exact-OT partners paired within each minibatch, then
 *   fine-tuned on the flows-for-flows likelihood with the OT regression as an annealed penalty (a flow:
 *   exact density and exact inverse);
 * - ot-cfm: minibatch OT conditional flow matching (Tong et al. 2023, arXiv:2302.00482): a velocity
 *   network regressed onto the straight segments between OT partners, integrated by fixed-step RK4.
 *   No density; the inverse is the backward integration.
 * - cfm-f4f: a flow for flows distilled from ot-cfm (./distil.ts): a velocity field trained as ot-cfm for
 *   the share `ot.pretrain` of the budget, its transport T(x) computed once for a set of source rows, then
 *   the top flow trained as ot-f4f with (x, T(x)) in place of the per-step OT partners (a flow: exact
 *   density and exact inverse, and no pairing in its steps).
 */
export type MorphMethod = 'f4f' | 'ot-f4f' | 'ot-cfm' | 'cfm-f4f';
export const MORPH_METHODS: readonly MorphMethod[] = ['f4f', 'ot-f4f', 'ot-cfm', 'cfm-f4f'];

/**
 * Where ot-cfm's velocity field lives: 'data', the data's own (morph-space) coordinates; 'latent', between
 * the base flows' noise — a row is encoded by the source's flow, carried by the field and decoded by the
 * target's flow, so whatever the field does, the morph lands on the target's flow. Partners are paired by
 * exact OT in the data's coordinates either way.
 */
export type OtSpace = 'data' | 'latent';
export const OT_SPACES: readonly OtSpace[] = ['data', 'latent'];

/** Settings of the OT-paired methods (ignored by f4f). */
export interface OtConfig {
  /**
   * Rows of each side paired at once (an n × n assignment, refused above MAX_OT_PAIRING; exact up to 256 rows,
   * within max(cost)/1000 of the optimum above: src/core/ot-pairs.ts solvePairing). Not larger
   * than the batch (train.batch) and with pairingSteps 1, each step's batch is paired in blocks of this many
   * rows; else the steps draw their batches from pairing rounds of this many rows (src/core/objectives/morph.ts).
   */
  block: number;
  /** Steps that draw their batches from one pairing round (1 with block ≤ batch: a fresh pairing every step). */
  pairingSteps: number;
  /**
   * Conditional pairs: weight of the squared condition distance added to the pairing cost
   * (Cheng & Schwing, arXiv:2503.10636), so partners share their condition.
   */
  conditionWeight: number;
  /**
   * ot-f4f: share of the budget spent on pure regression before the likelihood joins in. cfm-f4f: share
   * of the budget for the velocity field; of the rest, this share is pure regression onto its transport.
   */
  pretrain: number;
  /** ot-f4f: weight of the OT regression during fine-tuning, cosine-annealed to 0. */
  regressionWeight: number;
  /** ot-cfm and cfm-f4f: velocity network size. */
  hidden: number;
  blocks: number;
  /** ot-cfm and cfm-f4f: RK4 steps from t = 0 to 1. */
  rk4Steps: number;
  /** ot-cfm and cfm-f4f: where the velocity field lives (OtSpace). */
  space: OtSpace;
  /**
   * ot-cfm and cfm-f4f: Fourier features of the field's input, sin(z·B) and cos(z·B) for a D × F matrix B
   * drawn N(0, fourierScale²) and then learned with the field (Tancik et al., NeurIPS 2020,
   * arXiv:2006.10739): they let the network draw sharp structure (thin rings, the edges of a checkerboard)
   * that a plain MLP blurs. 0: none.
   */
  fourier: number;
  /** ot-cfm and cfm-f4f: standard deviation of B's initial entries, in morph-space units⁻¹. */
  fourierScale: number;
}

/** Largest minibatch pairing block (rows per side): its Float64 cost matrix is 8·n² bytes. */
export const MAX_OT_PAIRING = 4096;

export const DEFAULT_OT: OtConfig = { block: 2048, pairingSteps: 10, conditionWeight: 10, pretrain: 0.5, regressionWeight: 1, hidden: 256, blocks: 4, rk4Steps: 20, space: 'data', fourier: 64, fourierScale: 5 };

/**
 * What a run.json without some `ot` field is read with: the run format's defaults, frozen (docs/model-format.md),
 * while DEFAULT_OT, what new runs train with, may move (its `blocks` was 2 until 2026-12-04).
 */
export const RUN_FORMAT_OT: OtConfig = { ...DEFAULT_OT, block: 256, pairingSteps: 1, blocks: 2, space: 'data', fourier: 0 };

export interface MorphConfig {
  method: MorphMethod;
  ot: OtConfig;
  top: Omit<FlowConfig, 'features' | 'context'>;
  mode: ContextMode;
  direction: Direction;
  penalty: PenaltyConfig;
  train: TrainConfig;
  /** For direction 'iterate': epochs per block. */
  iterateEpochs: number;
}

export const DEFAULT_MORPH: MorphConfig = {
  // OT flow matching is the default (issue #10): on a quiet machine in 60 s (bench/results/morph.json, velocity
  // network 4 blocks × 256) four circles → checkerboard reached fidelity 1.15× its floor at displacement
  // 1.01× the exact OT cost, the Gaussian pair 1.08× at 1.01×, RMS 0.7 % to the closed-form map, the identity
  // pair stayed put; checkerboard → four circles (1.40×) and eight-star → rings (1.57×) miss the 1.3×
  // fidelity goal there. The paper's f4f misses the target on the toys (3.6× its floor after 90 s, 1.34× the
  // OT cost). ot-cfm has no density; cfm-f4f (a flow distilled from it), ot-f4f and the paper's f4f keep one
  // and stay selectable (morph.method, --method). ot.space 'latent' lands on thin targets at ~1.1× the OT cost.
  // Pairing in rounds of 2 048 rows (auction) × 10 steps, 60 s (bench/results/morph.json): four circles → checkerboard
  // 0.94×, checkerboard → four circles 1.34×, eight-star → rings 1.46× (per-step blocks of 256: 1.15, 1.40, 1.57),
  // identity and Gaussian pairs unchanged; rounds of 200 steps were memorised (identity moved, README).
  // 64 Fourier features of the field's input (scale 5), 60 s: checkerboard → four circles and eight-star → rings
  // land within 1.3× their floor (README › Morph benchmark); the Gaussian map bends a little more (RMS ~2 %).
  // The panel says when a morph has no density and offers a flow where one is needed.
  method: 'ot-cfm',
  ot: DEFAULT_OT,
  top: { ...REFERENCE_FLOW, identityInit: true },
  mode: 'none',
  direction: 'alternate',
  penalty: { kind: 'none', weight: 0, anneal: false },
  // lr 3e-3 as the fast preset: four circles → checkerboard after 90 s (alternate, no penalty), sliced W1 to
  // the target 0.21 at 3e-3 vs 0.34 at 1e-3 (floor 0.05); forward-only 0.34, both-per-step 0.30.
  train: { lr: 3e-3, batch: 512, seconds: 60, cosine: true, clip: 5, seed: 0, validationFraction: 0.1, evalEvery: 100 },
  iterateEpochs: 1,
};
