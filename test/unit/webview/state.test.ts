// The panel's model (webview/state.ts) and the designer's pure helpers: host messages in, curves, clouds
// and form values out. No DOM needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDesignerEdit, DESIGNER_FIELDS } from '../../../src/config/designer';
import { defaultExperiment } from '../../../src/config/experiment';
import type { Progress, EvaluateSummary } from '../../../src/jobs/types';
import { CURVE_CAP, DEFAULT_VIEW, PanelModel, sanitizeView } from '../../../webview/state';
import { isOverridden, parseControl } from '../../../webview/designer';

function progress(phase: Progress['phase'], step: number, extra: Partial<Progress> = {}): Progress {
  return { phase, step, epoch: 0, loss: 10 - step / 100, lr: 1e-3, msPerStep: 10, samplesPerSec: 100, elapsedSec: 1, ...extra };
}

function summary(w1: number): EvaluateSummary {
  const d = { meanL2: 1.8, stdL2: 0.9, meanL1: 2.3, perFeature: [1, 1] };
  return {
    n: 100,
    nll: { sourceUnderSource: 2.9, targetUnderTarget: 3.5 },
    morph: { displacement: d, fidelity: { slicedW1: w1, slicedW1Floor: 0.05, energy: 0.01, energyFloor: 0.003 } },
    baseTransfer: { displacement: { ...d, meanL2: 1.77 }, fidelity: { slicedW1: 0.06, slicedW1Floor: 0.05, energy: 0.01, energyFloor: 0.003 } },
    ot: { w1: 0.93, w2sq: 1.1, n: 100 },
  };
}

test('progress messages become curve series per phase', () => {
  const m = new PanelModel();
  m.apply({ type: 'progress', progress: progress('source', 0) });
  m.apply({ type: 'progress', progress: progress('source', 100, { valLoss: 8.5 }) });
  m.apply({ type: 'progress', progress: progress('morph', 50, { lossForward: 4, lossInverse: 3, displacement: 1.5, penaltyWeight: 0.5, lr: 0 }) });
  assert.deepEqual(m.curves.get('nll:source:train'), [
    { x: 0, y: 10 },
    { x: 100, y: 9 },
  ]);
  assert.deepEqual(m.curves.get('nll:source:val'), [{ x: 100, y: 8.5 }]);
  assert.deepEqual(m.curves.get('lr:source'), [
    { x: 0, y: 1e-3 },
    { x: 100, y: 1e-3 },
  ]);
  assert.deepEqual(m.curves.get('morph:forward'), [{ x: 50, y: 4 }]);
  assert.deepEqual(m.curves.get('morph:inverse'), [{ x: 50, y: 3 }]);
  assert.deepEqual(m.curves.get('disp:morph'), [{ x: 50, y: 1.5 }]);
  assert.deepEqual(m.curves.get('penalty:weight'), [{ x: 50, y: 0.5 }]);
  assert.equal(m.curves.get('lr:morph'), undefined); // lr 0 cannot go on a log axis
  assert.equal(m.curves.get('morph:val'), undefined);
  assert.equal(m.lastPhase, 'morph');
  assert.equal(m.latest.get('source')!.step, 100);
  assert.deepEqual([...m.takeDirty()].sort(), ['curves', 'progress']);
  assert.equal(m.dirty.size, 0);
});

test('a step going back starts a new run of that phase only', () => {
  const m = new PanelModel();
  m.apply({ type: 'history', progress: [progress('source', 0), progress('source', 10), progress('target', 10)] });
  m.apply({ type: 'progress', progress: progress('source', 5) });
  assert.deepEqual(m.curves.get('nll:source:train')!.map((p) => p.x), [5]);
  assert.deepEqual(m.curves.get('nll:target:train')!.map((p) => p.x), [10]);
});

test('non-finite losses are skipped and long series are thinned to CURVE_CAP', () => {
  const m = new PanelModel();
  m.apply({ type: 'progress', progress: progress('fit', 0, { loss: Number.NaN }) });
  assert.equal(m.curves.get('nll:fit:train'), undefined);
  for (let s = 1; s <= 3 * CURVE_CAP; s++) m.addProgress(progress('fit', s));
  const series = m.curves.get('nll:fit:train')!;
  assert.ok(series.length <= CURVE_CAP);
  assert.ok(series.length > CURVE_CAP / 2);
  assert.equal(series[0].x, 1);
  assert.equal(series[series.length - 1].x, 3 * CURVE_CAP);
});

