/**
 * A data-parallel gradient worker (a worker_threads Worker started by src/core/train/parallel.ts; compiled
 * to out/src/core/parallel-worker.js, and bundled to dist/parallel-worker.js). It sits outside train/
 * because it is where the objectives' builders (./objectives/spec.ts) meet the training machinery.
 *
 * It initialises the main thread's backend, rebuilds the objective from its recipe, says 'ready' once,
 * then serves steps without messages: it sleeps on the control block's generation counter
 * (Atomics.wait), copies the shared parameters, computes its batch part's loss and gradient shares into
 * its shared slot, and publishes the generation it finished (or minus it, with a message, on error).
 */
import { parentPort, workerData } from 'worker_threads';
import * as fs from 'fs';
import * as path from 'path';
import { configureEngine } from './settings';
import { initBackend, setWasmDirectory } from './tf';
import { buildObjective, type ObjectiveSpec } from './objectives/spec';
import { LAYOUT, partGradient, writeText, type WorkerInit } from './train/parallel';

const { GEN, CMD, STEP, DONE, CMD_STOP, MAX_EXTRAS, EXTRAS } = LAYOUT;
const now = () => performance.timeOrigin + performance.now();

function serve(init: WorkerInit, obj: ReturnType<typeof buildObjective>): void {
  const { ctrl, params, grad, scalars, text, slot, part } = init;
  let seen = 0;
  for (;;) {
    Atomics.wait(ctrl, GEN, seen);
    seen = Atomics.load(ctrl, GEN);
    if (Atomics.load(ctrl, CMD) === CMD_STOP) return;
    scalars[3] = now();
    try {
      obj.store.setValues(params);
      const r = partGradient(obj, Atomics.load(ctrl, STEP), init.fraction[0], part, grad);
      const names = Object.keys(r.extras);
      if (names.length > MAX_EXTRAS) throw new Error(`${names.length} extras; at most ${MAX_EXTRAS} cross threads`);
      scalars[0] = r.loss;
      scalars[1] = names.length;
      scalars[2] = names.length ? writeText(text, JSON.stringify(names)) : 0;
      names.forEach((k, i) => (scalars[EXTRAS + i] = r.extras[k]));
      scalars[4] = now();
      Atomics.store(ctrl, DONE + slot, seen);
    } catch (e) {
      scalars[2] = writeText(text, (e as Error).stack ?? String(e));
      Atomics.store(ctrl, DONE + slot, -seen);
    }
    Atomics.notify(ctrl, DONE + slot);
  }
}

async function main(): Promise<void> {
  const init = workerData as WorkerInit;
  // Each batch part has a core of its own: no product helper thread in here (./wasm/dense.ts).
  configureEngine({ ...init.settings, kernelThreads: 1 });
  // Bundled, the .wasm binaries sit beside this script (scripts/bundle.mjs copies them into dist/).
  if (fs.existsSync(path.join(__dirname, 'tfjs-backend-wasm-simd.wasm'))) setWasmDirectory(__dirname);
  await initBackend(init.backend);
  const obj = buildObjective(init.spec as ObjectiveSpec);
  parentPort!.postMessage({ type: 'ready' });
  serve(init, obj);
  obj.dispose();
}

main().catch((e) => {
  parentPort!.postMessage({ type: 'error', message: (e as Error).stack ?? String(e) });
});
