/**
 * The contributed commands (package.json `contributes.commands`, category "Flowmorph"). Each accepts
 * optional arguments so it runs without prompts (Explorer menus pass the clicked file; tests pass
 * `{ steps: 20 }` and the like) and returns a promise of its result, resolved when the work is done.
 * Errors are thrown with a message meant for the user; VS Code shows it.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { EXPERIMENT_SUFFIX } from '../config/experiment';
import type { Controller, TrainOptions } from './controller';
import { DATASET_EXTENSIONS, isDatasetFile, previewInWorker, toyInfo, toyNames, writeToyCsv, type ToyRequest } from './datasets';
import { installNative } from './native';
import type { Log } from './log';
import type { PanelBridge } from './panelBridge';
import { FlowmorphPanel } from './panel';
import { PreviewPanel } from './previewPanel';
import { outputRoot, workspaceRootOf } from './experiment';
import { chooseBackground } from './plotExport';
import { announceExport, chooseCondition, chooseFormat, revealPath, type ConditionChoice } from './exports';
import { latestMorph } from './runs';
import { workerFile } from './workerClient';
import { setDataWithPicker } from './columnPicker';
import type { DataSpec } from '../jobs/types';

export interface CommandDeps {
  context: vscode.ExtensionContext;
  controller: Controller;
  bridge: PanelBridge;
  log: Log;
}

function isUri(a: unknown): a is vscode.Uri {
  return a instanceof vscode.Uri;
}

function isOptions(a: unknown): a is object {
  return a !== null && typeof a === 'object' && !isUri(a) && !Array.isArray(a);
}

/** The first plain-object argument (not a Uri, not the Explorer's array of selected Uris). */
function optionsOf<T extends object>(args: unknown[]): T {
  return (args.find(isOptions) ?? {}) as T;
}

/** Called by a person (palette, menu) rather than by code with options: confirm with a message. */
function interactive(args: unknown[]): boolean {
  return !args.some(isOptions);
}

function workspaceFolder(): vscode.Uri {
  const f = vscode.workspace.workspaceFolders?.[0]?.uri;
  if (!f) throw new Error(vscode.l10n.t('Open a folder first: Flowmorph keeps its experiment file and runs in the workspace.'));
  return f;
}

/** The file a dataset command acts on: its argument, else the active editor's file, else ask. */
async function datasetArg(args: unknown[], title: string): Promise<vscode.Uri | undefined> {
  const given = args.find(isUri);
  if (given) return given;
  const active = vscode.window.activeTextEditor?.document.uri;
  if (active?.scheme === 'file' && isDatasetFile(active.fsPath)) return active;
  const picked = await vscode.window.showOpenDialog({
    title,
    canSelectMany: false,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
    filters: { Datasets: DATASET_EXTENSIONS.map((e) => e.slice(1)) },
  });
  return picked?.[0];
}

/** A run folder from a command's arguments: a path, a Uri, or a run node of the Flowmorph view. */
function runDirArg(args: unknown[]): string | undefined {
  for (const a of args) {
    if (typeof a === 'string') return a;
    if (isUri(a)) return a.fsPath;
    const run = (a as { run?: { path?: unknown } } | undefined)?.run;
    if (run && typeof run.path === 'string') return run.path;
  }
  return undefined;
}

