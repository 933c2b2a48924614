// Bundles what ships in the VSIX into dist/ with esbuild (the VSIX carries no node_modules):
//   src/host/extension.ts → dist/extension.js   the extension host side (cjs, Node 20, 'vscode' external)
//   src/worker/main.ts    → dist/worker.js      the training worker_threads Worker (engine + tfjs)
//   src/core/parallel-worker.ts → dist/parallel-worker.js  the engine's gradient threads
//   src/cli/main.ts       → dist/cli.js         the command-line runner, when present
//   WEBVIEW_ENTRIES       → dist/*.js           browser bundles for the panel (iife)
// and copies tfjs-backend-wasm's .wasm binaries beside them (src/core/tf.ts: setWasmDirectory(dist)).
// It also writes dist/flowmorph.schema.json, the JSON schema of *.flowmorph.json (package.json
// jsonValidation), generated from the rules in src/config/ so editor checking and the validator agree.
//
// @tensorflow/tfjs-node stays external: it is an optional native dependency (libtensorflow, downloaded at
// install time, platform-specific), so it cannot be inlined. In a dev checkout require() finds it in
// node_modules when installed; in a VSIX it is absent and src/core/tf.ts falls back to wasm, then cpu.
//
// Bundles are minified (identifiers keep their names, so stack traces stay readable); --no-minify for
// debugging a bundle by reading it.
//
// Usage: node scripts/bundle.mjs [--watch] [--no-minify]
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { webOptions } from './web-options.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dist = path.join(root, 'dist');
const watch = process.argv.includes('--watch');
const minify = !process.argv.includes('--no-minify');

const NODE_EXTERNAL = ['vscode', '@tensorflow/tfjs-node'];

/**
 * The worker's bare '@tensorflow/tfjs-core' imports (engine and both backends) go through
 * src/worker/tfjsCoreSelect.ts, so a native tfjs-node found at run time shares its tfjs-core instance with
 * the engine (src/worker/nativeCore.ts explains why). Deep imports (…/dist/…) resolve normally.
 */
const tfjsCoreSelect = {
  name: 'tfjs-core-select',
  setup(build) {
    const shim = path.join(root, 'src', 'worker', 'tfjsCoreSelect.ts');
    build.onResolve({ filter: /^@tensorflow\/tfjs-core$/ }, () => ({ path: shim }));
  },
};

/**
 * src/core/tf.ts imports the union package '@tensorflow/tfjs' only for its side effect of registering
 * every gradient (tfjs-core's CommonJS build registers none). In a bundle that would drag in layers,
 * converter and webgl (~3 MB); tfjs-core's own register_all_gradients does the same job. Its ESM files are
 * a second copy of some ops, which is harmless: kernels, gradients and the engine live in tfjs's global
 * registries, shared by every copy.
 */
const tfjsUnionToGradients = {
  name: 'tfjs-union-to-gradients',
  setup(build) {
    build.onResolve({ filter: /^@tensorflow\/tfjs$/ }, async (args) => {
      const r = await build.resolve('@tensorflow/tfjs-core/dist/register_all_gradients', { kind: args.kind, resolveDir: args.resolveDir });
      return r.errors.length ? { errors: r.errors } : { path: r.path, sideEffects: true };
    });
  },
};

/**
 * tfjs's backend packages declare `sideEffects` lists that leave out their Node entry files, so esbuild
 * drops a bare `import '@tensorflow/tfjs-backend-cpu'` (the import that registers the backend) as dead
 * code. Mark them as having side effects.
 */
const tfjsBackendsHaveSideEffects = {
  name: 'tfjs-backends-side-effects',
  setup(build) {
    build.onResolve({ filter: /^@tensorflow\/tfjs-backend-(cpu|wasm)$/ }, async (args) => {
      if (args.pluginData === 'inner') return undefined;
      const r = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: 'inner' });
      return r.errors.length ? { errors: r.errors } : { path: r.path, sideEffects: true };
    });
  },
};

const ENGINE_PLUGINS = [tfjsCoreSelect, tfjsBackendsHaveSideEffects, tfjsUnionToGradients];

