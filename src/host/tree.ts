/**
 * The "Experiment" view in the Flowmorph activity-bar container: the current experiment's source and
 * target datasets, its trained base models, and its runs with status and key metrics.
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { absoluteSpec, outputRoot, type ExperimentStore, type LoadedExperiment } from './experiment';
import { listRuns, runMetrics, type RunRecord } from './runs';
import type { WorkerClient } from './workerClient';

type Node =
  | { kind: 'experiment'; loaded: LoadedExperiment }
  | { kind: 'data'; role: 'source' | 'target'; loaded: LoadedExperiment }
  | { kind: 'group'; group: 'models' | 'runs'; runs: RunRecord[] }
  | { kind: 'run'; run: RunRecord; asModel: boolean }
  | { kind: 'empty' };

const STATUS_ICON: Record<RunRecord['status'], string> = {
  running: 'sync~spin',
  done: 'pass',
  cancelled: 'circle-slash',
  failed: 'error',
  interrupted: 'debug-pause',
};

export class ExperimentTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subs: vscode.Disposable[];

  constructor(
    private readonly store: ExperimentStore,
    private readonly trainer: WorkerClient,
  ) {
    this.subs = [
      store.onDidChange(() => this.refresh()),
      trainer.onEvent((e) => {
        if (e.type === 'started' || e.type === 'ended') this.refresh();
      }),
    ];
  }

  refresh(): void {
    this.changed.fire();
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.changed.dispose();
  }

  async getChildren(node?: Node): Promise<Node[]> {
    if (!node) {
      const loaded = await this.store.get();
      if (!loaded) return []; // the view's welcome content (package.json viewsWelcome) shows instead
      const runs = listRuns(outputRoot(loaded), this.trainer.running?.record.id);
      const models = runs.filter((r) => r.kind === 'fit' && r.status === 'done');
      return [
        { kind: 'experiment', loaded },
        { kind: 'data', role: 'source', loaded },
        { kind: 'data', role: 'target', loaded },
        { kind: 'group', group: 'models', runs: models },
        { kind: 'group', group: 'runs', runs },
      ];
    }
    if (node.kind === 'group') {
      if (node.runs.length === 0) return [{ kind: 'empty' }];
      return node.runs.map((run) => ({ kind: 'run', run, asModel: node.group === 'models' }));
    }
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    switch (node.kind) {
      case 'experiment': {
        const { loaded } = node;
        const item = new vscode.TreeItem(loaded.experiment.name ?? path.basename(loaded.uri.fsPath));
        item.description = loaded.errors.length ? `${loaded.errors.length} problem(s)` : vscode.workspace.asRelativePath(loaded.uri);
        item.tooltip = loaded.errors.length ? loaded.errors.join('\n') : loaded.uri.fsPath;
        item.iconPath = new vscode.ThemeIcon(loaded.errors.length ? 'warning' : 'beaker');
        item.command = { command: 'vscode.open', title: 'Open', arguments: [loaded.uri] };
        item.contextValue = 'flowmorph.experiment';
        return item;
      }
      case 'data': {
        const spec = node.loaded.experiment[node.role];
        const item = new vscode.TreeItem(node.role === 'source' ? 'Source' : 'Target');
        item.iconPath = new vscode.ThemeIcon(node.role === 'source' ? 'arrow-circle-right' : 'target');
        if (spec) {
          const abs = absoluteSpec(node.loaded.uri, spec).path;
          item.description = spec.path;
          item.tooltip = abs;
          if (!/^toy:/i.test(spec.path)) item.command = { command: 'vscode.open', title: 'Open', arguments: [vscode.Uri.file(abs)] };
        } else if (node.loaded.errors.length) {
          // The file could not be read as it stands: "not set" would be a guess.
          item.description = 'see the experiment file\'s problems';
          item.tooltip = node.loaded.errors.join('\n');
          item.iconPath = new vscode.ThemeIcon('warning');
        } else {
          item.description = 'not set';
          item.tooltip = `Right-click a dataset in the Explorer: "Flowmorph: Use as ${node.role === 'source' ? 'Source' : 'Target'}"`;
        }
        return item;
      }
      case 'group': {
        const item = new vscode.TreeItem(node.group === 'models' ? 'Models' : 'Runs', vscode.TreeItemCollapsibleState.Expanded);
        item.description = `${node.runs.length}`;
        item.iconPath = new vscode.ThemeIcon(node.group === 'models' ? 'layers' : 'history');
        return item;
      }
      case 'run': {
        const r = node.run;
        const item = new vscode.TreeItem(node.asModel ? `${r.role} · ${path.basename(r.data.source ?? r.data.target ?? '')}` : r.label);
        item.description = runMetrics(r);
        item.tooltip = `${r.label}\n${r.status}${r.error ? `: ${r.error}` : ''}\n${r.path}`;
        item.iconPath = new vscode.ThemeIcon(node.asModel ? 'symbol-class' : STATUS_ICON[r.status]);
        item.resourceUri = vscode.Uri.file(r.path);
        item.contextValue = `flowmorph.run.${r.kind}${r.status === 'interrupted' ? '.interrupted' : ''}`;
        item.command = { command: 'flowmorph.openRun', title: 'Open in Panel', arguments: [r.path] };
        return item;
      }
      case 'empty':
        return new vscode.TreeItem('none yet');
    }
  }
}
