/**
 * Activation and the contributed commands that need no training: manifest checks, experiment file,
 * toy generation, source/target, preview, backend, native install (dry run), tutorial.
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { generateToy } from '../../src/data/toys';
import { api, EXTENSION_ID, readCsv, readJson, uri, ws } from './util';

const DATA_EXTS = ['.csv', '.tsv', '.npy', '.npz', '.json', '.h5', '.hdf5', '.parquet'];

describe('activation and manifest', () => {
  it('activates and registers every contributed command, all in category Flowmorph', async () => {
    const a = await api();
    assert.ok(a.trainer && a.controller, 'activate() returns the API');
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    const contributed: { command: string; category: string }[] = pkg.contributes.commands;
    assert.equal(contributed.length, 25);
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const c of contributed) {
      assert.equal(c.category, 'Flowmorph', c.command);
      assert.ok(registered.has(c.command), `${c.command} is not registered`);
    }
  });

  it('declares its capabilities and guards the commands that need a state or trust', () => {
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    assert.equal(pkg.capabilities.virtualWorkspaces.supported, false);
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.deepEqual(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations, ['flowmorph.outputFolder']);
    const enablement = Object.fromEntries(pkg.contributes.commands.map((c: { command: string; enablement?: string }) => [c.command, c.enablement ?? '']));
    assert.equal(enablement['flowmorph.stop'], 'flowmorph.running');
    assert.match(enablement['flowmorph.trainMorph'], /flowmorph\.hasSource && flowmorph\.hasTarget/);
    for (const c of ['flowmorph.trainBase', 'flowmorph.trainBaseOnFile', 'flowmorph.trainMorph', 'flowmorph.morphFile', 'flowmorph.installNative']) {
      assert.match(enablement[c], /isWorkspaceTrusted && !flowmorph\.running/, c);
    }
  });

  it('the Explorer Flowmorph submenu and its entries are guarded by the dataset extensions, and only those', () => {
    const menus = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON.contributes.menus;
    const top: { submenu?: string; command?: string; when: string }[] = menus['explorer/context'];
    assert.deepEqual(top.map((e) => e.submenu ?? e.command), ['flowmorph.explorer']);
    const entries: { submenu?: string; command: string; when: string }[] = menus['flowmorph.explorer'];
    assert.deepEqual(
      entries.map((e) => e.command).sort(),
      ['flowmorph.morphFile', 'flowmorph.previewDataset', 'flowmorph.setSource', 'flowmorph.setTarget', 'flowmorph.trainBaseOnFile'],
    );
    for (const e of [...top, ...entries]) {
      const name = e.submenu ?? e.command;
      const m = /resourceExtname =~ \/\^\\\.\(([^)]*)\)\$\/i/.exec(e.when);
      assert.ok(m, `${name}: no resourceExtname clause in ${e.when}`);
      const re = new RegExp(`^\\.(${m[1]})$`, 'i');
      for (const ext of DATA_EXTS) assert.ok(re.test(ext), `${name} misses ${ext}`);
      for (const ext of ['.txt', '.md', '.py', '.ts', '.csvx', '']) assert.ok(!re.test(ext), `${name} matches ${ext}`);
      assert.match(e.when, /!\(resourceFilename =~ \/\\\.flowmorph\\\.json\$\/\)/, `${name} must not show on experiment files`);
    }
  });
});

describe('experiment and dataset commands', () => {
  it('newExperiment writes a valid experiment file and makes it current', async () => {
    const created = (await vscode.commands.executeCommand('flowmorph.newExperiment', { name: 'itest', open: false })) as vscode.Uri;
    assert.equal(path.basename(created.fsPath), 'itest.flowmorph.json');
    const exp = readJson(created.fsPath);
    assert.equal(exp.version, 1);
    assert.equal(exp.name, 'itest');
    assert.equal(exp.base.preset, 'fast');
    const a = await api();
    assert.equal((await a.controller.store.get())?.uri.fsPath, created.fsPath);
  });

  it('generateToy writes the requested toy as CSV, deterministically', async () => {
    const r1 = (await vscode.commands.executeCommand('flowmorph.generateToy', { name: 'checkerboard', rows: 1000, seed: 7, file: 'toy-a.csv' })) as { uri: vscode.Uri; rows: number };
    const r2 = (await vscode.commands.executeCommand('flowmorph.generateToy', { name: 'checkerboard', rows: 1000, seed: 7, file: 'toy-b.csv' })) as { uri: vscode.Uri };
    const a = readCsv(r1.uri.fsPath);
    assert.deepEqual(a.header, ['x0', 'x1']);
    assert.equal(a.rows.length, 1000);
    // the checkerboard toy lives in [-4, 4]²
    for (const row of a.rows) for (const v of row) assert.ok(Math.abs(v) <= 4.0001, `value ${v} outside the board`);
    assert.equal(fs.readFileSync(r1.uri.fsPath, 'utf8'), fs.readFileSync(r2.uri.fsPath, 'utf8'));
    // Written by the CLI's writer (round-trip digits): the file holds exactly the generated float32 values.
    const want = generateToy('checkerboard', 1000, 7).features;
    assert.deepEqual(Float32Array.from(a.rows.flat()), want.data);
  });

  it('setSource / setTarget store paths relative to the experiment file', async () => {
    // `{}`: called by code, no column picker (a Uri alone is a person's call and asks for the columns).
    const afterSource = (await vscode.commands.executeCommand('flowmorph.setSource', uri('four-circles.csv'), {})) as any;
    assert.equal(afterSource.source.path, 'four-circles.csv');
    // The Explorer passes (clicked, [selected]): the array must not be taken for options.
    const afterTarget = (await vscode.commands.executeCommand('flowmorph.setTarget', uri('two-moons.csv'), [uri('two-moons.csv')], {})) as any;
    assert.equal(afterTarget.target.path, 'two-moons.csv');
    const onDisk = readJson(ws('itest.flowmorph.json'));
    assert.deepEqual([onDisk.source, onDisk.target], [{ path: 'four-circles.csv' }, { path: 'two-moons.csv' }]);
  });

  it('the experiment tree shows source, target, models and runs', async () => {
    const a = await api();
    const top = await a.tree.getChildren();
    const labels = top.map((n) => a.tree.getTreeItem(n));
    assert.deepEqual(labels.map((i) => i.label), ['itest', 'Source', 'Target', 'Models', 'Runs']);
    assert.equal(labels[1].description, 'four-circles.csv');
    assert.equal(labels[2].description, 'two-moons.csv');
  });

  it('previewDataset summarises a file (rows, columns, mean)', async () => {
    const p = (await vscode.commands.executeCommand('flowmorph.previewDataset', uri('shifted-normal.csv'))) as any;
    const csv = readCsv(ws('shifted-normal.csv'));
    assert.equal(p.rows, 400);
    assert.deepEqual(p.columns, ['x']);
    const mean = csv.rows.reduce((s, r) => s + r[0], 0) / csv.rows.length;
    assert.ok(Math.abs(p.stats[0].mean - mean) < 1e-4, `mean ${p.stats[0].mean} vs ${mean}`);
    assert.ok(Math.abs(mean - 2) < 0.2, 'the fixture is N(2, 1) data');
  });

  it('previewDataset returns histograms made in the worker and shows them in a view of the file, reused on a second preview', async () => {
    const file = uri('shifted-normal.csv');
    const p = (await vscode.commands.executeCommand('flowmorph.previewDataset', file)) as any;
    // The same bins computed here from the file's float32 values: 20 bins (√400) from min to max.
    const xs = readCsv(ws('shifted-normal.csv')).rows.map((r) => Math.fround(r[0]));
    const lo = Math.min(...xs);
    const hi = Math.max(...xs);
    const want = new Array(20).fill(0);
    for (const x of xs) want[Math.min(19, Math.floor((x - lo) / ((hi - lo) / 20)))]++;
    assert.deepEqual(p.stats[0].histogram, { lo, hi, counts: want });
    assert.equal(p.stats[0].nonFinite, 0);
    const a = await api();
    const view = a.preview.of(file);
    assert.ok(view, 'a preview view of the file is open');
    assert.equal(view.panel.title, 'shifted-normal.csv');
    assert.equal(await a.preview.whenDrawn(file, 1, 60_000), 1, 'one histogram drawn');
    await vscode.commands.executeCommand('flowmorph.previewDataset', file);
    assert.equal(a.preview.of(file), view, 'the second preview reuses the view');
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.label === 'shifted-normal.csv');
    assert.equal(tabs.length, 1);
    assert.equal(await a.preview.whenDrawn(file, 1, 60_000), 1, 'drawn again');
    view.dispose();
    assert.equal(a.preview.of(file), undefined);
  });

  it('previewDataset reads a ZSTD Parquet (polars) and an LZF HDF5 (h5py) file in the worker', async () => {
    const fixtures = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'test', 'fixtures', 'writers');
    for (const f of ['polars_default.parquet', 'h5py_lzf.h5']) {
      fs.copyFileSync(path.join(fixtures, f), ws(f));
      try {
        const p = (await vscode.commands.executeCommand('flowmorph.previewDataset', uri(f))) as any;
        assert.equal(p.rows, 200, f);
        assert.equal(p.columns.length, 3, f);
        assert.deepEqual(p.head[1], [10.25, 11.25, 12.25], f);
      } finally {
        fs.rmSync(ws(f), { force: true });
      }
    }
  });

  it('showBackend starts a worker and reports wasm (FLOWMORPH_BACKEND=wasm in tests)', async () => {
    const r = (await vscode.commands.executeCommand('flowmorph.showBackend')) as { backend: string };
    assert.equal(r.backend, 'wasm');
  });

  it('the flowmorph.threads setting reaches the training worker (1, 2, and 0 = auto = 2 on this 2-core machine)', async () => {
    const cfg = vscode.workspace.getConfiguration('flowmorph');
    const threadsNow = async () => ((await vscode.commands.executeCommand('flowmorph.showBackend')) as { threads: number }).threads;
    try {
      await cfg.update('threads', 1, vscode.ConfigurationTarget.Global);
      assert.equal(await threadsNow(), 1);
      await cfg.update('threads', 2, vscode.ConfigurationTarget.Global);
      assert.equal(await threadsNow(), 2);
      await cfg.update('threads', 0, vscode.ConfigurationTarget.Global);
      assert.equal(await threadsNow(), require('os').availableParallelism() >= 2 ? 2 : 1);
      await cfg.update('threads', undefined, vscode.ConfigurationTarget.Global);
      assert.equal(await threadsNow(), require('os').availableParallelism() >= 2 ? 2 : 1);
    } finally {
      await cfg.update('threads', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  it('installNative (dry run) names the pinned tfjs-node and the global-storage folder', async () => {
    const r = (await vscode.commands.executeCommand('flowmorph.installNative', { dryRun: true })) as any;
    assert.equal(r.dryRun, true);
    assert.match(r.command, /npm(\.cmd)? install .*@tensorflow\/tfjs-node@4\.22\.0/);
    assert.match(r.dir, /native$/);
  });

  it('openTutorial opens the walkthrough, whose step files ship with the extension', async () => {
    assert.equal(await vscode.commands.executeCommand('flowmorph.openTutorial'), true);
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const w = ext.packageJSON.contributes.walkthroughs[0];
    assert.equal(w.id, 'flowmorph.tutorial');
    for (const s of w.steps) assert.ok(fs.existsSync(path.join(ext.extensionPath, s.media.markdown)), s.media.markdown);
  });
});
