// Run records on disk (src/host/runs.ts) and the panel's view kept in a run folder (src/host/runView.ts):
// records with missing or null fields, runs a reload interrupted, and a reload that draws the runs again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { listRuns, readRecord, runMetrics, sanitizeRecord, STATUS_FILE } from '../../../src/host/runs';
import { CURVES_FILE, latestView, PLOT_FILE, runViewMessages, RunViewWriter } from '../../../src/host/runView';
import { PanelModel } from '../../../webview/state';
import type { Progress } from '../../../src/jobs/types';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'fm-runs-'));
}
function writeRun(root: string, name: string, rec: unknown): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, STATUS_FILE), JSON.stringify(rec));
  return dir;
}
const progress = (phase: Progress['phase'], step: number): Progress => ({ phase, step, epoch: 0, loss: 3 - step / 1000, lr: 1e-3, msPerStep: 10, samplesPerSec: 100, elapsedSec: step / 100 });

test('a stopped run with finalLoss: null, and records with fields missing, show without throwing', () => {
  const root = tmp();
  writeRun(root, 'a', { id: 'a', label: 'morph a → b', kind: 'morph', role: 'morph', status: 'cancelled', startedAt: '2026-12-01T10:00:00Z', data: {}, summary: { finalLoss: null, steps: 12, evaluation: null } });
  writeRun(root, 'b', { kind: 'fit', status: 'done', summary: { valNll: null } });
  writeRun(root, 'c', { status: 'weird', summary: 'not an object', data: null });
  writeRun(root, 'd', null);
  fs.mkdirSync(path.join(root, 'e'));
  fs.writeFileSync(path.join(root, 'e', STATUS_FILE), '{"id": "e", "label": "cut sh');
  const runs = listRuns(root);
  assert.deepEqual(runs.map((r) => r.id).sort(), ['a', 'b', 'c']);
  const byId = new Map(runs.map((r) => [r.id, r]));
  assert.equal(runMetrics(byId.get('a')!), 'stopped · loss – · 12 steps');
  assert.equal(runMetrics(byId.get('b')!), 'val NLL – · – steps');
  assert.equal(byId.get('c')!.status, 'failed');
  assert.equal(byId.get('c')!.summary, undefined);
  assert.equal(byId.get('c')!.label, 'c');
  for (const r of runs) assert.equal(typeof runMetrics(r), 'string');
  assert.equal(sanitizeRecord([], root), undefined);
});

test('a run left "running" by a reload is marked interrupted, on disk too; the active run is not', () => {
  const root = tmp();
  const dir = writeRun(root, 'x', { id: 'x', label: 'base flow on a.csv (source)', kind: 'fit', role: 'source', status: 'running', startedAt: '2026-12-01T10:00:00Z', data: { source: '/d/a.csv' } });
  writeRun(root, 'y', { id: 'y', label: 'active', kind: 'fit', role: 'target', status: 'running', startedAt: '2026-12-01T11:00:00Z', data: {} });
  const runs = listRuns(root, 'y');
  assert.equal(runs.find((r) => r.id === 'y')!.status, 'running');
  const x = runs.find((r) => r.id === 'x')!;
  assert.equal(x.status, 'interrupted');
  assert.match(runMetrics(x), /interrupted .* Resume/);
  assert.equal(readRecord(dir)!.status, 'interrupted');
  assert.match(readRecord(dir)!.error!, /reloaded/);
});

test('the panel view kept in run folders draws the run again after a reload', () => {
  const root = tmp();
  const fitDir = writeRun(root, 'f', { id: 'f', label: 'fit', kind: 'fit', role: 'source', status: 'done', startedAt: '2026-12-01T10:00:00Z', data: {} });
  const morphDir = writeRun(root, 'm', { id: 'm', label: 'morph', kind: 'morph', role: 'morph', status: 'interrupted', startedAt: '2026-12-01T11:00:00Z', data: {} });
  writeRun(root, 'old', { id: 'old', label: 'older fit', kind: 'fit', role: 'source', status: 'done', startedAt: '2026-12-01T09:00:00Z', data: {} });
  const errors: string[] = [];
  const w1 = new RunViewWriter(fitDir, (m) => errors.push(m));
  for (const s of [0, 10, 20]) w1.progress(progress('source', s));
  w1.snapshot({ phase: 'source', step: 20, cols: 2, clouds: { source: Float32Array.of(1, 2, 3, 4), sourceModel: Float32Array.of(1, 1, 2, 2) } }, undefined);
  w1.flush();
  const w2 = new RunViewWriter(morphDir, (m) => errors.push(m));
  for (const s of [0, 5]) w2.progress(progress('morph', s));
  w2.snapshot({ phase: 'morph', step: 5, cols: 2, clouds: { source: Float32Array.of(1, 2, 3, 4), morphed: Float32Array.of(0.5, 0.25, 3, 4) } }, true);
  w2.flush();
  fs.appendFileSync(path.join(morphDir, CURVES_FILE), '{"phase": "morph", "st'); // killed mid-line
  assert.deepEqual(errors, []);
  assert.ok(fs.existsSync(path.join(morphDir, PLOT_FILE)));
  const shown = latestView(listRuns(root));
  assert.deepEqual(shown.map((r) => r.id), ['f', 'm']); // oldest first; 'old' has nothing to draw
  const m = new PanelModel();
  m.apply({ type: 'state', experiment: { version: 1, base: { preset: 'fast', flow: {}, train: {} }, morph: { top: {}, penalty: {}, train: {} } }, experimentPath: 'e.flowmorph.json', errors: [], runs: [], running: null });
  m.apply({ type: 'clear', what: 'all' });
  for (const msg of runViewMessages(shown)) m.apply(JSON.parse(JSON.stringify(msg))); // as through the channel
  assert.deepEqual(m.curves.get('nll:source:train')!.map((p) => p.x), [0, 10, 20]);
  assert.deepEqual(m.curves.get('morph:train')!.map((p) => p.x), [0, 5]);
  assert.equal(m.cols, 2);
  assert.deepEqual(Array.from(m.clouds.morphed!), [0.5, 0.25, 3, 4]);
  assert.ok(m.clouds.sourceModel);
  assert.equal(m.paired, true);
});

test('a folder that cannot be written reports once and does not throw', () => {
  const errors: string[] = [];
  const w = new RunViewWriter(path.join(tmp(), 'missing', 'deeper'), (m) => errors.push(m));
  w.progress(progress('source', 0));
  w.progress(progress('source', 1));
  assert.equal(errors.length, 1);
});
