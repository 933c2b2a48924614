/**
 * The current experiment: one `*.flowmorph.json` file in the workspace (src/config/experiment.ts).
 * Picks it (last used, else the first in the workspace), reads and validates it, writes edits (one at a
 * time: through its open editor's document when there is one, else atomically), and resolves its relative
 * paths (data and output folder are relative to the experiment file).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { writeFileAtomic } from '../data/atomic';
import { confined, isInside } from '../data/paths';
import type { DataSpec } from '../jobs/types';
import { withColumns, type ColumnChoice } from './columnChoice';
import { defaultExperiment, EXPERIMENT_SUFFIX, formatExperiment, parseExperiment, type Experiment } from '../config/experiment';
import { settings } from './settings';

const LAST_USED_KEY = 'flowmorph.currentExperiment';

export interface LoadedExperiment {
  uri: vscode.Uri;
  /** The validated file, or the defaults when it has errors (the errors say why). */
  experiment: Experiment;
  errors: string[];
}

/** update() refused: the file has unsaved changes in an editor, which its edit would overwrite. */
export class UnsavedEditorError extends Error {}

/** Why the current experiment changed: `origin` is what update() was told (e.g. 'designer'), else absent. */
export interface ExperimentChange {
  origin?: string;
}

export class ExperimentStore implements vscode.Disposable {
  private current: vscode.Uri | undefined;
  private readonly changed = new vscode.EventEmitter<ExperimentChange>();
  /** The current experiment changed: another file was picked, or its contents changed. */
  readonly onDidChange = this.changed.event;
  private readonly watcher: vscode.FileSystemWatcher;
  /** The text update() last wrote: the watcher's echo of that write was announced already. */
  private ownText: string | undefined;
  /** update() runs one edit at a time (each reads the file the previous one wrote). */
  private edits: Promise<unknown> = Promise.resolve();
  /** Where update() says which way it wrote (the WorkspaceEdit's failures); extension.ts sets it. */
  log: ((line: string) => void) | undefined;

  constructor(private readonly state: vscode.Memento) {
    const last = state.get<string>(LAST_USED_KEY);
    if (last && fs.existsSync(vscode.Uri.parse(last).fsPath)) this.current = vscode.Uri.parse(last);
    this.watcher = vscode.workspace.createFileSystemWatcher(`**/*${EXPERIMENT_SUFFIX}`);
    const onFile = (uri: vscode.Uri) => {
      if (this.current && uri.fsPath !== this.current.fsPath) return;
      // Judged once the edits under way are done: the watcher may report an edit's write while the next
      // edit is between reading the file and writing it (the file then holds neither outside text nor ownText).
      void this.edits.then(() => {
        if (this.ownText !== undefined && readText(uri.fsPath) === this.ownText) return;
        this.ownText = undefined;
        this.changed.fire({});
      });
    };
    this.watcher.onDidChange(onFile);
    this.watcher.onDidCreate(onFile);
    this.watcher.onDidDelete(onFile);
  }

  dispose(): void {
    this.watcher.dispose();
    this.changed.dispose();
  }

  /** The current experiment file, if there is one (last used, else the first found in the workspace). */
  async find(): Promise<vscode.Uri | undefined> {
    if (this.current && fs.existsSync(this.current.fsPath)) return this.current;
    const found = await vscode.workspace.findFiles(`**/*${EXPERIMENT_SUFFIX}`, '**/node_modules/**', 20);
    found.sort((a, b) => a.fsPath.localeCompare(b.fsPath));
    // A `use` or `create` may have picked one while findFiles ran: theirs wins.
    if (!this.current || !fs.existsSync(this.current.fsPath)) this.current = found[0];
    return this.current;
  }

  /** Makes `uri` the current experiment. */
  async use(uri: vscode.Uri): Promise<void> {
    if (this.current?.fsPath === uri.fsPath) return;
    this.current = uri;
    await this.state.update(LAST_USED_KEY, uri.toString());
    this.changed.fire({});
  }

  /** The current experiment, creating `experiment.flowmorph.json` in the first workspace folder if none exists. */
  async ensure(): Promise<LoadedExperiment> {
    const uri = (await this.find()) ?? (await this.create());
    return this.load(uri);
  }

  /** The current experiment, or undefined when the workspace has none. */
  async get(): Promise<LoadedExperiment | undefined> {
    const uri = await this.find();
    return uri ? this.load(uri) : undefined;
  }

  load(uri: vscode.Uri): LoadedExperiment {
    let text: string;
    try {
      text = fs.readFileSync(uri.fsPath, 'utf8');
    } catch (e) {
      return { uri, experiment: defaultExperiment(), errors: [`cannot read ${uri.fsPath}: ${(e as Error).message}`] };
    }
    const check = parseExperiment(text);
    return { uri, experiment: check.experiment ?? defaultExperiment(), errors: check.errors };
  }