test('metrics become fidelity and displacement series, placed at their step or the morph step', () => {
  const m = new PanelModel();
  m.apply({ type: 'metrics', summary: summary(0.3), step: 100 });
  m.apply({ type: 'progress', progress: progress('morph', 250) });
  m.apply({ type: 'metrics', summary: summary(0.1) });
  assert.deepEqual(m.curves.get('fid:morph'), [
    { x: 100, y: 0.3 },
    { x: 250, y: 0.1 },
  ]);
  assert.deepEqual(m.curves.get('fid:floor')!.map((p) => p.y), [0.05, 0.05]);
  assert.deepEqual(m.curves.get('dispEval:transfer')!.map((p) => p.y), [1.77, 1.77]);
  assert.deepEqual(m.curves.get('ot:w1')!.map((p) => p.y), [0.93, 0.93]);
  assert.equal(m.metrics.length, 2);
  // Clearing curves keeps evaluation series; clearing metrics removes them.
  m.apply({ type: 'clear', what: 'curves' });
  assert.equal(m.curves.get('nll:morph:train'), undefined);
  assert.equal(m.curves.get('morph:train'), undefined);
  assert.equal(m.curves.get('fid:morph')!.length, 2);
  m.apply({ type: 'clear', what: 'metrics' });
  assert.equal(m.curves.get('fid:morph'), undefined);
  assert.equal(m.metrics.length, 0);
});

test('snapshots are decoded from any channel encoding and merged by name', () => {
  const m = new PanelModel();
  const src = new Float32Array([1, 2, 3, 4, 5, 6]);
  m.apply({ type: 'snapshot', snapshot: { phase: 'source', step: 3, cols: 2, clouds: { source: JSON.parse(JSON.stringify(src)) } } });
  assert.deepEqual(Array.from(m.clouds.source!), [1, 2, 3, 4, 5, 6]);
  m.apply({ type: 'snapshot', snapshot: { phase: 'morph', step: 4, cols: 2, clouds: { morphed: [0, 0, 1, 1] as unknown as Float32Array } }, paired: true });
  assert.deepEqual(Object.keys(m.clouds).sort(), ['morphed', 'source']);
  assert.equal(m.paired, true);
  assert.equal(m.snapshotStep, 4);
  // A cloud whose length is not a multiple of cols is dropped; a change of width resets the clouds.
  m.apply({ type: 'snapshot', snapshot: { phase: 'morph', step: 5, cols: 2, clouds: { target: new Float32Array(3) } } });
  assert.equal(m.clouds.target, undefined);
  m.apply({ type: 'snapshot', snapshot: { phase: 'source', step: 6, cols: 3, clouds: { target: new Float32Array(3) } } });
  assert.deepEqual(Object.keys(m.clouds), ['target']);
  assert.equal(m.dims, 3);
  assert.equal(m.featureName(2), 'x2');
  m.apply({ type: 'clear', what: 'clouds', phase: 'morph' });
  assert.deepEqual(Object.keys(m.clouds), ['target']);
  m.apply({ type: 'clear', what: 'clouds' });
  assert.deepEqual(Object.keys(m.clouds), []);
});

test('state sets names, condition and the experiment; density grids must match their size', () => {
  const m = new PanelModel();
  const exp = defaultExperiment();
  m.apply({ type: 'state', experiment: exp, errors: ['e'], runs: [], running: null, features: ['pT', 'eta'], condition: { names: ['θ'], min: [0], max: [1], value: [0.5] } });
  assert.equal(m.dims, 2);
  assert.equal(m.featureName(1), 'eta');
  assert.deepEqual(m.errors, ['e']);
  assert.ok(m.dirty.has('designer') && m.dirty.has('state'));
  const grid = { xFeature: 0, yFeature: 1, xMin: 0, xMax: 1, yMin: 0, yMax: 1, nx: 2, ny: 2, logp: new Float32Array(4) };
  m.apply({ type: 'density', which: 'source', grid: { ...grid, logp: new Float32Array(3) } });
  assert.equal(m.density.size, 0);
  m.apply({ type: 'density', which: 'source', grid });
  assert.equal(m.density.get('source')!.nx, 2);
});

