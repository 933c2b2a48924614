// Time to require a bundle (default dist/extension.js: VS Code's activation cost before activate() runs),
// median of N fresh Node processes, with 'vscode' stubbed (nothing of it is called at require time).
// Usage: node scripts/require-time.mjs [bundle] [--runs N]
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const args = process.argv.slice(2);
const runsAt = args.indexOf('--runs');
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 9;
const file = path.resolve(root, args.find((a, i) => !a.startsWith('--') && args[i - 1] !== '--runs') ?? 'dist/extension.js');
const probe = `
const Module = require('module');
const load = Module._load;
Module._load = function (req, ...rest) {
  // Any member is a do-nothing function; EventEmitter is an own property, since esbuild's module wrapper
  // copies the own properties (modules may construct one at load time).
  const stub = () => new Proxy(function () {}, { get: (t, k) => (k === 'prototype' ? {} : undefined) });
  const own = { EventEmitter: class { event = () => ({ dispose() {} }); fire() {} dispose() {} } };
  if (req === 'vscode') return new Proxy(own, { get: (t, k) => (k in t ? t[k] : stub()) });
  return load.call(this, req, ...rest);
};
const t0 = process.hrtime.bigint();
require(${JSON.stringify(file)});
process.stdout.write(String(Number(process.hrtime.bigint() - t0) / 1e6));
`;
const times = [];
for (let i = 0; i < runs; i++) {
  const r = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`require failed:\n${r.stderr}`);
  times.push(Number(r.stdout));
}
times.sort((a, b) => a - b);
console.log(`${path.relative(root, file)}: require ${times[Math.floor(runs / 2)].toFixed(1)} ms (median of ${runs}; min ${times[0].toFixed(1)}, max ${times[runs - 1].toFixed(1)})`);
