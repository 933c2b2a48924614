// Two runs on one chart: the host's `compare` message from two run folders (src/host/runCompare.ts), the
// panel model folding it (webview/state.ts) and the series each curve chart draws per run (webview/compare.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { EvaluateSummary, Progress } from '../../../src/jobs/types';
import type { ComparedRunData } from '../../../src/protocol/webview';
import { compareMessage, distinctLabels } from '../../../src/host/runCompare';
import type { RunRecord } from '../../../src/host/runs';
import { CURVES_FILE } from '../../../src/host/runView';
import { compareSeries, levelData } from '../../../webview/compare';
import { PanelModel } from '../../../webview/state';

const progress = (phase: Progress['phase'], step: number, loss: number, extra: Partial<Progress> = {}): Progress => ({ phase, step, epoch: 0, loss, lr: 1e-3, msPerStep: 10, samplesPerSec: 100, elapsedSec: 1, ...extra });

function summary(fid: number, floor: number): EvaluateSummary {
  const d = { meanL2: 1, stdL2: 0.5, meanL1: 1.2, perFeature: [1, 1] };
  const f = { slicedW1: fid, slicedW1Floor: floor, energy: 0, energyFloor: 0 };
  return { n: 100, nll: { sourceUnderSource: 2, targetUnderTarget: 3 }, morph: { displacement: d, fidelity: f }, baseTransfer: { displacement: d, fidelity: { ...f, slicedW1: 9 } }, ot: { w1: 0.9, w2sq: 1, n: 100 } };
}

const runA: ComparedRunData = {
  id: 'a',
  label: 'morph A',
  progress: [progress('morph', 0, 5), progress('morph', 10, 4, { valLoss: 4.5 }), progress('morph', 20, 3)],
  metrics: [{ step: 20, summary: summary(0.3, 0.1) }],
};
const runB: ComparedRunData = {
  id: 'b',
  label: 'morph B',
  progress: [progress('morph', 0, 6), progress('morph', 40, 2)],
  metrics: [{ step: 40, summary: summary(0.2, 0.12) }],
};

test('the model folds a compare message into one curve map per run, and new curves end the comparison', () => {
  const m = new PanelModel();
  m.apply({ type: 'progress', progress: progress('source', 5, 9) });
  m.takeDirty();
  m.apply({ type: 'compare', runs: [runA, runB] });
  assert.deepEqual([...m.takeDirty()], ['curves']);
  assert.deepEqual(m.compare?.map((r) => r.label), ['morph A', 'morph B']);
  assert.deepEqual(m.compare?.[0].curves.get('morph:train'), [{ x: 0, y: 5 }, { x: 10, y: 4 }, { x: 20, y: 3 }]);
  assert.deepEqual(m.compare?.[0].curves.get('morph:val'), [{ x: 10, y: 4.5 }]);
  assert.deepEqual(m.compare?.[1].curves.get('morph:train'), [{ x: 0, y: 6 }, { x: 40, y: 2 }]);
  assert.deepEqual(m.compare?.[1].curves.get('fid:morph'), [{ x: 40, y: 0.2 }]);
  assert.deepEqual(m.compare?.[1].curves.get('fid:floor'), [{ x: 40, y: 0.12 }]);
  // The live curves are untouched (drawn again when the comparison ends).
  assert.deepEqual(m.curves.get('nll:source:train'), [{ x: 5, y: 9 }]);
  m.apply({ type: 'clear', what: 'curves', phase: 'morph' });
  assert.equal(m.compare, undefined);
  m.apply({ type: 'compare', runs: [runA, runB] });
  m.apply({ type: 'clear', what: 'all' });
  assert.equal(m.compare, undefined);
  m.apply({ type: 'compare', runs: [] });
  assert.equal(m.compare, undefined);
});