  /**
   * A new experiment file `<name>.flowmorph.json` (name unique in `folder`, default the first workspace
   * folder) holding the defaults plus `init`; it becomes the current experiment.
   */
  async create(opts: { folder?: vscode.Uri; name?: string; init?: Partial<Experiment> } = {}): Promise<vscode.Uri> {
    const folder = opts.folder ?? vscode.workspace.workspaceFolders?.[0]?.uri;
    if (!folder) throw new Error(vscode.l10n.t('Flowmorph needs an open folder for its experiment file and runs.'));
    const stem = (opts.name ?? 'experiment').replace(/\.flowmorph\.json$/, '').replace(/[^A-Za-z0-9._-]+/g, '-') || 'experiment';
    let file = path.join(folder.fsPath, `${stem}${EXPERIMENT_SUFFIX}`);
    for (let i = 2; fs.existsSync(file); i++) file = path.join(folder.fsPath, `${stem}-${i}${EXPERIMENT_SUFFIX}`);
    const exp: Experiment = { ...defaultExperiment(), name: stem, ...opts.init };
    exp.base = { ...exp.base, preset: opts.init?.base?.preset ?? settings(folder).defaultPreset };
    writeFileAtomic(file, formatExperiment(exp));
    const uri = vscode.Uri.file(file);
    await this.use(uri);
    return uri;
  }

  /**
   * Applies `edit` to the current experiment (created if needed) and stores it. Edits run one at a time, in
   * the order asked. When the file is open in an editor tab, clean and the same as on disk, the document
   * gets a WorkspaceEdit and is saved (as VS Code's custom-editor sample edits its document: the editor
   * shows the edit and can undo it); otherwise, or when that fails, the file is written atomically (a
   * document the failed save left dirty is reverted to it). A document with unsaved changes refuses the
   * edit (UnsavedEditorError): neither they nor the file are overwritten. Fires one change, carrying
   * `origin`; the file watcher's echo of this write fires none.
   */
  update(edit: (exp: Experiment) => Experiment, origin?: string): Promise<LoadedExperiment> {
    const run = this.edits.then(() => this.updateNow(edit, origin));
    this.edits = run.catch(() => undefined);
    return run;
  }

  private async updateNow(edit: (exp: Experiment) => Experiment, origin: string | undefined): Promise<LoadedExperiment> {
    const cur = await this.ensure();
    const file = cur.uri.fsPath;
    const docs = vscode.workspace.textDocuments.filter((d) => !d.isClosed && d.uri.scheme === 'file' && d.uri.fsPath === file);
    if (docs.some((d) => d.isDirty)) {
      throw new UnsavedEditorError(vscode.l10n.t('{0} has unsaved changes in an editor: save or revert them first (Flowmorph does not overwrite them).', vscode.workspace.asRelativePath(cur.uri)));
    }
    if (cur.errors.length > 0) {
      throw new Error(vscode.l10n.t('{0} has errors; fix them first:\n{1}', vscode.workspace.asRelativePath(cur.uri), cur.errors.join('\n')));
    }
    const next = edit(JSON.parse(JSON.stringify(cur.experiment)) as Experiment);
    const text = formatExperiment(next);
    const onDisk = readText(file);
    this.ownText = text;
    const doc = docs.find((d) => tabGroupOf(d.uri) !== undefined);
    // Nothing to write when the text is the file's (an edit the rules refused, a setting set to what it was).
    const done = text === onDisk || (doc !== undefined && doc.getText() === onDisk && (await this.editDocument(doc, text)));
    if (!done) {
      this.ownText = text;
      writeFileAtomic(file, text);
      // A document the failed save left dirty: reverted, it reads what was just written.
      if (doc?.isDirty) await revert(doc, (line) => this.log?.(line));
    }
    this.changed.fire(origin === undefined ? {} : { origin });
    return { uri: cur.uri, experiment: next, errors: [] };
  }

