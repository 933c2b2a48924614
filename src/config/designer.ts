/**
 * The designer: the editable fields of the experiment (paths, rules from the rule table, labels), the
 * form's values, and the edit operation. Shared by the host (applying edits, validating the webview's
 * messages), the webview's form and the JSON schema the bundle writes.
 *
 * Nothing here imports `vscode`, tfjs or DOM APIs: the file runs in Node, in a worker and in the browser.
 */
import {
  BUDGET_KEYS,
  DEFAULT_BASE_PRESET,
  FLOW_RULES,
  MORPH_SCALAR_RULES,
  OT_RULES,
  PENALTY_RULES,
  PRESET_NAMES,
  resolveExperiment,
  ruleProblem,
  show,
  TRAIN_RULES,
  type Experiment,
  type FieldRule,
} from './experiment';

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
  method: ['Method', 'ot-cfm (default): minibatch OT flow matching, nearest the OT cost (no density); cfm-f4f: a flow for flows distilled from OT flow matching (exact density); ot-f4f: flow for flows regressed onto exact-OT partners, then likelihood (exact density); f4f: flows for flows (the paper; exact density)'],
  block: ['OT pairing block', 'rows per side paired exactly at once (8·n² bytes)'],
  conditionWeight: ['OT condition weight', 'weight of the condition distance in the pairing cost'],
  pretrain: ['OT regression share', 'ot-f4f: share of the budget spent regressing onto OT partners; cfm-f4f: share for the velocity field, then of the rest for regressing onto its transport'],
  regressionWeight: ['OT regression weight', 'ot-f4f: weight of the OT regression while fine-tuning, annealed to 0'],
  rk4Steps: ['RK4 steps', 'ot-cfm, cfm-f4f: integration steps from source to target'],
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
