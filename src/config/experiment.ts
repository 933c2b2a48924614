/**
 * The experiment schema: the experiment file (`*.flowmorph.json`) type, its defaults, the rule table of
 * every setting's limits (shared by the file validator, the designer, the webview message validator and
 * the CLI's flags), validation, and resolution to full configurations.
 *
 * Nothing here imports `vscode`, tfjs or DOM APIs: the file runs in Node, in a worker and in the browser.
 */
import { DEFAULT_MORPH, MAX_OT_PAIRING, MORPH_METHODS, OT_SPACES, PRESETS } from '../core/config';
import type { ContextMode, Direction, FlowConfig, MorphConfig, MorphMethod, OtConfig, PenaltyConfig, PresetName, TrainConfig } from '../core/config';
import type { DataSpec } from '../jobs/types';

/** A flow's architecture without the data-dependent sizes (features, context). */
export type FlowSettings = Omit<FlowConfig, 'features' | 'context'>;
export type FlowOverrides = Partial<FlowSettings>;

/**
 * An experiment file (`*.flowmorph.json`). Every model setting is an *override* of a default (the base
 * preset, or DEFAULT_MORPH), so a file stays short and a changed default reaches old files; use
 * `resolveExperiment` for the full configs.
 */
export interface Experiment {
  version: 1;
  /** Display name; the file name when absent. */
  name?: string;
  source?: DataSpec;
  target?: DataSpec;
  base: { preset: PresetName; flow: FlowOverrides; train: Partial<TrainConfig> };
  morph: {
    top: FlowOverrides;
    method?: MorphMethod;
    ot?: Partial<OtConfig>;
    mode?: ContextMode;
    direction?: Direction;
    penalty: Partial<PenaltyConfig>;
    train: Partial<TrainConfig>;
    iterateEpochs?: number;
  };
  /** Where runs are written, relative to the experiment file; default `flowmorph-runs`. */
  outputFolder?: string;
}

export const EXPERIMENT_SUFFIX = '.flowmorph.json';
export const DEFAULT_OUTPUT_FOLDER = 'flowmorph-runs';
/** The panel is interactive, so a new experiment starts from the 60-second preset. */
export const DEFAULT_BASE_PRESET: PresetName = 'fast';

export function defaultExperiment(): Experiment {
  return { version: 1, base: { preset: DEFAULT_BASE_PRESET, flow: {}, train: {} }, morph: { top: {}, penalty: {}, train: {} } };
}

/** Rule for one scalar setting; shared by the file validator, the designer and the message validator. */
export type FieldRule =
  | { kind: 'enum'; options: readonly string[] }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'number'; min: number; max: number; minExclusive?: boolean }
  | { kind: 'bool' };

export const TRANSFORMS = ['maf', 'coupling'] as const;
export const PERMUTATIONS = ['reverse', 'random', 'lu'] as const;
export const PRESET_NAMES = ['reference', 'fast'] as const satisfies readonly PresetName[];
export const CONTEXT_MODES = ['none', 'delta', 'concat', 'two-bases', 'two-bases-shared'] as const satisfies readonly ContextMode[];
export const DIRECTIONS = ['forward', 'inverse', 'both', 'alternate', 'iterate'] as const satisfies readonly Direction[];
export const PENALTY_KINDS = ['none', 'l1', 'l2'] as const;

export const FLOW_RULES: Record<keyof FlowOverrides, FieldRule> = {
  transform: { kind: 'enum', options: TRANSFORMS },
  stacks: { kind: 'int', min: 1, max: 64 },
  blocks: { kind: 'int', min: 1, max: 32 },
  hidden: { kind: 'int', min: 1, max: 4096 },
  // One bin with the boundary derivatives fixed at 1 (linear tails) is the identity: nothing to train.
  bins: { kind: 'int', min: 2, max: 256 },
  bound: { kind: 'number', min: 0, max: 1e4, minExclusive: true },
  permutation: { kind: 'enum', options: PERMUTATIONS },
  identityInit: { kind: 'bool' },
};

