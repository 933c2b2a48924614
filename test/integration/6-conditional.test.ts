/**
 * A conditional experiment end to end in the real host: toys with a rotation condition, a short morph in
 * concat mode,
 * then the panel's condition slider (a setTargetCondition message) morphs to a chosen condition in a
 * worker and shows the target rows of that condition bin; the heat map comes from the worker's density
 * grid (64 × 64 cells, where the histogram fallback has 48 × 48); switching experiments clears the panel.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { RunRecord } from '../../src/host/runs';
import type { HostToWebview } from '../../src/protocol';
import { api, assertDone, capturePosts, readJson, uri, ws } from './util';

describe('conditional experiment: slider, heat map, switching', function () {
  this.timeout(300_000);
  const posted: HostToWebview[] = [];
  let restore: (() => void) | undefined;

  before(async () => {
    restore = await capturePosts(posted);
  });
  after(() => restore?.());

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
    a.panel.receiveAsPanel({ type: 'setTargetCondition', value: [0.8] });
    const deadline = Date.now() + 120_000;
    let snap: Extract<HostToWebview, { type: 'snapshot' }> | undefined;
    while (!snap && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      snap = posted.find((m): m is Extract<HostToWebview, { type: 'snapshot' }> => m.type === 'snapshot' && !!m.snapshot.clouds.morphed);
      const warn = posted.find((m) => m.type === 'status' && m.level !== 'info');
      assert.ok(!warn, JSON.stringify(warn));
    }
    assert.ok(snap, 'a snapshot morphed to the chosen condition');
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
    const grid = posted.find((m): m is Extract<HostToWebview, { type: 'density' }> => m.type === 'density');
    assert.ok(grid, 'a density message');
    assert.deepEqual(grid.grid.condition, [0.8]);
    assert.ok(Array.from(grid.grid.logp as ArrayLike<number>).every(Number.isFinite));
  });

  it('switching to another experiment clears the panel', async () => {
    posted.length = 0;
    await vscode.commands.executeCommand('flowmorph.newExperiment', { name: 'empty-one', open: false });
    await vscode.commands.executeCommand('flowmorph.open');
    assert.ok(posted.some((m) => m.type === 'clear' && m.what === 'all'), 'clear all posted on the switch');
  });
});
