/**
 * The numbers beside the plots: the latest held-out evaluation (morph vs. base transfer vs. the optimal
 * transport bound) and the list of runs.
 */
import type { RunInfo } from '../src/protocol/webview';
import { MIN_HELD_OUT } from '../src/data/split';
import { h } from './dom';
import type { BeforeAfterRow, DistanceCell } from './marginals-math';
import { fmt } from './sampling';
import type { MetricsEntry } from './state';

/** Fewer held-out rows than this make floors, OT costs and fidelities noisy; the table says so (src/data/split.ts). */
export const MIN_EVAL_ROWS = MIN_HELD_OUT;

/**
 * An unbiased estimate (energy distance) can come out below zero when the two samples are closer than
 * sampling noise resolves: that is shown as "≈ 0, within noise", not as a negative distance.
 */
export function fmtEstimate(v: number | undefined): string {
  if (v !== undefined && v !== null && Number.isFinite(v) && v < 0) return '≈ 0, within noise';
  return fmt(v);
}

/** What the panel says of a morph that has no density (ot-cfm), wherever a density would be shown. */
export const NO_DENSITY_NOTE = 'no density: flow matching; for log-densities train ot-f4f';

/**
 * The method line of a morph: its name and, for ot-cfm, that it has no density, with a button that trains
 * ot-f4f (a flow for flows warm-started on the exact-OT partners: exact density and inverse).
 */
export function methodNote(method: string | undefined, onTrainWithDensity?: () => void): HTMLElement[] {
  if (method !== 'ot-cfm') return [];
  const btn = h('vscode-button', { icon: 'run-all', secondary: true, id: 'train-with-density', title: 'Sets morph.method to ot-f4f in the experiment file and trains the morph' }, 'Train ot-f4f (with density)');
  btn.addEventListener('click', () => onTrainWithDensity?.());
  return [h('p', { class: 'metrics-warning', id: 'metrics-no-density' }, `Method ot-cfm: ${NO_DENSITY_NOTE}. `, ...(onTrainWithDensity ? [btn] : []))];
}

export function renderMetrics(box: HTMLElement, metrics: MetricsEntry[], featureName: (i: number) => string = (i) => `x${i}`, onTrainWithDensity?: () => void): void {
  const last = metrics[metrics.length - 1];
  if (!last) {
    box.replaceChildren();
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const s = last.summary;
  const row = (name: string, help: string, morph: number | undefined, transfer: number | undefined, reference?: number, refLabel = '', f = fmt): HTMLElement =>
    h(
      'tr',
      { title: help },
      h('th', { scope: 'row' }, name),
      h('td', {}, f(morph)),
      h('td', {}, f(transfer)),
      h('td', {}, reference === undefined ? '' : f(reference), reference === undefined ? '' : h('span', { class: 'ref-label' }, ` ${refLabel}`)),
    );
  const noisy = s.n < MIN_EVAL_ROWS;
  box.replaceChildren(
    h('div', { class: 'card-header' }, h('span', { class: 'card-title' }, 'Evaluation'), h('span', { class: 'card-subtitle' }, `${s.method ? `method ${s.method} · ` : ''}${s.n} held-out points, at step ${last.step}`)),
    ...methodNote(s.method, onTrainWithDensity),
    ...(noisy
      ? [
          h(
            'p',
            { class: 'metrics-warning', id: 'metrics-noisy' },
            `Noisy estimate: only ${s.n} held-out rows (fewer than ${MIN_EVAL_ROWS}). Floors, OT costs and fidelities scale like 1/√n, so differences below the floors mean nothing; give the experiment more rows or a larger validation fraction.`,
          ),
        ]
      : []),
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
        row('energy', 'energy distance between morphed and target samples (unbiased: may come out below 0 when within noise); reference: two target samples', s.morph.fidelity.energy, s.baseTransfer.fidelity.energy, s.morph.fidelity.energyFloor, 'floor', fmtEstimate),
        row('NLL under q_t', `negative log-likelihood of the morphed points under the target base flow (not the morph's own density${s.method === 'ot-cfm' ? `: ot-cfm has ${NO_DENSITY_NOTE.replace('no density: ', 'none, ')}` : ''}); reference: of target points`, s.nll.morphedUnderTarget, undefined, s.nll.targetUnderTarget, 'target'),
      ),
    ),
    h('p', { class: 'metrics-note' }, `Base-flow NLL: source ${fmt(s.nll.sourceUnderSource)}, target ${fmt(s.nll.targetUnderTarget)} nats. OT on ${s.ot.n} points: W1 ${fmt(s.ot.w1)}, W2² ${fmt(s.ot.w2sq)}.`),
    ...(s.morph.displacement.perFeature?.length
      ? [
          h(
            'p',
            { class: 'metrics-note', id: 'displacement-per-feature' },
            `Mean |Δ| per feature (data units), morph / transfer: ${s.morph.displacement.perFeature.map((v, i) => `${featureName(i)} ${fmt(v, 3)} / ${fmt(s.baseTransfer.displacement.perFeature?.[i], 3)}`).join(' · ')}`,
          ),
        ]
      : []),
    h(
      'p',
      { class: 'metrics-note', id: 'ot-explained' },
      `The OT cost W1 is the least any map can move the points to land them on the target, estimated on ${s.ot.n} points. A morph that moves less than that is not yet on the target (normal early in training); a faithful morph comes close to it from above. Displacements, W1 and OT are in the data's own units (the training-batch displacement on the curve is in the standardised space the morph trains in, on its own axis).`,
    ),
  );
}

