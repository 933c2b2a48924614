/**
 * The designer: the editable fields of the experiment (paths, rules from the rule table, labels), the
 * form's values, and the edit operation. Shared by the host (applying edits, validating the webview's
 * messages), the webview's form and the JSON schema the bundle writes.
 *
 * Nothing here imports `vscode`, tfjs or DOM APIs: the file runs in Node, in a worker and in the browser.
 */
import designerLabels from './designer-labels.json';
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

/** Label and help text per setting: data, in ./designer-labels.json (one entry a field, [label, help?]). */
const LABELS: Record<string, [label: string, help?: string]> = designerLabels as unknown as Record<string, [label: string, help?: string]>;

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
