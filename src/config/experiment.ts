/**
 * The experiment schema: the experiment file (`*.flowmorph.json`) type, its defaults, the rule table of
 * every setting's limits (shared by the file validator, the designer, the webview message validator and
 * the CLI's flags), validation, and resolution to full configurations.
 *
 * Nothing here imports `vscode`, tfjs or DOM APIs: the file runs in Node, in a worker and in the browser.
 */
import { DEFAULT_MORPH, PRESETS } from '../core/config';
import type { ContextMode, Direction, FlowConfig, MorphConfig, PenaltyConfig, PresetName, TrainConfig } from '../core/config';
import type { DataSpec } from '../jobs/types';

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
  bins: { kind: 'int', min: 1, max: 256 },
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

export const MORPH_SCALAR_RULES: Record<'mode' | 'direction' | 'iterateEpochs', FieldRule> = {
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
    const known = ['top', 'mode', 'direction', 'penalty', 'train', 'iterateEpochs'];
    for (const k of Object.keys(morph)) if (!known.includes(k)) errors.push(`morph.${k}: unknown setting`);
    checkOverrides(morph.top, FLOW_RULES, 'morph.top', errors);
    checkOverrides(morph.penalty, PENALTY_RULES, 'morph.penalty', errors);
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