export const TRAIN_RULES: Record<keyof TrainConfig, FieldRule> = {
  lr: { kind: 'number', min: 0, max: 10, minExclusive: true },
  batch: { kind: 'int', min: 1, max: 1 << 20 },
  steps: { kind: 'int', min: 1, max: 1e9 },
  epochs: { kind: 'int', min: 1, max: 1e6 },
  seconds: { kind: 'number', min: 0, max: 1e7, minExclusive: true },
  cosine: { kind: 'bool' },
  clip: { kind: 'number', min: 0, max: 1e9 },
  seed: { kind: 'int', min: 0, max: 2 ** 31 - 1 },
  validationFraction: { kind: 'number', min: 0, max: 0.9 },
  evalEvery: { kind: 'int', min: 1, max: 1e9 },
};

export const PENALTY_RULES: Record<keyof PenaltyConfig, FieldRule> = {
  kind: { kind: 'enum', options: PENALTY_KINDS },
  weight: { kind: 'number', min: 0, max: 1e6 },
  anneal: { kind: 'bool' },
};

export const OT_RULES: Record<keyof OtConfig, FieldRule> = {
  block: { kind: 'int', min: 2, max: MAX_OT_PAIRING },
  pairingSteps: { kind: 'int', min: 1, max: 1e6 },
  conditionWeight: { kind: 'number', min: 0, max: 1e6 },
  pretrain: { kind: 'number', min: 0, max: 1 },
  regressionWeight: { kind: 'number', min: 0, max: 1e6 },
  hidden: { kind: 'int', min: 1, max: 4096 },
  blocks: { kind: 'int', min: 0, max: 64 },
  rk4Steps: { kind: 'int', min: 1, max: 10000 },
  space: { kind: 'enum', options: OT_SPACES },
  fourier: { kind: 'int', min: 0, max: 1024 },
  fourierScale: { kind: 'number', min: 0, max: 1e3 },
};

export const MORPH_SCALAR_RULES: Record<'method' | 'mode' | 'direction' | 'iterateEpochs', FieldRule> = {
  method: { kind: 'enum', options: MORPH_METHODS },
  mode: { kind: 'enum', options: CONTEXT_MODES },
  direction: { kind: 'enum', options: DIRECTIONS },
  iterateEpochs: { kind: 'int', min: 1, max: 1e6 },
};

/** The three budgets are alternatives (steps wins, then epochs, then seconds: see TrainConfig). */
export const BUDGET_KEYS = ['steps', 'epochs', 'seconds'] as const;
export type BudgetKey = (typeof BUDGET_KEYS)[number];

/** Why `value` breaks `rule`, or undefined when it is fine. */
export function ruleProblem(rule: FieldRule, value: unknown): string | undefined {
  switch (rule.kind) {
    case 'enum':
      return typeof value === 'string' && rule.options.includes(value) ? undefined : `expected one of ${rule.options.join(', ')}`;
    case 'bool':
      return typeof value === 'boolean' ? undefined : 'expected true or false';
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) && value >= rule.min && value <= rule.max
        ? undefined
        : `expected an integer in [${rule.min}, ${rule.max}]`;
    case 'number': {
      const ok =
        typeof value === 'number' && Number.isFinite(value) && (rule.minExclusive ? value > rule.min : value >= rule.min) && value <= rule.max;
      return ok ? undefined : `expected a number in ${rule.minExclusive ? '(' : '['}${rule.min}, ${rule.max}]`;
    }
  }
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

export function show(v: unknown): string {
  try {
    const s = JSON.stringify(v);
    return s === undefined ? String(v) : s.length > 60 ? s.slice(0, 57) + '...' : s;
  } catch {
    return String(v);
  }
}

function checkOverrides(obj: unknown, rules: Record<string, FieldRule>, where: string, errors: string[]): void {
  if (obj === undefined) return;
  if (!isPlainObject(obj)) {
    errors.push(`${where}: expected an object, got ${show(obj)}`);
    return;
  }
  for (const [k, v] of Object.entries(obj)) {
    const rule = Object.prototype.hasOwnProperty.call(rules, k) ? rules[k] : undefined;
    if (!rule) errors.push(`${where}.${k}: unknown setting (known: ${Object.keys(rules).join(', ')})`);
    else {
      const p = ruleProblem(rule, v);
      if (p) errors.push(`${where}.${k}: ${p}, got ${show(v)}`);
    }
  }
}

