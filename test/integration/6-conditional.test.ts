/**
 * A conditional experiment end to end in the real host: toys with a rotation condition, a short morph in
 * concat mode,
 * then the panel's condition slider (a setTargetCondition message) morphs to a chosen condition in a
 * worker and shows the target rows of that condition bin; the heat map comes from the worker's density
 * grid (64 × 64 cells, where the histogram fallback has 48 × 48); switching experiments clears the panel.
 * Then the same with HDF5 tables (written here with the project's HDF5 writer) with a mass-like condition
 * column `mjj`, in mode two-bases-shared.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { matrix } from '../../src/data/matrix';
import { writeHdf5 } from '../../src/data/write';
import type { RunRecord } from '../../src/host/runs';
import type { HostToWebview } from '../../src/protocol/webview';
import { api, assertDone, postsDuringSuite, readJson, uri, ws } from './util';

describe('conditional experiment: slider, heat map, switching', function () {
  this.timeout(300_000);
  const posted = postsDuringSuite();

  it('trains a conditional morph (rotation toys, condition column c0)', async () => {
    for (const [file, name, seed] of [['cond-source.csv', 'fourcircles', 1], ['cond-target.csv', 'checkerboard', 2]] as const) {
      await vscode.commands.executeCommand('flowmorph.generateToy', { name, file, rows: 600, seed, condition: 'rotation' });
    }
    const header = fs.readFileSync(ws('cond-source.csv'), 'utf8').split('\n')[0];
    assert.match(header, /c0/, header);
    await vscode.commands.executeCommand('flowmorph.newExperiment', { name: 'conditional', open: false });
    await vscode.commands.executeCommand('flowmorph.setSource', uri('cond-source.csv'), { conditionColumns: ['c0'] });
    await vscode.commands.executeCommand('flowmorph.setTarget', uri('cond-target.csv'), { conditionColumns: ['c0'] });
    // concat: the base flows and g see the conditions (mode 'none' would train them unconditional).
    const a = await api();
    // Small flows: this checks the plumbing, not the quality (the suite has a 600 s budget on a busy machine).
    const small = { stacks: 1, blocks: 1, hidden: 16, bins: 4 };
    await a.controller.store.update((exp) => ({ ...exp, base: { ...exp.base, flow: { ...exp.base.flow, ...small } }, morph: { ...exp.morph, mode: 'concat', top: { ...exp.morph.top, ...small } } }));
    const rec = assertDone((await vscode.commands.executeCommand('flowmorph.trainMorph', { steps: 10, baseSteps: 10 })) as RunRecord);
    assert.ok(readJson(path.join(rec.path, 'run.json')).conditions >= 1);
  });

  it('the panel gets the slider, and moving it morphs to that condition against the target rows of its bin', async () => {
    const a = await api();
    posted.length = 0;
    await vscode.commands.executeCommand('flowmorph.open');
    const state = posted.find((m): m is Extract<HostToWebview, { type: 'state' }> => m.type === 'state');
    assert.ok(state?.condition, 'state carries the condition slider');
    assert.deepEqual(state.condition.names, ['c0']);
    assert.ok(state.condition.max[0] > state.condition.min[0]);
    posted.length = 0;
    const snap = await slide(posted, [0.8]);
    const { clouds, cols } = snap.snapshot;
    assert.equal(cols, 2);
    assert.equal(clouds.morphed!.length, clouds.source!.length);
    // The target rows of the bin c0 ∈ [0.7, 0.9]: about a fifth of the 600 rows.
    const nTarget = clouds.target!.length / cols;
    assert.ok(nTarget > 60 && nTarget < 200, `${nTarget} target rows in the bin`);
    const status = posted.find((m): m is Extract<HostToWebview, { type: 'status' }> => m.type === 'status');
    assert.match(status?.text ?? '', /c0 = 0\.8.*c0 in \[0\.7/);
    assert.equal(a.controller.targetCondition?.[0], 0.8);
  });

  it('the heat map is the worker-computed density grid of the base flow', async () => {
    const a = await api();
    // Each grid starts a worker of its own: on a loaded machine that takes a while, and a request the panel
    // made earlier (another experiment's) may still be running ahead of this one.
    const drawn = await a.panel.whenDrawn((d) => d.density === 64 * 64, 150_000).catch((e: Error) => {
      const kinds = posted.map((m) => (m.type === 'status' ? `status(${m.text})` : m.type));
      throw new Error(`${e.message}; posted since the slider: ${kinds.join(', ')}`);
    });
    assert.equal(drawn.density, 64 * 64);
    await densityAt(posted, [0.8]);
  });

  it('switching to another experiment clears the panel', async () => {
    posted.length = 0;
    await vscode.commands.executeCommand('flowmorph.newExperiment', { name: 'empty-one', open: false });
    await vscode.commands.executeCommand('flowmorph.open');
    assert.ok(posted.some((m) => m.type === 'clear' && m.what === 'all'), 'clear all posted on the switch');
  });
});

/** Moves the panel's condition slider to `value`; resolves with the snapshot morphed there (no warning on the way). */
async function slide(posted: HostToWebview[], value: number[]): Promise<Extract<HostToWebview, { type: 'snapshot' }>> {
  const a = await api();
  a.panel.receiveAsPanel({ type: 'setTargetCondition', value });
  const deadline = Date.now() + 120_000;
  let snap: Extract<HostToWebview, { type: 'snapshot' }> | undefined;
  while (!snap && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    snap = posted.find((m): m is Extract<HostToWebview, { type: 'snapshot' }> => m.type === 'snapshot' && !!m.snapshot.clouds.morphed);
    const warn = posted.find((m) => m.type === 'status' && m.level !== 'info');
    assert.ok(!warn, JSON.stringify(warn));
  }
  assert.ok(snap, 'a snapshot morphed to the chosen condition');
  return snap;
}

