/** The panel from the host's side: it opens, draws what training sends, and exports its plots as PNG. */
import * as assert from 'assert';
import * as fs from 'fs';
import * as vscode from 'vscode';
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

  it('exportPlots writes every chart as a PNG file', async () => {
    const files = (await vscode.commands.executeCommand('flowmorph.exportPlots', { timeoutMs: 60_000 })) as string[];
    assert.ok(files.length >= 1, 'at least one plot');
    for (const f of files) {
      const b = fs.readFileSync(f);
      assert.deepEqual([...b.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${f} is a PNG`);
    }
  });
});