test('stored view state is sanitised field by field', () => {
  assert.deepEqual(sanitizeView(undefined), DEFAULT_VIEW);
  assert.deepEqual(sanitizeView({ xFeature: 3, yFeature: -1, arrows: 'yes', densityOf: 'source' }), { xFeature: 3, yFeature: 1, arrows: true, densityOf: 'source' });
  assert.deepEqual(sanitizeView({ xFeature: 1.5, yFeature: 2, arrows: false, densityOf: 'x' }), { xFeature: 0, yFeature: 2, arrows: false, densityOf: 'target' });
});

test('designer: controls parse to values (empty = default), overrides are detected', () => {
  const field = (path: string) => DESIGNER_FIELDS.find((f) => f.path === path)!;
  assert.equal(parseControl(field('base.flow.hidden'), ' 64 '), 64);
  assert.equal(parseControl(field('base.train.lr'), '1e-4'), 1e-4);
  assert.equal(parseControl(field('base.train.lr'), ''), null);
  assert.equal(parseControl(field('base.train.lr'), 'fast'), 'fast'); // a string: fails the rule check
  assert.equal(parseControl(field('morph.direction'), 'both'), 'both');
  assert.equal(parseControl(field('base.train.cosine'), 'on', false), false);
  const r = applyDesignerEdit(defaultExperiment(), 'morph.penalty.weight', 2);
  assert.ok(r.ok);
  assert.equal(isOverridden(r.experiment, 'morph.penalty.weight'), true);
  assert.equal(isOverridden(r.experiment, 'morph.penalty.kind'), false);
  assert.equal(isOverridden(r.experiment, 'base.preset'), true);
  assert.equal(isOverridden(r.experiment, 'base.flow.hidden'), false);
  assert.equal(isOverridden(r.experiment, 'base.flow.hidden.toString'), false);
});

// ── Experiment switch and reload ─────────────────────────────────────────────────────────────────────
function stateMsg(experimentPath: string, features: string[]) {
  return { type: 'state' as const, experiment: defaultExperiment(), experimentPath, errors: [], runs: [], running: null, features };
}
function fill(m: PanelModel, cols: number): void {
  m.apply({ type: 'history', progress: [progress('source', 0), progress('source', 10), progress('morph', 5)] });
  m.apply({ type: 'snapshot', snapshot: { phase: 'morph', step: 5, cols, clouds: { source: new Float32Array(cols * 3), morphed: new Float32Array(cols * 3) } }, paired: true });
  m.apply({ type: 'metrics', summary: summary(0.2), step: 5 });
  m.apply({ type: 'density', which: 'target', grid: { xFeature: 0, yFeature: 1, xMin: 0, xMax: 1, yMin: 0, yMax: 1, nx: 2, ny: 2, logp: new Float32Array(4) } });
  m.apply({ type: 'status', level: 'warn', text: 'old run cancelled' });
}

test('switching experiments clears curves, clouds, metrics, density and status of the previous one', () => {
  const m = new PanelModel();
  m.apply(stateMsg('demo/demo.flowmorph.json', ['x', 'y']));
  fill(m, 2);
  assert.ok(m.curves.size > 0 && m.metrics.length === 1 && m.cols === 2 && m.density.size === 1);
  m.takeDirty();
  m.apply(stateMsg('analysis/dijet.flowmorph.json', ['mj1', 'dmj', 'tau1', 'tau2', 'dR']));
  assert.equal(m.curves.size, 0);
  assert.deepEqual(m.clouds, {});
  assert.equal(m.cols, 0);
  assert.equal(m.paired, false);
  assert.equal(m.metrics.length, 0);
  assert.equal(m.density.size, 0);
  assert.equal(m.latest.size, 0);
  assert.equal(m.lastPhase, undefined);
  assert.equal(m.status, undefined);
  assert.equal(m.dims, 5);
  assert.equal(m.featureName(4), 'dR');
  const d = m.takeDirty();
  for (const k of ['state', 'clouds', 'curves', 'metrics', 'density', 'status'] as const) assert.ok(d.has(k), k);
});

test('the same experiment sent again (a designer edit, a run ending) keeps what is shown', () => {
  const m = new PanelModel();
  m.apply(stateMsg('demo/demo.flowmorph.json', ['x', 'y']));
  fill(m, 2);
  m.apply(stateMsg('demo/demo.flowmorph.json', ['x', 'y']));
  assert.ok(m.curves.get('nll:source:train')!.length === 2);
  assert.ok(m.clouds.source && m.metrics.length === 1);
  // Feature names arriving for the first time (the first model was trained) keep the clouds too.
  const n = new PanelModel();
  n.apply(stateMsg('demo/demo.flowmorph.json', []));
  fill(n, 2);
  n.apply(stateMsg('demo/demo.flowmorph.json', ['x', 'y']));
  assert.ok(n.clouds.source);
  // Other columns in the same file: the clouds (of the old columns) go, the curves stay.
  n.apply(stateMsg('demo/demo.flowmorph.json', ['a', 'b']));
  assert.equal(n.clouds.source, undefined);
  assert.ok(n.curves.size > 0);
});