function checkColumns(v: unknown, where: string, errors: string[]): void {
  if (v === undefined) return;
  if (!Array.isArray(v) || v.some((c) => !(typeof c === 'string' ? c.length > 0 : Number.isInteger(c) && c >= 0))) {
    errors.push(`${where}: expected a list of column names or 0-based indices, got ${show(v)}`);
  }
}

function checkDataSpec(v: unknown, where: string, errors: string[]): void {
  if (v === undefined) return;
  if (!isPlainObject(v)) {
    errors.push(`${where}: expected an object with a "path", got ${show(v)}`);
    return;
  }
  for (const k of Object.keys(v)) {
    if (!['path', 'columns', 'conditionColumns', 'dataset', 'dropNonFinite'].includes(k)) errors.push(`${where}.${k}: unknown setting`);
  }
  if (typeof v.path !== 'string' || v.path.length === 0) errors.push(`${where}.path: expected a file path, got ${show(v.path)}`);
  checkColumns(v.columns, `${where}.columns`, errors);
  checkColumns(v.conditionColumns, `${where}.conditionColumns`, errors);
  if (v.dataset !== undefined && typeof v.dataset !== 'string') errors.push(`${where}.dataset: expected a string, got ${show(v.dataset)}`);
  if (v.dropNonFinite !== undefined && typeof v.dropNonFinite !== 'boolean') {
    errors.push(`${where}.dropNonFinite: expected true or false, got ${show(v.dropNonFinite)}`);
  }
}

export interface ExperimentCheck {
  ok: boolean;
  /** One line per problem, each starting with the JSON path of the offending setting. */
  errors: string[];
  /** The experiment with the optional containers (base, morph, …) filled in; present when ok. */
  experiment?: Experiment;
}

/**
 * Checks parsed JSON against the experiment schema. Unknown keys are errors: a misspelt setting
 * ("hiden") would otherwise be ignored silently and the user would train the wrong model.
 */
