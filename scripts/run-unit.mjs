// Runs the unit layer (engine + data, no VS Code) on node's test runner over the compiled tests in out/.
// Usage: node scripts/run-unit.mjs [filter-substring ...]
// Prints node's own summary and, last, a plain `unit: N passed, N failed` line for scripts/test-all.mjs.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dir = path.join(root, 'out', 'test', 'unit');
const filters = process.argv.slice(2);
const files = [];
(function walk(d) {
  if (!fs.existsSync(d)) return;
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.test.js') && (filters.length === 0 || filters.some((f) => p.includes(f)))) files.push(p);
  }
})(dir);
if (files.length === 0) {
  console.error(`no unit tests found under ${dir} (did tsc run?)`);
  process.exit(1);
}
files.sort();
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', '--test-concurrency=1', ...files], {
  cwd: root,
  encoding: 'utf8',
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, FLOWMORPH_BACKEND: process.env.FLOWMORPH_BACKEND || 'wasm' },
  maxBuffer: 256 * 1024 * 1024,
});
process.stdout.write(r.stdout);
const num = (re) => Number((r.stdout.match(re) || [])[1] || 0);
const passed = num(/ℹ pass (\d+)/);
const failed = num(/ℹ fail (\d+)/) + num(/ℹ cancelled (\d+)/);
console.log(`unit: ${passed} passed, ${failed} failed`);
process.exit(r.status === 0 && failed === 0 && passed > 0 ? 0 : 1);
