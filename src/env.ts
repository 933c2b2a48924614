/**
 * The one place Flowmorph reads its FLOWMORPH_* environment variables. Entry points (src/cli/main.ts, the
 * training worker src/worker/main.ts, bench/) call `applyEnvironment()` once at start; the engine then receives
 * settings (src/core/settings.ts), never the environment.
 *
 *   FLOWMORPH_BACKEND=native|wasm|cpu   the backend 'auto' takes
 *   FLOWMORPH_GEMM_THREADS=1|2          threads of the dense kernels (1: no helper thread)
 *   FLOWMORPH_FUSED_MLP=1|0             force the fused residual MLP on or off
 *   FLOWMORPH_WORKERS=n                 data-parallel gradient threads (default: the trainer's rule)
 *   FLOWMORPH_TEST_PAUSE_MS=ms          test hook: pause between the writes of a model pair (kill test)
 *   FLOWMORPH_DEBUG                     the CLI prints stacks with its errors
 */
import { configureEngine, type EngineSettings } from './core/settings';
import { setPairWritePause } from './data/atomic';

export interface EnvironmentSettings {
  engine: EngineSettings;
  pairWritePauseMs: number;
  debug: boolean;
}

/** The settings the environment `env` asks for (unset or unrecognised values leave the defaults). */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): EnvironmentSettings {
  const engine: EngineSettings = {};
  const backend = (env.FLOWMORPH_BACKEND || '').toLowerCase();
  if (backend === 'native' || backend === 'wasm' || backend === 'cpu') engine.backend = backend;
  const threads = Number.parseInt(env.FLOWMORPH_GEMM_THREADS ?? '', 10);
  if (threads === 1 || threads === 2) engine.kernelThreads = threads;
  if (env.FLOWMORPH_FUSED_MLP === '1') engine.fusedMlp = true;
  else if (env.FLOWMORPH_FUSED_MLP === '0') engine.fusedMlp = false;
  const workers = Number.parseInt(env.FLOWMORPH_WORKERS ?? '', 10);
  if (Number.isFinite(workers)) engine.workers = workers;
  const pause = Number(env.FLOWMORPH_TEST_PAUSE_MS);
  return { engine, pairWritePauseMs: pause > 0 ? pause : 0, debug: !!env.FLOWMORPH_DEBUG };
}

/** Read the environment and give its settings to the engine and the writers; returns what was applied. */
export function applyEnvironment(env: NodeJS.ProcessEnv = process.env, override: EngineSettings = {}): EnvironmentSettings {
  const s = settingsFromEnv(env);
  s.engine = { ...s.engine, ...override };
  configureEngine(s.engine);
  setPairWritePause(s.pairWritePauseMs);
  return s;
}
