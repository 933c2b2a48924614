/**
 * Process-wide engine settings, given once at the edge (the CLI, the VS Code worker's start, a parallel
 * gradient worker's start, a benchmark or test harness); nothing in src/core reads the environment.
 * src/env.ts is the one place that turns FLOWMORPH_* variables into these settings. Each thread has its
 * own copy (module state), so a thread that starts engine threads passes them on (src/core/train/parallel.ts).
 *
 * Deliberately free of imports: the VS Code worker sets these before it loads tfjs.
 */
export interface EngineSettings {
  /** Backend that initBackend('auto') takes (src/core/tf.ts). */
  backend?: 'native' | 'wasm' | 'cpu';
  /** Threads of the dense kernels (src/core/wasm/dense.ts): 1 turns the helper thread off. */
  kernelThreads?: 1 | 2;
  /** Force the fused residual MLP on or off (src/core/ops/fused-mlp.ts); default: fused except on native. */
  fusedMlp?: boolean;
  /** Data-parallel gradient threads when the trainer's hooks do not say (src/core/train/parallel.ts). */
  workers?: number;
}

let current: EngineSettings = {};

/** Replace the settings (fields left out take their defaults). */
export function configureEngine(settings: EngineSettings): void {
  current = { ...settings };
}

export function engineSettings(): Readonly<EngineSettings> {
  return current;
}
