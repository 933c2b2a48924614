// The build (tsc → out/, esbuild → dist/) shared by `npm test` (scripts/test-all.mjs) and `npm start`
// (scripts/start.mjs), run only when a source is newer than the last build.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const STAMP = path.join(root, 'out', '.build-stamp');

function newestSource() {
  let newest = 0;
  const walk = (d) => {
    if (!fs.existsSync(d)) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules') walk(p);
      } else if (/\.(ts|mjs|json|css|html)$/.test(e.name)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
    }
  };
  for (const d of ['src', 'test', 'webview', 'bench']) walk(path.join(root, d));
  for (const f of ['package.json', 'tsconfig.json', 'scripts/bundle.mjs', 'scripts/web-options.mjs']) {
    const p = path.join(root, f);
    if (fs.existsSync(p)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** True when out/ or dist/ is older than some source (or was never built). */
export function needsBuild() {
  return !fs.existsSync(STAMP) || !fs.existsSync(path.join(root, 'dist', 'extension.js')) || fs.statSync(STAMP).mtimeMs < newestSource();
}

/**
 * tsc then the bundles. tsc emits even when it reports type errors (noEmitOnError is off), and a
 * teammate's work in progress can carry some: they are shown and the build goes on. Returns false only
 * when there is no extension bundle to run.
 */
export function build({ quiet = false } = {}) {
  const t0 = Date.now();
  const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], { cwd: root, encoding: 'utf8' });
  if (tsc.status !== 0) {
    const errors = (tsc.stdout.match(/error TS\d+/g) || []).length;
    if (!quiet) process.stdout.write(tsc.stdout.split('\n').slice(0, 30).join('\n') + '\n');
    console.log(`build: tsc reported ${errors} type errors (emitting anyway)`);
  }
  const b = spawnSync(process.execPath, [path.join(root, 'scripts', 'bundle.mjs')], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) {
    // bundle.mjs deletes the outputs that failed, so what needs them fails by name. Without the extension
    // bundle nothing in VS Code can run: stop.
    if (!fs.existsSync(path.join(root, 'dist', 'extension.js'))) return false;
    console.error('build: some bundles FAILED (see above); going on with the rest');
  }
  fs.mkdirSync(path.dirname(STAMP), { recursive: true });
  fs.writeFileSync(STAMP, new Date().toISOString());
  console.log(`build: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return true;
}
