/**
 * The Flowmorph panel: one WebviewPanel showing plots, curves and the designer (webview/).
 *
 * Lifetime: training lives in the worker, not in the panel. Closing the panel stops nothing; every message
 * posted, open or not, is applied to `FlowmorphPanel.replay` (the panel's own model, webview/state.ts), and
 * a (re)opened panel gets its contents in one `restore` message when its script says `ready`. That is also
 * why `retainContextWhenHidden` is off: a hidden panel is thrown away and rebuilt from the replay, which
 * costs less memory than keeping it alive.
 *
 * Security: every message from the webview is checked with `webviewMessageProblem` (src/protocol/webview.ts) and
 * dropped with a log line when it fails; the page runs under a nonce-based CSP (webview/html.ts) and may
 * load only dist/ and media/.
 */
import * as crypto from 'crypto';
import * as vscode from 'vscode';
import { Reply } from '../protocol/reply';
import { webviewMessageProblem, type HostToWebview, type WebviewToHost } from '../protocol/webview';
import { panelHtml } from '../../webview/html';
import { PanelModel } from '../../webview/state';

type Handler = (msg: WebviewToHost, panel: FlowmorphPanel) => void;

export class FlowmorphPanel implements vscode.Disposable {
  static readonly viewType = 'flowmorph.panel';
  /** The open panel, if any. */
  static current: FlowmorphPanel | undefined;
  /** What a reopened panel is shown (the same model the page keeps); outlives every panel. */
  static readonly replay = new PanelModel();
  /** Where rejected messages and webview errors go; set it to an output channel's appendLine. */
  static log: (line: string) => void = (line) => console.warn(line);
  /** Latest reportDrawn counts (merged), for integration tests. */
  static drawn: Record<string, number> = {};

  private static readonly handlers = new Set<Handler>();
  private static readonly drawnWaiters = new Set<() => void>();

  private readonly disposables: vscode.Disposable[] = [];
  private disposed = false;

  /** Opens the panel (or reveals the open one). */
  static show(context: vscode.ExtensionContext, column: vscode.ViewColumn = vscode.ViewColumn.Active): FlowmorphPanel {
    if (FlowmorphPanel.current) {
      FlowmorphPanel.current.panel.reveal(column);
      return FlowmorphPanel.current;
    }
    const panel = vscode.window.createWebviewPanel(FlowmorphPanel.viewType, 'Flowmorph', column, FlowmorphPanel.webviewOptions(context));
    return new FlowmorphPanel(panel, context);
  }

  /** Adopts a panel VS Code restored after a restart (use from a WebviewPanelSerializer). */
  static revive(panel: vscode.WebviewPanel, context: vscode.ExtensionContext): FlowmorphPanel {
    FlowmorphPanel.current?.dispose();
    panel.webview.options = FlowmorphPanel.webviewOptions(context);
    return new FlowmorphPanel(panel, context);
  }

  private static webviewOptions(context: vscode.ExtensionContext): vscode.WebviewPanelOptions & vscode.WebviewOptions {
    return {
      enableScripts: true,
      retainContextWhenHidden: false,
      localResourceRoots: [vscode.Uri.joinPath(context.extensionUri, 'dist'), vscode.Uri.joinPath(context.extensionUri, 'media')],
    };
  }

  /**
   * Applies `msg` to the replay and sends it to the open panel, if any: the one way to post, so a panel
   * opened later shows it too.
   */
  static post(msg: HostToWebview): Thenable<boolean> {
    FlowmorphPanel.replay.apply(msg);
    const p = FlowmorphPanel.current;
    return p ? p.panel.webview.postMessage(msg) : Promise.resolve(false);
  }

  /** Handles validated messages from any panel, present or future (register once at activation). */
  static onMessage(handler: Handler): vscode.Disposable {
    FlowmorphPanel.handlers.add(handler);
    return new vscode.Disposable(() => FlowmorphPanel.handlers.delete(handler));
  }

