/**
 * Lets the bundled engine use the optional native backend (@tensorflow/tfjs-node).
 *
 * tfjs-node registers its 'tensorflow' backend on the tfjs-core instance *it* requires. The engine's
 * tfjs-core is inlined into dist/worker.js, a different instance, so the backend would never be seen.
 * scripts/bundle.mjs therefore routes every bare `@tensorflow/tfjs-core` import of the worker bundle
 * through ./tfjsCoreSelect, which takes tfjs-node's own tfjs-core when this function found one, and the
 * inlined copy otherwise. Must run before any engine module is evaluated.
 */
import * as path from 'path';

/** Read by tfjsCoreSelect.ts. */
export const CORE_GLOBAL = '__flowmorphTfjsCore';

/** Where to look for tfjs-node: the extension's own node_modules (dev checkout), then `extraModules`. */
export function selectNativeCore(extraModules?: string): string[] {
  if (extraModules) {
    // Make later `require('@tensorflow/tfjs-node')` calls of this bundle (src/core/tf.ts) find it too.
    const paths = (module as NodeModule).paths;
    if (!paths.includes(extraModules)) paths.unshift(extraModules);
  }
  let nodeMain: string;
  try {
    nodeMain = require.resolve('@tensorflow/tfjs-node', extraModules ? { paths: [extraModules, ...(require.resolve.paths('') ?? [])] } : undefined);
  } catch {
    return []; // not installed: tf.ts reports that when it tries the native backend
  }
  try {
    const corePath = require.resolve('@tensorflow/tfjs-core', { paths: [path.dirname(nodeMain)] });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    (globalThis as Record<string, unknown>)[CORE_GLOBAL] = require(corePath);
    return [`native: using tfjs-core of ${path.dirname(nodeMain)}`];
  } catch (e) {
    return [`native: tfjs-node found but its tfjs-core is not: ${(e as Error).message.split('\n')[0]}`];
  }
}
