/**
 * The numbers beside the plots: the latest held-out evaluation (morph vs. base transfer vs. the optimal
 * transport bound) and the list of runs.
 */
import type { RunInfo } from '../src/protocol';
import { h } from './dom';
import { fmt } from './sampling';
import type { MetricsEntry } from './state';

export function renderMetrics(box: HTMLElement, metrics: MetricsEntry[]): void {
  const last = metrics[metrics.length - 1];
  if (!last) {
    box.replaceChildren();
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const s = last.summary;
  const row = (name: string, help: string, morph: number | undefined, transfer: number | undefined, reference?: number, refLabel = ''): HTMLElement =>
    h(
      'tr',
      { title: help },
      h('th', { scope: 'row' }, name),
      h('td', {}, fmt(morph)),
      h('td', {}, fmt(transfer)),
      h('td', {}, reference === undefined ? '' : fmt(reference), reference === undefined ? '' : h('span', { class: 'ref-label' }, ` ${refLabel}`)),
    );
  box.replaceChildren(
    h('div', { class: 'card-header' }, h('span', { class: 'card-title' }, 'Evaluation'), h('span', { class: 'card-subtitle' }, `${s.n} held-out points, at step ${last.step}`)),
    h(
      'table',
      { class: 'metrics-table' },
      h('thead', {}, h('tr', {}, h('th', {}, ''), h('th', { scope: 'col' }, 'morph g'), h('th', { scope: 'col', title: 'source → target through both base flows' }, 'transfer'), h('th', { scope: 'col' }, 'reference'))),
      h(
        'tbody',
        {},
        row('mean ‖Δ‖₂', 'mean Euclidean displacement ‖g(x) − x‖; reference: optimal transport W1, the least any map can move', s.morph.displacement.meanL2, s.baseTransfer.displacement.meanL2, s.ot.w1, 'OT'),
        row('sd ‖Δ‖₂', 'standard deviation of the displacement', s.morph.displacement.stdL2, s.baseTransfer.displacement.stdL2),
        row('mean ‖Δ‖₁', 'mean L1 displacement', s.morph.displacement.meanL1, s.baseTransfer.displacement.meanL1),
        row('sliced W1', 'sliced Wasserstein-1 between morphed and target samples; reference: the same between two target samples', s.morph.fidelity.slicedW1, s.baseTransfer.fidelity.slicedW1, s.morph.fidelity.slicedW1Floor, 'floor'),
        row('energy', 'energy distance between morphed and target samples; reference: two target samples', s.morph.fidelity.energy, s.baseTransfer.fidelity.energy, s.morph.fidelity.energyFloor, 'floor'),
        row('NLL under q_t', 'negative log-likelihood of the morphed points under the target base flow; reference: of target points', s.nll.morphedUnderTarget, undefined, s.nll.targetUnderTarget, 'target'),
      ),
    ),
    h('p', { class: 'metrics-note' }, `Base-flow NLL: source ${fmt(s.nll.sourceUnderSource)}, target ${fmt(s.nll.targetUnderTarget)} nats. OT on ${s.ot.n} points: W1 ${fmt(s.ot.w1)}, W2² ${fmt(s.ot.w2sq)}.`),
  );
}

export function renderRuns(box: HTMLElement, runs: RunInfo[]): void {
  if (runs.length === 0) {
    box.replaceChildren();
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const describe = (r: RunInfo): string => {
    const s = r.summary as Record<string, unknown> | undefined;
    if (!s) return '';
    if (typeof s.valNll === 'number') return `val NLL ${fmt(s.valNll)} · ${s.steps} steps`;
    if (typeof s.finalLoss === 'number') return `loss ${fmt(s.finalLoss)} · ${s.steps} steps`;
    return '';
  };
  box.replaceChildren(
    h('h2', { class: 'section-title' }, 'Runs'),
    h(
      'ul',
      { class: 'run-list' },
      ...runs.map((r) =>
        h('li', { class: `run ${r.status}`, title: r.path }, h('span', { class: `codicon codicon-${runIcon(r.status)}` }), h('span', { class: 'run-label' }, r.label), h('span', { class: 'run-detail' }, `${r.kind} · ${r.status}${describe(r) ? ' · ' + describe(r) : ''}`)),
      ),
    ),
  );
}

function runIcon(status: RunInfo['status']): string {
  return status === 'running' ? 'sync' : status === 'done' ? 'pass' : status === 'cancelled' ? 'circle-slash' : 'error';
}
