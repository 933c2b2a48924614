/**
 * The answer to a request that the other side (the panel, a worker) gives in a later message: a promise
 * that the message handler settles, at most once, with an optional deadline. Used wherever the host awaits
 * an answer: plot export (exportPlots → exportDone), a one-shot worker job (start → done), Preview Dataset's
 * worker (→ preview), the integration tests' wait for a draw (→ reportDrawn).
 *
 * No `vscode`, no DOM: runs in the host, a worker and the browser alike.
 */
export class Reply<T> {
  readonly promise: Promise<T>;
  private resolveFn!: (value: T) => void;
  private rejectFn!: (error: Error) => void;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private open = true;

  /**
   * @param timeout  when set: after `ms` the reply fails with `message` (a function: read at that moment).
   * @param onSettle runs once when the reply settles, whichever way (drop a waiter, end a worker).
   */
  constructor(timeout?: { ms: number; message: string | (() => string) }, private readonly onSettle?: () => void) {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolveFn = resolve;
      this.rejectFn = reject;
    });
    if (timeout) {
      const { ms, message } = timeout;
      this.timer = setTimeout(() => this.reject(new Error(typeof message === 'function' ? message() : message)), ms);
    }
  }

  /** Still waiting (neither answered, failed nor timed out). */
  get pending(): boolean {
    return this.open;
  }

  resolve(value: T): void {
    if (this.settle()) this.resolveFn(value);
  }

  reject(error: Error): void {
    if (this.settle()) this.rejectFn(error);
  }

  private settle(): boolean {
    if (!this.open) return false;
    this.open = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.onSettle?.();
    return true;
  }
}
