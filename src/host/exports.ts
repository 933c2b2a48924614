/**
 * What Morph This File and Export Samples write, and how they say so: the file format (CSV, NPY, HDF5
 * or Parquet, written by the same src/data writers as the CLI), the target condition of a conditional
 * run (the rows' own, a fixed value, or the panel slider's), and a closing message that names the files
 * and offers "Reveal". Called with an options object (tests, API), nothing is asked: `format` defaults
 * to CSV and `condition` to the slider's value when the panel set one, else the rows' own.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { readRunMeta } from '../jobs/run-meta';
import type { Log } from './log';

export type ExportFormat = 'csv' | 'npy' | 'hdf5' | 'parquet';

export const EXPORT_FORMATS: { format: ExportFormat; ext: string; label: string; detail: string }[] = [
  { format: 'csv', ext: '.csv', label: 'CSV', detail: 'text with a header line: pandas.read_csv, numpy.loadtxt(skiprows=1)' },
  { format: 'npy', ext: '.npy', label: 'NumPy .npy', detail: 'float32 (rows × columns), numpy.load; no column names' },
  { format: 'hdf5', ext: '.h5', label: 'HDF5', detail: "dataset 'data' (float32) with a 'columns' attribute: h5py" },
  { format: 'parquet', ext: '.parquet', label: 'Parquet', detail: 'one float32 column per name: pandas.read_parquet, polars' },
];

export function formatExt(f: ExportFormat): string {
  return EXPORT_FORMATS.find((e) => e.format === f)!.ext;
}

/** The format given (checked), else asked for; undefined when the person cancels. */
export async function chooseFormat(given: unknown, ask: boolean): Promise<ExportFormat | undefined> {
  if (given !== undefined) {
    const g = String(given).toLowerCase().replace(/^\./, '');
    const hit = EXPORT_FORMATS.find((e) => e.format === g || e.ext === `.${g}`);
    if (!hit) throw new Error(vscode.l10n.t("Unknown export format '{0}': one of {1}.", String(given), EXPORT_FORMATS.map((e) => e.format).join(', ')));
    return hit.format;
  }
  if (!ask) return 'csv';
  const pick = await vscode.window.showQuickPick(
    EXPORT_FORMATS.map((e) => ({ label: e.label, description: e.ext, detail: e.detail, format: e.format })),
    { title: vscode.l10n.t('Flowmorph: export format'), placeHolder: vscode.l10n.t('Write the morphed rows as…') },
  );
  return pick?.format;
}

/** `own`: each row's own condition; `slider`: the panel's; numbers: that fixed condition for every row. */
export type ConditionChoice = 'own' | 'slider' | number[];

/**
 * The target condition for a transport through `runDir`: `{ targetCondition }` (undefined = the rows'
 * own), or undefined when the person cancels. Runs without conditions need none.
 */
export async function chooseCondition(
  runDir: string,
  given: ConditionChoice | undefined,
  slider: number[] | undefined,
  ask: boolean,
): Promise<{ targetCondition?: number[] } | undefined> {
  const meta = readRunMeta(runDir);
  const C = meta.conditions;
  if (C === 0) return {};
  const names = meta.conditionColumns.join(', ');
  const fixed = (v: number[]) => {
    if (v.length !== C || !v.every(Number.isFinite)) throw new Error(vscode.l10n.t('The run morphs to {0} condition value(s) ({1}); got {2}.', C, names, JSON.stringify(v)));
    return { targetCondition: v };
  };
  if (given === 'own') return {};
  if (given === 'slider') {
    if (!slider) throw new Error(vscode.l10n.t('The panel has no target condition yet: move its condition slider first, or choose own / a fixed value.'));
    return fixed(slider);
  }
  if (Array.isArray(given)) return fixed(given.map(Number));
  if (!ask) return slider ? fixed(slider) : {};
  type Item = vscode.QuickPickItem & { choice: 'own' | 'fixed' | 'slider' };
  const items: Item[] = [
    { label: vscode.l10n.t('Own condition'), detail: vscode.l10n.t('each row keeps its own {0}', names), choice: 'own' },
    { label: vscode.l10n.t('A fixed value…'), detail: vscode.l10n.t('morph every row to one value of {0}', names), choice: 'fixed' },
  ];
  if (slider) items.push({ label: vscode.l10n.t("The panel's slider: {0}", slider.join(', ')), detail: vscode.l10n.t('morph every row to {0} = {1}', names, slider.join(', ')), choice: 'slider' });
  const pick = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Flowmorph: target condition'), placeHolder: vscode.l10n.t('The run is conditional on {0}: morph to…', names) });
  if (!pick) return undefined;
  if (pick.choice === 'own') return {};
  if (pick.choice === 'slider') return fixed(slider!);
  const text = await vscode.window.showInputBox({
    title: vscode.l10n.t('Target {0}', names),
    prompt: vscode.l10n.t('{0} number(s), separated by commas', C),
    validateInput: (s) => (parseNumbers(s, C) ? undefined : vscode.l10n.t('{0} number(s), separated by commas', C)),
  });
  if (text === undefined) return undefined;
  return fixed(parseNumbers(text, C)!);
}

function parseNumbers(s: string, n: number): number[] | undefined {
  const v = s.split(',').map((t) => (t.trim() === '' ? NaN : Number(t)));
  return v.length === n && v.every(Number.isFinite) ? v : undefined;
}

/**
 * Names what an export wrote (the log, and a message with "Reveal": the Explorer for files in the
 * workspace, the system's file manager otherwise). Does not wait for the message.
 */
export function announceExport(log: Log | undefined, what: string, files: string[]): void {
  if (files.length === 0) return;
  const names = files.map((f) => vscode.workspace.asRelativePath(f));
  for (const n of names) log?.info(`${what}: wrote ${n}`);
  const shown = names.length <= 3 ? names.join(', ') : vscode.l10n.t('{0} and {1} more', names.slice(0, 2).join(', '), names.length - 2);
  const reveal = vscode.l10n.t('Reveal');
  void vscode.window.showInformationMessage(vscode.l10n.t('Flowmorph: {0}: wrote {1}', what, shown), reveal).then((a) => {
    if (a === reveal) void revealPath(files[0]);
  });
}

/** Shows a file or folder in the Explorer when it is in the workspace, else in the system's file manager. */
export async function revealPath(p: string): Promise<void> {
  const uri = vscode.Uri.file(p);
  const inside = vscode.workspace.getWorkspaceFolder(uri) !== undefined;
  if (inside && fs.existsSync(p)) await vscode.commands.executeCommand('revealInExplorer', uri);
  else await vscode.commands.executeCommand('revealFileInOS', fs.existsSync(p) ? uri : vscode.Uri.file(path.dirname(p)));
}
