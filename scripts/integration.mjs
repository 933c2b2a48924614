// Integration layer: mocha tests running inside a real VS Code extension host (code-server 1.100.3's Node
// host), driving the extension through the vscode API. The web workbench starts them from the URL's
// `payload` (extensionDevelopmentPath = this repo, extensionTestsPath = out/test/integration/index) and
// reports the end through window.codeAutomationExit; the host's console (mocha's spec output) arrives
// through window.codeAutomationLog. Needs a build first (dist/extension.js, out/test/integration).
//
// Usage: node scripts/integration.mjs [--grep <mocha grep>] [--timeout <s>]
// Prints, last, `integration: N passed, N failed`.
import fs from 'node:fs';
import path from 'node:path';
import util from 'node:util';
import { ROOT, copyDir, launchBrowser, makeTempDir, shutdown, startCodeServer, timeout, workbenchUrl } from './vscode-lib.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : dflt;
};
const outerTimeoutMs = Number(opt('timeout', process.env.FLOWMORPH_INTEGRATION_TIMEOUT || 600)) * 1000;

const testsIndex = path.join(ROOT, 'out', 'test', 'integration', 'index.js');
const bundle = path.join(ROOT, 'dist', 'extension.js');
for (const f of [testsIndex, bundle]) {
  if (!fs.existsSync(f)) {
    console.error(`${path.relative(ROOT, f)} missing: run npm run build`);
    console.log('integration: 0 passed, 1 failed');
    process.exit(1);
  }
}

const t0 = Date.now();
const tmp = makeTempDir('flowmorph-integration-');
const ws = copyDir(path.join(ROOT, 'test-fixtures', 'ws'), path.join(tmp, 'ws'));
const resultFile = path.join(tmp, 'mocha-result.json');

const server = await startCodeServer({
  dir: path.join(tmp, 'cs'),
  // Read by test/integration/index.ts inside the extension host (it inherits code-server's environment).
  env: {
    FLOWMORPH_TEST_RESULT: resultFile,
    FLOWMORPH_TEST_GREP: opt('grep', process.env.FLOWMORPH_TEST_GREP || ''),
    FLOWMORPH_TEST_WORKSPACE: ws,
    FLOWMORPH_BACKEND: process.env.FLOWMORPH_BACKEND || 'wasm',
  },
});
console.log(`code-server ready on ${server.url} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

const { page, close } = await launchBrowser();
let exitWith;
const done = new Promise((r) => (exitWith = r));
await page.exposeFunction('codeAutomationExit', (code) => exitWith(code));
// The workbench log carries every extension-host console line, the mocha reporter's included (all as
// type 'info', nothing marks their origin). Drop the workbench's known chatter unless FLOWMORPH_VERBOSE.
const verbose = !!process.env.FLOWMORPH_VERBOSE;
const NOISE =
  /^(Resolving connection token|Resolved connection token|Creating a socket|Ignoring fetching additional|\[Service Worker\]|ChatSessionStore|Updating additional builtin|Started local extension host|Extension host \(.*\) is (?:un)?responsive)/;
await page.exposeFunction('codeAutomationLog', (type, args) => {
  const line = util.format(...(Array.isArray(args) ? args : [args]));
  if (verbose || !NOISE.test(line)) console.log(line);
});
page.on('pageerror', (e) => verbose && console.error('[page error]', e.message));

await page.goto(
  workbenchUrl(server, ws, {
    devPath: ROOT,
    testsPath: path.join(ROOT, 'out', 'test', 'integration', 'index'),
  }),
);
const code = await Promise.race([done, timeout(outerTimeoutMs, 124)]);
const seconds = ((Date.now() - t0) / 1000).toFixed(1);
await close();
await server.stop();

let passed = 0;
let failed = 0;
if (fs.existsSync(resultFile)) {
  const r = JSON.parse(fs.readFileSync(resultFile, 'utf8'));
  passed = r.passed;
  failed = r.failed;
  for (const f of r.failures || []) console.log(`FAILED: ${f.title}\n  ${f.error}`);
} else {
  console.error(`no mocha summary written (runner did not load?); code-server log tail:\n${server.log()}`);
}
if (code === 124) console.error(`integration: outer timeout after ${outerTimeoutMs / 1000} s`);
// A runner that failed to load still exits non-zero with no summary: count that as a failure.
if (code !== 0 && failed === 0) failed = 1;
console.log(`integration: exit code ${code}, ${seconds} s`);
console.log(`integration: ${passed} passed, ${failed} failed`);
await shutdown(code === 0 && failed === 0 && passed > 0 ? 0 : 1);
