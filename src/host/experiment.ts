/**
 * The current experiment: one `*.flowmorph.json` file in the workspace (src/protocol.ts, section 1).
 * Picks it (last used, else the first in the workspace), reads and validates it, writes edits atomically,
 * and resolves its relative paths (data and output folder are relative to the experiment file).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { writeFileAtomic } from '../data/atomic';
import { confined, isInside } from '../data/paths';
import type { DataSpec } from '../jobs/types';
import { defaultExperiment, EXPERIMENT_SUFFIX, formatExperiment, parseExperiment, type Experiment } from '../protocol';
import { settings } from './settings';

const LAST_USED_KEY = 'flowmorph.currentExperiment';

export interface LoadedExperiment {
  uri: vscode.Uri;
  /** The validated file, or the defaults when it has errors (the errors say why). */
  experiment: Experiment;
  errors: string[];
}

export class ExperimentStore implements vscode.Disposable {
  private current: vscode.Uri | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  /** The current experiment changed: another file was picked, or its contents changed. */
  readonly onDidChange = this.changed.event;
  private readonly watcher: vscode.FileSystemWatcher;

  constructor(private readonly state: vscode.Memento) {
    const last = state.get<string>(LAST_USED_KEY);
    if (last && fs.existsSync(vscode.Uri.parse(last).fsPath)) this.current = vscode.Uri.parse(last);
    this.watcher = vscode.workspace.createFileSystemWatcher(`**/*${EXPERIMENT_SUFFIX}`);
    const onFile = (uri: vscode.Uri) => {
      if (!this.current || uri.fsPath === this.current.fsPath) this.changed.fire();
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
    this.changed.fire();
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
    if (!folder) throw new Error('Flowmorph needs an open folder for its experiment file and runs.');
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

  /** Applies `edit` to the current experiment (created if needed) and writes the file. */
  async update(edit: (exp: Experiment) => Experiment): Promise<LoadedExperiment> {
    const cur = await this.ensure();
    if (cur.errors.length > 0) {
      throw new Error(`${vscode.workspace.asRelativePath(cur.uri)} has errors; fix them first:\n${cur.errors.join('\n')}`);
    }
    const next = edit(JSON.parse(JSON.stringify(cur.experiment)) as Experiment);
    writeFileAtomic(cur.uri.fsPath, formatExperiment(next));
    this.changed.fire();
    return { uri: cur.uri, experiment: next, errors: [] };
  }

  /** Sets the source or target dataset (stored relative to the experiment file when inside its folder). */
  async setData(role: 'source' | 'target', file: vscode.Uri, spec: Omit<DataSpec, 'path'> = {}): Promise<LoadedExperiment> {
    const cur = await this.ensure();
    const rel = relativeTo(path.dirname(cur.uri.fsPath), file.fsPath);
    return this.update((exp) => ({ ...exp, [role]: { ...spec, path: rel } }));
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
    void vscode.window.showWarningMessage(`Flowmorph: the output folder '${wanted}' lies outside the workspace folder ${root}; runs go to flowmorph-runs inside it instead.`);
  }
  return path.join(root, 'flowmorph-runs');
}
