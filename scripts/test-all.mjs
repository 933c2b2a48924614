// `npm test`: every test layer in order, then one total line, exactly `N passed, N failed`.
//   unit         node scripts/run-unit.mjs      engine + data on node's test runner
//   integration  node scripts/integration.mjs   mocha inside a real VS Code extension host
//   ui           node scripts/ui.mjs            the packaged VSIX driven through the workbench by Playwright
// Each layer prints a last line `<layer>: N passed, N failed`; a layer that fails, prints no such line or
// runs no test at all fails the whole run. Builds first (tsc + bundle) when a source is newer than the
// last build. On a fresh machine it first installs what the chosen layers need (scripts/setup-lib.mjs).
//
// Usage: npm test [-- --only unit,integration] [--skip ui] [--build | --no-build] [--no-install]
//                 [-- <filter for unit>]
import { spawn } from 'node:child_process';
import path from 'node:path';
import { build, needsBuild } from './build-lib.mjs';
import { ensureSetup } from './setup-lib.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const LAYERS = {
  unit: ['scripts/run-unit.mjs'],
  integration: ['scripts/integration.mjs'],
  ui: ['scripts/ui.mjs'],
};

const argv = process.argv.slice(2);
const listOpt = (name) => {
  const out = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}`) out.push(...argv[++i].split(','));
    else if (argv[i].startsWith(`--${name}=`)) out.push(...argv[i].slice(name.length + 3).split(','));
  }
  return out;
};
const only = listOpt('only');
const skip = listOpt('skip');
for (const l of [...only, ...skip]) {
  if (!LAYERS[l]) {
    console.error(`unknown layer '${l}' (layers: ${Object.keys(LAYERS).join(', ')})`);
    process.exit(2);
  }
}
const layers = Object.keys(LAYERS).filter((l) => (only.length === 0 || only.includes(l)) && !skip.includes(l));

// A fresh machine: install what the chosen layers need (each step is skipped when already done).
if (!argv.includes('--no-install')) {
  const vscode = layers.includes('integration') || layers.includes('ui');
  // clang + lld: the unit layer rebuilds src/core/wasm/dense.c and checks the committed bytes (wasm-build.test);
  // python3-numpy: it checks python/flowmorph.py against the CLI (interop/python-reader.test).
  ensureSetup({ tag: 'test', apt: ['clang', 'lld', 'python3-numpy', ...(vscode ? ['chromium', 'libkrb5-dev', 'ripgrep', 'build-essential', 'pkg-config'] : [])], host: vscode });
}

const wantBuild = !argv.includes('--no-build') && (argv.includes('--build') || needsBuild());

// ------------------------------------------------------------------------------------------------- run

/** Runs one layer, streaming its output, and returns its parsed `X: N passed, N failed` line. */
function runLayer(name, extraArgs) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    console.log(`\n===== ${name} =====`);
    const child = spawn(process.execPath, [...LAYERS[name], ...extraArgs], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let tail = '';
    child.stdout.on('data', (b) => {
      process.stdout.write(b);
      tail = (tail + b.toString()).slice(-4096);
    });
    child.on('close', (code) => {
      const lines = [...tail.matchAll(new RegExp(`^${name}: (\\d+) passed, (\\d+) failed\\s*$`, 'gm'))];
      const last = lines[lines.length - 1];
      const passed = last ? Number(last[1]) : 0;
      const failed = last ? Number(last[2]) : 0;
      const seconds = (Date.now() - t0) / 1000;
      resolve({ name, code, passed, failed, seconds, parsed: !!last });
    });
  });
}

const t0 = Date.now();
if (wantBuild && !build()) {
  console.log('0 passed, 1 failed');
  process.exit(1);
}
// Anything after a bare `--` (or a non-option) goes to the unit layer as its filter.
const unitFilters = argv.filter((a, i) => !a.startsWith('--') && !['--only', '--skip'].includes(argv[i - 1]));

const results = [];
for (const l of layers) results.push(await runLayer(l, l === 'unit' ? unitFilters : []));

let passed = 0;
let failed = 0;
let bad = false;
console.log('\n===== summary =====');
for (const r of results) {
  const why = !r.parsed ? 'no summary line' : r.code !== 0 ? `exit ${r.code}` : r.passed === 0 ? 'ran nothing' : '';
  if (why) bad = true;
  passed += r.passed;
  failed += r.failed;
  console.log(`${r.name.padEnd(12)} ${r.passed} passed, ${r.failed} failed  ${r.seconds.toFixed(1)} s${why ? `  <-- ${why}` : ''}`);
}
console.log(`total time ${((Date.now() - t0) / 1000).toFixed(1)} s`);
// A layer that crashed before counting anything still has to show in the total as a failure.
if (bad && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(bad || failed > 0 || results.length === 0 ? 1 : 0);
