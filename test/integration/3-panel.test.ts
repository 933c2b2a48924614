/** The panel from the host's side: it opens, draws what training sends, and exports its plots as PNG. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { formatExperiment } from '../../src/config/experiment';
import type { HostToWebview } from '../../src/protocol/webview';
import { svgProblem } from '../../src/protocol/webview';
import { api } from './util';

describe('panel', function () {
  this.timeout(120_000);

  it('flowmorph.open shows the panel and its script reports drawing', async () => {
    const a = await api();
    assert.equal(await vscode.commands.executeCommand('flowmorph.open'), true);
    assert.ok(a.panel.current, 'panel open');
    // After the trainings of 2-training, the replay holds clouds: the page must draw some points.
    const drawn = await a.panel.whenDrawn((d) => Object.values(d).some((n) => n > 0), 60_000);
    assert.ok(Object.keys(drawn).length > 0);
  });

  it('exportPlots writes every chart as a PNG at 2× and an SVG, on the background asked for', async () => {
    const folders: Record<string, string[]> = {};
    for (const background of ['light', 'transparent', 'theme']) {
      const folder = fs.mkdtempSync(path.join(os.tmpdir(), `plots-${background}-`));
      const files = (await vscode.commands.executeCommand('flowmorph.exportPlots', { timeoutMs: 60_000, background, folder })) as string[];
      folders[background] = files;
      const pngs = files.filter((f) => f.endsWith('.png'));
      const svgs = files.filter((f) => f.endsWith('.svg'));
      assert.ok(pngs.length >= 1, 'at least one plot');
      assert.deepEqual(svgs.map((f) => f.replace(/\.svg$/, '')), pngs.map((f) => f.replace(/\.png$/, '')), 'one SVG beside each PNG');
      for (const f of pngs) {
        const b = fs.readFileSync(f);
        assert.deepEqual([...b.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${f} is a PNG`);
      }
      for (const f of svgs) {
        const svg = fs.readFileSync(f, 'utf8');
        assert.equal(svgProblem(svg), undefined, f);
        const [w, h] = [Number(/ width="([\d.]+)"/.exec(svg)![1]), Number(/ height="([\d.]+)"/.exec(svg)![1])];
        // The PNG beside it is the same chart at twice its CSS size (IHDR: width, height at bytes 16–23).
        const png = fs.readFileSync(f.replace(/\.svg$/, '.png'));
        assert.ok(Math.abs(png.readUInt32BE(16) - 2 * w) <= 2 && Math.abs(png.readUInt32BE(20) - 2 * h) <= 2, `${f}: ${w}×${h} CSS px, PNG ${png.readUInt32BE(16)}×${png.readUInt32BE(20)}`);
        assert.match(svg, /<(text|path|circle|rect) /, `${f} holds vector elements`);
        const first = svg.split('\n').slice(2).find((l) => !l.startsWith('<defs>')) ?? ''; // the first drawn element
        const full = `<rect x="0" y="0" width="${w}" height="${h}" fill=`;
        if (background === 'light') assert.ok(first.startsWith(`${full}"#ffffff"/>`), `${f}: white first, got ${first.slice(0, 120)}`);
        if (background === 'transparent') assert.ok(!svg.includes(full), `${f}: no background`);
        if (background === 'theme') assert.ok(first.startsWith(full), `${f}: the theme's background first, got ${first.slice(0, 120)}`);
      }
    }
    // The same charts on every background (the theme export comes last: a chart whose data arrived in
    // between may join it, none may go missing).
    const names = (files: string[]) => files.map((f) => path.basename(f));
    assert.deepEqual(names(folders.light).filter((n) => !names(folders.theme).includes(n)), []);
    assert.deepEqual(names(folders.transparent).filter((n) => !names(folders.theme).includes(n)), []);
  });

  it('a designer edit edits the open document (saved, not dirty) and posts once: the `designer` echo', async () => {
    const a = await api();
    assert.equal(await vscode.commands.executeCommand('flowmorph.open'), true);
    const loaded = await a.controller.store.ensure();
    const file = loaded.uri.fsPath;
    const original = fs.readFileSync(file, 'utf8');
    const doc = await vscode.workspace.openTextDocument(loaded.uri);
    await vscode.window.showTextDocument(doc, { preview: false });
    const posted: HostToWebview[] = [];
    const waiters: (() => void)[] = [];
    const orig = a.panel.post.bind(a.panel);
    a.panel.post = (m: HostToWebview) => {
      posted.push(m);
      for (const w of waiters.splice(0)) w();
      return orig(m);
    };
    /** Resolves once `ok()` holds after some post (fails after 60 s with what was posted). */
    const until = (what: string, ok: () => boolean): Promise<void> =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${what}; posted: ${posted.map((m) => m.type).join(', ')}`)), 60_000);
        const check = (): void => {
          if (!ok()) return void waiters.push(check);
          clearTimeout(timer);
          resolve();
        };
        check();
      });
    try {
      const bins = loaded.experiment.base.flow.bins === 12 ? 10 : 12;
      a.panel.receiveAsPanel({ type: 'designerEdit', path: 'base.flow.bins', value: bins });
      await until('designer echo', () => posted.some((m) => m.type === 'designer'));
      const text = formatExperiment({ ...loaded.experiment, base: { ...loaded.experiment.base, flow: { ...loaded.experiment.base.flow, bins } } });
      assert.equal(doc.getText(), text, 'the open document holds the edit');
      assert.equal(doc.isDirty, false, 'and is saved');
      assert.equal(fs.readFileSync(file, 'utf8'), text, 'the file on disk too');
      // A barrier: a change from outside posts a full state once the watcher sees it. The watcher reports
      // in order, so every post the edit's own write caused (none, now) comes before that state.
      fs.writeFileSync(file, original);
      await until('state after the outside change', () => posted.some((m) => m.type === 'state'));
      assert.deepEqual(posted.slice(0, posted.findIndex((m) => m.type === 'state')).map((m) => m.type), ['designer']);
    } finally {
      a.panel.post = orig;
      if (fs.readFileSync(file, 'utf8') !== original) fs.writeFileSync(file, original);
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    }
  });
});