/** Node entries: [source, output name, plugins]; missing sources are skipped (src/cli/main.ts may not exist yet). */
const NODE_ENTRIES = [
  ['src/host/extension.ts', 'extension.js', ENGINE_PLUGINS],
  ['src/worker/main.ts', 'worker.js', ENGINE_PLUGINS],
  // Data-parallel gradient threads the engine starts from the worker (src/core/train/parallel.ts looks for
  // parallel-worker.js beside the running bundle).
  ['src/core/parallel-worker.ts', 'parallel-worker.js', ENGINE_PLUGINS],
  ['src/cli/main.ts', 'cli.js', ENGINE_PLUGINS],
];

// ===== WEBVIEW ENTRIES (the webview engineer adds the panel's browser bundles here) =================
// Each: [source, output name]. Bundled for the browser as an iife; missing sources are skipped.
const WEBVIEW_ENTRIES = [
  ['webview/main.ts', 'webview.js'],
  // Preview Dataset's view (src/host/previewPanel.ts).
  ['webview/preview.ts', 'preview.js'],
  // The codicon font's stylesheet (vscode-button icons); the .ttf lands beside it via the 'file' loader.
  ['node_modules/@vscode/codicons/dist/codicon.css', 'codicon.css'],
];
// ====================================================================================================

const exists = ([src]) => fs.existsSync(path.join(root, src));

const nodeOptions = (src, out, plugins = []) => ({
  entryPoints: [path.join(root, src)],
  outfile: path.join(dist, out),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: NODE_EXTERNAL,
  sourcemap: true,
  minify,
  keepNames: minify,
  logLevel: 'error',
  // tfjs-core probes for optional Node modules it never needs here.
  logOverride: { 'require-resolve-not-external': 'silent' },
  plugins,
  // h5wasm's Node build is ESM and calls createRequire(import.meta.url); in a CommonJS bundle
  // import.meta is empty, so every HDF5 read failed in what ships ("The argument 'filename' must be a
  // file URL ..."). Each Node bundle defines import.meta.url as its own file's URL.
  define: { 'import.meta.url': '__flowmorphImportMetaUrl' },
  banner: { js: "const __flowmorphImportMetaUrl = require('url').pathToFileURL(__filename).href;" },
});

function copyWasm() {
  const dir = path.join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.wasm'));
  for (const f of files) fs.copyFileSync(path.join(dir, f), path.join(dist, f));
  return files;
}

/**
 * The HDF5 filter plugins (h5wasm-plugins' WebAssembly side modules) that src/data/hdf5-lib.ts lists in
 * H5_PLUGINS, copied to dist/h5plugins/ where the bundled reader looks for them.
 */
function copyH5Plugins() {
  const lib = fs.readFileSync(path.join(root, 'src', 'data', 'hdf5-lib.ts'), 'utf8');
  const names = [...(/H5_PLUGINS = \[([^\]]*)\]/.exec(lib)?.[1] ?? '').matchAll(/'(\w+)'/g)].map((m) => m[1]);
  if (!names.length) throw new Error('bundle: H5_PLUGINS not found in src/data/hdf5-lib.ts');
  const from = path.join(root, 'node_modules', 'h5wasm-plugins', 'plugins');
  const to = path.join(dist, 'h5plugins');
  fs.rmSync(to, { recursive: true, force: true });
  fs.mkdirSync(to, { recursive: true });
  for (const n of names) fs.copyFileSync(path.join(from, `libH5Z${n}.so`), path.join(to, `libH5Z${n}.so`));
  return names.map((n) => `dist/h5plugins/libH5Z${n}.so`);
}