test('reload: a fresh model fed the host replay (state, clear, history, snapshot, metrics) shows the run again', () => {
  const before = new PanelModel();
  before.apply(stateMsg('demo/demo.flowmorph.json', ['x', 'y']));
  fill(before, 2);
  // What PanelReplay.messages() sends to a reloaded panel, in its order.
  const after = new PanelModel();
  after.apply(stateMsg('demo/demo.flowmorph.json', ['x', 'y']));
  after.apply({ type: 'clear', what: 'all' });
  after.apply({ type: 'history', progress: [progress('source', 0), progress('source', 10), progress('morph', 5)] });
  after.apply({ type: 'snapshot', snapshot: { phase: 'morph', step: 5, cols: 2, clouds: { source: new Float32Array(6), morphed: new Float32Array(6) } }, paired: true });
  after.apply({ type: 'metrics', summary: summary(0.2), step: 5 });
  assert.deepEqual([...after.curves.keys()].sort(), [...before.curves.keys()].sort());
  assert.deepEqual(after.curves.get('fid:morph'), before.curves.get('fid:morph'));
  // What the replay carried, point for point (not only "the same as before": both could be empty).
  assert.deepEqual(after.curves.get('nll:source:train'), [
    { x: 0, y: 10 },
    { x: 10, y: 9.9 },
  ]);
  assert.deepEqual(after.curves.get('morph:train'), [{ x: 5, y: 9.95 }]);
  assert.deepEqual(after.curves.get('fid:morph'), [{ x: 5, y: 0.2 }]);
  assert.equal(after.latest.get('morph')?.step, 5);
  assert.equal(after.lastPhase, 'morph');
  assert.equal(after.clouds.morphed?.length, 6);
  assert.equal(after.cols, 2);
  assert.equal(after.paired, true);
  assert.equal(after.metrics.length, 1);
  // A reload into another experiment shows nothing of this one.
  after.apply(stateMsg('other.flowmorph.json', ['x', 'y']));
  assert.equal(after.curves.size, 0);
});

test('designer: a typographic minus parses as a minus, so −5 hidden units is refused, not saved as 5', () => {
  const hidden = DESIGNER_FIELDS.find((f) => f.path === 'base.flow.hidden')!;
  assert.equal(parseControl(hidden, '−5'), -5);
  assert.equal(parseControl(hidden, ' -5 '), -5);
  assert.equal(applyDesignerEdit(defaultExperiment(), 'base.flow.hidden', -5).ok, false);
});

test('the tutorial\'s expected NLL (1.419) arrives with the state and is kept as a level line, per experiment', () => {
  const m = new PanelModel();
  m.apply({ ...stateMsg('tutorial.flowmorph.json', ['x']), nllReference: { value: 0.5 * Math.log(2 * Math.PI * Math.E), label: 'entropy of N(2, 1)' } });
  assert.ok(Math.abs(m.curves.get('ref:nll')![0].y - 1.4189) < 1e-4);
  m.apply({ type: 'clear', what: 'all' }); // the replay after a reload sends state, then clear
  assert.ok(m.curves.get('ref:nll'));
  m.apply(stateMsg('other.flowmorph.json', ['x', 'y']));
  assert.equal(m.curves.get('ref:nll'), undefined);
});

test('names that do not fit the clouds are not used: the clouds say how many features there are', () => {
  const m = new PanelModel();
  m.apply(stateMsg('e.flowmorph.json', ['only-one']));
  assert.equal(m.dims, 1);
  m.apply({ type: 'snapshot', snapshot: { phase: 'source', step: 0, cols: 2, clouds: { source: new Float32Array(4) } } });
  assert.equal(m.dims, 2);
  assert.deepEqual([m.featureName(0), m.featureName(1)], ['x0', 'x1']);
  m.apply(stateMsg('e.flowmorph.json', ['pt', 'eta']));
  assert.deepEqual([m.featureName(0), m.featureName(1)], ['pt', 'eta']);
});