export function validateExperiment(json: unknown): ExperimentCheck {
  const errors: string[] = [];
  if (!isPlainObject(json)) return { ok: false, errors: [`expected a JSON object, got ${show(json)}`] };
  for (const k of Object.keys(json)) {
    if (!['version', 'name', 'source', 'target', 'base', 'morph', 'outputFolder', '$schema'].includes(k)) errors.push(`${k}: unknown setting`);
  }
  if (json.version !== 1) errors.push(`version: expected 1, got ${show(json.version)}`);
  if (json.name !== undefined && typeof json.name !== 'string') errors.push(`name: expected a string, got ${show(json.name)}`);
  checkDataSpec(json.source, 'source', errors);
  checkDataSpec(json.target, 'target', errors);
  if (json.outputFolder !== undefined && (typeof json.outputFolder !== 'string' || json.outputFolder.length === 0)) {
    errors.push(`outputFolder: expected a folder path, got ${show(json.outputFolder)}`);
  }
  const base = json.base ?? {};
  if (!isPlainObject(base)) errors.push(`base: expected an object, got ${show(base)}`);
  else {
    for (const k of Object.keys(base)) if (!['preset', 'flow', 'train'].includes(k)) errors.push(`base.${k}: unknown setting`);
    if (base.preset !== undefined && !PRESET_NAMES.includes(base.preset as PresetName)) {
      errors.push(`base.preset: expected one of ${PRESET_NAMES.join(', ')}, got ${show(base.preset)}`);
    }
    checkOverrides(base.flow, FLOW_RULES, 'base.flow', errors);
    checkOverrides(base.train, TRAIN_RULES, 'base.train', errors);
  }
  const morph = json.morph ?? {};
  if (!isPlainObject(morph)) errors.push(`morph: expected an object, got ${show(morph)}`);
  else {
    const known = ['top', 'method', 'ot', 'mode', 'direction', 'penalty', 'train', 'iterateEpochs'];
    for (const k of Object.keys(morph)) if (!known.includes(k)) errors.push(`morph.${k}: unknown setting`);
    checkOverrides(morph.top, FLOW_RULES, 'morph.top', errors);
    checkOverrides(morph.penalty, PENALTY_RULES, 'morph.penalty', errors);
    checkOverrides(morph.ot, OT_RULES, 'morph.ot', errors);
    checkOverrides(morph.train, TRAIN_RULES, 'morph.train', errors);
    for (const [k, rule] of Object.entries(MORPH_SCALAR_RULES)) {
      if (morph[k] === undefined) continue;
      const p = ruleProblem(rule, morph[k]);
      if (p) errors.push(`morph.${k}: ${p}, got ${show(morph[k])}`);
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  // Deep copy through JSON so the caller's object is never aliased (and no prototype tricks survive).
  const copy = JSON.parse(JSON.stringify(json)) as Record<string, any>;
  copy.base = { preset: DEFAULT_BASE_PRESET, flow: {}, train: {}, ...(copy.base ?? {}) };
  copy.morph = { top: {}, penalty: {}, train: {}, ...(copy.morph ?? {}) };
  return { ok: true, errors, experiment: copy as Experiment };
}

/** Parses the text of an experiment file; JSON syntax errors come back as `errors` like schema errors. */
export function parseExperiment(text: string): ExperimentCheck {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { ok: false, errors: [`not valid JSON: ${(e as Error).message}`] };
  }
  return validateExperiment(json);
}

/** The file text for an experiment: stable key order as given, two-space indent, trailing newline. */
export function formatExperiment(exp: Experiment): string {
  return JSON.stringify(exp, null, 2) + '\n';
}

/**
 * Overrides on top of defaults. A budget override (steps / epochs / seconds) replaces the default's budget
 * entirely: otherwise `seconds: 30` over the reference preset's `epochs: 32` would lose (epochs wins).
 */
export function mergeTrain(defaults: TrainConfig, overrides: Partial<TrainConfig>): TrainConfig {
  const merged: TrainConfig = { ...defaults };
  if (BUDGET_KEYS.some((k) => overrides[k] !== undefined)) for (const k of BUDGET_KEYS) delete merged[k];
  for (const [k, v] of Object.entries(overrides)) if (v !== undefined) (merged as any)[k] = v;
  return merged;
}

/**
 * The fully resolved configuration of an experiment: what the jobs receive (they merge nothing), what a
 * run folder records, and what the CLI and the extension must agree on.
 */
export interface ResolvedExperiment {
  base: { flow: FlowSettings; train: TrainConfig };
  morph: MorphConfig;
}

/** The budget rule: a resolved config holds exactly one budget, the first present of steps, epochs, seconds. */
function oneBudget(train: TrainConfig): TrainConfig {
  const winner = budgetOf(train)?.key;
  for (const k of BUDGET_KEYS) if (k !== winner) delete train[k];
  return train;
}

/** Full configs for an experiment: preset / DEFAULT_MORPH with the file's overrides applied. */
export function resolveExperiment(exp: Experiment): ResolvedExperiment {
  const preset = PRESETS[exp.base?.preset ?? DEFAULT_BASE_PRESET];
  const m = exp.morph ?? { top: {}, penalty: {}, train: {} };
  return {
    base: { flow: { ...preset.flow, ...(exp.base?.flow ?? {}) }, train: oneBudget(mergeTrain(preset.train, exp.base?.train ?? {})) },
    morph: {
      method: m.method ?? DEFAULT_MORPH.method,
      ot: { ...DEFAULT_MORPH.ot, ...(m.ot ?? {}) },
      top: { ...DEFAULT_MORPH.top, ...(m.top ?? {}) },
      mode: m.mode ?? DEFAULT_MORPH.mode,
      direction: m.direction ?? DEFAULT_MORPH.direction,
      penalty: { ...DEFAULT_MORPH.penalty, ...(m.penalty ?? {}) },
      train: oneBudget(mergeTrain(DEFAULT_MORPH.train, m.train ?? {})),
      iterateEpochs: m.iterateEpochs ?? DEFAULT_MORPH.iterateEpochs,
    },
  };
}

/** Which budget a train config runs on (the first present of steps, epochs, seconds). */
export function budgetOf(train: Partial<TrainConfig>): { key: BudgetKey; value: number } | undefined {
  for (const key of BUDGET_KEYS) {
    const value = train[key];
    if (value !== undefined) return { key, value };
  }
  return undefined;
}

/** Overrides given on top of an experiment (CLI flags, a caller's budget): the experiment's shape, all optional. */
export interface ExperimentOverlay {
  base?: { preset?: PresetName; flow?: FlowOverrides; train?: Partial<TrainConfig> };
  morph?: {
    top?: FlowOverrides;
    method?: MorphMethod;
    ot?: Partial<OtConfig>;
    mode?: ContextMode;
    direction?: Direction;
    penalty?: Partial<PenaltyConfig>;
    train?: Partial<TrainConfig>;
    iterateEpochs?: number;
  };
}

function defined<T extends object>(o: T | undefined): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o ?? {})) if (v !== undefined) (out as any)[k] = v;
  return out;
}

