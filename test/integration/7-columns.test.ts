/**
 * The column picker in the real host: Set as Source on a file with a mass-like column shows the file's
 * columns in a multi-select quick pick; the test unchecks `mass` among the features and checks it as the
 * condition with the workbench's own quick-input commands (what the keyboard does), then reads the
 * experiment file and trains a base flow on it, whose model.json names the same columns.
 */
import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ColumnPickStep } from '../../src/host/columnPicker';
import type { RunRecord } from '../../src/host/runs';
import { api, assertDone, readJson, uri, ws } from './util';

function nextStep(event: vscode.Event<ColumnPickStep>): Promise<ColumnPickStep> {
  return new Promise((resolve) => {
    const sub = event((s) => {
      sub.dispose();
      resolve(s);
    });
  });
}

const run = (id: string) => vscode.commands.executeCommand(id);

/** Waits until `cond` holds (the quick pick's state reaches the extension host a message later). */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(cond(), what);
}

/** Moves the keyboard focus down to `label` (↓, as a person would), then checks or unchecks it (Space). */
async function toggle(step: ColumnPickStep, label: string): Promise<void> {
  // A multi-select pick opens with the focus in its input box (no row): the first ↓ focuses the first row.
  for (let i = 0; i <= step.items.length && step.active()[0] !== label; i++) {
    const was = step.active()[0];
    await run('workbench.action.quickOpenSelectNext');
    await until(() => step.active()[0] !== was, `focus moves on from ${was}`);
  }
  assert.equal(step.active()[0], label);
  const wasChecked = step.checked().includes(label);
  await run('workbench.action.quickPickManyToggle');
  await until(() => step.checked().includes(label) !== wasChecked, `${label} toggled`);
}

describe('column picker: Set as Source chooses features and conditions', function () {
  this.timeout(180_000);

  it('writes the picked feature and condition columns to the experiment file', async () => {
    const a = await api();
    const expUri = (await vscode.commands.executeCommand('flowmorph.newExperiment', { name: 'columns', open: false })) as vscode.Uri;
    const first = nextStep(a.columnPicks);
    const done = vscode.commands.executeCommand('flowmorph.setSource', uri('conditional.tsv'), { pickColumns: true });
    const features = await first;
    assert.deepEqual([features.step, features.role, features.items, features.selected], ['features', 'source', ['x', 'y', 'mass'], ['x', 'y', 'mass']]);
    // Uncheck `mass` among the features, accept; check it as the condition, accept.
    const second = nextStep(a.columnPicks);
    await toggle(features, 'mass');
    assert.deepEqual(features.checked(), ['x', 'y']);
    await run('workbench.action.acceptSelectedQuickOpenItem');
    const conditions = await second;
    assert.deepEqual([conditions.step, conditions.items, conditions.selected], ['conditions', ['mass'], []]);
    await toggle(conditions, 'mass');
    await run('workbench.action.acceptSelectedQuickOpenItem');
    const exp = (await done) as any;
    assert.deepEqual(exp.source, { path: 'conditional.tsv', columns: ['x', 'y'], conditionColumns: ['mass'] });
    assert.deepEqual(readJson(expUri.fsPath).source, { path: 'conditional.tsv', columns: ['x', 'y'], conditionColumns: ['mass'] });
  });

  it('offers the written choice again, and Escape leaves the file as it was', async () => {
    const a = await api();
    const before = readJson(ws('columns.flowmorph.json'));
    const first = nextStep(a.columnPicks);
    const done = vscode.commands.executeCommand('flowmorph.setSource', uri('conditional.tsv'), { pickColumns: true });
    const features = await first;
    assert.deepEqual(features.selected, ['x', 'y']);
    await run('workbench.action.closeQuickOpen');
    assert.equal(await done, undefined);
    assert.deepEqual(readJson(ws('columns.flowmorph.json')), before);
  });

  it('a base flow trained from the experiment uses those columns', async () => {
    const a = await api();
    await a.controller.store.update((exp) => ({ ...exp, base: { ...exp.base, flow: { stacks: 1, blocks: 1, hidden: 8, bins: 4 } } }));
    const recs = (await vscode.commands.executeCommand('flowmorph.trainBase', { which: 'source', steps: 2 })) as RunRecord[] | RunRecord;
    const rec = assertDone(Array.isArray(recs) ? recs[0] : recs);
    const meta = readJson(path.join(rec.path, 'model.json'));
    assert.deepEqual([meta.columns, meta.conditionColumns], [['x', 'y'], ['mass']]);
  });
});
