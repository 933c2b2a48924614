/**
 * The designer form: one control per DESIGNER_FIELDS entry (src/config/designer.ts), grouped into the base flows
 * and the morph. The form never owns the experiment: an edit posts designerEdit{path, value}, the host
 * writes the file and echoes it back (`designer` / `state`), and `setExperiment` puts the echoed values in
 * the controls. Editing the file by hand therefore updates the form the same way.
 *
 * An empty number field means "back to the default" (value null). Values are checked with the same rule
 * the host applies, so a bad value is flagged in place and never posted.
 */
import { DESIGNER_FIELDS, designerValues, type DesignerField, type DesignerValue } from '../src/config/designer';
import { BUDGET_KEYS, ruleProblem, type BudgetKey, type Experiment } from '../src/config/experiment';
import { h } from './dom';

type Control = HTMLElement & { value: string; checked?: boolean; invalid?: boolean };

export type EditSink = (path: string, value: DesignerValue | null) => void;

const GROUP_TITLES: Record<DesignerField['section'], Record<DesignerField['group'], string>> = {
  base: { model: 'Preset', flow: 'Architecture', training: 'Training' },
  morph: { model: 'Objective', flow: 'Architecture of g', training: 'Training' },
};

/** Budgets a fresh choice of budget kind starts from. */
const BUDGET_DEFAULTS: Record<BudgetKey, number> = { steps: 5000, epochs: 32, seconds: 60 };

/** Whether the experiment file itself sets `path` (rather than inheriting a default). */
export function isOverridden(exp: Experiment, path: string): boolean {
  let o: unknown = exp;
  for (const k of path.split('.')) {
    if (o === null || typeof o !== 'object' || !Object.prototype.hasOwnProperty.call(o, k)) return false;
    o = (o as Record<string, unknown>)[k];
  }
  return o !== undefined;
}

/** Parses a control's text for a field: null for empty (use the default), NaN-free numbers, booleans. */
export function parseControl(field: DesignerField, text: string, checked?: boolean): DesignerValue | null {
  switch (field.rule.kind) {
    case 'bool':
      return !!checked;
    case 'enum':
      return text;
    default: {
      const s = text.trim().replace(/\u2212/g, '-'); // a typographic minus is a minus
      if (s === '') return null;
      const n = Number(s);
      return Number.isNaN(n) ? s : n; // a string fails the rule check and is flagged
    }
  }
}

export class Designer {
  readonly root: HTMLElement;
  private readonly controls = new Map<string, { field: DesignerField; el: Control; row: HTMLElement }>();
  private readonly budgets = new Map<string, { kind: Control; amount: Control; row: HTMLElement }>();
  private readonly errors: HTMLElement;
  private experiment: Experiment | undefined;

  constructor(private readonly onEdit: EditSink, onOpenFile: () => void) {
    this.errors = h('ul', { class: 'designer-errors', hidden: true });
    const open = h('vscode-button', { secondary: true, icon: 'go-to-file', class: 'open-file' }, 'Open experiment file');
    open.addEventListener('click', onOpenFile);
    this.root = h('div', { class: 'designer' }, this.errors);
    for (const section of ['base', 'morph'] as const) this.root.append(this.section(section));
    this.root.append(open);
  }

  private section(section: DesignerField['section']): HTMLElement {
    const title = section === 'base' ? 'Base flows (source and target)' : 'Morph (flow for flows)';
    const col = h('vscode-collapsible', { title, open: true, class: `designer-section ${section}` });
    const body = h('div', { class: 'designer-body' });
    col.append(body);
    let group: string | undefined;
    for (const f of DESIGNER_FIELDS.filter((x) => x.section === section)) {
      if (f.group !== group) {
        group = f.group;
        body.append(h('div', { class: 'designer-group' }, GROUP_TITLES[section][f.group]));
      }
      const leaf = f.path.slice(f.path.lastIndexOf('.') + 1);
      if ((BUDGET_KEYS as readonly string[]).includes(leaf)) {
        if (leaf === BUDGET_KEYS[0]) body.append(this.budgetRow(f.path.slice(0, f.path.lastIndexOf('.') + 1)));
        continue;
      }
      body.append(this.fieldRow(f));
    }
    return col;
  }