/** JSON schema of the experiment file, from src/config/designer.ts's DESIGNER_FIELDS rules. */
async function writeSchema() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'flowmorph-schema-'));
  try {
    const out = path.join(tmp, 'config.cjs');
    const stdin = { contents: "export * from './experiment'; export * from './designer';", resolveDir: path.join(root, 'src', 'config'), loader: 'ts' };
    await esbuild.build({ stdin, outfile: out, bundle: true, platform: 'node', format: 'cjs', logLevel: 'error' });
    const p = createRequire(import.meta.url)(out);
    const leaf = (f) => {
      const r = f.rule;
      const s = { description: f.help ? `${f.label}: ${f.help}` : f.label };
      if (r.kind === 'enum') s.enum = [...r.options];
      else if (r.kind === 'bool') s.type = 'boolean';
      else {
        s.type = r.kind === 'int' ? 'integer' : 'number';
        if (r.minExclusive) s.exclusiveMinimum = r.min;
        else s.minimum = r.min;
        s.maximum = r.max;
      }
      return s;
    };
    const obj = (properties) => ({ type: 'object', additionalProperties: false, properties });
    const tree = {};
    for (const f of p.DESIGNER_FIELDS) {
      const keys = f.path.split('.');
      let node = tree;
      for (const k of keys.slice(0, -1)) node = node[k] ??= {};
      node[keys[keys.length - 1]] = leaf(f);
    }
    const toSchema = (node) =>
      'description' in node && !('properties' in node) && (node.type || node.enum)
        ? node
        : obj(Object.fromEntries(Object.entries(node).map(([k, v]) => [k, toSchema(v)])));
    const columns = { type: 'array', items: { anyOf: [{ type: 'string', minLength: 1 }, { type: 'integer', minimum: 0 }] } };
    const dataSpec = (what) =>
      Object.assign(
        obj({
          path: { type: 'string', minLength: 1, description: `${what} dataset, relative to this file (or toy:NAME[:ROWS[:SEED]])` },
          columns: { ...columns, description: 'feature columns (names or 0-based indices); default: all but the condition columns' },
          conditionColumns: { ...columns, description: 'condition columns' },
          dataset: { type: 'string', description: 'HDF5 dataset path or .npz array name' },
          dropNonFinite: { type: 'boolean', description: 'drop rows with NaN/Inf instead of refusing the file' },
        }),
        { required: ['path'] },
      );
    const schema = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      title: 'Flowmorph experiment',
      description: 'A Flowmorph experiment: source and target datasets, base flows and the morph (flows for flows).',
      ...obj({
        $schema: { type: 'string' },
        version: { const: 1, description: 'file format version' },
        name: { type: 'string', description: 'display name' },
        source: dataSpec('source'),
        target: dataSpec('target'),
        outputFolder: { type: 'string', minLength: 1, description: `where runs are written, relative to this file (default ${p.DEFAULT_OUTPUT_FOLDER})` },
        base: toSchema(tree.base),
        morph: toSchema(tree.morph),
      }),
      required: ['version'],
    };
    fs.writeFileSync(path.join(dist, 'flowmorph.schema.json'), JSON.stringify(schema, null, 2) + '\n');
    return 'dist/flowmorph.schema.json';
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

const t0 = Date.now();
fs.mkdirSync(dist, { recursive: true });
const configs = [
  ...NODE_ENTRIES.filter(exists).map(([s, o, p]) => nodeOptions(s, o, p)),
  ...WEBVIEW_ENTRIES.filter(exists).map(([s, o]) => webOptions(s, path.join(dist, o), { minify })),
];
if (watch) {
  for (const c of configs) await (await esbuild.context(c)).watch();
  copyWasm();
  copyH5Plugins();
  console.log(`bundle: watching ${configs.length} entries`);
} else {
  // Every entry is built even when one fails; a failed entry's old output is deleted, so no test runs
  // against a stale bundle.
  const results = await Promise.allSettled(configs.map((c) => esbuild.build(c)));
  const failed = [];
  results.forEach((r, i) => {
    if (r.status === 'fulfilled') return;
    const out = configs[i].outfile;
    fs.rmSync(out, { force: true });
    fs.rmSync(`${out}.map`, { force: true });
    failed.push(path.relative(root, out));
  });
  const wasm = copyWasm();
  const plugins = copyH5Plugins();
  const schema = await writeSchema();
  const made = configs
    .map((c) => path.relative(root, c.outfile))
    .filter((f) => !failed.includes(f))
    .concat(wasm.map((f) => `dist/${f}`), `${plugins.length} HDF5 filter plugins in dist/h5plugins`, schema);
  console.log(`bundle: ${made.join(', ')} in ${Date.now() - t0} ms`);
  if (failed.length) {
    console.error(`bundle: FAILED ${failed.join(', ')} (errors above)`);
    process.exit(1);
  }
}
