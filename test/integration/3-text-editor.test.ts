/**
 * Designer edits while the experiment file is open in a text editor (src/host/experiment.ts: update): the
 * document gets a WorkspaceEdit and is saved, so the editor shows the edit and can undo it; one `designer`
 * post per edit and no `state` from the watcher's echo; a document with unsaved changes refuses the edit
 * and neither it nor the file change. Runs after 3-panel (the panel is open) and before 4-cli-parity, which
 * edits the same experiment file: each test leaves the file as it found it, its editor closed and clean
 * (a document left dirty once failed CLI parity: commit 1b2642a).
 */
import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
import { applyDesignerEdit, designerValues } from '../../src/config/designer';
import { formatExperiment, type Experiment } from '../../src/config/experiment';
import type { HostToWebview } from '../../src/protocol/webview';
import { api, postsDuringSuite } from './util';

type Designer = Extract<HostToWebview, { type: 'designer' }>;

/** Polls `ok` every 100 ms; fails after `ms` with `what` and `detail()`. */
async function until(what: string, ok: () => boolean, detail: () => string = () => '', ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`no ${what} within ${ms / 1000} s ${detail()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The experiment with these designer edits applied in order, as the file would hold it. */
function edited(exp: Experiment, edits: [string, number][]): string {
  for (const [path, value] of edits) {
    const r = applyDesignerEdit(exp, path, value);
    assert.ok(r.ok, `${path} = ${value}`);
    exp = r.experiment;
  }
  return formatExperiment(exp);
}

describe('designer edits through an open text editor', function () {
  this.timeout(120_000);
  const posted = postsDuringSuite();
  let file = '';
  let original = '';
  let doc: vscode.TextDocument;
  let exp: Experiment;
  /** The editor's column, beside the panel's: the panel stays visible (a hidden panel reloads, and its `ready` posts a state). */
  let column: vscode.ViewColumn | undefined;
  const show = async () => (column = (await vscode.window.showTextDocument(doc, { viewColumn: column ?? vscode.ViewColumn.Beside, preview: false })).viewColumn);
  const kinds = () => `(posted: ${posted.map((m) => m.type).join(', ')})`;
  const echoes = () => posted.filter((m): m is Designer => m.type === 'designer');
  const disk = () => fs.readFileSync(file, 'utf8');

  beforeEach(async () => {
    const a = await api();
    if (!a.panel.current) {
      // (Run alone: 3-panel leaves it open.) Its page says `ready` (a state post) before it reports drawing.
      assert.equal(await vscode.commands.executeCommand('flowmorph.open'), true);
      await a.panel.whenDrawn((d) => Object.keys(d).length > 0, 20_000).catch(() => undefined);
    }
    const loaded = await a.controller.store.ensure();
    assert.deepEqual(loaded.errors, []);
    [file, original, exp] = [loaded.uri.fsPath, fs.readFileSync(loaded.uri.fsPath, 'utf8'), loaded.experiment];
    doc = await vscode.workspace.openTextDocument(loaded.uri);
    column = undefined;
    await show();
    await until('clean editor of the file', () => !doc.isDirty && doc.getText() === disk());
    posted.length = 0;
  });

  afterEach(async () => {
    await show();
    if (doc.isDirty) await vscode.commands.executeCommand('workbench.action.files.revert');
    if (disk() !== original) fs.writeFileSync(file, original);
    await until('the editor back at the original', () => !doc.isDirty && doc.getText() === original);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  it('two quick edits land in the open document in order, saved (not dirty), undoable; one `designer` post each, no `state`', async () => {
    const a = await api();
    const v = designerValues(exp);
    const edits: [string, number][] = [
      ['base.flow.bins', (v['base.flow.bins'] as number) + 1],
      ['base.flow.hidden', (v['base.flow.hidden'] as number) + 1],
    ];
    const text = edited(exp, edits);
    const first = edited(exp, edits.slice(0, 1));
    assert.notEqual(text, original);
    // Both at once: the second must read the file the first wrote (edits are queued).
    for (const [path, value] of edits) a.panel.receiveAsPanel({ type: 'designerEdit', path, value });
    await until('two designer echoes', () => echoes().length >= 2, kinds);
    assert.deepEqual(echoes().map((e) => [formatExperiment(e.experiment), e.errors]), [
      [first, []],
      [text, []],
    ]);
    assert.equal(doc.getText(), text, 'the editor shows both edits');
    assert.equal(doc.isDirty, false, 'saved');
    assert.equal(disk(), text, 'the file on disk holds the same');
    // The editor's undo stack has the edits: undo takes back the second, redo brings it back (saved again).
    await show();
    await vscode.commands.executeCommand('undo');
    await until('the undo', () => doc.getText() === first, () => `(editor: ${doc.getText()})`);
    await vscode.commands.executeCommand('redo');
    await until('the redo', () => doc.getText() === text && !doc.isDirty);
    // A barrier: a change from outside posts a full state once the watcher sees it. The watcher reports in
    // order, so every post the edits' own saves caused (none) comes before that state.
    fs.writeFileSync(file, original);
    await until('state after the outside change', () => posted.some((m) => m.type === 'state'), kinds);
    assert.deepEqual(posted.filter((m) => m.type === 'designer' || m.type === 'state').map((m) => m.type), ['designer', 'designer', 'state']);
  });

  it('an edit right after the file changed outside (the editor\'s copy older than the file) still lands in both, clean', async () => {
    const a = await api();
    const value = (designerValues(exp)['base.flow.bins'] as number) + 2;
    const text = edited(exp, [['base.flow.bins', value]]);
    // The same text, newer on disk: VS Code has not seen it yet when the edit comes, and may refuse to save
    // over it. The edit then reaches the file atomically, and the document is reverted to it.
    fs.writeFileSync(file, original);
    const later = new Date(Date.now() + 5_000);
    fs.utimesSync(file, later, later);
    a.panel.receiveAsPanel({ type: 'designerEdit', path: 'base.flow.bins', value });
    await until('the designer echo', () => echoes().length >= 1, kinds);
    assert.deepEqual(echoes()[0].errors, []);
    assert.equal(disk(), text, 'the file holds the edit');
    await until('the editor showing the file, clean', () => !doc.isDirty && doc.getText() === text, () => `(dirty: ${doc.isDirty}, editor: ${doc.getText()})`);
    assert.equal(echoes().length, 1);
  });

  it('a save VS Code refuses (the file changed under it meanwhile) falls back to the atomic write; the document is reverted to it, clean', async () => {
    const a = await api();
    const value = (designerValues(exp)['base.flow.bins'] as number) + 3;
    const text = edited(exp, [['base.flow.bins', value]]);
    // Just before the save, the file changes on disk (another size, newer): VS Code refuses to save over
    // it and the document stays dirty unless the edit recovers.
    let saves = 0;
    const sub = vscode.workspace.onWillSaveTextDocument((e) => {
      if (e.document !== doc || saves++ > 0) return;
      fs.writeFileSync(file, original + '\n');
      const later = new Date(Date.now() + 5_000);
      fs.utimesSync(file, later, later);
    });
    try {
      a.panel.receiveAsPanel({ type: 'designerEdit', path: 'base.flow.bins', value });
      await until('the designer echo', () => echoes().length >= 1, kinds);
    } finally {
      sub.dispose();
    }
    assert.equal(saves, 1, 'the edit went through the document');
    assert.deepEqual(echoes()[0].errors, []);
    assert.equal(disk(), text, 'the file holds the edit');
    await until('the editor showing the file, clean', () => !doc.isDirty && doc.getText() === text, () => `(dirty: ${doc.isDirty}, editor: ${doc.getText()})`);
    // The barrier of the first test: the outside write during the save posted nothing (the file then held the edit).
    fs.writeFileSync(file, original);
    await until('state after the outside change', () => posted.some((m) => m.type === 'state'), kinds);
    assert.deepEqual(posted.filter((m) => m.type === 'designer' || m.type === 'state').map((m) => m.type), ['designer', 'state']);
  });

  it('a document with unsaved changes refuses the edit: the editor, its changes and the file stay as they were', async () => {
    const a = await api();
    const change = new vscode.WorkspaceEdit();
    change.insert(doc.uri, doc.lineAt(doc.lineCount - 1).range.end, '\n');
    assert.ok(await vscode.workspace.applyEdit(change));
    assert.ok(doc.isDirty);
    const unsaved = doc.getText();
    a.panel.receiveAsPanel({ type: 'designerEdit', path: 'base.flow.bins', value: (designerValues(exp)['base.flow.bins'] as number) + 1 });
    await until('the designer echo', () => echoes().length >= 1, kinds);
    const [echo] = echoes();
    assert.deepEqual(echo.experiment, exp, 'the designer shows the file as it is');
    assert.equal(echo.errors.length, 1);
    assert.match(echo.errors[0], /has unsaved changes in an editor: save or revert them first/);
    assert.equal(disk(), original, 'the file is unchanged');
    assert.equal(doc.getText(), unsaved, "the editor's text is unchanged");
    assert.ok(doc.isDirty, 'its changes are still unsaved');
    assert.deepEqual(posted.filter((m) => m.type === 'designer' || m.type === 'state').map((m) => m.type), ['designer']);
  });
});