test('reload into a live panel: the replay replaces what was shown, and an interrupted run is listed, not running', () => {
  // The webview survived (retainContextWhenHidden) while the extension host restarted: it still shows the
  // live run at morph step 200 when the new host replays the interrupted run from its folder.
  const m = new PanelModel();
  m.apply({ ...stateMsg('dijet.flowmorph.json', ['mj1', 'dmjj']), running: { what: 'morph', startedAt: 1 } });
  m.apply({ type: 'history', progress: [progress('source', 0), progress('morph', 100), progress('morph', 200)] });
  m.apply({ type: 'snapshot', snapshot: { phase: 'morph', step: 200, cols: 2, clouds: { source: new Float32Array(8), morphed: new Float32Array(8) } }, paired: true });
  assert.ok(m.running);
  const interrupted = { id: 'r1', label: 'morph dijet-sim.csv → dijet-data.csv', kind: 'morph' as const, path: '/ws/flowmorph-runs/r1', status: 'interrupted' as const };
  m.apply({ ...stateMsg('dijet.flowmorph.json', ['mj1', 'dmjj']), runs: [interrupted], running: null });
  m.apply({ type: 'clear', what: 'all' });
  m.apply({ type: 'history', progress: [progress('morph', 0), progress('morph', 20)] });
  m.apply({ type: 'snapshot', snapshot: { phase: 'morph', step: 20, cols: 2, clouds: { source: new Float32Array(6), target: new Float32Array(6) } } });
  assert.equal(m.running, null);
  assert.deepEqual(m.runs.map((r) => [r.id, r.status]), [['r1', 'interrupted']]);
  // Only the replayed run's curves: the live run's morph points and its source NLL are gone.
  assert.deepEqual(m.curves.get('morph:train')?.map((p) => p.x), [0, 20]);
  assert.equal(m.curves.get('nll:source:train'), undefined);
  assert.equal(m.latest.get('morph')?.step, 20);
  assert.equal(m.latest.get('source'), undefined);
  // Its clouds: the new source and target; the old morph (of step 200) is not kept beside them.
  assert.equal(m.clouds.source?.length, 6);
  assert.equal(m.clouds.target?.length, 6);
  assert.equal(m.clouds.morphed, undefined);
});

test('switching away and back: each experiment shows only its own replay, never the other one\'s', () => {
  const m = new PanelModel();
  m.apply(stateMsg('dijet.flowmorph.json', ['mj1', 'dmjj', 'tau21_j1']));
  m.apply({ type: 'history', progress: [progress('morph', 0), progress('morph', 80)] });
  m.apply({ type: 'snapshot', snapshot: { phase: 'morph', step: 80, cols: 3, clouds: { source: new Float32Array(9), morphed: new Float32Array(9) } }, paired: true });
  m.apply({ type: 'metrics', summary: summary(0.3), step: 80 });
  m.apply({ type: 'status', level: 'info', text: 'mjj = 3.9' });
  // To the demo (never trained): nothing of the dijet pair, and its own two feature names.
  m.apply(stateMsg('demo.flowmorph.json', ['x', 'y']));
  assert.equal(m.curves.size, 0);
  assert.deepEqual(m.clouds, {});
  assert.equal(m.metrics.length, 0);
  assert.equal(m.status, undefined);
  assert.deepEqual([m.dims, m.featureName(0), m.featureName(1)], [2, 'x', 'y']);
  m.apply({ type: 'snapshot', snapshot: { phase: 'source', step: 0, cols: 2, clouds: { source: new Float32Array(4) } } });
  // Back to the dijet pair: the host replays its run; the demo's clouds are gone again.
  m.apply(stateMsg('dijet.flowmorph.json', ['mj1', 'dmjj', 'tau21_j1']));
  assert.deepEqual(m.clouds, {});
  m.apply({ type: 'clear', what: 'all' });
  m.apply({ type: 'history', progress: [progress('morph', 0), progress('morph', 80)] });
  m.apply({ type: 'snapshot', snapshot: { phase: 'morph', step: 80, cols: 3, clouds: { source: new Float32Array(9), morphed: new Float32Array(9) } }, paired: true });
  assert.deepEqual([...m.curves.keys()].sort(), ['lr:morph', 'morph:train']);
  assert.equal(m.cols, 3);
  assert.deepEqual([m.featureName(0), m.featureName(2)], ['mj1', 'tau21_j1']);
  assert.deepEqual(Object.keys(m.clouds).sort(), ['morphed', 'source']);
});
