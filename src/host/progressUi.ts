/**
 * What a running job looks like outside the panel: a progress notification with a Cancel button and a
 * status-bar item (backend, step, samples/s). Click the item to open the panel.
 */
import * as vscode from 'vscode';
import type { Progress } from '../jobs/types';
import { overallProgress } from './progressPlan';
import type { RunRecord } from './runs';
import type { WorkerClient } from './workerClient';

export function formatRate(perSec: number): string {
  return perSec >= 1e6 ? `${(perSec / 1e6).toFixed(1)}M` : perSec >= 1e3 ? `${(perSec / 1e3).toFixed(1)}k` : perSec.toFixed(0);
}

/** "source step 120/1000 · loss 1.234 · 3.1k samples/s" */
export function describeProgress(p: Progress): string {
  const steps = p.totalSteps ? `${p.step}/${p.totalSteps}` : `${p.step}`;
  const loss = Number.isFinite(p.loss) ? ` · loss ${p.loss.toFixed(3)}` : '';
  return `${p.phase} step ${steps}${loss} · ${formatRate(p.samplesPerSec)} samples/s`;
}

export class TrainingUi implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('flowmorph.status', vscode.StatusBarAlignment.Left, 50);
  private readonly subscription: vscode.Disposable;
  private report: ((p: Progress) => void) | undefined;

  constructor(
    private readonly trainer: WorkerClient,
    private readonly showLog: () => void,
  ) {
    this.item.name = 'Flowmorph';
    this.item.command = 'flowmorph.open';
    this.idle();
    this.item.show();
    this.subscription = trainer.onEvent((e) => {
      if (e.type === 'started') this.started(e.run);
      else if (e.type === 'progress') this.progress(e.progress);
      else if (e.type === 'ended') this.ended(e.run);
    });
  }

  dispose(): void {
    this.subscription.dispose();
    this.item.dispose();
  }

  private idle(): void {
    this.item.text = `$(beaker) Flowmorph${this.trainer.backend ? ` · ${this.trainer.backend}` : ''}`;
    this.item.tooltip = 'Flowmorph: open the panel';
  }

  private started(run: RunRecord): void {
    this.item.text = `$(sync~spin) Flowmorph · starting`;
    this.item.tooltip = `${run.label}: starting`;
    const active = this.trainer.running;
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Flowmorph: {0}', run.label), cancellable: true },
      (bar, token) => {
        token.onCancellationRequested(() => active?.cancel());
        let shown = 0; // percent of the whole run reported so far; the bar cannot go back
        this.report = (p) => {
          const o = overallProgress(run.kind, p);
          let increment: number | undefined;
          if (o.percent > shown) {
            increment = o.percent - shown;
            shown = o.percent;
          }
          bar.report({ message: `${o.label} · ${describeProgress(p)}`, increment });
        };
        return active ? active.done : Promise.resolve(run);
      },
    );
  }

  private progress(p: Progress): void {
    this.item.text = `$(sync~spin) Flowmorph · ${this.trainer.backend ?? '?'} · step ${p.step}${p.totalSteps ? `/${p.totalSteps}` : ''} · ${formatRate(p.samplesPerSec)}/s`;
    this.item.tooltip = describeProgress(p);
    this.report?.(p);
  }

  private ended(run: RunRecord): void {
    this.report = undefined;
    this.idle();
    if (run.status === 'failed') {
      const showLog = vscode.l10n.t('Show Log');
      void vscode.window.showErrorMessage(vscode.l10n.t('Flowmorph: {0} failed: {1}', run.label, run.error ?? ''), showLog).then((a) => {
        if (a === showLog) this.showLog();
      });
    }
  }
}
