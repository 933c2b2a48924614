/**
 * Compare two runs on one chart in the real host: two base-flow runs of the current experiment, the runs
 * tree's "Compare with…" on the first (its quick pick answered with the keyboard's commands, and with
 * `{ with }`), then the panel draws the NLL chart's lines once per run, labelled by run.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { RunRecord } from '../../src/host/runs';
import type { HostToWebview } from '../../src/protocol/webview';
import type { Progress } from '../../src/jobs/types';
import { api, assertDone, capturePosts, uri } from './util';

/** How many of a run's progress points have a finite `field`: the points its chart draws (an evaluation-only point has no loss). */
function finite(progress: Progress[], field: 'loss' | 'valLoss'): number {
  return progress.filter((p) => Number.isFinite(p[field])).length;
}

describe('compare two runs on one chart', function () {
  this.timeout(240_000);
  const posted: HostToWebview[] = [];
  let restore: (() => void) | undefined;
  let first: RunRecord;
  let second: RunRecord;

  before(async () => {
    restore = await capturePosts(posted);
    const a = await api();
    await vscode.commands.executeCommand('flowmorph.newExperiment', { name: 'compare', open: false });
    await vscode.commands.executeCommand('flowmorph.setSource', uri('four-circles.csv'), {});
    await a.controller.store.update((exp) => ({ ...exp, base: { ...exp.base, flow: { stacks: 1, blocks: 1, hidden: 8, bins: 4 }, train: { batch: 64, evalEvery: 5 } } }));
    first = assertDone(((await vscode.commands.executeCommand('flowmorph.trainBase', { which: 'source', steps: 12, seed: 1 })) as RunRecord[])[0]);
    second = assertDone(((await vscode.commands.executeCommand('flowmorph.trainBase', { which: 'source', steps: 20, seed: 2 })) as RunRecord[])[0]);
  });
  after(() => restore?.());

  it('Compare with… asks for the other run and draws both runs\' curves on the NLL chart, labelled by run', async () => {
    const a = await api();
    posted.length = 0;
    // The runs tree passes its node; the quick pick lists the other runs (newest first): accept the first.
    let settled = false;
    const done = Promise.resolve(vscode.commands.executeCommand('flowmorph.run.compareWith', { kind: 'run', run: first })).finally(() => (settled = true));
    // Enter on the pick once it is open (its first row is focused); before that the command does nothing.
    for (let i = 0; i < 400 && !settled; i++) {
      await vscode.commands.executeCommand('workbench.action.acceptSelectedQuickOpenItem');
      await new Promise((r) => setTimeout(r, 50));
    }
    const dirs = (await done) as string[];
    assert.deepEqual(dirs, [first.path, second.path]);
    const msg = posted.find((m): m is Extract<HostToWebview, { type: 'compare' }> => m.type === 'compare');
    assert.ok(msg, 'a compare message was posted');
    assert.deepEqual(msg.runs.map((r) => r.id), [first.id, second.id]);
    assert.notEqual(msg.runs[0].label, msg.runs[1].label, 'labels tell the runs apart');
    // Each run's whole recorded curve (flowmorph-curves.jsonl, one line per progress point).
    const lines = (dir: string) => fs.readFileSync(path.join(dir, 'flowmorph-curves.jsonl'), 'utf8').trim().split('\n').length;
    assert.deepEqual(msg.runs.map((r) => r.progress.length), [lines(first.path), lines(second.path)]);
    assert.ok(msg.runs[0].progress.length > 1);
    const status = posted.find((m): m is Extract<HostToWebview, { type: 'status' }> => m.type === 'status');
    assert.equal(status?.text, `Comparing ${msg.runs[0].label} (solid) with ${msg.runs[1].label} (dashed)`);
    // Both runs' training NLL drawn on one chart: every recorded point of each.
    const phase = msg.runs[0].progress[0].phase;
    const key = (run: number) => `curve-nll:${run}:nll:${phase}:train`;
    const drawn = await a.panel.whenDrawn((d) => (d[key(0)] ?? 0) > 0 && (d[key(1)] ?? 0) > 0, 60_000);
    assert.equal(drawn[key(0)], finite(msg.runs[0].progress, 'loss'));
    assert.equal(drawn[key(1)], finite(msg.runs[1].progress, 'loss'));
    assert.equal(drawn['curve-nll'], Object.entries(drawn).filter(([k]) => k.startsWith('curve-nll:')).reduce((s, [, n]) => s + n, 0));
  });

  it('with { with } it compares without asking; Open in Panel of one run ends the comparison', async () => {
    const a = await api();
    posted.length = 0;
    const dirs = await vscode.commands.executeCommand('flowmorph.run.compareWith', { run: second.path, with: first.path });
    assert.deepEqual(dirs, [second.path, first.path]);
    assert.ok(posted.some((m) => m.type === 'compare'));
    const msg = posted.find((m): m is Extract<HostToWebview, { type: 'compare' }> => m.type === 'compare')!;
    const points = (r: (typeof msg.runs)[number]) => finite(r.progress, 'loss') + finite(r.progress, 'valLoss');
    const both = points(msg.runs[0]) + points(msg.runs[1]);
    // The drawn counts of the panel are merged reports: say which wait failed and what it expected.
    const nllDrawn = (n: number, what: string) =>
      a.panel.whenDrawn((d) => d['curve-nll'] === n, 60_000).catch((e: Error) => {
        throw new Error(`${what}: expected curve-nll ${n} (${msg.runs.map((r) => `${r.id}: ${finite(r.progress, 'loss')} train + ${finite(r.progress, 'valLoss')} val`).join('; ')}); ${e.message}`);
      });
    await nllDrawn(both, 'the comparison');
    // One run shown: the NLL chart draws that run's train and validation points only.
    await vscode.commands.executeCommand('flowmorph.openRun', second.path);
    const drawn = await nllDrawn(points(msg.runs[0]), 'Open in Panel of one run');
    assert.equal(drawn['curve-nll'], points(msg.runs[0]));
  });
});
