/**
 * The webview's side of the channel: typed post to the extension, persisted view state, and a throttled
 * reporter of what the charts drew (reportDrawn, which the integration tests wait on).
 */
import type { WebviewToHost } from '../src/protocol/webview';

interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

// acquireVsCodeApi may be called once per page load.
const api: VsCodeApi =
  typeof acquireVsCodeApi === 'function'
    ? acquireVsCodeApi()
    : { postMessage: (m) => console.log('[no host] post', m), getState: () => undefined, setState: () => undefined };

export function post(msg: WebviewToHost): void {
  api.postMessage(msg);
}

export function loadViewState(): unknown {
  return api.getState();
}

export function saveViewState(s: unknown): void {
  api.setState(s);
}

/**
 * Collects drawn counts from chart plugins and posts them at most every `intervalMs`, and only when they
 * changed since the last report.
 */
export class DrawnReporter {
  private counts: Record<string, number> = {};
  private lastSent = '';
  private lastAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly intervalMs = 400) {}

  set = (key: string, n: number): void => {
    if (this.counts[key] === n) return;
    this.counts[key] = n;
    this.schedule();
  };

  private schedule(): void {
    if (this.timer !== undefined) return;
    const wait = Math.max(0, this.lastAt + this.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  flush(): void {
    const s = JSON.stringify(this.counts);
    if (s === this.lastSent) return;
    this.lastSent = s;
    this.lastAt = Date.now();
    post({ type: 'reportDrawn', charts: { ...this.counts } });
  }
}
