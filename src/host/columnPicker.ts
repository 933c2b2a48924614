/**
 * The column picker of Set as Source / Set as Target (and Preview Dataset's "Use as…"): two multi-select
 * quick picks over the file's column names, first the feature columns, then the condition columns among
 * the rest. The choice is written to the experiment's data spec (columnChoice.ts: withColumns), where the
 * panel's jobs and the CLI's `--experiment FILE` both resolve the columns by name.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { columnChoice, initialChoice, type ColumnChoice } from './columnChoice';
import { previewInWorker } from './datasets';
import type { ExperimentStore, LoadedExperiment } from './experiment';
import { workspaceRootOf } from './experiment';

/** One quick pick of the picker, as shown: for the integration test, which drives it with workbench commands. */
export interface ColumnPickStep {
  step: 'features' | 'conditions';
  role: 'source' | 'target';
  items: string[];
  selected: string[];
  /** The focused and the checked rows now (they follow the keyboard). */
  active(): string[];
  checked(): string[];
}

const shown = new vscode.EventEmitter<ColumnPickStep>();
/** Fires when a step of the picker is on screen. */
export const onDidShowColumnPick = shown.event;

function multiPick(title: string, placeholder: string, names: string[], selected: string[], step: Pick<ColumnPickStep, 'step' | 'role'>): Promise<string[] | undefined> {
  const qp = vscode.window.createQuickPick<vscode.QuickPickItem>();
  qp.canSelectMany = true;
  qp.ignoreFocusOut = true;
  qp.title = title;
  qp.placeholder = placeholder;
  qp.items = names.map((label) => ({ label }));
  qp.selectedItems = qp.items.filter((i) => selected.includes(i.label));
  return new Promise((resolve) => {
    let accepted = false;
    qp.onDidAccept(() => {
      accepted = true;
      resolve(qp.selectedItems.map((i) => i.label));
      qp.hide();
    });
    qp.onDidHide(() => {
      if (!accepted) resolve(undefined);
      qp.dispose();
    });
    qp.show();
    shown.fire({
      ...step,
      items: names,
      selected: qp.selectedItems.map((i) => i.label),
      active: () => qp.activeItems.map((i) => i.label),
      checked: () => qp.selectedItems.map((i) => i.label),
    });
  });
}

/** Asks for the feature columns, then the condition columns among the others; undefined when dismissed. */
export async function pickColumns(all: string[], initial: ColumnChoice, fileName: string, role: 'source' | 'target'): Promise<ColumnChoice | undefined> {
  const features = await multiPick(
    role === 'source' ? vscode.l10n.t('Flowmorph: {0} as source: feature columns (1/2)', fileName) : vscode.l10n.t('Flowmorph: {0} as target: feature columns (1/2)', fileName),
    vscode.l10n.t('The columns the flows model and the morph moves'),
    all,
    initial.columns,
    { step: 'features', role },
  );
  if (!features) return undefined;
  const rest = all.filter((c) => !features.includes(c));
  let conditions: string[] = [];
  if (rest.length > 0 && features.length > 0) {
    const picked = await multiPick(
      role === 'source' ? vscode.l10n.t('Flowmorph: {0} as source: condition columns (2/2)', fileName) : vscode.l10n.t('Flowmorph: {0} as target: condition columns (2/2)', fileName),
      vscode.l10n.t('Columns the flows are conditioned on (a mass, an angle); none for an unconditional dataset'),
      rest,
      initial.conditionColumns.filter((c) => rest.includes(c)),
      { step: 'conditions', role },
    );
    if (!picked) return undefined;
    conditions = picked;
  }
  return columnChoice(all, features, conditions);
}

/**
 * Reads the file's column names (in the preview worker), lets the user choose, and writes the choice as
 * the experiment's `role`. A file of one column is written without asking. Undefined when dismissed.
 */
export async function setDataWithPicker(
  store: ExperimentStore,
  worker: string,
  role: 'source' | 'target',
  file: vscode.Uri,
  opts: { dataset?: string } = {},
): Promise<LoadedExperiment | undefined> {
  const p = await previewInWorker(worker, { file: file.fsPath, dataset: opts.dataset, workspaceRoot: workspaceRootOf(file) });
  const all = [...p.columns, ...p.conditionColumns];
  if (all.length <= 1) return store.setData(role, file, opts);
  const choice = await pickColumns(all, initialChoice(all, await store.specOf(role, file)), path.basename(file.fsPath), role);
  if (!choice) return undefined;
  return store.setDataColumns(role, file, choice, opts.dataset !== undefined ? { dataset: opts.dataset } : {});
}
