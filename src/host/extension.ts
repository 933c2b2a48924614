/**
 * Flowmorph's extension entry point: wires the pieces together and returns a small API (used by the
 * integration tests to watch training without a UI).
 *
 *   ExperimentStore  the current *.flowmorph.json          (experiment.ts)
 *   WorkerClient     jobs in a worker_threads Worker        (workerClient.ts; the worker: src/worker/main.ts)
 *   Controller       what the commands and the panel do     (controller.ts, commands.ts)
 *   PanelBridge      training events ↔ the webview panel    (panelBridge.ts, panel.ts)
 *   ExperimentTree   the activity-bar view                  (tree.ts)
 *   TrainingUi       progress notification + status bar     (progressUi.ts)
 */
import * as vscode from 'vscode';
import type { Progress } from '../jobs/types';
import { EXPERIMENT_SUFFIX } from '../config/experiment';
import { registerCommands } from './commands';
import { onDidShowColumnPick } from './columnPicker';
import { registerRunMenu } from './runMenu';
import { Controller } from './controller';
import { ExperimentStore } from './experiment';
import { useTranslation } from './l10n';
import { Log } from './log';
import { nativeModules } from './native';
import { FlowmorphPanel } from './panel';
import { PanelBridge } from './panelBridge';
import { PreviewPanel } from './previewPanel';
import { latestMorph } from './runs';
import { TrainingUi } from './progressUi';
import { settings } from './settings';
import { WorkerClient, workerFile } from './workerClient';
import { ExperimentTree } from './tree';

export interface FlowmorphApi {
  controller: Controller;
  trainer: WorkerClient;
  tree: ExperimentTree;
  /**
   * Resolves with the first progress event for which `predicate` holds; rejects when a run ends first
   * or after `timeoutMs`.
   */
  waitForProgress(predicate: (p: Progress) => boolean, timeoutMs?: number): Promise<Progress>;
  /** The panel class, so tests can wait for what it drew (FlowmorphPanel.whenDrawn). */
  panel: typeof FlowmorphPanel;
  /** Preview Dataset's views, so tests can wait for their histograms (PreviewPanel.whenDrawn). */
  preview: typeof PreviewPanel;
  /** Fires when a step of the column picker is on screen (the test drives it with workbench commands). */
  columnPicks: typeof onDidShowColumnPick;
}

export function activate(context: vscode.ExtensionContext): FlowmorphApi {
  useTranslation(vscode.l10n.t); // (its t uses no `this`)
  const log = new Log();
  FlowmorphPanel.log = (line) => log.warn(line);
  PreviewPanel.log = (line) => log.warn(line);
  const store = new ExperimentStore(context.workspaceState);
  const trainer = new WorkerClient(workerFile(context.extensionPath), log, () => ({
    backend: settings().backend,
    nativeModules: nativeModules(context.globalStorageUri),
    threads: settings().threads,
  }));
  const controller = new Controller(store, trainer);
  controller.log = log;
  store.log = (line) => log.warn(line);
  const bridge = new PanelBridge(controller, log);
  const tree = new ExperimentTree(store, trainer);

  context.subscriptions.push(
    log,
    store,
    trainer,
    bridge,
    tree,
    new TrainingUi(trainer, () => log.channel.show(true)),
    vscode.window.registerTreeDataProvider('flowmorph.experiment', tree),
    vscode.window.registerWebviewPanelSerializer(FlowmorphPanel.viewType, {
      async deserializeWebviewPanel(panel) {
        FlowmorphPanel.revive(panel, context);
        await bridge.postState();
      },
    }),
    ...registerCommands({ context, controller, bridge, log }),
    ...registerRunMenu({ context, controller, bridge, log, refresh: () => tree.refresh() }),
  );
  // After a reload: the newest runs drawn again from their folders; an interrupted run offered for resume.
  void bridge.restore().catch((e: Error) => log.error(`restoring the panel: ${e.stack ?? e.message}`));
  // Context keys for menus and command enablement (package.json): Stop only while running, Train Morph
  // once the experiment names a source and a target, Morph This File once a morph exists, Export
  // Samples once a run has sent samples.
  const setContext = (key: string, value: boolean) => vscode.commands.executeCommand('setContext', key, value);
  let sawSamples = false;
  const updateContext = async () => {
    await setContext('flowmorph.running', trainer.running !== undefined);
    await setContext('flowmorph.hasSamples', trainer.lastSnapshot !== undefined);
    const loaded = await store.get();
    await setContext('flowmorph.hasSource', !!loaded?.experiment.source);
    await setContext('flowmorph.hasTarget', !!loaded?.experiment.target);
    await setContext('flowmorph.hasMorph', !!loaded && latestMorph(controller.runs(loaded)) !== undefined);
  };
  context.subscriptions.push(
    trainer.onEvent((e) => void (e.type === 'started' || e.type === 'ended' ? updateContext() : undefined)),
    trainer.onEvent((e) => {
      if (e.type !== 'snapshot' || sawSamples) return;
      sawSamples = true;
      void setContext('flowmorph.hasSamples', true);
    }),
    // The walkthrough ticks its steps when the training ends well, not when the button is clicked.
    trainer.onEvent((e) => {
      if (e.type !== 'ended' || e.run.status !== 'done') return;
      if (e.run.kind === 'fit') void vscode.commands.executeCommand('setContext', 'flowmorph.baseFlowTrained', true);
      if (e.run.kind === 'morph') void vscode.commands.executeCommand('setContext', 'flowmorph.morphTrained', true);
    }),
    store.onDidChange(() => void updateContext()),
  );
  // Editing an experiment file makes it the current experiment; also the one already open in the editor
  // when the extension activates (opening it may be what activated it, before this listener existed).
  const useIfExperiment = (e: vscode.TextEditor | undefined) => {
    const uri = e?.document.uri;
    if (uri?.scheme === 'file' && uri.fsPath.endsWith(EXPERIMENT_SUFFIX)) void store.use(uri);
  };
  context.subscriptions.push(vscode.window.onDidChangeActiveTextEditor(useIfExperiment));
  useIfExperiment(vscode.window.activeTextEditor);
  void updateContext();
  log.info(`Flowmorph ${context.extension.packageJSON.version} activated (extension host: Node ${process.versions.node})`);

  return {
    controller,
    trainer,
    tree,
    panel: FlowmorphPanel,
    preview: PreviewPanel,
    columnPicks: onDidShowColumnPick,
    waitForProgress(predicate, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          sub.dispose();
          // l10n-ignore: the integration tests' hook
          reject(new Error(`no matching progress within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        const sub = trainer.onEvent((e) => {
          if (e.type === 'progress' && predicate(e.progress)) {
            clearTimeout(timer);
            sub.dispose();
            resolve(e.progress);
          } else if (e.type === 'ended') {
            clearTimeout(timer);
            sub.dispose();
            // l10n-ignore: the integration tests' hook
            reject(new Error(`${e.run.label} ended (${e.run.status}${e.run.error ? `: ${e.run.error}` : ''}) before the awaited progress`));
          }
        });
      });
    },
  };
}

export function deactivate(): void {
  // Disposing the subscriptions stops a running job's worker (WorkerClient.dispose).
}
