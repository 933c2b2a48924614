/**
 * SIGINT / SIGTERM / SIGHUP during a CLI command: the first one asks the training to stop after its
 * current step (the jobs then write a checkpoint and the partial model or run, as a cancel from the
 * extension does); the CLI says where they are and exits 128 + the signal number (130, 143, 129). A
 * second signal ends the process at once.
 */
const SIGNALS = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const;
type Trapped = keyof typeof SIGNALS;

let caught: Trapped | undefined;

/** The signal that asked the command to stop, if any. */
export function interruptedBy(): Trapped | undefined {
  return caught;
}

/** Installs the handlers; returns a function that removes them. */
export function trapSignals(onFirst?: (s: Trapped) => void): () => void {
  const handlers = new Map<Trapped, () => void>();
  const remove = () => {
    for (const [s, h] of handlers) process.off(s, h);
    handlers.clear();
  };
  for (const s of Object.keys(SIGNALS) as Trapped[]) {
    const h = () => {
      caught = s;
      remove(); // a second signal takes the default action: the process ends at once
      onFirst?.(s);
    };
    handlers.set(s, h);
    process.on(s, h);
  }
  return remove;
}

/** The exit code for a command stopped by `s`: 128 + its number. */
export function exitCodeFor(s: Trapped): number {
  return 128 + SIGNALS[s];
}
