/** The "Flowmorph" output channel: one timestamped line per event, so a user can send a log with a bug. */
import * as vscode from 'vscode';

export class Log implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel('Flowmorph');

  private line(level: string, text: string): void {
    const t = new Date().toISOString().slice(11, 23);
    this.channel.appendLine(`${t} ${level} ${text}`);
  }

  info(text: string): void {
    this.line('info ', text);
  }

  warn(text: string): void {
    this.line('warn ', text);
  }

  error(text: string): void {
    this.line('error', text);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