/**
 * `over` on top of `exp` (a new experiment; neither input is modified). Settings merge key by key; a
 * budget (steps / epochs / seconds) in `over` replaces the experiment's budget, as in `mergeTrain`.
 */
export function overlayExperiment(exp: Experiment, over: ExperimentOverlay): Experiment {
  const next = JSON.parse(JSON.stringify(exp)) as Experiment;
  next.base = { preset: next.base?.preset ?? DEFAULT_BASE_PRESET, flow: next.base?.flow ?? {}, train: next.base?.train ?? {} };
  next.morph = { ...next.morph, top: next.morph?.top ?? {}, penalty: next.morph?.penalty ?? {}, train: next.morph?.train ?? {} };
  const b = over.base ?? {};
  if (b.preset !== undefined) next.base.preset = b.preset;
  next.base.flow = { ...next.base.flow, ...defined(b.flow) };
  next.base.train = mergeTrain(next.base.train as TrainConfig, defined(b.train));
  const m = over.morph ?? {};
  next.morph.top = { ...next.morph.top, ...defined(m.top) };
  next.morph.penalty = { ...next.morph.penalty, ...defined(m.penalty) };
  if (m.ot !== undefined) next.morph.ot = { ...next.morph.ot, ...defined(m.ot) };
  next.morph.train = mergeTrain(next.morph.train as TrainConfig, defined(m.train));
  for (const k of ['method', 'mode', 'direction', 'iterateEpochs'] as const) if (m[k] !== undefined) (next.morph as any)[k] = m[k];
  return next;
}

/**
 * The resolved configuration of `exp` (default: the default experiment) with `over` on top, checked
 * against the rule table. Throws one error listing every problem.
 */
export function resolveWith(over: ExperimentOverlay, exp: Experiment = defaultExperiment()): ResolvedExperiment {
  const check = validateExperiment(overlayExperiment(exp, over));
  if (!check.ok) throw new Error(`invalid configuration: ${check.errors.join('; ')}`);
  return resolveExperiment(check.experiment!);
}

// ────────────────────────────────────────────────────────────────────────────────────────────────────────
// Architecture sizes: the rule table bounds each number; together they must also fit in memory.
// ────────────────────────────────────────────────────────────────────────────────────────────────────────

/** Features and condition columns a flow may have (the webview's feature indices stop at 4095 too). */
export const SIZE_RULES = {
  features: { kind: 'int', min: 1, max: 4096 },
  context: { kind: 'int', min: 0, max: 4096 },
} as const satisfies Record<'features' | 'context', FieldRule>;

/**
 * Parameters of a flow, counted without allocating it. Exact for masked autoregressive flows without
 * conditions (289 464 for the reference architecture on 2 features); an upper bound otherwise (coupling
 * conditioners see half the features; context projections and LU layers are counted generously).
 */
