import * as assert from 'assert';
import * as vscode from 'vscode';

describe('activation', () => {
  it('the extension activates and its commands are registered', async () => {
    const ext = vscode.extensions.getExtension('flowmorph.flowmorph');
    assert.ok(ext, 'extension flowmorph.flowmorph not found');
    await ext.activate();
    const r = (await vscode.commands.executeCommand('flowmorph.showBackend')) as { extensionHost: string };
    assert.equal(r.extensionHost, process.versions.node);
  });
});
