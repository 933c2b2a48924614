/** The panel from the host's side: it opens, draws what training sends, and exports its plots as PNG. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
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
});
