// The committed WebAssembly (src/core/wasm/dense-wasm.ts) is exactly what scripts/build-wasm.mjs makes from
// src/core/wasm/dense.c, so nobody ships kernels that differ from the reviewed source. Needs clang + lld
// (installed by .ci/install-apt.sh and by `npm test`'s setup).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DENSE_SHARED_WASM_BASE64 } from '../../../src/core/wasm/dense-wasm';

const root = path.resolve(__dirname, '../../../..');

/** llvm-objdump: the unversioned name, else the newest llvm-objdump-N on PATH (Debian ships clang-N's). */
function objdump(): string {
  if (spawnSync('llvm-objdump', ['--version']).status === 0) return 'llvm-objdump';
  const found = (process.env.PATH ?? '')
    .split(path.delimiter)
    .flatMap((d) => (fs.existsSync(d) ? fs.readdirSync(d) : []))
    .map((f) => /^llvm-objdump-(\d+)$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(b[1]) - Number(a[1]));
  assert.ok(found.length > 0, 'llvm-objdump not found on PATH: apt-get install clang lld (brings llvm-N)');
  return found[0][0];
}

test('src/core/wasm/dense-wasm.ts is the build of dense.c', () => {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/build-wasm.mjs'), '--check'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}\nrebuild with: node scripts/build-wasm.mjs`);
  assert.match(r.stdout, /up to date/);
});

test('the shared-memory kernels never touch the shadow stack, so two threads can run them on one memory', () => {
  // Both threads' instances start with the same __stack_pointer: a kernel that spilled to the shadow stack
  // would have them overwrite each other's frames. wasm-ld puts __stack_pointer at global 0.
  const file = path.join(os.tmpdir(), `flowmorph-shared-${process.pid}.wasm`);
  fs.writeFileSync(file, Buffer.from(DENSE_SHARED_WASM_BASE64, 'base64'));
  const dis = spawnSync(objdump(), ['-d', file], { encoding: 'utf8' });
  fs.rmSync(file, { force: true });
  assert.equal(dis.status, 0, dis.stderr);
  assert.match(dis.stdout, /<gemm_nn>:/);
  assert.doesNotMatch(dis.stdout, /global\.(get|set)\s+0\b/, 'a kernel uses the shadow stack');
});
