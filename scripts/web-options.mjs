// The esbuild options of the panel's browser bundles, shared by scripts/bundle.mjs (dist/, what ships)
// and webview/dev/build.mjs (the standalone preview), so the preview runs the bundle the VSIX carries.
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

/** `entry` (relative to the repository) bundled for the browser as an iife into `outfile`. */
export function webOptions(entry, outfile, { minify = true, metafile = false } = {}) {
  return {
    entryPoints: [path.join(root, entry)],
    outfile,
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: true,
    minify,
    metafile,
    logLevel: 'warning',
    loader: { '.ttf': 'file', '.woff': 'file', '.woff2': 'file', '.svg': 'file' },
  };
}