export function parameterCount(cfg: FlowConfig): number {
  const { features: D, context: C, hidden: H, blocks: B, bins: K } = cfg;
  const conditioner = (D + C) * H + H + B * (2 * (H * H + H) + C * H) + (H + 1) * D * (3 * K - 1);
  const permutation = cfg.permutation === 'lu' ? D * D + D : 0;
  return cfg.stacks * (conditioner + permutation);
}

/** Memory a training run needs at the most, in bytes (an estimate, on the generous side). */
export function memoryEstimate(cfg: FlowConfig, batch: number): { bytes: number; parameters: number; kernelBytes: number } {
  const parameters = parameterCount(cfg);
  const { features: D, hidden: H, blocks: B, bins: K } = cfg;
  // Values, gradients, Adam's two moments, copies in the kernels' and tfjs's memories, free-list blocks:
  // measured 55 bytes a parameter (peak RSS 2.02 GB for 33.8 M parameters, 1024 hidden × 4 blocks × 4
  // stacks, batch 512, wasm, over a 0.16 GB baseline); 56 here.
  const params = 56 * parameters;
  // Activations kept for the backward pass, with their gradients, per stack: the conditioner's layers and
  // the spline parameters. Evaluation runs in chunks no larger than this.
  const activations = 4 * Math.max(batch, 1024) * cfg.stacks * ((2 * B + 2) * H * 3 + D * (3 * K - 1) * 4);
  // One conditioner's weights, weight gradients and activations live in the dense kernels' wasm memory
  // (src/core/wasm/dense.ts: at most 16 384 pages of 64 KiB, 1 GiB).
  const kernelBytes = (12 * parameters) / cfg.stacks + 4 * Math.max(batch, 1024) * ((2 * B + 2) * H * 3 + D * (3 * K - 1) * 4);
  return { bytes: params + activations, parameters, kernelBytes };
}

/** What training may use: the engine's memory is a few GiB at most, and the dense kernels' wasm memory 1 GiB. */
export const MEMORY_LIMIT_BYTES = 4 * 2 ** 30;
export const KERNEL_MEMORY_LIMIT_BYTES = 2 ** 30;

const gib = (b: number) => `${(b / 2 ** 30).toFixed(b < 2 ** 30 ? 2 : 1)} GiB`;

/**
 * Why a flow of this architecture cannot be built or trained, or undefined when it can: each size within
 * the rule table, and the whole within memory. `where` names the setting's owner (a file, a flag prefix).
 */
export function architectureProblem(cfg: FlowConfig, batch: number, where = 'flow'): string | undefined {
  const rules: [string, FieldRule][] = [...Object.entries(FLOW_RULES), ...Object.entries(SIZE_RULES)];
  for (const [k, rule] of rules) {
    const p = ruleProblem(rule, (cfg as unknown as Record<string, unknown>)[k]);
    if (p) return `${where}.${k}: ${p}, got ${show((cfg as unknown as Record<string, unknown>)[k])}`;
  }
  const m = memoryEstimate(cfg, batch);
  const shape = `${cfg.stacks} stacks × ${cfg.blocks} blocks × ${cfg.hidden} hidden × ${cfg.bins} bins on ${cfg.features} features`;
  if (m.bytes > MEMORY_LIMIT_BYTES)
    return `${where}: ${shape} is ${m.parameters.toExponential(2)} parameters and needs about ${gib(m.bytes)} to train at batch ${batch}, over the ${gib(MEMORY_LIMIT_BYTES)} limit; use fewer stacks, blocks or hidden units`;
  if (m.kernelBytes > KERNEL_MEMORY_LIMIT_BYTES)
    return `${where}: ${shape} needs about ${gib(m.kernelBytes)} per conditioner in the engine's kernels at batch ${batch}, over their ${gib(KERNEL_MEMORY_LIMIT_BYTES)}; use fewer blocks or hidden units, or a smaller batch`;
  return undefined;
}

/** Throws architectureProblem's message, if any. */
export function checkArchitecture(cfg: FlowConfig, batch: number, where?: string): void {
  const p = architectureProblem(cfg, batch, where);
  if (p) throw new Error(p);
}
