/**
 * One experiment file, two front ends (issue #12, "one configuration, one truth"): the extension's
 * Train Morph / Train Base Flow and the CLI's `--experiment FILE` resolve the same configuration and
 * budget, write the same record, and (a step budget with a seed) reach the same metrics. A seconds budget
 * over the reference preset (32 epochs) is honoured by both: the extension used to train 32 epochs.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { RunRecord } from '../../src/host/runs';
import { api, assertDone, cliJson as cli, keepExperiment, readJson, toyPairExperiment, ws } from './util';

const TINY = { stacks: 2, blocks: 1, hidden: 16, bins: 6 };

/** record.json without what differs by nature between two runs (time, wall-clock seconds). */
function comparable(dir: string): any {
  const rec = readJson(path.join(dir, 'record.json'));
  delete rec.createdAt;
  for (const t of Object.values(rec.trained) as any[]) delete t.seconds;
  return rec;
}

describe('Configuration parity', function () {
  this.timeout(600_000);
  keepExperiment();

  it('an experiment file trains the same morph through the extension and the CLI: configuration, budget, record, metrics', async () => {
    const file = await toyPairExperiment('cfgparity', 'steps.flowmorph.json', [11, 12], {
      base: { preset: 'reference', flow: TINY, train: { steps: 15, batch: 256, seed: 5 } },
      morph: { method: 'f4f', top: TINY, direction: 'both', penalty: { kind: 'l1', weight: 0.5, anneal: true }, train: { steps: 12, batch: 256, seed: 7 } },
    });
    const a = await api();
    await a.controller.store.use(vscode.Uri.file(file));
    const rec = assertDone((await a.controller.trainMorph()) as RunRecord);
    const ext = rec.summary as any;
    const mine = cli(['morph', '--experiment', file, '--out', ws('cfgparity/cli-run')]);

    const e = comparable(rec.path);
    const c = comparable(ws('cfgparity/cli-run'));
    assert.deepEqual(c.config, e.config, 'resolved configuration');
    assert.equal(e.config.base.train.lr, 1e-4, 'the reference preset');
    assert.equal(e.config.base.train.epochs, undefined, 'the file budget replaced the preset budget');
    assert.deepEqual(c.trained, e.trained, 'budgets and steps');
    assert.deepEqual(e.trained.morph.budget, { key: 'steps', value: 12 });
    assert.deepEqual(c.seeds, e.seeds);
    assert.deepEqual(c.data, e.data);
    assert.deepEqual(e.data.source, { path: 'cfgparity/fc.csv' }, 'data paths relative to the workspace');
    assert.equal(c.flowmorph, e.flowmorph);
    assert.equal(c.backend.name, e.backend.name);
    // Same numbers: the summaries' evaluations and the evaluation files, to the last digit.
    assert.equal(mine.steps, ext.steps);
    assert.deepEqual(mine.evaluation, ext.evaluation);
    assert.deepEqual(readJson(path.join(rec.path, 'evaluation.json')), readJson(ws('cfgparity/cli-run/evaluation.json')));
    assert.ok(fs.readFileSync(path.join(rec.path, 'top.bin')).equals(fs.readFileSync(ws('cfgparity/cli-run/top.bin'))), 'top.bin differs');
    const curves = (d: string) => fs.readFileSync(path.join(d, 'curves.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).map((p) => [p.phase, p.step, p.loss]);
    assert.deepEqual(curves(rec.path), curves(ws('cfgparity/cli-run')));
    assert.ok(ext.evaluation.morph.displacement.meanL2 > 1e-3);
  });

  it('the reference preset with base.train.seconds 2 trains for 2 s in the extension, as in the CLI (not 32 epochs)', async () => {
    // 20 000 rows: 32 epochs at batch 128 would be 4 500 steps, far beyond 2 s of this tiny flow.
    await vscode.commands.executeCommand('flowmorph.generateToy', { name: 'fourcircles', rows: 20000, seed: 13, file: 'cfgparity/big.csv' });
    const file = ws('cfgparity/seconds.flowmorph.json');
    fs.writeFileSync(
      file,
      JSON.stringify({ version: 1, source: { path: 'big.csv' }, base: { preset: 'reference', flow: TINY, train: { seconds: 2 } }, outputFolder: 'runs' }),
    );
    const a = await api();
    await a.controller.store.use(vscode.Uri.file(file));
    const [rec] = await a.controller.trainBase('source');
    assertDone(rec);
    const mine = cli(['fit', '--experiment', file, '--out', ws('cfgparity/cli-fit')]);
    const e = comparable(rec.path);
    const c = comparable(ws('cfgparity/cli-fit'));
    assert.deepEqual(c.config, e.config);
    assert.deepEqual(e.config.base.train, { lr: 1e-4, batch: 128, seconds: 2, cosine: true, clip: 5, seed: 0, validationFraction: 0.1, evalEvery: 200 });
    for (const [who, r] of [['extension', e], ['CLI', c]] as const) {
      assert.deepEqual(r.trained.base.budget, { key: 'seconds', value: 2 }, who);
      assert.match(r.replay.note, /seconds budget.*--steps \d+$/, who);
    }
    const secs = (rec.summary as any).seconds;
    assert.ok(secs >= 2 && secs < 6, `extension trained ${secs} s`);
    assert.ok(mine.seconds >= 2 && mine.seconds < 6, `CLI trained ${mine.seconds} s`);
    assert.equal((rec.summary as any).replay.steps['the base flow'], (rec.summary as any).steps);
    assert.ok((rec.summary as any).steps < 4500, `${(rec.summary as any).steps} steps`);
  });
});
