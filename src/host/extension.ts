import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('flowmorph.showBackend', async () => {
      void vscode.window.showInformationMessage(`Flowmorph backend: extension host on Node ${process.versions.node}`);
      return { extensionHost: process.versions.node };
    }),
  );
}

export function deactivate(): void {}
