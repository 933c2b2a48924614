/**
 * The default morph (ot-cfm: minibatch OT flow matching, issue #10) end to end in a real extension host:
 * the panel's Train Morph command on an experiment file that names no method trains ot-cfm in the worker,
 * and the CLI on the same file (a steps budget with a seed) reaches the same weights, curves and metrics;
 * Evaluate and Morph This File agree with `flowmorph evaluate` / `transport` (both ways); the run says it
 * has no density; the panel's "Train ot-f4f" sets morph.method in the file and trains a flow.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { trainMorphWithDensity } from '../../src/host/densityMorph';
import { runMetrics, type RunRecord } from '../../src/host/runs';
import { api, assertDone, cliJson as cli, keepExperiment, readCsv, readJson, toyPairExperiment, ws } from './util';

const TINY = { stacks: 2, blocks: 1, hidden: 16, bins: 6 };

describe('Default morph (ot-cfm)', function () {
  this.timeout(600_000);
  keepExperiment();

  it('Train Morph with no method set trains ot-cfm, with the CLI\'s weights, curves and metrics; Evaluate, Morph This File and the density offer work on it', async () => {
    const file = await toyPairExperiment('defaultmorph', 'e.flowmorph.json', [21, 22], {
      base: { preset: 'fast', flow: TINY, train: { steps: 15, batch: 256, seed: 5 } },
      // No method: the default. A small velocity field and a steps budget keep it quick and deterministic.
      morph: { ot: { hidden: 64, rk4Steps: 8 }, train: { steps: 40, batch: 256, seed: 7 } },
    });
    const a = await api();
    await a.controller.store.use(vscode.Uri.file(file));
    const rec = assertDone((await vscode.commands.executeCommand('flowmorph.trainMorph')) as RunRecord);
    const ext = rec.summary as any;
    assert.equal(readJson(path.join(rec.path, 'run.json')).config.method, 'ot-cfm', 'the default method');
    assert.equal(ext.method, 'ot-cfm');
    assert.equal(ext.evaluation.method, 'ot-cfm');
    assert.match(runMetrics(rec), /^ot-cfm \(no density\) · loss /, 'the runs tree says it has no density');

    const mine = cli(['morph', '--experiment', file, '--out', ws('defaultmorph/cli-run')]);
    assert.equal(mine.method, 'ot-cfm');
    assert.equal(mine.steps, 40);
    assert.equal(ext.steps, 40);
    // The same code on both sides: the same weights, every step's loss, and the metrics to the last digit.
    assert.ok(fs.readFileSync(path.join(rec.path, 'top.bin')).equals(fs.readFileSync(ws('defaultmorph/cli-run/top.bin'))), 'top.bin differs');
    const curves = (d: string) => fs.readFileSync(path.join(d, 'curves.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((p) => p.phase === 'morph').map((p) => [p.step, p.loss, p.displacement]);
    assert.equal(curves(rec.path).length, 40);
    assert.deepEqual(curves(rec.path), curves(ws('defaultmorph/cli-run')));
    assert.deepEqual(mine.evaluation, ext.evaluation);
    // It learnt something: it moves points, and lands nearer the target than the identity (the source).
    assert.ok(ext.evaluation.morph.displacement.meanL2 > 0.2, `moved ${ext.evaluation.morph.displacement.meanL2}`);

    // Evaluate (the runs tree's menu) against `flowmorph evaluate` on the same run.
    const ev = assertDone(await a.controller.evaluate({ run: rec.path }));
    const evCli = cli(['evaluate', rec.path, '--source', ws('defaultmorph/fc.csv'), '--target', ws('defaultmorph/cb.csv')]);
    assert.deepEqual(ev.evaluation, evCli);
    assert.equal(evCli.method, 'ot-cfm');

    // Morph This File both ways against `flowmorph transport`.
    for (const inverse of [false, true]) {
      const data = ws(inverse ? 'defaultmorph/cb.csv' : 'defaultmorph/fc.csv');
      const t = assertDone((await vscode.commands.executeCommand('flowmorph.morphFile', vscode.Uri.file(data), { run: rec.path, inverse, format: 'csv' })) as RunRecord);
      const out = ws(`defaultmorph/cli-${inverse ? 'back' : 'there'}.csv`);
      cli(['transport', rec.path, data, '--out', out, ...(inverse ? ['--inverse'] : [])]);
      const got = readCsv(t.output as string);
      const want = readCsv(out);
      assert.deepEqual(got.header, want.header);
      assert.equal(got.rows.length, 3000);
      assert.deepEqual(got.rows, want.rows, `Morph This File${inverse ? ' (inverse)' : ''} differs from flowmorph transport`);
    }

    // Where a density is wanted the panel offers ot-f4f: the file gets morph.method ot-f4f and a flow trains.
    let echoed: any;
    await trainMorphWithDensity(a.controller, (exp) => (echoed = exp));
    assert.equal(readJson(file).morph.method, 'ot-f4f', 'morph.method written to the experiment file');
    assert.equal(echoed.morph.method, 'ot-f4f', 'the designer shown the new method');
    assert.deepEqual(readJson(file).morph.ot, { hidden: 64, rk4Steps: 8 }, 'the other settings kept');
    const flow = a.controller.runs((await a.controller.store.get())!).find((r) => r.kind === 'morph' && r.path !== rec.path && (r.summary as any)?.method === 'ot-f4f');
    assert.ok(flow, 'an ot-f4f run was trained');
    assertDone(flow);
    assert.equal(readJson(path.join(flow.path, 'run.json')).config.method, 'ot-f4f');
    assert.doesNotMatch(runMetrics(flow), /no density/);
  });
});
