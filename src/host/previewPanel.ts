/**
 * Preview Dataset's view: one WebviewPanel per file (beside the editor, reused when the same file is
 * previewed again) showing the worker's summary (src/worker/preview.ts): rows × columns, a table of
 * per-column statistics, a histogram per column, the first rows and the reader's warnings, with buttons
 * that run Use as Source / Use as Target on the file. The page is webview/preview.ts (dist/preview.js),
 * under the same nonce-based CSP as the main panel (webview/html.ts); what it posts is checked with
 * previewMessageProblem (src/protocol/preview.ts).
 */
import * as path from 'path';
import * as vscode from 'vscode';
import { Reply } from '../protocol/reply';
import { previewMessageProblem, type DatasetPreview, type HostToPreview, type PreviewToHost } from '../protocol/preview';
import { extensionPageHtml } from './panel';

export class PreviewPanel implements vscode.Disposable {
  static readonly viewType = 'flowmorph.preview';
  /** Where rejected messages go; set it to an output channel's appendLine. */
  static log: (line: string) => void = (line) => console.warn(line);
  /** The open views, by the previewed file's URI. */
  private static readonly open = new Map<string, PreviewPanel>();
  private static readonly drawnWaiters = new Set<() => void>();

  /** Histograms the page last reported drawn (for the integration tests). */
  drawn = 0;
  private readonly disposables: vscode.Disposable[] = [];

  /** Shows `preview` of `file` in its view: the open one (revealed, contents replaced) or a new one beside the editor. */
  static show(context: vscode.ExtensionContext, file: vscode.Uri, preview: DatasetPreview): PreviewPanel {
    const key = file.toString();
    const open = PreviewPanel.open.get(key);
    if (open) {
      open.preview = preview;
      open.drawn = 0;
      open.post();
      open.panel.reveal(open.panel.viewColumn ?? vscode.ViewColumn.Beside);
      return open;
    }
    const panel = vscode.window.createWebviewPanel(PreviewPanel.viewType, path.basename(file.fsPath), vscode.ViewColumn.Beside, {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist'), vscode.Uri.joinPath(context.extensionUri, 'media')],
    });
    return new PreviewPanel(panel, context, file, preview);
  }

  /** The open view of `file`, if any. */
  static of(file: vscode.Uri): PreviewPanel | undefined {
    return PreviewPanel.open.get(file.toString());
  }

  /** Resolves once the view of `file` reports `histograms` histograms drawn; rejects after `timeoutMs`. */
  static whenDrawn(file: vscode.Uri, histograms: number, timeoutMs = 30_000): Promise<number> {
    const reply: Reply<number> = new Reply(
      { ms: timeoutMs, message: () => `the preview of ${path.basename(file.fsPath)} drew ${PreviewPanel.of(file)?.drawn ?? 'nothing (not open)'}, not ${histograms} histograms, within ${timeoutMs} ms` },
      () => PreviewPanel.drawnWaiters.delete(check),
    );
    const check = (): void => {
      const n = PreviewPanel.of(file)?.drawn;
      if (n === histograms) reply.resolve(n);
    };
    check();
    if (reply.pending) PreviewPanel.drawnWaiters.add(check);
    return reply.promise;
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly context: vscode.ExtensionContext,
    readonly file: vscode.Uri,
    private preview: DatasetPreview,
  ) {
    PreviewPanel.open.set(file.toString(), this);
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'flowmorph.svg');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
    );
  }

  dispose(): void {
    if (PreviewPanel.open.get(this.file.toString()) !== this) return;
    PreviewPanel.open.delete(this.file.toString());
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }

  private post(): void {
    void this.panel.webview.postMessage({ type: 'preview', preview: this.preview } satisfies HostToPreview);
  }

  private receive(raw: unknown): void {
    const problem = previewMessageProblem(raw);
    if (problem !== undefined) {
      PreviewPanel.log(`[preview] dropped an invalid message: ${problem}`);
      return;
    }
    const msg = raw as PreviewToHost;
    if (msg.type === 'ready') {
      this.drawn = 0;
      this.post();
    } else if (msg.type === 'drawn') {
      this.drawn = msg.histograms;
      for (const w of [...PreviewPanel.drawnWaiters]) w();
    } else if (msg.type === 'log') {
      PreviewPanel.log(`[preview ${path.basename(this.file.fsPath)}] ${msg.message}`);
    } else if (msg.type === 'use') {
      void vscode.commands.executeCommand(msg.as === 'source' ? 'flowmorph.setSource' : 'flowmorph.setTarget', this.file);
    }
  }

  private html(): string {
    return extensionPageHtml(this.panel.webview, this.context.extensionUri, { script: 'preview.js', style: 'preview.css', title: path.basename(this.file.fsPath) });
  }
}