/** The worker-computed heat map the panel asked for at the slider's `condition` (64 × 64, finite log q). */
async function densityAt(posted: HostToWebview[], condition: number[]): Promise<Extract<HostToWebview, { type: 'density' }>> {
  const deadline = Date.now() + 150_000;
  let grid: Extract<HostToWebview, { type: 'density' }> | undefined;
  while (!grid && Date.now() < deadline) {
    grid = posted.find((m): m is Extract<HostToWebview, { type: 'density' }> => m.type === 'density' && JSON.stringify(m.grid.condition) === JSON.stringify(condition));
    if (!grid) await new Promise((r) => setTimeout(r, 250));
  }
  const kinds = posted.map((m) => (m.type === 'density' ? `density(${JSON.stringify(m.grid.condition)})` : m.type));
  assert.ok(grid, `a density grid at condition ${JSON.stringify(condition)}; posted: ${kinds.join(', ')}`);
  assert.equal(grid.grid.nx * grid.grid.ny, 64 * 64);
  assert.ok(Array.from(grid.grid.logp as ArrayLike<number>).every(Number.isFinite));
  return grid;
}

/** A simulation-like or data-like table: features (mj1, mj2) that depend on the mass column mjj ∈ [3, 5] TeV. */
function dijetTable(rows: number, seed: number, shift: number) {
  let st = seed >>> 0;
  const u = () => ((st = (Math.imul(st ^ (st >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0) / 2 ** 32);
  const normal = () => Math.sqrt(-2 * Math.log(u() + 1e-12)) * Math.cos(2 * Math.PI * u());
  const data = new Float32Array(rows * 3);
  for (let i = 0; i < rows; i++) {
    const mjj = 3 + 2 * u();
    data[i * 3] = 0.1 * mjj + 0.05 * normal() + shift;
    data[i * 3 + 1] = 0.05 * mjj + 0.03 * normal() + shift / 2;
    data[i * 3 + 2] = mjj;
  }
  return matrix(rows, 3, data, ['mj1', 'mj2', 'mjj']);
}

describe('conditional HDF5 tables with a mass-like condition (mjj): training, slider, heat map', function () {
  this.timeout(300_000);
  const posted = postsDuringSuite();

  it('trains base flows and a two-bases-shared morph on HDF5 tables conditioned on mjj', async () => {
    fs.mkdirSync(ws('dijet'), { recursive: true });
    await writeHdf5(ws('dijet', 'sim.h5'), dijetTable(800, 11, 0));
    await writeHdf5(ws('dijet', 'data.h5'), dijetTable(800, 12, 0.04));
    await vscode.commands.executeCommand('flowmorph.newExperiment', { name: 'dijet', open: false });
    await vscode.commands.executeCommand('flowmorph.setSource', uri('dijet', 'sim.h5'), { conditionColumns: ['mjj'] });
    await vscode.commands.executeCommand('flowmorph.setTarget', uri('dijet', 'data.h5'), { conditionColumns: ['mjj'] });
    const a = await api();
    const small = { stacks: 1, blocks: 1, hidden: 16, bins: 4 };
    await a.controller.store.update((exp) => ({ ...exp, base: { ...exp.base, flow: { ...exp.base.flow, ...small } }, morph: { ...exp.morph, mode: 'two-bases-shared', top: { ...exp.morph.top, ...small } } }));
    const rec = assertDone((await vscode.commands.executeCommand('flowmorph.trainMorph', { steps: 10, baseSteps: 10 })) as RunRecord);
    const run = readJson(path.join(rec.path, 'run.json'));
    assert.equal(run.conditions, 1);
    for (const role of ['sourceModel', 'targetModel'] as const) {
      const meta = readJson(path.join(path.resolve(rec.path, run[role]), 'model.json'));
      assert.deepEqual([meta.columns, meta.conditionColumns], [['mj1', 'mj2'], ['mjj']], role);
    }
  });

  it('the slider morphs to mjj = 4.5 against the data rows of that bin, and the heat map is at that mass', async () => {
    const a = await api();
    posted.length = 0;
    await vscode.commands.executeCommand('flowmorph.open');
    const state = posted.find((m): m is Extract<HostToWebview, { type: 'state' }> => m.type === 'state');
    assert.deepEqual(state?.condition?.names, ['mjj']);
    assert.ok(state!.condition!.min[0] < 4.5 && state!.condition!.max[0] > 4.5, JSON.stringify(state!.condition));
    posted.length = 0;
    const snap = await slide(posted, [4.5]);
    assert.equal(snap.snapshot.cols, 2);
    assert.equal(snap.snapshot.clouds.morphed!.length, snap.snapshot.clouds.source!.length);
    // The data rows of the bin around 4.5 TeV (±10 % of the slider's range): a fraction of the 800 rows.
    const nTarget = snap.snapshot.clouds.target!.length / 2;
    assert.ok(nTarget > 40 && nTarget < 400, `${nTarget} data rows in the bin`);
    const status = posted.find((m): m is Extract<HostToWebview, { type: 'status' }> => m.type === 'status');
    assert.match(status?.text ?? '', /mjj = 4\.5.*mjj in \[4\.[0-9]+/);
    assert.equal(a.controller.targetCondition?.[0], 4.5);
    await densityAt(posted, [4.5]);
  });
});
