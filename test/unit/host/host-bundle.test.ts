/**
 * The extension host's bundle stays small: nothing the host imports reaches the engine (tfjs), the HDF5
 * library (h5wasm, 5.8 MB) or the Parquet codecs. Those load in the worker (src/worker/), where training,
 * Preview Dataset, the heat map, the slider and Export Samples run. A host import of src/jobs/model-io.ts
 * (instead of ./run-meta.ts) or of src/data/write.ts once put all of them into dist/extension.js (6.7 MB).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import * as esbuild from 'esbuild';

const root = path.resolve(__dirname, '..', '..', '..', '..');
const HEAVY = /node_modules\/(h5wasm|@tensorflow|hyparquet|hyparquet-writer|hyparquet-compressors|h5wasm-plugins)\//;

/** The node_modules packages (and engine folders) an entry's bundle would contain. */
async function inputsOf(entry: string): Promise<string[]> {
  const r = await esbuild.build({
    entryPoints: [path.join(root, entry)],
    absWorkingDir: root,
    bundle: true,
    platform: 'node',
    external: ['vscode', '@tensorflow/tfjs-node'],
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  return Object.keys(r.metafile.inputs);
}

/** Engine modules the host may import, with no tfjs behind them: the configuration's defaults, the seeded RNG (toys). */
const PURE_CORE = new Set(['src/core/config.ts', 'src/core/random.ts']);

test('dist/extension.js holds neither tfjs, nor h5wasm, nor the Parquet codecs, nor the engine', async () => {
  const inputs = await inputsOf('src/host/extension.ts');
  assert.deepEqual(inputs.filter((f) => HEAVY.test(f) || (f.startsWith('src/core/') && !PURE_CORE.has(f))), []);
});

test('the check can fail: the worker bundle holds tfjs and h5wasm', async () => {
  const inputs = await inputsOf('src/worker/main.ts');
  assert.ok(inputs.some((f) => f.includes('node_modules/h5wasm/')));
  assert.ok(inputs.some((f) => f.includes('node_modules/@tensorflow/tfjs-core/')));
});
