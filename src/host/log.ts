/**
 * The "Flowmorph" output channel, a log channel (VS Code adds the time and level to each line, and the
 * user filters by level with Developer: Set Log Level), so a user can send a log with a bug. Flowmorph:
 * Show Log opens it.
 */
import * as vscode from 'vscode';

export class Log implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel('Flowmorph', { log: true });

  info(text: string): void {
    this.channel.info(text);
  }

  warn(text: string): void {
    this.channel.warn(text);
  }

  error(text: string): void {
    this.channel.error(text);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
