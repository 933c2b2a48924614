// Bundles what ships in the VSIX into dist/ with esbuild (the VSIX carries no node_modules):
//   src/host/extension.ts → dist/extension.js   the extension host side (cjs, Node 20, 'vscode' external)
//   src/host/worker.ts    → dist/worker.js      the training worker_threads Worker (engine + tfjs)
//   src/cli.ts            → dist/cli.js         the command-line runner, when present
//   WEBVIEW_ENTRIES       → dist/*.js           browser bundles for the panel (iife)
// and copies tfjs-backend-wasm's .wasm binaries beside them (src/core/tf.ts: setWasmDirectory(dist)).
//
// @tensorflow/tfjs-node stays external: it is an optional native dependency (libtensorflow, downloaded at
// install time, platform-specific), so it cannot be inlined. In a dev checkout require() finds it in
// node_modules when installed; in a VSIX it is absent and src/core/tf.ts falls back to wasm, then cpu.
//
// Usage: node scripts/bundle.mjs [--watch] [--minify]
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dist = path.join(root, 'dist');
const watch = process.argv.includes('--watch');
const minify = process.argv.includes('--minify');

const NODE_EXTERNAL = ['vscode', '@tensorflow/tfjs-node'];

/** Node entries: [source, output name]; missing sources are skipped (src/cli.ts may not exist yet). */
const NODE_ENTRIES = [
  ['src/host/extension.ts', 'extension.js'],
  ['src/host/worker.ts', 'worker.js'],
  ['src/cli.ts', 'cli.js'],
];

// ===== WEBVIEW ENTRIES (the webview engineer adds the panel's browser bundles here) =================
// Each: [source, output name]. Bundled for the browser as an iife; missing sources are skipped.
const WEBVIEW_ENTRIES = [
  ['webview/main.ts', 'webview.js'],
];
// ====================================================================================================

const exists = ([src]) => fs.existsSync(path.join(root, src));

const nodeOptions = (src, out) => ({
  entryPoints: [path.join(root, src)],
  outfile: path.join(dist, out),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: NODE_EXTERNAL,
  sourcemap: true,
  minify,
  logLevel: 'warning',
  // tfjs-core probes for optional Node modules it never needs here.
  logOverride: { 'require-resolve-not-external': 'silent' },
});

const webOptions = (src, out) => ({
  entryPoints: [path.join(root, src)],
  outfile: path.join(dist, out),
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: 'es2022',
  sourcemap: true,
  minify,
  logLevel: 'warning',
  loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file', '.svg': 'file' },
});

function copyWasm() {
  const dir = path.join(root, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.wasm'));
  for (const f of files) fs.copyFileSync(path.join(dir, f), path.join(dist, f));
  return files;
}

const t0 = Date.now();
fs.mkdirSync(dist, { recursive: true });
const configs = [
  ...NODE_ENTRIES.filter(exists).map(([s, o]) => nodeOptions(s, o)),
  ...WEBVIEW_ENTRIES.filter(exists).map(([s, o]) => webOptions(s, o)),
];
if (watch) {
  for (const c of configs) await (await esbuild.context(c)).watch();
  copyWasm();
  console.log(`bundle: watching ${configs.length} entries`);
} else {
  await Promise.all(configs.map((c) => esbuild.build(c)));
  const wasm = copyWasm();
  const made = configs.map((c) => path.relative(root, c.outfile)).concat(wasm.map((f) => `dist/${f}`));
  console.log(`bundle: ${made.join(', ')} in ${Date.now() - t0} ms`);
}
