/**
 * Compare two runs on one chart, the part without vscode (unit-tested): the `compare` message holding the
 * runs' recorded curves and evaluations, labelled by run. The command is in compareCommand.ts; the
 * webview draws every curve chart's lines once per run (webview/compare.ts).
 */
import type { ComparedRunData, HostToWebview } from '../protocol/webview';
import type { RunRecord } from './runs';
import { evaluationOf, readCurves } from './runView';

/** Labels that tell the runs apart: the run's label, with its id when another run has the same label. */
export function distinctLabels(runs: Pick<RunRecord, 'id' | 'label'>[]): string[] {
  return runs.map((r) => (runs.filter((o) => o.label === r.label).length > 1 ? `${r.label} (${r.id})` : r.label));
}

/** The message that draws `runs` together (each with its recorded progress and its evaluation, if any). */
export function compareMessage(runs: RunRecord[]): Extract<HostToWebview, { type: 'compare' }> {
  const labels = distinctLabels(runs);
  return {
    type: 'compare',
    runs: runs.map((r, i): ComparedRunData => {
      const ev = evaluationOf(r);
      return { id: r.id, label: labels[i], progress: readCurves(r.path), metrics: ev ? [{ step: (r.summary as { steps?: number } | undefined)?.steps, summary: ev }] : [] };
    }),
  };
}

