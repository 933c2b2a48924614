/**
 * The context menu of the runs tree's items (package.json `view/item/context`): Open in Panel, Evaluate
 * (morph runs), Export Samples (morph runs), Compare with… (compareCommand.ts; `{ with: "<run folder>" }`
 * skips the pick), Reveal in Explorer, Delete (after a modal confirmation).
 * Each takes the tree node VS Code passes, or `{ run: "<run folder>" }`; a further options object skips
 * the questions (tests: `{ confirm: false }` for Delete, `{ format: 'parquet' }` for Export Samples).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Controller } from './controller';
import { chooseFormat, revealPath } from './exports';
import { FlowmorphPanel } from './panel';
import type { PanelBridge } from './panelBridge';
import { compareWith } from './compareCommand';
import { readRecord, type RunRecord } from './runs';
import type { Log } from './log';

export interface RunMenuDeps {
  context: vscode.ExtensionContext;
  controller: Controller;
  bridge: PanelBridge;
  log: Log;
  /** Redraws the runs tree (after a delete). */
  refresh(): void;
}

interface RunNode {
  kind: 'run';
  run: RunRecord;
}

function isRunNode(a: unknown): a is RunNode {
  return !!a && typeof a === 'object' && (a as RunNode).kind === 'run' && typeof (a as RunNode).run?.path === 'string';
}

/** The run a menu command acts on, and the caller's options (anything but the tree node). */
function runAndOptions<T extends object>(args: unknown[]): { run: RunRecord; opts: T; ask: boolean } {
  const node = args.find(isRunNode);
  const plain = args.filter((a) => !isRunNode(a) && a !== null && typeof a === 'object' && !(a instanceof vscode.Uri)) as (T & { run?: string })[];
  const opts = (plain[0] ?? {}) as T & { run?: string };
  let run = node?.run;
  if (!run && typeof opts.run === 'string') {
    const rec = readRecord(opts.run);
    if (!rec) throw new Error(vscode.l10n.t('{0}: not a Flowmorph run folder (no status record)', opts.run));
    run = { ...rec, path: opts.run };
  }
  if (!run) throw new Error(vscode.l10n.t('Choose a run in the Flowmorph view (right-click it).'));
  return { run, opts, ask: plain.length === 0 };
}

export function registerRunMenu(d: RunMenuDeps): vscode.Disposable[] {
  const { controller: c, bridge, log } = d;
  const commands: Record<string, (...args: unknown[]) => unknown> = {
    'flowmorph.run.openInPanel': async (...args: unknown[]) => {
      const { run } = runAndOptions(args);
      FlowmorphPanel.show(d.context);
      await bridge.postState();
      return run.path;
    },

    'flowmorph.run.evaluate': async (...args: unknown[]) => {
      const { run, opts } = runAndOptions<{ n?: number }>(args);
      if (run.kind !== 'morph') throw new Error(vscode.l10n.t('{0}: only morph runs can be evaluated.', run.label));
      return c.evaluate({ run: run.path, n: opts.n });
    },

    'flowmorph.run.exportSamples': async (...args: unknown[]) => {
      const { run, opts, ask } = runAndOptions<{ format?: string; folder?: string }>(args);
      const format = await chooseFormat(opts.format, ask);
      if (!format) return undefined;
      return vscode.commands.executeCommand('flowmorph.exportSamples', { run: run.path, format, folder: opts.folder });
    },

    'flowmorph.run.reveal': async (...args: unknown[]) => {
      const { run } = runAndOptions(args);
      await revealPath(run.path);
      return run.path;
    },

    'flowmorph.run.compareWith': async (...args: unknown[]) => {
      const { run, opts } = runAndOptions<{ with?: string }>(args);
      return compareWith(c, bridge, d.context, run, opts.with);
    },

    'flowmorph.run.delete': async (...args: unknown[]) => {
      const { run, opts } = runAndOptions<{ confirm?: boolean }>(args);
      if (c.trainer.running?.record.path === run.path) throw new Error(vscode.l10n.t('{0} is running: stop it first.', run.label));
      const loaded = await c.store.get();
      const users = loaded ? c.runs(loaded).filter((r) => r.path !== run.path && usesModelIn(r, run.path)) : [];
      if (opts.confirm !== false) {
        const also = users.length ? ' ' + vscode.l10n.t('{0} other run(s) use its base flows ({1}) and will no longer load.', users.length, users.map((u) => u.id).join(', ')) : '';
        const del = vscode.l10n.t('Delete');
        const ok = await vscode.window.showWarningMessage(
          vscode.l10n.t('Delete the run "{0}"?', run.label),
          { modal: true, detail: vscode.l10n.t('This deletes the folder {0} and everything in it.', vscode.workspace.asRelativePath(run.path)) + also },
          del,
        );
        if (ok !== del) return false;
      }
      fs.rmSync(run.path, { recursive: true, force: true });
      log.info(`deleted the run folder ${run.path}`);
      d.refresh();
      return true;
    },
  };
  return Object.entries(commands).map(([id, fn]) => vscode.commands.registerCommand(id, fn));
}

/** Whether a morph run's base flows lie inside `dir` (its run.json points there). */
function usesModelIn(r: RunRecord, dir: string): boolean {
  if (r.kind !== 'morph') return false;
  try {
    const meta = JSON.parse(fs.readFileSync(path.join(r.path, 'run.json'), 'utf8')) as { sourceModel?: string; targetModel?: string };
    const inside = (p?: string) => !!p && !path.relative(dir, path.resolve(r.path, p)).startsWith('..');
    return inside(meta.sourceModel) || inside(meta.targetModel);
  } catch {
    return false;
  }
}
