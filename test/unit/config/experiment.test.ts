// The experiment file (*.flowmorph.json): validation, defaults, designer edits, and the host's replay (webview/state.ts's PanelModel).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_MORPH, PRESETS, REFERENCE_FLOW } from '../../../src/core/config';
import { applyDesignerEdit, DESIGNER_FIELDS, designerValues } from '../../../src/config/designer';
import { budgetOf, defaultExperiment, formatExperiment, mergeTrain, parseExperiment, resolveExperiment, validateExperiment, type Experiment } from '../../../src/config/experiment';
import { thinInPlace } from '../../../src/protocol/webview';
import { PanelModel } from '../../../webview/state';
import type { Progress } from '../../../src/jobs/types';

test('the default experiment validates and resolves to the fast preset and DEFAULT_MORPH', () => {
  const r = validateExperiment(defaultExperiment());
  assert.equal(r.ok, true);
  assert.deepEqual(r.errors, []);
  const full = resolveExperiment(r.experiment!);
  assert.deepEqual(full.base.flow, REFERENCE_FLOW);
  assert.deepEqual(full.base.train, PRESETS.fast.train);
  assert.deepEqual(full.morph, DEFAULT_MORPH);
});

test('a minimal file gets its containers filled, and the result is a copy', () => {
  const input = { version: 1, source: { path: 'a.csv' }, base: { flow: { hidden: 64 } } };
  const r = validateExperiment(input);
  assert.equal(r.ok, true);
  assert.deepEqual(r.experiment, { version: 1, source: { path: 'a.csv' }, base: { preset: 'fast', flow: { hidden: 64 }, train: {} }, morph: { top: {}, penalty: {}, train: {} } });
  r.experiment!.base.flow.hidden = 1;
  assert.equal(input.base.flow.hidden, 64);
});

