/**
 * The runs tree's "Compare with…" (runMenu.ts): two runs' curves on one chart in the panel (the message:
 * runCompare.ts; the drawing: webview/compare.ts).
 */
import * as vscode from 'vscode';
import type { Controller } from './controller';
import { FlowmorphPanel } from './panel';
import type { PanelBridge } from './panelBridge';
import { compareMessage } from './runCompare';
import { readRecord, runMetrics, type RunRecord } from './runs';
import { hasRunView } from './runView';

/**
 * "Compare with…": `run` and another run of the experiment (`other`, else asked in a quick pick of the
 * runs that recorded curves) drawn together in the panel. Returns the two run folders, or undefined when
 * the pick was dismissed.
 */
export async function compareWith(
  c: Controller,
  bridge: PanelBridge,
  context: vscode.ExtensionContext,
  run: RunRecord,
  other?: string,
): Promise<string[] | undefined> {
  let second: RunRecord | undefined;
  if (other !== undefined) {
    const rec = readRecord(other);
    if (!rec) throw new Error(vscode.l10n.t('{0}: not a Flowmorph run folder (no status record)', other));
    second = { ...rec, path: other };
  } else {
    const loaded = await c.store.get();
    const candidates = (loaded ? c.runs(loaded) : []).filter((r) => r.path !== run.path && hasRunView(r.path));
    if (candidates.length === 0) throw new Error(vscode.l10n.t('No other run with recorded curves to compare {0} with.', run.label));
    const pick = await vscode.window.showQuickPick(
      candidates.map((r) => ({ label: r.label, description: `${r.kind} · ${r.status}`, detail: `${r.id}  ${runMetrics(r)}`, run: r })),
      { title: vscode.l10n.t('Flowmorph: compare {0} with…', run.label), matchOnDetail: true },
    );
    if (!pick) return undefined;
    second = pick.run;
  }
  FlowmorphPanel.show(context);
  await bridge.postState();
  const msg = compareMessage([run, second]);
  await FlowmorphPanel.post({ type: 'clear', what: 'all' });
  await FlowmorphPanel.post(msg);
  const empty = msg.runs.filter((r) => r.progress.length === 0 && r.metrics.length === 0).map((r) => r.label);
  await FlowmorphPanel.post({
    type: 'status',
    level: empty.length ? 'warn' : 'info',
    text:
      vscode.l10n.t('Comparing {0} (solid) with {1} (dashed)', msg.runs[0].label, msg.runs[1].label) +
      (empty.length ? vscode.l10n.t('; nothing was recorded for {0}', empty.join(', ')) : ''),
  });
  return [run.path, second.path];
}
