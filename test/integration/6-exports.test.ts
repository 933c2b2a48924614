/**
 * Exports and reuse on a conditional experiment of its own (four circles → checkerboard, each with a
 * rotation condition column, 2 500 rows: more than the panel's 2 000 plotted points): Train Morph
 * reuses the base flows of an earlier Train Morph with the same files, columns and settings; Morph This
 * File and Export Samples write the chosen format (options, no prompts) with the morphed columns under
 * their names and the condition columns carried along, every row; the runs tree's context menu.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { hstack } from '../../src/data/matrix';
import { readDataset } from '../../src/data/read';
import { generateToy } from '../../src/data/toys';
import { clearInputs, writeCsv } from '../../src/data/write';
import type { Progress } from '../../src/jobs/types';
import type { Experiment } from '../../src/config/experiment';
import type { RunRecord } from '../../src/host/runs';
import { api, assertDone, readJson, ws } from './util';

const ROWS = 2500;

/** Runs `f`, collecting the lines the extension logs (the Flowmorph output channel) meanwhile. */
async function logged<T>(f: () => Thenable<T>): Promise<{ result: T; lines: string[] }> {
  const log = (await api()).controller.log!;
  const lines: string[] = [];
  const info = log.info;
  log.info = (t: string) => {
    lines.push(t);
    info.call(log, t);
  };
  try {
    return { result: await f(), lines };
  } finally {
    log.info = info;
  }
}

