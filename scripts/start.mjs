// `npm start`: Flowmorph in a real VS Code in your browser, on a demo workspace, in one command.
//   1. installs what is missing: apt packages (.ci/install-apt.sh, needs root or sudo), npm packages,
//      the pinned code-server (.ci/install-vscode-host.sh)
//   2. builds (tsc + bundles) when a source changed
//   3. packages the extension as a VSIX and installs it into a code-server profile kept under
//      .flowmorph-tmp/code-server/ (or, with --dev, loads it from this checkout instead)
//   4. copies test-fixtures/ws to ./demo-workspace the first time (toy datasets + an experiment file)
//   5. serves VS Code on http://127.0.0.1:8080 until Ctrl-C
//
// Usage: npm start [-- --port 8080] [--workspace <folder>] [--dev] [--no-install]
// 127.0.0.1 only: webviews need a secure context (localhost), so from another machine use an SSH tunnel
// (ssh -L 8080:127.0.0.1:8080 <host>) rather than binding to a LAN address.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { build, needsBuild } from './build-lib.mjs';
import { ensureSetup } from './setup-lib.mjs';
import { VSCE_PACKAGE_ARGS } from './vsce-args.mjs';
import { CODE_SERVER, ROOT, copyDir, installExtension, makeTempDir, portInUse, shutdown, startCodeServer, workbenchUrl } from './vscode-lib.mjs';

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
};
const flag = (name) => argv.includes(`--${name}`);
if (flag('help') || flag('h')) {
  console.log('npm start [-- --port 8080] [--workspace <folder>] [--dev] [--no-install]');
  process.exit(0);
}
const port = Number(opt('port', process.env.PORT || 8080));
const workspace = path.resolve(opt('workspace', path.join(ROOT, 'demo-workspace')));
const dev = flag('dev');
const t0 = Date.now();
const since = () => `${((Date.now() - t0) / 1000).toFixed(0)} s`;


// ------------------------------------------------------------------------------------------ 1. install
// chromium is only for the tests; code-server needs the build tools and headers to install.
if (!flag('no-install')) ensureSetup({ tag: 'start', apt: ['libkrb5-dev', 'ripgrep', 'build-essential', 'pkg-config'], host: true });
if (!fs.existsSync(CODE_SERVER)) {
  console.error('start: code-server is not installed: run bash .ci/install-vscode-host.sh (or npm start without --no-install).');
  process.exit(1);
}

// -------------------------------------------------------------------------------------------- 2. build
if (needsBuild() && !build({ quiet: true })) {
  console.error('start: the build failed.');
  process.exit(1);
}

// --------------------------------------------------------------------------------------- 3. extension
const state = path.join(ROOT, '.flowmorph-tmp', 'code-server');
fs.mkdirSync(state, { recursive: true });
if (!dev) {
  const tmp = makeTempDir('flowmorph-start-');
  const vsix = path.join(tmp, 'flowmorph.vsix');
  console.log('start: packaging the extension…');
  const r = spawnSync('npx', ['--no-install', 'vsce', ...VSCE_PACKAGE_ARGS, '-o', vsix], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    console.error(`start: vsce package failed:\n${r.stdout}\n${r.stderr}`);
    process.exit(1);
  }
  installExtension(vsix, state);
  console.log(`start: installed ${path.basename(vsix)} (${(fs.statSync(vsix).size / 1048576).toFixed(1)} MB) into ${path.relative(ROOT, state)}`);
} else {
  // A VSIX installed earlier would shadow the development copy.
  const ext = path.join(state, 'extensions');
  if (fs.existsSync(ext)) for (const d of fs.readdirSync(ext)) if (d.startsWith('flowmorph.flowmorph-')) fs.rmSync(path.join(ext, d), { recursive: true, force: true });
}

// --------------------------------------------------------------------------------------- 4. workspace
if (!fs.existsSync(workspace)) {
  copyDir(path.join(ROOT, 'test-fixtures', 'ws'), workspace);
  console.log(`start: created the demo workspace ${path.relative(ROOT, workspace) || workspace}`);
}

// ------------------------------------------------------------------------------------------- 5. serve
if (await portInUse(port)) {
  console.error(`start: port ${port} is in use; choose another: npm start -- --port ${port + 1}`);
  process.exit(1);
}
const server = await startCodeServer({ dir: state, port });
const url = workbenchUrl(server, workspace, dev ? { devPath: ROOT } : {});
console.log(`
  Flowmorph is ready (${since()}). Open in your browser:

    ${url}

  Then: the Flowmorph icon in the activity bar, or right-click a .csv › Flowmorph, or F1 › "Flowmorph: Open Flowmorph".
  The demo experiment (demo.flowmorph.json) morphs four circles into two moons.
  ${dev ? 'Development mode: the extension loads from this checkout; rebuild (npm run build) and reload the window to see changes.\n  ' : ''}Remote machine? Forward the port: ssh -L ${port}:127.0.0.1:${port} <host>
  code-server log: ${path.relative(ROOT, server.dirs.log)}
  Ctrl-C stops it.
`);
server.proc.on('exit', (code, sig) => {
  console.error(`start: code-server exited (${code ?? sig}); see ${server.dirs.log}`);
  void shutdown(1);
});
// Keep running until Ctrl-C (vscode-lib's SIGINT handler stops code-server and exits).
setInterval(() => {}, 1 << 30);