export function registerCommands(d: CommandDeps): vscode.Disposable[] {
  const { context, controller: c, bridge, log } = d;

  /** Use as Source / Target: writes the experiment file and says so (with its problems, if any). */
  const useAs = async (role: 'source' | 'target', args: unknown[]) => {
    const file = await datasetArg(args, role === 'source' ? vscode.l10n.t('Source dataset') : vscode.l10n.t('Target dataset'));
    if (!file) return undefined;
    // A person (or `{ pickColumns: true }`) chooses the feature and condition columns (columnPicker.ts).
    const { pickColumns, ...spec } = optionsOf<Omit<DataSpec, 'path'> & { pickColumns?: boolean }>(args);
    const loaded = (pickColumns ?? interactive(args))
      ? await setDataWithPicker(c.store, workerFile(context.extensionPath), role, file, { dataset: spec.dataset })
      : await c.store.setData(role, file, spec);
    if (!loaded) return undefined;
    if (interactive(args)) {
      const where = vscode.workspace.asRelativePath(loaded.uri);
      const text = role === 'source' ? vscode.l10n.t('Flowmorph: {0} is now the source of {1}.', path.basename(file.fsPath), where) : vscode.l10n.t('Flowmorph: {0} is now the target of {1}.', path.basename(file.fsPath), where);
      if (loaded.errors.length) void vscode.window.showWarningMessage(vscode.l10n.t('{0} The experiment file has problems: {1}', text, loaded.errors.join('; ')));
      else void vscode.window.showInformationMessage(text);
    }
    return loaded.experiment;
  };

  const commands: Record<string, (...args: any[]) => unknown> = {
    'flowmorph.open': async (...args: unknown[]) => {
      // From an experiment file's editor title: that file becomes the current experiment.
      const file = args.find(isUri);
      if (file?.fsPath.endsWith(EXPERIMENT_SUFFIX)) await c.store.use(file);
      FlowmorphPanel.show(context);
      await bridge.postState();
      return true;
    },

    'flowmorph.newExperiment': async (...args: unknown[]) => {
      const o = optionsOf<{ name?: string; folder?: vscode.Uri; open?: boolean }>(args);
      let name = o.name;
      if (name === undefined) {
        name = await vscode.window.showInputBox({ title: vscode.l10n.t('New Flowmorph experiment'), prompt: vscode.l10n.t('Name of the experiment file'), value: 'experiment' });
        if (name === undefined) return undefined;
      }
      const uri = await c.store.create({ folder: o.folder ?? args.find(isUri), name });
      if (o.open !== false) await vscode.window.showTextDocument(uri, { preview: false });
      return uri;
    },

    'flowmorph.generateToy': async (...args: unknown[]) => {
      const o = optionsOf<ToyRequest & { name?: string; file?: string }>(args);
      let name = o.name;
      if (!name) {
        const pick = await vscode.window.showQuickPick(
          toyNames().map((n) => ({ label: n, detail: toyInfo(n).description })),
          { title: vscode.l10n.t('Generate a toy dataset'), placeHolder: vscode.l10n.t('Which 2-D toy density?') },
        );
        if (!pick) return undefined;
        name = pick.label;
      }
      const folder = workspaceFolder().fsPath;
      let file = o.file ? path.resolve(folder, o.file) : path.join(folder, `${name}.csv`);
      for (let i = 2; !o.file && fs.existsSync(file); i++) file = path.join(folder, `${name}-${i}.csv`);
      const r = writeToyCsv(file, { ...o, name });
      log.info(`wrote ${r.rows} rows of toy "${name}" to ${file}`);
      if (interactive(args)) void vscode.window.showInformationMessage(vscode.l10n.t('Flowmorph: wrote {0} ({1} rows).', path.basename(file), r.rows));
      return { ...r, uri: vscode.Uri.file(file) };
    },

    'flowmorph.setSource': async (...args: unknown[]) => useAs('source', args),

    'flowmorph.setTarget': async (...args: unknown[]) => useAs('target', args),

    'flowmorph.trainBase': async (...args: unknown[]) => {
      const o = optionsOf<TrainOptions & { which?: 'source' | 'target' | 'both' }>(args);
      return c.trainBase(o.which ?? 'both', o);
    },

    'flowmorph.trainBaseOnFile': async (...args: unknown[]) => {
      const file = await datasetArg(args, vscode.l10n.t('Train a base flow on'));
      if (!file) return undefined;
      return c.trainBaseOnFile(file, optionsOf(args));
    },

    'flowmorph.trainMorph': async (...args: unknown[]) => c.trainMorph(optionsOf(args)),

    'flowmorph.morphFile': async (...args: unknown[]) => {
      const file = await datasetArg(args, vscode.l10n.t('Dataset to morph'));
      if (!file) return undefined;
      const o = optionsOf<{ run?: string; inverse?: boolean; dataset?: string; format?: string; condition?: ConditionChoice }>(args);
      const ask = interactive(args);
      const loaded = await c.store.ensure();
      const run = o.run ?? latestMorph(c.runs(loaded))?.path;
      if (!run) throw new Error(vscode.l10n.t('No finished morph run yet: train a morph first (Flowmorph: Train Morph).'));
      const cond = await chooseCondition(run, o.condition, c.targetCondition, ask);
      if (!cond) return undefined;
      const format = await chooseFormat(o.format, ask);
      if (!format) return undefined;
      const rec = await c.morphFile(file, { ...o, run, format, targetCondition: cond.targetCondition });
      if (rec.status === 'done' && rec.output) announceExport(log, vscode.l10n.t('Morph This File'), [rec.output]);
      return rec;
    },

    'flowmorph.openRun': async (...args: unknown[]) => {
      const dir = runDirArg(args);
      if (!dir) throw new Error(vscode.l10n.t('Open in Panel: which run? (a run folder path or a run in the Flowmorph view)'));
      FlowmorphPanel.show(context);
      await bridge.postState();
      return bridge.showRun(dir);
    },

    'flowmorph.resumeRun': async (...args: unknown[]) => {
      const dir = runDirArg(args);
      if (!dir) throw new Error(vscode.l10n.t('Resume: which run? (a run folder path or a run in the Flowmorph view)'));
      return c.resume(dir);
    },

    'flowmorph.stop': async () => {
      const rec = await c.trainer.stop();
      if (!rec) void vscode.window.setStatusBarMessage(vscode.l10n.t('Flowmorph: nothing is running'), 3000);
      return rec;
    },

    'flowmorph.exportSamples': async (...args: unknown[]) => {
      const o = optionsOf<{ run?: string; folder?: string; format?: string; condition?: ConditionChoice }>(args);
      const format = await chooseFormat(o.format, interactive(args));
      if (!format) return undefined;
      const cond = o.condition !== undefined && o.run ? await chooseCondition(o.run, o.condition, c.targetCondition, false) : {};
      const files = await c.exportSamples({ run: o.run, folder: o.folder, format, targetCondition: cond?.targetCondition });
      announceExport(log, vscode.l10n.t('Export Samples'), files);
      return files;
    },

    'flowmorph.exportPlots': async (...args: unknown[]) => {
      const o = optionsOf<{ folder?: string; timeoutMs?: number; background?: string }>(args);
      const background = await chooseBackground(o.background, interactive(args));
      if (!background) return undefined;
      const loaded = await c.store.ensure();
      // A new dated folder (one PNG per chart) so nothing is overwritten; a person is asked where.
      const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
      const proposed = vscode.Uri.file(path.join(outputRoot(loaded), 'plots', stamp));
      let folder = o.folder ?? (interactive(args) ? undefined : proposed.fsPath);
      if (folder === undefined) {
        // The dialog's folder must exist (VS Code's own dialog otherwise asks whether to create it).
        fs.mkdirSync(path.dirname(proposed.fsPath), { recursive: true });
        const picked = await vscode.window.showSaveDialog({
          title: vscode.l10n.t('Export plots: folder for a PNG and an SVG per chart'),
          defaultUri: proposed,
          saveLabel: vscode.l10n.t('Export Here'),
        });
        if (!picked) return undefined;
        folder = picked.fsPath;
      }
      if (!FlowmorphPanel.current) {
        FlowmorphPanel.show(context);
        await bridge.postState();
      }
      const files = await bridge.exportPlots(folder, o.timeoutMs, background);
      const plots = new Set(files.map((f) => path.basename(f).replace(/\.(png|svg)$/, ''))).size;
      log.info(`exported ${plots} plot(s) as ${files.length} files (PNG at 2× and SVG, ${background} background) to ${folder}`);
      if (interactive(args)) {
        const reveal = vscode.l10n.t('Reveal');
        void vscode.window.showInformationMessage(vscode.l10n.t('Flowmorph: saved {0} plot(s) in {1} (PNG at 2× and SVG)', plots, vscode.workspace.asRelativePath(folder)), reveal).then((a) => {
          if (a === reveal) void revealPath(files[0] ?? folder!);
        });
      } else void vscode.window.setStatusBarMessage(vscode.l10n.t('Flowmorph: saved {0} plot(s)', plots), 5000);
      return files;
    },

    'flowmorph.showBackend': async () => {
      const r = await c.trainer.probeBackend();
      for (const n of r.notes) log.info(n);
      const threads = r.threads === 1 ? vscode.l10n.t('1 thread') : vscode.l10n.t('{0} threads', r.threads);
      void vscode.window.showInformationMessage(vscode.l10n.t('Flowmorph backend: {0}, {1}', r.backend, threads) + (r.notes.length ? ` (${r.notes.join('; ')})` : ''));
      return r;
    },

    'flowmorph.installNative': async (...args: unknown[]) => {
      const o = optionsOf<{ dryRun?: boolean }>(args);
      if (o.dryRun) return installNative(context.globalStorageUri, { dryRun: true });
      const r = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Flowmorph: installing the native backend (@tensorflow/tfjs-node)'), cancellable: true },
        (_p, token) => installNative(context.globalStorageUri, { token, onLine: (l) => log.info(`[npm] ${l}`) }),
      );
      if (r.ok) void vscode.window.showInformationMessage(vscode.l10n.t('Flowmorph: native backend installed; new trainings use it (see Flowmorph: Show Training Backend).'));
      else {
        log.channel.show(true);
        void vscode.window.showErrorMessage(vscode.l10n.t('Flowmorph: the native backend did not install (see the Flowmorph log). Training keeps using wasm.'));
      }
      return r;
    },

    'flowmorph.showLog': async () => {
      log.channel.show();
      return true;
    },

    'flowmorph.openTutorial': async () => {
      await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${context.extension.id}#flowmorph.tutorial`, false);
      return true;
    },

    'flowmorph.previewDataset': async (...args: unknown[]) => {
      const file = await datasetArg(args, vscode.l10n.t('Dataset to preview'));
      if (!file) return undefined;
      // Read in a worker: nothing parses data on the extension host's thread (src/worker/preview.ts). The
      // file's columns play the roles the current experiment gives them, if it uses the file.
      const req = { file: file.fsPath, dataset: optionsOf<{ dataset?: string }>(args).dataset, workspaceRoot: workspaceRootOf(file) };
      const spec = (await c.store.specOf('source', file)) ?? (await c.store.specOf('target', file));
      const worker = workerFile(context.extensionPath);
      const p = spec
        ? await previewInWorker(worker, { ...req, dataset: req.dataset ?? spec.dataset, columns: spec.columns, conditionColumns: spec.conditionColumns }).catch((e: Error) => {
            log.warn(`Preview Dataset: the experiment's columns of ${file.fsPath} do not read (${e.message}); showing every column`);
            return previewInWorker(worker, req);
          })
        : await previewInWorker(worker, req);
      PreviewPanel.show(context, file, p);
      return p;
    },
  };

  return Object.entries(commands).map(([id, fn]) => vscode.commands.registerCommand(id, fn));
}
