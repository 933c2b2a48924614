// npm run package: `vsce package` with the project's arguments (scripts/vsce-args.mjs), then prints the
// VSIX's size and what it holds (`vsce ls` with the same arguments).
// Usage: node scripts/package.mjs [-o out.vsix]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { VSCE_PACKAGE_ARGS } from './vsce-args.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const at = process.argv.indexOf('-o');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = at >= 0 ? path.resolve(process.argv[at + 1]) : path.join(root, `${pkg.name}-${pkg.version}.vsix`);
const run = (args) => {
  const r = spawnSync('npx', ['--no-install', 'vsce', ...args], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) {
    console.error(`vsce ${args[0]} failed:\n${r.stdout}\n${r.stderr}`);
    process.exit(1);
  }
  return r.stdout;
};
process.stdout.write(run([...VSCE_PACKAGE_ARGS, '-o', out]));
const files = run(['ls', ...VSCE_PACKAGE_ARGS.slice(1).filter((a) => a !== '--readme-path' && a !== 'README.marketplace.md'), '--tree']);
console.log(files);
console.log(`${path.relative(process.cwd(), out)}: ${(fs.statSync(out).size / 1e6).toFixed(2)} MB`);