test('schema errors name the JSON path, and all of them are reported', () => {
  const r = validateExperiment({
    version: 2,
    colour: 'red',
    source: { path: '', columns: ['a', -1] },
    target: 'b.csv',
    base: { preset: 'huge', flow: { hiden: 64, stacks: 0 }, train: { lr: -1, batch: 1.5 } },
    morph: { mode: 'sideways', iterateEpochs: 0, penalty: { kind: 'l3' } },
    outputFolder: 3,
  });
  assert.equal(r.ok, false);
  assert.equal(r.experiment, undefined);
  const expected = [
    /^colour: unknown setting/,
    /^version: expected 1, got 2/,
    /^source\.path: expected a file path/,
    /^source\.columns: expected a list/,
    /^target: expected an object/,
    /^outputFolder: expected a folder path/,
    /^base\.preset: expected one of reference, fast, got "huge"/,
    /^base\.flow\.hiden: unknown setting \(known: transform, stacks/,
    /^base\.flow\.stacks: expected an integer in \[1, 64\], got 0/,
    /^base\.train\.lr: expected a number in \(0, 10\], got -1/,
    /^base\.train\.batch: expected an integer/,
    /^morph\.penalty\.kind: expected one of none, l1, l2/,
    /^morph\.mode: expected one of none, delta, concat, two-bases, two-bases-shared/,
    /^morph\.iterateEpochs: expected an integer in \[1, 1000000\], got 0/,
  ];
  assert.equal(r.errors.length, expected.length, r.errors.join('\n'));
  for (const re of expected) assert.ok(r.errors.some((e) => re.test(e)), `no error matching ${re}:\n${r.errors.join('\n')}`);
});

test('non-objects and broken JSON are refused', () => {
  assert.deepEqual(validateExperiment(null).errors, ['expected a JSON object, got null']);
  assert.equal(validateExperiment([1]).ok, false);
  const p = parseExperiment('{"version": 1,');
  assert.equal(p.ok, false);
  assert.match(p.errors[0], /^not valid JSON: /);
  assert.equal(parseExperiment(formatExperiment(defaultExperiment())).ok, true);
});

test('formatExperiment writes two-space JSON with a final newline that parses back equal', () => {
  const exp = applyDesignerEdit(defaultExperiment(), 'morph.penalty.weight', 0.5);
  assert.ok(exp.ok);
  const text = formatExperiment(exp.experiment);
  assert.ok(text.endsWith('}\n'));
  assert.ok(text.includes('\n  "version": 1,\n'));
  assert.deepEqual(parseExperiment(text).experiment, exp.experiment);
});

test('a budget override replaces the preset budget; other overrides keep it', () => {
  const ref = PRESETS.reference.train; // epochs 32
  const a = mergeTrain(ref, { seconds: 30 });
  assert.equal(a.seconds, 30);
  assert.equal(a.epochs, undefined);
  assert.equal(a.steps, undefined);
  assert.deepEqual(budgetOf(a), { key: 'seconds', value: 30 });
  const b = mergeTrain(ref, { lr: 3e-4 });
  assert.equal(b.epochs, 32);
  assert.equal(b.lr, 3e-4);
  assert.deepEqual(budgetOf(b), { key: 'epochs', value: 32 });
  assert.deepEqual(budgetOf({ steps: 10, seconds: 5 }), { key: 'steps', value: 10 });
  assert.equal(budgetOf({}), undefined);
});

test('resolveExperiment applies preset, then overrides', () => {
  const exp: Experiment = {
    version: 1,
    base: { preset: 'reference', flow: { hidden: 64 }, train: { batch: 256 } },
    morph: { top: { stacks: 2 }, direction: 'both', penalty: { kind: 'l1', weight: 1 }, train: { steps: 500 } },
  };
  const r = resolveExperiment(exp);
  assert.deepEqual(r.base.flow, { ...REFERENCE_FLOW, hidden: 64 });
  assert.deepEqual(r.base.train, { ...PRESETS.reference.train, batch: 256 });
  assert.deepEqual(r.morph.top, { ...REFERENCE_FLOW, identityInit: true, stacks: 2 });
  assert.equal(r.morph.direction, 'both');
  assert.equal(r.morph.mode, 'none');
  assert.deepEqual(r.morph.penalty, { kind: 'l1', weight: 1, anneal: false });
  assert.equal(r.morph.train.steps, 500);
  assert.equal(r.morph.train.seconds, undefined);
});

test('applyDesignerEdit sets one setting, immutably, and checks it', () => {
  const exp = defaultExperiment();
  const r = applyDesignerEdit(exp, 'base.flow.hidden', 32);
  assert.ok(r.ok);
  assert.equal(r.experiment.base.flow.hidden, 32);
  assert.deepEqual(exp.base.flow, {}); // input untouched
  assert.equal(validateExperiment(r.experiment).ok, true);

  const bad = applyDesignerEdit(exp, 'base.flow.hidden', 0);
  assert.equal(bad.ok, false);
  assert.match((bad as { error: string }).error, /^base\.flow\.hidden: expected an integer/);
  assert.equal(applyDesignerEdit(exp, 'base.flow.nope', 1).ok, false);
  assert.equal(applyDesignerEdit(exp, '__proto__.x', 1).ok, false);
  assert.equal(applyDesignerEdit(exp, 'base.preset', null).ok, false);
  assert.equal(({} as Record<string, unknown>).x, undefined);
});

test('choosing a budget removes the other budget overrides; null restores the default', () => {
  let exp = defaultExperiment();
  for (const [path, value] of [
    ['morph.train.epochs', 8],
    ['morph.train.steps', 2000],
  ] as const) {
    const r = applyDesignerEdit(exp, path, value);
    assert.ok(r.ok);
    exp = r.experiment;
  }
  assert.deepEqual(exp.morph.train, { steps: 2000 });
  assert.equal(designerValues(exp)['morph.train.steps'], 2000);
  assert.equal(designerValues(exp)['morph.train.seconds'], undefined);
  const back = applyDesignerEdit(exp, 'morph.train.steps', null);
  assert.ok(back.ok);
  assert.deepEqual(back.experiment.morph.train, {});
  assert.equal(designerValues(back.experiment)['morph.train.seconds'], DEFAULT_MORPH.train.seconds);
});

test('designerValues gives every designer field a value, and exactly one budget per section', () => {
  const v = designerValues(defaultExperiment());
  const budgets = ['steps', 'epochs', 'seconds'];
  for (const f of DESIGNER_FIELDS) {
    const leaf = f.path.split('.').pop()!;
    if (budgets.includes(leaf)) continue;
    assert.notEqual(v[f.path], undefined, f.path);
  }
  assert.deepEqual(
    Object.keys(v).filter((k) => budgets.includes(k.split('.').pop()!)),
    ['base.train.seconds', 'morph.train.seconds'],
  );
  assert.equal(v['base.preset'], 'fast');
  assert.equal(v['base.train.lr'], 3e-3);
  assert.equal(v['morph.top.identityInit'], true);
  assert.equal(v['morph.direction'], 'alternate');
  // Switching to the reference preset changes the defaults shown, budget included.
  const ref = applyDesignerEdit(defaultExperiment(), 'base.preset', 'reference');
  assert.ok(ref.ok);
  const w = designerValues(ref.experiment);
  assert.equal(w['base.train.lr'], 1e-4);
  assert.equal(w['base.train.epochs'], 32);
  assert.equal(w['base.train.seconds'], undefined);
});

test('designer paths are unique', () => {
  const paths = DESIGNER_FIELDS.map((f) => f.path);
  assert.equal(new Set(paths).size, paths.length);
  assert.equal(paths.length, 1 + 8 + 10 + 4 + 3 + 8 + 11 + 10); // morph scalars incl. method; morph.ot (11, with space, pairingSteps, fourier and fourierScale)
});

test('thinInPlace keeps at most cap points, the first and the newest, and the recent half dense', () => {
  const a = Array.from({ length: 11 }, (_, i) => i);
  thinInPlace(a, 10);
  assert.deepEqual(a, [0, 2, 4, 5, 6, 7, 8, 9, 10]);
  const b = [1, 2, 3];
  thinInPlace(b, 3);
  assert.deepEqual(b, [1, 2, 3]);
  const c: number[] = [];
  for (let i = 0; i < 10_000; i++) {
    c.push(i);
    thinInPlace(c, 100);
    assert.ok(c.length <= 100);
  }
  assert.equal(c[0], 0);
  assert.equal(c[c.length - 1], 9999);
  for (let i = 1; i < c.length; i++) assert.ok(c[i] > c[i - 1]);
});

function progress(phase: Progress['phase'], step: number, loss = 1): Progress {
  return { phase, step, epoch: 0, loss, lr: 1e-3, msPerStep: 10, samplesPerSec: 100, elapsedSec: step / 100 };
}

/** A reopened page: a fresh model that receives the host's contents(), through a JSON round trip as a channel may do. */
function reopen(host: PanelModel, json = false): PanelModel {
  const page = new PanelModel();
  const msg = host.contents();
  page.apply(json ? JSON.parse(JSON.stringify(msg)) : msg);
  return page;
}

test('the host replay (a PanelModel) rebuilds the panel in one restore message: state, curves, merged clouds, density', () => {
  const replay = new PanelModel();
  const exp = defaultExperiment();
  replay.apply({ type: 'status', level: 'info', text: 'hello' });
  assert.equal(reopen(replay).status, undefined); // the status line is momentary: not replayed
  assert.equal(reopen(replay).experiment, undefined);
  replay.apply({ type: 'state', experiment: exp, errors: [], runs: [], running: null, features: ['x', 'y'] });
  replay.apply({ type: 'running', running: { what: 'base', startedAt: 5 } });
  for (let s = 0; s < 120; s++) replay.apply({ type: 'progress', progress: progress('source', s) });
  replay.apply({ type: 'progress', progress: progress('morph', 7) });
  const a = new Float32Array([1, 2, 3, 4]);
  const b = new Float32Array([5, 6]);
  const c = new Float32Array([7, 8]);
  replay.apply({ type: 'snapshot', snapshot: { phase: 'source', step: 1, cols: 2, clouds: { source: a, sourceModel: b } } });
  replay.apply({ type: 'snapshot', snapshot: { phase: 'morph', step: 2, cols: 2, clouds: { sourceModel: c } }, paired: true });
  const edited = applyDesignerEdit(exp, 'base.flow.bins', 16);
  assert.ok(edited.ok);
  replay.apply({ type: 'designer', experiment: edited.experiment, errors: ['warn'] });
  const grid = { xFeature: 0, yFeature: 1, xMin: -1, xMax: 1, yMin: -1, yMax: 1, nx: 2, ny: 1, logp: new Float32Array([0, -1]) };
  replay.apply({ type: 'density', which: 'target', grid });
  replay.apply({ type: 'exportPlots' });

  for (const json of [false, true]) {
    const page = reopen(replay, json);
    assert.deepEqual(page.running, { what: 'base', startedAt: 5 });
    assert.equal(page.experiment!.base.flow.bins, 16);
    assert.deepEqual(page.errors, ['warn']);
    assert.deepEqual(page.features, ['x', 'y']);
    const source = page.curves.get('nll:source:train')!;
    assert.deepEqual(source.map((p) => p.x), Array.from({ length: 120 }, (_, i) => i));
    assert.deepEqual(page.curves.get('morph:train')!.map((p) => p.x), [7]);
    assert.equal(page.latest.get('source')!.step, 119);
    assert.equal(page.lastPhase, 'morph');
    assert.equal(page.paired, true);
    assert.equal(page.snapshotStep, 2);
    assert.deepEqual([...page.clouds.source!], [1, 2, 3, 4]);
    assert.deepEqual([...page.clouds.sourceModel!], [7, 8]); // the newer cloud of a name wins
    assert.deepEqual([...page.density.get('target')!.logp], [0, -1]);
    assert.equal(page.status, undefined);
    assert.deepEqual([...page.takeDirty()].sort(), ['clouds', 'curves', 'density', 'designer', 'metrics', 'progress', 'running', 'state']);
  }
});

test('the host replay: a step going back starts a new curve; clear forgets; another experiment starts empty', () => {
  const replay = new PanelModel();
  replay.apply({ type: 'state', experiment: defaultExperiment(), experimentPath: 'a.flowmorph.json', errors: [], runs: [], running: null });
  replay.apply({ type: 'progress', progress: progress('target', 10) });
  replay.apply({ type: 'progress', progress: progress('target', 20) });
  replay.apply({ type: 'progress', progress: progress('target', 0, 9) });
  replay.apply({ type: 'progress', progress: progress('morph', 3) });
  replay.apply({ type: 'metrics', summary: {} as never, step: 3 });
  let page = reopen(replay);
  assert.deepEqual(page.curves.get('nll:target:train')!.map((p) => [p.x, p.y]), [[0, 9]]);
  assert.deepEqual(page.curves.get('morph:train')!.map((p) => p.x), [3]);
  replay.apply({ type: 'clear', what: 'curves', phase: 'target' });
  page = reopen(replay);
  assert.equal(page.curves.has('nll:target:train'), false);
  assert.deepEqual([...page.latest.keys()], ['morph']);
  assert.equal(page.metrics.length, 1);
  replay.apply({ type: 'clear', what: 'all' });
  page = reopen(replay);
  assert.deepEqual([...page.curves.keys()], []);
  assert.equal(page.metrics.length, 0);
  // The restored page knows its experiment: a state for another one clears what the replay drew.
  replay.apply({ type: 'snapshot', snapshot: { phase: 'source', step: 1, cols: 2, clouds: { source: new Float32Array([1, 2]) } } });
  page = reopen(replay);
  page.apply({ type: 'state', experiment: defaultExperiment(), experimentPath: 'a.flowmorph.json', errors: [], runs: [], running: null });
  assert.ok(page.clouds.source);
  page.apply({ type: 'state', experiment: defaultExperiment(), experimentPath: 'b.flowmorph.json', errors: [], runs: [], running: null });
  assert.equal(page.clouds.source, undefined);
});
