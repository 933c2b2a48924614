/**
 * The native backend's installer (src/host/native.ts): what it spawns on each platform. On Windows npm is
 * a .cmd file that Node spawns only through a shell (nodejs/node#52681), so the arguments are quoted for
 * cmd.exe; elsewhere npm runs directly with the arguments as they are.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { initBackend } from '../../../src/core/tf';
import { installCommand, TFJS_NODE_VERSION } from '../../../src/host/native';

const PKG = `@tensorflow/tfjs-node@${TFJS_NODE_VERSION}`;

test('Windows: npm.cmd through a shell, a folder with spaces quoted', () => {
  const dir = 'C:\\Users\\Jane Doe\\AppData\\Roaming\\Code\\User\\globalStorage\\flowmorph.flowmorph\\native';
  const c = installCommand(dir, 'win32');
  assert.equal(c.cmd, 'npm.cmd');
  assert.equal(c.options.shell, true);
  assert.deepEqual(c.args, ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', `"${dir}"`, PKG]);
  assert.deepEqual(installCommand('C:\\x\\native', 'win32').args[5], 'C:\\x\\native', 'no quotes where none are needed');
  assert.equal(installCommand('C:\\a&b', 'win32').args[5], '"C:\\a&b"', "cmd.exe's special characters are quoted");
});

for (const platform of ['linux', 'darwin'] as const) {
  test(`${platform}: npm without a shell, arguments as they are`, () => {
    const c = installCommand('/home/jane doe/.config/Code/native', platform);
    assert.equal(c.cmd, 'npm');
    assert.equal(c.options.shell, undefined);
    assert.deepEqual(c.args, ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', '/home/jane doe/.config/Code/native', PKG]);
  });
}

test('the command for this platform spawns (npm --version with its options)', () => {
  const c = installCommand('/tmp', process.platform);
  const r = spawnSync(c.cmd, ['--version'], { ...c.options, encoding: 'utf8' });
  assert.equal(r.error, undefined);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^\d+\.\d+\.\d+/);
});

test("choosing native without tfjs-node fails with how to install it (the command, npm, a mirror variable)", async (t) => {
  let installed = true;
  try {
    require.resolve('@tensorflow/tfjs-node');
  } catch {
    installed = false;
  }
  if (installed) return t.skip('@tensorflow/tfjs-node is installed here: the message is for machines without it');
  await assert.rejects(initBackend('native'), (e: Error) => {
    assert.match(e.message, /^backend 'native' could not be initialised: native backend unavailable: @tensorflow\/tfjs-node is not installed\./);
    assert.match(e.message, /Flowmorph: Install Native Backend/);
    assert.match(e.message, new RegExp(`npm install @tensorflow/tfjs-node@${TFJS_NODE_VERSION.replace(/\./g, '\\.')}`));
    assert.match(e.message, /TFJS_NODE_CDN_STORAGE \(or TFJS_NODE_BASE_URI\)/);
    return true;
  });
});
