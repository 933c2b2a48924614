/**
 * The one TensorFlow.js handle the engine uses, and backend selection.
 *
 * Preference: native (@tensorflow/tfjs-node, an optional dependency whose install downloads libtensorflow
 * and so is often absent) → wasm (XNNPACK, SIMD, single-threaded in Node) → cpu (pure JS).
 * The engine setting `backend` (src/core/settings.ts; FLOWMORPH_BACKEND=native|wasm|cpu at the edge) or
 * the `backend` argument forces one.
 * Traps handled here: setBackend('wasm') resolves false rather than throwing
 * when the .wasm files are missing; tfjs-node can throw a plain Error with no code.
 */
import * as tf from '@tensorflow/tfjs-core';
import { engineSettings } from './settings';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-core's CommonJS build registers no gradients; the union package's Node build carries and registers
// them all (its ESM-only `dist/register_all_gradients` cannot be required from Node without a bundler).
// Bundles alias this import to tfjs-core's register_all_gradients to stay small (scripts/bundle.mjs).
import '@tensorflow/tfjs';
import * as path from 'path';

export { tf };

export type BackendName = 'native' | 'wasm' | 'cpu';
export type BackendPreference = BackendName | 'auto';

export interface BackendInfo {
  /** What Flowmorph calls it. */
  name: BackendName;
  /** What tfjs calls it ('tensorflow', 'wasm', 'cpu'). */
  tfName: string;
  /** Why an earlier choice was skipped, for the log. */
  notes: string[];
}

let current: BackendInfo | undefined;
let wasmDir: string | undefined;

/** Where the tfjs-backend-wasm .wasm files live when the code is bundled (dist/ beside the bundle). */
export function setWasmDirectory(dir: string): void {
  wasmDir = dir;
}

/** The tfjs-node version that matches the engine's tfjs (package.json optionalDependencies). */
export const TFJS_NODE_VERSION = '4.22.0';

function tryNative(notes: string[]): boolean {
  try {
    // Registers the 'tensorflow' backend on the same tfjs-core instance when node_modules is shared.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('@tensorflow/tfjs-node');
    return tf.findBackend('tensorflow') !== null;
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' && /'@tensorflow\/tfjs-node'/.test((e as Error).message);
    notes.push(
      missing
        ? `native backend unavailable: @tensorflow/tfjs-node is not installed. Install it with the command Flowmorph: Install Native Backend in VS Code, or \`npm install @tensorflow/tfjs-node@${TFJS_NODE_VERSION}\` beside the CLI; its install downloads libtensorflow, so offline point TFJS_NODE_CDN_STORAGE (or TFJS_NODE_BASE_URI) at a mirror first`
        : `native backend unavailable: ${(e as Error).message.split('\n')[0]}`,
    );
    return false;
  }
}

async function tryWasm(notes: string[]): Promise<boolean> {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    if (wasmDir) wasm.setWasmPaths(wasmDir.endsWith(path.sep) ? wasmDir : wasmDir + path.sep);
    const ok = await tf.setBackend('wasm');
    if (!ok) notes.push('wasm backend did not initialise (are the .wasm files shipped?)');
    return ok;
  } catch (e) {
    notes.push(`wasm backend unavailable: ${(e as Error).message.split('\n')[0]}`);
    return false;
  }
}

/**
 * Choose and initialise a backend once per process. Later calls with another explicit preference switch.
 */
export async function initBackend(pref: BackendPreference = 'auto'): Promise<BackendInfo> {
  const forced = engineSettings().backend;
  if (pref === 'auto' && forced) pref = forced;
  if (current && (pref === 'auto' || pref === current.name)) return current;
  const notes: string[] = [];
  const order: BackendName[] = pref === 'auto' ? ['native', 'wasm', 'cpu'] : [pref];
  for (const name of order) {
    if (name === 'native' && tryNative(notes) && (await tf.setBackend('tensorflow'))) {
      current = { name, tfName: 'tensorflow', notes };
      return current;
    }
    if (name === 'wasm' && (await tryWasm(notes))) {
      current = { name, tfName: 'wasm', notes };
      return current;
    }
    if (name === 'cpu' && (await tf.setBackend('cpu'))) {
      current = { name, tfName: 'cpu', notes };
      return current;
    }
  }
  throw new Error(`backend '${pref}' could not be initialised: ${notes.join('; ')}`);
}

/** The backend chosen by initBackend, or undefined before it ran. */
export function backendInfo(): BackendInfo | undefined {
  return current;
}