describe('exports, conditions and base-flow reuse', function () {
  this.timeout(600_000);

  let cond = '';
  let first: RunRecord;
  let second: RunRecord;
  let saved: Experiment | undefined;
  const src = () => ws('exports', 'sim.csv');
  const tgt = () => ws('exports', 'data.csv');

  before(async () => {
    const a = await api();
    saved = (await a.controller.store.ensure()).experiment;
    fs.mkdirSync(ws('exports'), { recursive: true });
    for (const [name, file, seed] of [['fourcircles', src(), 1], ['checkerboard', tgt(), 2]] as const) {
      const t = generateToy(name, ROWS, seed, { condition: 'rotation' });
      cond = t.condition!.columns[0];
      writeCsv(file, hstack(t.features, t.condition!));
    }
    await vscode.commands.executeCommand('flowmorph.setSource', vscode.Uri.file(src()), { conditionColumns: [cond] });
    await vscode.commands.executeCommand('flowmorph.setTarget', vscode.Uri.file(tgt()), { conditionColumns: [cond] });
    await a.controller.store.update((exp) => ({ ...exp, morph: { ...exp.morph, mode: 'delta' } }));
  });

  after(async () => {
    const a = await api();
    if (saved) await a.controller.store.update(() => saved!);
  });

  it('a second Train Morph on the same files, columns and settings trains no base flow: it reuses the first run\'s', async () => {
    const a = await api();
    first = assertDone((await vscode.commands.executeCommand('flowmorph.trainMorph', { steps: 4, baseSteps: 4 })) as RunRecord);
    const status = readJson(path.join(first.path, 'flowmorph-status.json'));
    assert.match(status.baseKeys?.source ?? '', /^[0-9a-f]{64}$/, 'the run records the key of the base flows it trained');
    assert.match(status.baseKeys?.target ?? '', /^[0-9a-f]{64}$/);
    const run1 = readJson(path.join(first.path, 'run.json'));
    assert.equal(run1.sourceModel, 'source', 'the first run trained its own source base flow');
    assert.equal(run1.conditions, 1);

    const phases = new Set<Progress['phase']>();
    const sub = a.trainer.onEvent((e) => e.type === 'progress' && phases.add(e.progress.phase));
    const lines = await logged(() => vscode.commands.executeCommand('flowmorph.trainMorph', { steps: 4, baseSteps: 4 }) as Thenable<RunRecord>);
    second = assertDone(lines.result);
    sub.dispose();
    for (const side of ['source', 'target'])
      assert.ok(lines.lines.some((l) => l.includes(`reusing the ${side} base flow of ${path.basename(first.path)}`)), `the log says so: ${lines.lines.join(' | ')}`);
    assert.deepEqual([...phases], ['morph'], `progress phases of the second run: ${[...phases]}`);
    const run2 = readJson(path.join(second.path, 'run.json'));
    assert.equal(path.resolve(second.path, run2.sourceModel), path.join(first.path, 'source'));
    assert.equal(path.resolve(second.path, run2.targetModel), path.join(first.path, 'target'));
    assert.equal(readJson(path.join(second.path, 'flowmorph-status.json')).baseKeys?.source, undefined, 'it trained none itself');

    // Other base settings: no reuse (the job trains new base flows).
    const third = assertDone((await vscode.commands.executeCommand('flowmorph.trainMorph', { steps: 2, baseSteps: 3 })) as RunRecord);
    assert.equal(readJson(path.join(third.path, 'run.json')).sourceModel, 'source');
  });

  it('Morph This File writes the chosen format (options: no prompt), morphed columns by name, condition carried along', async () => {
    clearInputs();
    const m = await logged(() => vscode.commands.executeCommand('flowmorph.morphFile', vscode.Uri.file(src()), { run: second.path, format: 'parquet', condition: [0.5] }) as Thenable<RunRecord>);
    const fixed = assertDone(m.result);
    const said = m.lines;
    assert.ok(fixed.output?.endsWith('sim.morphed.parquet'), fixed.output);
    assert.ok(said.some((l) => l.includes('Morph This File: wrote') && l.includes('sim.morphed.parquet')), `the export names its file: ${said.join(' | ')}`);
    const p = await readDataset(fixed.output!);
    assert.deepEqual(p.features.columns, ['x0', 'x1', cond]);
    assert.equal(p.features.rows, ROWS, 'every row');
    for (let i = 0; i < ROWS; i++) assert.equal(p.features.data[i * 3 + 2], 0.5, `row ${i}: the target condition`);

    const own = assertDone(
      (await vscode.commands.executeCommand('flowmorph.morphFile', vscode.Uri.file(src()), { run: second.path, format: 'hdf5', condition: 'own' })) as RunRecord,
    );
    assert.ok(own.output?.endsWith('sim.morphed.h5'), own.output);
    clearInputs();
    const h = await readDataset(own.output!);
    const input = await readDataset(src());
    assert.deepEqual(h.features.columns, ['x0', 'x1', cond]);
    assert.equal(h.features.rows, ROWS);
    let moved = 0;
    for (let i = 0; i < ROWS; i++) {
      assert.equal(h.features.data[i * 3 + 2], input.features.data[i * 3 + 2], `row ${i}: its own condition`);
      moved = Math.max(moved, Math.abs(h.features.data[i * 3] - input.features.data[i * 3]));
    }
    assert.ok(moved > 0, 'the features were morphed');
    assert.notDeepEqual(Array.from(h.features.data.subarray(0, 2)), Array.from(p.features.data.subarray(0, 2)), 'the target condition matters');
  });

  it('Export Samples writes the whole morphed dataset (not the plotted points) in the chosen format', async () => {
    const files = (await vscode.commands.executeCommand('flowmorph.exportSamples', { run: second.path, format: 'npy' })) as string[];
    assert.equal(files.length, 1);
    assert.equal(files[0], path.join(second.path, 'samples', 'sim.morphed.npy'));
    clearInputs();
    const d = await readDataset(files[0]);
    assert.equal(d.features.rows, ROWS, `${ROWS} rows, more than the 2 000 plotted points`);
    assert.equal(d.features.cols, 3, 'two morphed columns and the condition');
    const csv = (await vscode.commands.executeCommand('flowmorph.exportSamples', { run: second.path, format: 'csv' })) as string[];
    assert.equal(fs.readFileSync(csv[0], 'utf8').split('\n')[0], `x0,x1,${cond}`);
  });

  it('the runs tree items have Open in Panel, Evaluate, Export Samples, Reveal and Delete', async () => {
    const a = await api();
    const menu = vscode.extensions.getExtension('flowmorph.flowmorph')!.packageJSON.contributes.menus['view/item/context'] as { command: string; when: string }[];
    assert.deepEqual(menu.map((m) => m.command), ['flowmorph.run.openInPanel', 'flowmorph.run.evaluate', 'flowmorph.run.exportSamples', 'flowmorph.run.compareWith', 'flowmorph.run.reveal', 'flowmorph.run.delete', 'flowmorph.resumeRun']);
    // Resume from Checkpoint only on an interrupted base flow (a second menu key once dropped it).
    assert.equal(menu.find((m) => m.command === 'flowmorph.resumeRun')?.when, 'view == flowmorph.experiment && viewItem == flowmorph.run.fit.interrupted');
    /** The Runs group's items as the tree lists them now. */
    const runNodes = async () => {
      const group = (await a.tree.getChildren()).find((n: any) => n.kind === 'group' && n.group === 'runs')!;
      return (await a.tree.getChildren(group)) as any[];
    };
    const morphNode = (await runNodes()).find((n) => n.run?.path === second.path);
    assert.ok(morphNode, 'the morph run is in the tree');
    assert.equal(a.tree.getTreeItem(morphNode).contextValue, 'flowmorph.run.morph');

    assert.equal(await vscode.commands.executeCommand('flowmorph.run.openInPanel', morphNode), second.path);
    assert.ok(a.panel.current, 'the panel is open');
    assert.equal(await vscode.commands.executeCommand('flowmorph.run.reveal', morphNode), second.path);
    const ev = assertDone((await vscode.commands.executeCommand('flowmorph.run.evaluate', morphNode, { n: 200 })) as RunRecord);
    assert.equal(ev.evaluation?.n, 200);
    const files = (await vscode.commands.executeCommand('flowmorph.run.exportSamples', morphNode, { format: 'parquet' })) as string[];
    assert.deepEqual(files, [path.join(second.path, 'samples', 'sim.morphed.parquet')]);

    // Delete (the confirmation skipped by option): the evaluate run's folder goes, and the tree with it.
    const evNode = (await runNodes()).find((n) => n.run?.path === ev.path);
    assert.ok(evNode, 'the evaluate run is in the tree');
    assert.equal(await vscode.commands.executeCommand('flowmorph.run.delete', evNode, { confirm: false }), true);
    assert.ok(!fs.existsSync(ev.path), 'folder deleted');
    assert.ok(!(await runNodes()).some((n) => n.run?.path === ev.path));
    // By folder, as the API takes it.
    const t = (await runNodes()).find((n) => n.run?.kind === 'transport');
    assert.equal(await vscode.commands.executeCommand('flowmorph.run.delete', { run: t.run.path, confirm: false }), true);
    assert.ok(!fs.existsSync(t.run.path));
  });
});
