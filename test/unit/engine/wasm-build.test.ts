// The committed WebAssembly (src/core/wasm/dense-wasm.ts) is exactly what scripts/build-wasm.mjs makes from
// src/core/wasm/dense.c, so nobody ships kernels that differ from the reviewed source. Needs clang + lld
// (installed by .ci/install-apt.sh and by `npm test`'s setup).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'path';

const root = path.resolve(__dirname, '../../../..');

test('src/core/wasm/dense-wasm.ts is the build of dense.c', () => {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/build-wasm.mjs'), '--check'], { cwd: root, encoding: 'utf8' });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}\nrebuild with: node scripts/build-wasm.mjs`);
  assert.match(r.stdout, /up to date/);
});
