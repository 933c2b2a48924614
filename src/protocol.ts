/**
 * The one protocol spoken by the extension host, the training worker and the webview panel. All three
 * import this file (the pattern of microsoft/vscode-hexeditor's shared protocol), so a message that one side
 * sends and the other does not understand is a type error, not a silent no-op.
 *
 * Sections:
 *  1. Experiment file (`*.flowmorph.json`): type, defaults, validation, resolution to full configs.
 *  2. Designer: the editable fields of the experiment (paths, rules, labels) and the edit operation.
 *  3. Messages host → webview and webview → host, with a strict runtime validator for the latter:
 *     the webview is a browser page that renders untrusted data files, so the host treats everything it
 *     posts as untrusted input (every field type-checked, paths and file names whitelisted).
 *  4. Messages host ↔ worker.
 *  5. Replay: what the host keeps so that a closed and reopened panel shows the current state.
 *
 * Nothing here imports `vscode`, tfjs or DOM APIs: the file runs in Node, in a worker and in the browser.
 */
import { DEFAULT_MORPH, MAX_OT_PAIRING, MORPH_METHODS, PRESETS } from './core/config';
import type { ContextMode, Direction, FlowConfig, MorphConfig, MorphMethod, OtConfig, PenaltyConfig, PresetName, TrainConfig } from './core/config';
import type { BackendPreference } from './core/tf';
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

// ────────────────────────────────────────────────────────────────────────────────────────────────────────
// 1. Experiment file
// ────────────────────────────────────────────────────────────────────────────────────────────────────────

export type FlowOverrides = Partial<Omit<FlowConfig, 'features' | 'context'>>;

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

const TRANSFORMS = ['maf', 'coupling'] as const;
const PERMUTATIONS = ['reverse', 'random', 'lu'] as const;
export const PRESET_NAMES = ['reference', 'fast'] as const satisfies readonly PresetName[];
export const CONTEXT_MODES = ['none', 'delta', 'concat', 'two-bases', 'two-bases-shared'] as const satisfies readonly ContextMode[];
export const DIRECTIONS = ['forward', 'inverse', 'both', 'alternate', 'iterate'] as const satisfies readonly Direction[];
const PENALTY_KINDS = ['none', 'l1', 'l2'] as const;

const FLOW_RULES: Record<keyof FlowOverrides, FieldRule> = {
  transform: { kind: 'enum', options: TRANSFORMS },
  stacks: { kind: 'int', min: 1, max: 64 },
  blocks: { kind: 'int', min: 1, max: 32 },
  hidden: { kind: 'int', min: 1, max: 4096 },
  bins: { kind: 'int', min: 1, max: 256 },
  bound: { kind: 'number', min: 0, max: 1e4, minExclusive: true },
  permutation: { kind: 'enum', options: PERMUTATIONS },
  identityInit: { kind: 'bool' },
};