  /** Replaces the open document's text with `text` and saves it; false (nothing saved) when VS Code refuses either. */
  private async editDocument(doc: vscode.TextDocument, text: string): Promise<boolean> {
    const rel = vscode.workspace.asRelativePath(doc.uri);
    try {
      const ws = new vscode.WorkspaceEdit();
      ws.replace(doc.uri, doc.validateRange(new vscode.Range(0, 0, doc.lineCount, 0)), text);
      if (!(await vscode.workspace.applyEdit(ws))) {
        this.log?.(`${rel}: the editor refused the edit; written to the file instead`);
        return false;
      }
      // What the save writes (the document's line endings), for the watcher's echo.
      this.ownText = doc.getText();
      if (!(await doc.save()) || doc.isDirty || readText(doc.uri.fsPath) !== doc.getText()) {
        this.log?.(`${rel}: the editor did not save the edit; written to the file instead`);
        return false;
      }
      return true;
    } catch (e) {
      this.log?.(`${rel}: editing the open document failed (${(e as Error).message}); written to the file instead`);
      return false;
    }
  }

  /** Sets the source or target dataset (stored relative to the experiment file when inside its folder). */
  async setData(role: 'source' | 'target', file: vscode.Uri, spec: Omit<DataSpec, 'path'> = {}): Promise<LoadedExperiment> {
    const cur = await this.ensure();
    const rel = relativeTo(path.dirname(cur.uri.fsPath), file.fsPath);
    return this.update((exp) => ({ ...exp, [role]: { ...spec, path: rel } }));
  }

  /** Sets the source or target dataset with the column picker's choice (columnChoice.ts: withColumns). */
  async setDataColumns(role: 'source' | 'target', file: vscode.Uri, choice: ColumnChoice, extra: { dataset?: string } = {}): Promise<LoadedExperiment> {
    const cur = await this.ensure();
    const rel = relativeTo(path.dirname(cur.uri.fsPath), file.fsPath);
    return this.update((exp) => withColumns(exp, role, rel, choice, extra));
  }

  /** The data spec of `role` when it names `file`, for the column picker's first offer. */
  async specOf(role: 'source' | 'target', file: vscode.Uri): Promise<DataSpec | undefined> {
    const cur = await this.get();
    const spec = cur?.experiment[role];
    if (!cur || !spec || /^toy:/i.test(spec.path)) return undefined;
    return path.resolve(path.dirname(cur.uri.fsPath), spec.path) === file.fsPath ? spec : undefined;
  }
}

/** The editor group with a tab of the file (not only a document VS Code keeps loaded), if any. */
function tabGroupOf(uri: vscode.Uri): vscode.TabGroup | undefined {
  return vscode.window.tabGroups.all.find((g) => g.tabs.some((t) => t.input instanceof vscode.TabInputText && t.input.uri.fsPath === uri.fsPath));
}

/** Reverts `doc` to its file (VS Code's Revert File acts on the active editor: its tab is made active first). */
async function revert(doc: vscode.TextDocument, log: (line: string) => void): Promise<void> {
  await vscode.window.showTextDocument(doc, { viewColumn: tabGroupOf(doc.uri)?.viewColumn, preview: false });
  await vscode.commands.executeCommand('workbench.action.files.revert');
  if (doc.isDirty) log(`${vscode.workspace.asRelativePath(doc.uri)}: still unsaved after Revert File; the next edit will be refused until it is saved or reverted`);
}

function readText(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function relativeTo(dir: string, file: string): string {
  return isInside(dir, file) ? path.relative(dir, file).split(path.sep).join('/') : file;
}

/** A DataSpec with its path made absolute (experiment paths are relative to the experiment file). */
export function absoluteSpec(expUri: vscode.Uri, spec: DataSpec): DataSpec {
  if (/^toy:/i.test(spec.path)) return { ...spec };
  return { ...spec, path: path.resolve(path.dirname(expUri.fsPath), spec.path), workspaceRoot: workspaceRootOf(expUri) };
}

/** The workspace folder holding `uri`: datasets run from the extension must lie inside it. */
export function workspaceRootOf(uri: vscode.Uri): string | undefined {
  return vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
}

const warnedOutside = new Set<string>();

/**
 * The experiment's output folder (absolute), confined to the workspace folder: an outputFolder (setting
 * or experiment file) that leads outside it (`../..`, an absolute path) is replaced by the default
 * `flowmorph-runs` inside the workspace, with a warning shown once.
 */
export function outputRoot(loaded: LoadedExperiment): string {
  const dir = path.dirname(loaded.uri.fsPath);
  const wanted = loaded.experiment.outputFolder ?? settings(loaded.uri).outputFolder;
  const root = workspaceRootOf(loaded.uri) ?? dir;
  const inside = confined(root, dir, wanted);
  if (inside !== undefined) return inside;
  if (!warnedOutside.has(wanted)) {
    warnedOutside.add(wanted);
    void vscode.window.showWarningMessage(vscode.l10n.t("Flowmorph: the output folder '{0}' lies outside the workspace folder {1}; runs go to flowmorph-runs inside it instead.", wanted, root));
  }
  return path.join(root, 'flowmorph-runs');
}
