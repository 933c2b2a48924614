// `npm run test:desktop`: the same integration suite (test/integration, mocha inside the extension host)
// in a desktop VS Code downloaded by @vscode/test-electron — for machines that can download it. This
// workplace cannot (no network beyond npm and Debian), so `npm test` runs the suite in code-server instead
// (scripts/integration.mjs).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { build, needsBuild } from './build-lib.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
if (needsBuild() && !build({ quiet: true })) process.exit(1);
// A copy of the fixture workspace: the tests write runs and datasets into it.
const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'flowmorph-desktop-ws-'));
fs.cpSync(path.join(root, 'test-fixtures', 'ws'), ws, { recursive: true });
try {
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'out', 'test', 'integration', 'index'),
    launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust'],
    version: '1.100.3',
  });
  console.log('test:desktop: passed');
} catch (e) {
  console.error(`test:desktop: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
} finally {
  fs.rmSync(ws, { recursive: true, force: true });
}