const TRAIN_RULES: Record<keyof TrainConfig, FieldRule> = {
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

const PENALTY_RULES: Record<keyof PenaltyConfig, FieldRule> = {
  kind: { kind: 'enum', options: PENALTY_KINDS },
  weight: { kind: 'number', min: 0, max: 1e6 },
  anneal: { kind: 'bool' },
};

const OT_RULES: Record<keyof OtConfig, FieldRule> = {
  block: { kind: 'int', min: 2, max: MAX_OT_PAIRING },
  conditionWeight: { kind: 'number', min: 0, max: 1e6 },
  pretrain: { kind: 'number', min: 0, max: 1 },
  regressionWeight: { kind: 'number', min: 0, max: 1e6 },
  hidden: { kind: 'int', min: 1, max: 4096 },
  blocks: { kind: 'int', min: 0, max: 64 },
  rk4Steps: { kind: 'int', min: 1, max: 10000 },
};

const MORPH_SCALAR_RULES: Record<'method' | 'mode' | 'direction' | 'iterateEpochs', FieldRule> = {
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

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function show(v: unknown): string {
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

export interface ResolvedExperiment {
  base: { flow: Omit<FlowConfig, 'features' | 'context'>; train: TrainConfig };
  morph: MorphConfig;
}

/** Full configs for an experiment: preset / DEFAULT_MORPH with the file's overrides applied. */
export function resolveExperiment(exp: Experiment): ResolvedExperiment {
  const preset = PRESETS[exp.base?.preset ?? DEFAULT_BASE_PRESET];
  const m = exp.morph ?? { top: {}, penalty: {}, train: {} };
  return {
    base: { flow: { ...preset.flow, ...(exp.base?.flow ?? {}) }, train: mergeTrain(preset.train, exp.base?.train ?? {}) },
    morph: {
      method: m.method ?? DEFAULT_MORPH.method,
      ot: { ...DEFAULT_MORPH.ot, ...(m.ot ?? {}) },
      top: { ...DEFAULT_MORPH.top, ...(m.top ?? {}) },
      mode: m.mode ?? DEFAULT_MORPH.mode,
      direction: m.direction ?? DEFAULT_MORPH.direction,
      penalty: { ...DEFAULT_MORPH.penalty, ...(m.penalty ?? {}) },
      train: mergeTrain(DEFAULT_MORPH.train, m.train ?? {}),
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

// ────────────────────────────────────────────────────────────────────────────────────────────────────────
// 2. Designer
// ────────────────────────────────────────────────────────────────────────────────────────────────────────

export type DesignerValue = string | number | boolean;

export interface DesignerField {
  /** Dotted path into the experiment, e.g. `morph.penalty.weight`. */
  path: string;
  label: string;
  rule: FieldRule;
  section: 'base' | 'morph';
  group: 'model' | 'flow' | 'training';
  help?: string;
}

const LABELS: Record<string, [label: string, help?: string]> = {
  preset: ['Preset', 'reference: the paper (lr 1e-4, 32 epochs); fast: lr 3e-3, batch 512, 60 s'],
  transform: ['Transform', 'maf: masked autoregressive splines; coupling: RealNVP-style coupling splines'],
  stacks: ['Stacks', 'number of spline transforms'],
  blocks: ['Blocks', 'residual blocks per conditioner'],
  hidden: ['Hidden units'],
  bins: ['Spline bins'],
  bound: ['Tail bound', 'splines act on [−bound, bound]; linear tails outside'],
  permutation: ['Permutation', 'between stacks: reverse, random, or a learned LU linear map'],
  identityInit: ['Identity init', 'zero the last conditioner layers so the untrained flow is g(x) = x'],
  lr: ['Learning rate'],
  batch: ['Batch size'],
  steps: ['Steps'],
  epochs: ['Epochs'],
  seconds: ['Seconds'],
  cosine: ['Cosine decay', 'decay the learning rate to 0 over the budget'],
  clip: ['Gradient clip', 'global norm; 0 disables'],
  seed: ['Seed'],
  validationFraction: ['Validation share', 'fraction of the data held out for the validation loss'],
  evalEvery: ['Validate every', 'evaluate the validation loss every this many steps'],
  mode: ['Context mode', 'how conditions enter the morph (Golling et al. 2023, sec. 3)'],
  direction: ['Direction', 'which way the morph is trained'],
  kind: ['Penalty', 'distance penalty d(x, g(x)) added to the loss'],
  weight: ['Penalty weight λ'],
  anneal: ['Anneal penalty', 'cosine-anneal λ to 0 over the budget'],
  iterateEpochs: ['Epochs per block', 'for direction "iterate"'],
  method: ['Method', 'f4f: flows for flows (paper); ot-f4f: flow for flows regressed onto exact-OT partners, then likelihood; ot-cfm: OT flow matching (no density)'],
  block: ['OT pairing block', 'rows per side paired exactly at once (8·n² bytes)'],
  conditionWeight: ['OT condition weight', 'weight of the condition distance in the pairing cost'],
  pretrain: ['OT regression share', 'ot-f4f: share of the budget spent regressing onto OT partners'],
  regressionWeight: ['OT regression weight', 'ot-f4f: weight of the OT regression while fine-tuning, annealed to 0'],
  rk4Steps: ['RK4 steps', 'ot-cfm: integration steps from source to target'],
};

function fieldsOf(prefix: string, rules: Record<string, FieldRule>, section: DesignerField['section'], group: DesignerField['group']): DesignerField[] {
  return Object.entries(rules).map(([k, rule]) => ({ path: `${prefix}${k}`, label: LABELS[k]?.[0] ?? k, help: LABELS[k]?.[1], rule, section, group }));
}

/** Every setting the designer form can edit, in display order. */
export const DESIGNER_FIELDS: readonly DesignerField[] = [
  { path: 'base.preset', label: 'Preset', help: LABELS.preset[1], rule: { kind: 'enum', options: PRESET_NAMES }, section: 'base', group: 'model' },
  ...fieldsOf('base.flow.', FLOW_RULES, 'base', 'flow'),
  ...fieldsOf('base.train.', TRAIN_RULES, 'base', 'training'),
  ...fieldsOf('morph.', MORPH_SCALAR_RULES, 'morph', 'model'),
  ...fieldsOf('morph.penalty.', PENALTY_RULES, 'morph', 'model'),
  ...fieldsOf('morph.ot.', OT_RULES, 'morph', 'model'),
  ...fieldsOf('morph.top.', FLOW_RULES, 'morph', 'flow'),
  ...fieldsOf('morph.train.', TRAIN_RULES, 'morph', 'training'),
];

const FIELD_BY_PATH = new Map(DESIGNER_FIELDS.map((f) => [f.path, f]));

export function designerField(path: string): DesignerField | undefined {
  return FIELD_BY_PATH.get(path);
}

/**
 * The form's values: every designer path → its resolved value (defaults filled in). Budgets that are not
 * in use are absent, so the form can tell which budget is active.
 */
export function designerValues(exp: Experiment): Record<string, DesignerValue> {
  const r = resolveExperiment(exp);
  const root: Record<string, any> = {
    base: { preset: exp.base?.preset ?? DEFAULT_BASE_PRESET, flow: r.base.flow, train: r.base.train },
    morph: { ...r.morph },
  };
  const out: Record<string, DesignerValue> = {};
  for (const f of DESIGNER_FIELDS) {
    const v = f.path.split('.').reduce<any>((o, k) => (o == null ? undefined : o[k]), root);
    if (v !== undefined) out[f.path] = v;
  }
  // Only the budget that wins counts as set.
  for (const prefix of ['base.train.', 'morph.train.']) {
    const active = BUDGET_KEYS.find((k) => out[prefix + k] !== undefined);
    for (const k of BUDGET_KEYS) if (k !== active) delete out[prefix + k];
  }
  return out;
}

export type EditResult = { ok: true; experiment: Experiment } | { ok: false; error: string };

/**
 * Applies one designer edit and returns a new experiment (the input is not modified). `null` removes the
 * override so the default applies again. Setting one budget (steps / epochs / seconds) removes the other
 * two overrides, because they are alternatives and the form shows one.
 */
export function applyDesignerEdit(exp: Experiment, path: string, value: DesignerValue | null): EditResult {
  const field = designerField(path);
  if (!field) return { ok: false, error: `${path}: not an editable setting` };
  if (value !== null) {
    const p = ruleProblem(field.rule, value);
    if (p) return { ok: false, error: `${path}: ${p}, got ${show(value)}` };
  }
  if (path === 'base.preset' && value === null) return { ok: false, error: 'base.preset: cannot be removed' };
  const next = JSON.parse(JSON.stringify(exp)) as Record<string, any>;
  next.base ??= { preset: DEFAULT_BASE_PRESET, flow: {}, train: {} };
  next.morph ??= { top: {}, penalty: {}, train: {} };
  const keys = path.split('.');
  const leaf = keys.pop()!;
  let obj = next;
  for (const k of keys) obj = obj[k] ??= {};
  if (value === null) delete obj[leaf];
  else obj[leaf] = value;
  if (value !== null && keys[keys.length - 1] === 'train' && (BUDGET_KEYS as readonly string[]).includes(leaf)) {
    for (const k of BUDGET_KEYS) if (k !== leaf) delete obj[k];
  }
  return { ok: true, experiment: next as Experiment };
}

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
  status: 'running' | 'done' | 'cancelled' | 'failed';
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
  | { type: 'exportPlots' };

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
  /** Ask for a density grid of a base flow over two features. */
  | { type: 'requestDensity'; which: 'source' | 'target'; xFeature: number; yFeature: number; n: number }
  | { type: 'openExperiment' }
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
      const k = exactKeys(msg, ['type', 'which', 'xFeature', 'yFeature', 'n']);
      if (k) return k;
      if (msg.which !== 'source' && msg.which !== 'target') return `which: ${show(msg.which)}`;
      for (const f of ['xFeature', 'yFeature'] as const) {
        const v = msg[f];
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 4095) return `${f}: expected a feature index, got ${show(v)}`;
      }
      const n = msg.n;
      return typeof n === 'number' && Number.isInteger(n) && n >= 8 && n <= 512 ? undefined : `n: expected an integer in [8, 512], got ${show(n)}`;
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

export type WorkerJob =
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
    return out;
  }
}