  /**
   * Resolves with the drawn counts once `predicate` holds for them (checked on every reportDrawn), or
   * rejects after `timeoutMs`. For integration tests: "the morph plot really drew".
   */
  static whenDrawn(predicate: (drawn: Record<string, number>) => boolean, timeoutMs = 30_000): Promise<Record<string, number>> {
    const reply: Reply<Record<string, number>> = new Reply(
      { ms: timeoutMs, message: () => `panel did not draw as expected within ${timeoutMs} ms; drawn: ${JSON.stringify(FlowmorphPanel.drawn)}` },
      () => FlowmorphPanel.drawnWaiters.delete(check),
    );
    const check = (): void => {
      if (predicate(FlowmorphPanel.drawn)) reply.resolve({ ...FlowmorphPanel.drawn });
    };
    check();
    if (reply.pending) FlowmorphPanel.drawnWaiters.add(check);
    return reply.promise;
  }

  /** Decodes an exportPlot message's data URL (validated already) to PNG bytes. */
  static pngBytes(pngDataUrl: string): Uint8Array {
    return Buffer.from(pngDataUrl.slice(pngDataUrl.indexOf(',') + 1), 'base64');
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly context: vscode.ExtensionContext,
  ) {
    FlowmorphPanel.current = this;
    panel.iconPath = vscode.Uri.joinPath(context.extensionUri, 'media', 'flowmorph.svg');
    panel.webview.html = this.html();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
    );
  }

  /**
   * For integration tests: handles `msg` as if the open panel had posted it (validated the same way), e.g.
   * a slider move the test cannot make inside the webview.
   */
  static receiveAsPanel(msg: unknown): void {
    if (!FlowmorphPanel.current) throw new Error('the panel is not open'); // l10n-ignore: the integration tests' hook
    FlowmorphPanel.current.receive(msg);
  }

  /** Fires when this panel closes (training goes on). */
  get onDidDispose(): vscode.Event<void> {
    return this.panel.onDidDispose;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (FlowmorphPanel.current === this) FlowmorphPanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }

  private receive(raw: unknown): void {
    const problem = webviewMessageProblem(raw);
    if (problem !== undefined) {
      const type = typeof raw === 'object' && raw !== null ? String((raw as { type?: unknown }).type).slice(0, 40) : typeof raw;
      FlowmorphPanel.log(`[panel] dropped an invalid message (${type}): ${problem}`);
      return;
    }
    const msg = raw as WebviewToHost;
    if (msg.type === 'ready') {
      FlowmorphPanel.drawn = {}; // a fresh page: what counts is what it draws from now on
      void this.panel.webview.postMessage(FlowmorphPanel.replay.contents());
    } else if (msg.type === 'reportDrawn') {
      FlowmorphPanel.drawn = { ...FlowmorphPanel.drawn, ...msg.charts };
      for (const w of [...FlowmorphPanel.drawnWaiters]) w();
    } else if (msg.type === 'log') {
      FlowmorphPanel.log(`[webview ${msg.level}] ${msg.message}`);
    }
    for (const h of [...FlowmorphPanel.handlers]) {
      try {
        h(msg, this);
      } catch (e) {
        FlowmorphPanel.log(`[panel] a message handler failed on ${msg.type}: ${(e as Error).stack ?? e}`);
      }
    }
  }

  private html(): string {
    return extensionPageHtml(this.panel.webview, this.context.extensionUri, { script: 'webview.js', style: 'panel.css' });
  }
}

/**
 * A webview page of the extension (webview/html.ts's page, a fresh nonce per load): the script from dist/,
 * the stylesheet from media/. The main panel's and Preview Dataset's view's (src/host/previewPanel.ts).
 */
export function extensionPageHtml(webview: vscode.Webview, extensionUri: vscode.Uri, page: { script: string; style: string; title?: string }): string {
  const uri = (...p: string[]): string => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...p)).toString();
  return panelHtml({
    cspSource: webview.cspSource,
    nonce: crypto.randomBytes(18).toString('base64'),
    scriptUri: uri('dist', page.script),
    styleUri: uri('media', page.style),
    codiconUri: uri('dist', 'codicon.css'),
    ...(page.title !== undefined ? { title: page.title } : {}),
  });
}