export function renderRuns(box: HTMLElement, runs: RunInfo[], onOpen: (id: string) => void = () => undefined): void {
  if (runs.length === 0) {
    box.replaceChildren();
    box.hidden = true;
    return;
  }
  box.hidden = false;
  const describe = (r: RunInfo): string => {
    const s = r.summary as Record<string, unknown> | undefined;
    if (!s) return '';
    const steps = typeof s.steps === 'number' ? ` · ${s.steps} steps` : '';
    if (typeof s.valNll === 'number') return `val NLL ${fmt(s.valNll)}${steps}`;
    const method = typeof s.method === 'string' ? `${s.method}${s.method === 'ot-cfm' ? ' (no density)' : ''} · ` : '';
    if (typeof s.finalLoss === 'number') return `${method}loss ${fmt(s.finalLoss)}${steps}`;
    return '';
  };
  box.replaceChildren(
    h('h2', { class: 'section-title' }, 'Runs'),
    h(
      'ul',
      { class: 'run-list' },
      ...runs.map((r) =>
        runItem(r, describe(r), onOpen),
      ),
    ),
  );
}

function runIcon(status: RunInfo['status']): string {
  return status === 'running' ? 'sync' : status === 'done' ? 'pass' : status === 'cancelled' ? 'circle-slash' : status === 'interrupted' ? 'debug-pause' : 'error';
}

/** One run of the list: a button that shows the run in the panel (its curves, clouds and evaluation). */
function runItem(r: RunInfo, detail: string, onOpen: (id: string) => void): HTMLElement {
  const li = h(
    'li',
    { class: `run ${r.status}`, title: `${r.path}\nClick to show this run`, role: 'button', tabindex: '0', 'data-run': r.id },
    h('span', { class: `codicon codicon-${runIcon(r.status)}` }),
    h('span', { class: 'run-label' }, r.label),
    h('span', { class: 'run-detail' }, `${r.kind} · ${r.status}${detail ? ' · ' + detail : ''}`),
  );
  li.addEventListener('click', () => onOpen(r.id));
  li.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' || e.key === ' ') onOpen(r.id);
  });
  return li;
}

/** One cell of the before/after table: W1 with its noise floor beside it. */
function distanceCell(c: DistanceCell | undefined): HTMLElement {
  if (!c) return h('td', {}, '–');
  const within = Number.isFinite(c.floor) && c.w1 <= 1.5 * c.floor;
  return h('td', { class: within ? 'within-noise' : undefined, title: within ? 'within 1.5× the noise floor: as close as sampling noise resolves' : undefined }, fmt(c.w1), h('span', { class: 'ref-label' }, ` floor ${fmt(c.floor, 2)}`));
}

/**
 * The before/after table: for every feature and overall, the W1 distance to the target of the source
 * (before), the morph and the base transfer (after), each next to its noise floor.
 */
export function renderBeforeAfter(box: HTMLElement, rows: BeforeAfterRow[], n: number): void {
  if (rows.length === 0) {
    box.replaceChildren();
    box.hidden = true;
    return;
  }
  box.hidden = false;
  box.replaceChildren(
    h(
      'div',
      { class: 'card-header' },
      h('span', { class: 'card-title' }, 'Before / after: distance to the target'),
      h('span', { class: 'card-subtitle' }, `exact 1-D Wasserstein-1 in data units on the ${n} plotted rows; floor: what two samples of the target of these sizes differ by`),
    ),
    h(
      'table',
      { class: 'metrics-table before-after' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'feature'), h('th', { scope: 'col' }, 'source → target'), h('th', { scope: 'col' }, 'morph → target'), h('th', { scope: 'col' }, 'base transfer → target'))),
      h('tbody', {}, ...rows.map((r) => h('tr', {}, h('th', { scope: 'row' }, r.name), distanceCell(r.source), distanceCell(r.morph), distanceCell(r.transfer)))),
    ),
    h('p', { class: 'metrics-note' }, 'Overall: each feature\'s W1 divided by the target\'s standard deviation of that feature, averaged. Green: within 1.5× the floor.'),
  );
}