test('each chart draws every line once per run, labelled by run, levels across both runs\' steps', () => {
  const m = new PanelModel();
  m.apply({ type: 'compare', runs: [runA, runB] });
  const lines = [
    { key: 'fid:morph', label: 'morph' },
    { key: 'fid:floor', label: 'noise floor', level: true },
  ];
  const s = compareSeries('curve-fidelity', lines, m.compare!);
  assert.deepEqual(
    s.map((x) => [x.run, x.line, x.label, x.drawnKey]),
    [
      [0, 0, 'morph A: morph', 'curve-fidelity:0:fid:morph'],
      [0, 1, 'morph A: noise floor', 'curve-fidelity:0:fid:floor'],
      [1, 0, 'morph B: morph', 'curve-fidelity:1:fid:morph'],
      [1, 1, 'morph B: noise floor', 'curve-fidelity:1:fid:floor'],
    ],
  );
  assert.deepEqual(s[0].data, [{ x: 20, y: 0.3 }]);
  // Each run's floor spans steps 20..40, the range of both runs' fidelity points.
  assert.deepEqual(s[1].data, [{ x: 20, y: 0.1 }, { x: 40, y: 0.1 }]);
  assert.deepEqual(s[3].data, [{ x: 20, y: 0.12 }, { x: 40, y: 0.12 }]);
  // A line a run lacks is an empty series (hidden), not another run's data.
  const nll = compareSeries('curve-morph', [{ key: 'morph:val', label: 'validation' }], m.compare!);
  assert.deepEqual(nll.map((x) => x.data), [[{ x: 10, y: 4.5 }], []]);
  // Log charts drop y ≤ 0.
  const lr = compareSeries('curve-lr', [{ key: 'morph:train', label: 'x' }], [{ id: 'z', label: 'z', curves: new Map([['morph:train', [{ x: 0, y: 0 }, { x: 1, y: 2 }]]]) }], true);
  assert.deepEqual(lr[0].data, [{ x: 1, y: 2 }]);
  assert.deepEqual(levelData([{ x: 3, y: 7 }], Infinity, -Infinity), [{ x: 2.5, y: 7 }, { x: 3.5, y: 7 }]);
});

test('the host builds the compare message from two run folders, with labels that tell them apart', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-compare-'));
  const rec = (id: string, label: string, extra: Partial<RunRecord> = {}): RunRecord => {
    const dir = path.join(root, id);
    fs.mkdirSync(dir);
    return { id, label, kind: 'fit', role: 'source', status: 'done', startedAt: '2026-12-03T00:00:00Z', data: {}, path: dir, ...extra } as RunRecord;
  };
  const a = rec('r1', 'source four-circles.csv');
  const b = rec('r2', 'source four-circles.csv', { kind: 'morph', role: 'morph', summary: { steps: 7, evaluation: summary(0.5, 0.2) } } as Partial<RunRecord>);
  fs.writeFileSync(path.join(a.path, CURVES_FILE), [progress('source', 0, 3), progress('source', 1, 2.5)].map((p) => JSON.stringify(p)).join('\n') + '\n{"cut sh');
  const msg = compareMessage([a, b]);
  assert.equal(msg.type, 'compare');
  assert.deepEqual(msg.runs.map((r) => [r.id, r.label, r.progress.length, r.metrics.length]), [
    ['r1', 'source four-circles.csv (r1)', 2, 0],
    ['r2', 'source four-circles.csv (r2)', 0, 1],
  ]);
  assert.equal(msg.runs[1].metrics[0].step, 7);
  assert.deepEqual(distinctLabels([{ id: 'x', label: 'A' }, { id: 'y', label: 'B' }]), ['A', 'B']);
});

test('a reopened panel gets the comparison again, until new curves clear it', () => {
  // The host's replay is a PanelModel too: a reopened panel takes its contents() in one restore message.
  const host = new PanelModel();
  const reopened = () => {
    const page = new PanelModel();
    page.apply(host.contents());
    return page;
  };
  host.apply({ type: 'clear', what: 'all' });
  host.apply({ type: 'compare', runs: [runA, runB] });
  assert.deepEqual(host.contents().contents.compare, [runA, runB]);
  assert.deepEqual(reopened().compare?.map((r) => r.label), [runA.label, runB.label]);
  host.apply({ type: 'clear', what: 'curves', phase: 'source' });
  assert.equal(host.contents().contents.compare, undefined);
  assert.equal(reopened().compare, undefined);
  host.apply({ type: 'compare', runs: [runA, runB] });
  host.apply({ type: 'compare', runs: [] });
  assert.equal(reopened().compare, undefined);
});