  private fieldRow(f: DesignerField): HTMLElement {
    const id = `f-${f.path.replace(/\./g, '-')}`;
    let el: Control;
    if (f.rule.kind === 'enum') {
      el = h('vscode-single-select', { id }) as Control;
      for (const o of f.rule.options) el.append(h('vscode-option', { value: o }, o));
    } else if (f.rule.kind === 'bool') {
      el = h('vscode-checkbox', { id }) as Control;
    } else {
      // A text input for every number (a number input clamps or drops what it dislikes, so "−5" could
      // arrive as 5 or as nothing); the value is checked against the rule on commit and refused with a
      // message under the field.
      const attrs = { id, type: 'text', inputmode: f.rule.kind === 'int' ? 'numeric' : 'decimal' };
      el = h('vscode-textfield', attrs) as Control;
    }
    el.dataset.path = f.path;
    if (f.help) el.title = f.help;
    el.addEventListener('change', () => this.commit(f, el));
    const row = h('div', { class: 'field' }, h('vscode-label', { for: id, title: f.help }, f.label), el, h('div', { class: 'field-error', role: 'alert', hidden: true }));
    this.controls.set(f.path, { field: f, el, row });
    return row;
  }

  private budgetRow(prefix: string): HTMLElement {
    const id = `f-${prefix.replace(/\./g, '-')}budget`;
    const kind = h('vscode-single-select', { id: `${id}-kind`, class: 'budget-kind' }) as Control;
    for (const k of BUDGET_KEYS) kind.append(h('vscode-option', { value: k }, k));
    const amount = h('vscode-textfield', { id, type: 'text', class: 'budget-amount' }) as Control;
    kind.addEventListener('change', () => {
      const key = kind.value as BudgetKey;
      const field = DESIGNER_FIELDS.find((f) => f.path === prefix + key)!;
      const current = Number(amount.value);
      const value = ruleProblem(field.rule, current) === undefined ? current : BUDGET_DEFAULTS[key];
      amount.value = String(value);
      this.onEdit(prefix + key, value);
    });
    amount.addEventListener('change', () => {
      const field = DESIGNER_FIELDS.find((f) => f.path === prefix + kind.value)!;
      this.commit(field, amount);
    });
    const row = h('div', { class: 'field budget' }, h('vscode-label', { for: id, title: 'train for this many steps, epochs or seconds' }, 'Budget'), h('div', { class: 'budget-controls' }, amount, kind), h('div', { class: 'field-error', role: 'alert', hidden: true }));
    this.budgets.set(prefix, { kind, amount, row });
    return row;
  }

  private commit(f: DesignerField, el: Control): void {
    const value = parseControl(f, el.value, el.checked);
    const problem = value === null ? undefined : ruleProblem(f.rule, value);
    el.invalid = problem !== undefined;
    el.title = problem ? `${f.label}: ${problem}` : (f.help ?? '');
    // Refused values are said, under the field, and not saved (the file keeps its value).
    const message = el.closest('.field')?.querySelector('.field-error');
    if (message instanceof HTMLElement) {
      message.hidden = problem === undefined;
      message.textContent = problem ? `${f.label} ${problem}: "${el.value}" not saved` : '';
    }
    if (problem === undefined) this.onEdit(f.path, value);
  }

  /** Puts the experiment's values (defaults filled in) into the controls; leaves a focused control alone. */
  setExperiment(exp: Experiment, errors: string[]): void {
    this.experiment = exp;
    const values = designerValues(exp);
    const active = document.activeElement;
    for (const [path, { field, el, row }] of this.controls) {
      row.classList.toggle('overridden', isOverridden(exp, path));
      if (el === active) continue;
      const v = values[path];
      if (field.rule.kind === 'bool') el.checked = v === true;
      else el.value = v === undefined ? '' : String(v);
      el.invalid = false;
    }
    for (const [prefix, { kind, amount, row }] of this.budgets) {
      const key = BUDGET_KEYS.find((k) => values[prefix + k] !== undefined) ?? 'seconds';
      row.classList.toggle('overridden', BUDGET_KEYS.some((k) => isOverridden(exp, prefix + k)));
      if (kind !== active) kind.value = key;
      if (amount !== active) amount.value = values[prefix + key] === undefined ? '' : String(values[prefix + key]);
    }
    this.errors.replaceChildren(...errors.map((e) => h('li', {}, e)));
    this.errors.hidden = errors.length === 0;
  }

  get current(): Experiment | undefined {
    return this.experiment;
  }
}
