/**
 * The current experiment: one `*.flowmorph.json` file in the workspace (src/config/experiment.ts).
 * Picks it (last used, else the first in the workspace), reads and validates it, writes edits atomically,
 * and resolves its relative paths (data and output folder are relative to the experiment file).
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

  constructor(private readonly state: vscode.Memento) {
    const last = state.get<string>(LAST_USED_KEY);
    if (last && fs.existsSync(vscode.Uri.parse(last).fsPath)) this.current = vscode.Uri.parse(last);
    this.watcher = vscode.workspace.createFileSystemWatcher(`**/*${EXPERIMENT_SUFFIX}`);
    const onFile = (uri: vscode.Uri) => {
      if (this.current && uri.fsPath !== this.current.fsPath) return;
      if (this.ownText !== undefined && readText(uri.fsPath) === this.ownText) return;
      this.ownText = undefined;
      this.changed.fire({});
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
   * Applies `edit` to the current experiment (created if needed) and stores it: an open document of the
   * file gets a WorkspaceEdit and is saved (as VS Code's custom-editor sample edits its document, so the
   * editor shows the edit with no reload conflict), otherwise the file is written atomically. Fires one
   * change, carrying `origin`; the file watcher's echo of this write fires none.
   */
  async update(edit: (exp: Experiment) => Experiment, origin?: string): Promise<LoadedExperiment> {
    const cur = await this.ensure();
    if (cur.errors.length > 0) {
      throw new Error(vscode.l10n.t('{0} has errors; fix them first:\n{1}', vscode.workspace.asRelativePath(cur.uri), cur.errors.join('\n')));
    }
    const next = edit(JSON.parse(JSON.stringify(cur.experiment)) as Experiment);
    const text = formatExperiment(next);
    this.ownText = text;
    // Written atomically; an open clean editor of the file reloads it. (Editing the open document with a
    // WorkspaceEdit was tried and reverted: VS Code refuses it once its copy is older than the file, and a
    // failed save left the document dirty for every later edit.)
    writeFileAtomic(cur.uri.fsPath, text);
    this.changed.fire(origin === undefined ? {} : { origin });
    return { uri: cur.uri, experiment: next, errors: [] };
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
