/**
 * A morph of four circles → checkerboard trained through the extension (the same command the panel's
 * "Train morph" button runs, in the training worker) gives the same metrics as the CLI with the same seed
 * and settings: both run src/jobs on the same engine, and a steps budget makes training deterministic.
 */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as path from 'path';
import * as vscode from 'vscode';
import type { RunRecord } from '../../src/host/runs';
import { assertDone, ws } from './util';

describe('CLI parity', function () {
  this.timeout(600_000);

  it('the extension and the CLI train the same morph to the same metrics', async () => {
    await vscode.commands.executeCommand('flowmorph.generateToy', { name: 'fourcircles', rows: 3000, seed: 1, file: 'parity/fourcircles.csv' });
    await vscode.commands.executeCommand('flowmorph.generateToy', { name: 'checkerboard', rows: 3000, seed: 2, file: 'parity/checkerboard.csv' });
    await vscode.commands.executeCommand('flowmorph.setSource', vscode.Uri.file(ws('parity/fourcircles.csv')), {});
    await vscode.commands.executeCommand('flowmorph.setTarget', vscode.Uri.file(ws('parity/checkerboard.csv')), {});
    const rec = assertDone((await vscode.commands.executeCommand('flowmorph.trainMorph', { steps: 12, baseSteps: 12 })) as RunRecord);
    const ext = (rec.summary as any).evaluation;
    assert.ok(ext, 'the extension evaluated its morph');

    const cli = path.join(__dirname, '..', '..', 'src', 'cli', 'main.js');
    const r = spawnSync(
      process.execPath,
      [cli, 'morph', '--source', ws('parity/fourcircles.csv'), '--target', ws('parity/checkerboard.csv'), '--out', ws('parity/cli-run'), '--steps', '12', '--base-steps', '12', '--json'],
      { encoding: 'utf8', env: { ...process.env, FLOWMORPH_BACKEND: 'wasm' } },
    );
    assert.equal(r.status, 0, r.stderr);
    const mine = JSON.parse(r.stdout.trim().split('\n').pop() as string).evaluation;
    const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(b)), `${what}: extension ${a}, CLI ${b}`);
    close(ext.morph.displacement.meanL2, mine.morph.displacement.meanL2, 'morph displacement');
    close(ext.morph.fidelity.slicedW1, mine.morph.fidelity.slicedW1, 'morph sliced W1');
    close(ext.baseTransfer.displacement.meanL2, mine.baseTransfer.displacement.meanL2, 'base transfer displacement');
    close(ext.nll.targetUnderTarget, mine.nll.targetUnderTarget, 'target NLL');
    close(ext.ot.w1, mine.ot.w1, 'OT W1');
    // The morph moved points (it is not a trivially equal pair of identities).
    assert.ok(ext.morph.displacement.meanL2 > 1e-3);
  });
});
