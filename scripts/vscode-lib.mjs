// A real VS Code for tests and `npm start`: the pinned code-server (tools/vscode-host, VS Code 1.100.3 on the
// system Node) plus Debian chromium driven by playwright-core. The versions are pinned in
// tools/vscode-host/package.json.
//
// Everything started here is tracked and killed on exit, on SIGINT/SIGTERM/SIGHUP and on crashes:
// code-server runs detached in its own process group, so `process.kill(-pid)` also ends its extension host
// and pty host; a crashed driver would otherwise leave them running.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
export const CODE_SERVER =
  process.env.CODE_SERVER_BIN || path.join(ROOT, 'tools', 'vscode-host', 'node_modules', '.bin', 'code-server');
export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

// ---------------------------------------------------------------------------------------------- cleanup

const groups = new Set(); // pids of detached process groups
const tempDirs = new Set();
const asyncCleanups = new Set(); // e.g. closing the browser; run on signals (not possible on 'exit')
let handlersInstalled = false;

function killGroups(signal = 'SIGTERM') {
  for (const pid of groups) {
    try {
      process.kill(-pid, signal);
    } catch {
      /* already gone */
    }
  }
}

function removeTempDirs() {
  if (process.env.FLOWMORPH_KEEP_TMP) return;
  for (const d of tempDirs) fs.rmSync(d, { recursive: true, force: true, maxRetries: 3 });
  tempDirs.clear();
}

function installHandlers() {
  if (handlersInstalled) return;
  handlersInstalled = true;
  // 'exit' handlers must be synchronous: signal the groups and delete temp dirs, nothing more.
  process.on('exit', () => {
    killGroups('SIGKILL');
    removeTempDirs();
  });
  const onSignal = (sig) => {
    console.error(`\n${sig}: stopping`);
    shutdown(sig === 'SIGINT' ? 130 : 143);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, onSignal);
  process.on('uncaughtException', (e) => {
    console.error('uncaught:', e);
    shutdown(1);
  });
  process.on('unhandledRejection', (e) => {
    console.error('unhandled rejection:', e);
    shutdown(1);
  });
}

let shuttingDown = false;
/** Close everything (browser first, then code-server groups) and exit with `code`. */
export async function shutdown(code) {
  if (shuttingDown) return;
  shuttingDown = true;
  const timer = setTimeout(() => process.exit(code), 5000); // never hang in cleanup
  for (const fn of asyncCleanups) {
    try {
      await fn();
    } catch {
      /* best effort */
    }
  }
  killGroups('SIGTERM');
  clearTimeout(timer);
  process.exit(code);
}

/** A fresh temp dir, deleted at exit (unless FLOWMORPH_KEEP_TMP is set, for debugging). */
export function makeTempDir(prefix) {
  installHandlers();
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(d);
  return d;
}

/** Recursive copy (the fixture workspace into a temp dir, so tests never dirty the repo). */
export function copyDir(src, dst) {
  fs.cpSync(src, dst, { recursive: true });
  return dst;
}

// --------------------------------------------------------------------------------------------- helpers

/** A free TCP port on 127.0.0.1 (ask the kernel: listen on port 0). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** True when something already listens on 127.0.0.1:port. */
export function portInUse(port) {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function httpStatus(url) {
  return new Promise((resolve) => {
    const req = http.get(url, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => {
      req.destroy();
      resolve(0);
    });
  });
}

/** Resolves once `ok()` is truthy, polling every `everyMs`; rejects with `what` after `timeoutMs`. */
export async function waitUntil(ok, { timeoutMs = 30000, everyMs = 200, what = 'condition' } = {}) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await ok();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/** Rejects after ms (or resolves with `value` when given), for Promise.race outer timeouts. */
export function timeout(ms, value) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => (value === undefined ? reject(new Error(`timeout ${ms} ms`)) : resolve(value)), ms);
    t.unref();
  });
}

// ------------------------------------------------------------------------------------------ code-server

/**
 * How long a workbench navigation (goto, reload) may take to fire "load": Playwright's 30-s default ran out
 * at a load average of ~30 on 2 cores (the Restricted Mode session's goto), which ended the whole UI run.
 */
export const NAV_TIMEOUT_MS = 120_000;

/** User settings that keep the workbench quiet and offline (recipe, "Launch"). */
export const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'security.workspace.trust.enabled': false,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'telemetry.telemetryLevel': 'off',
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'workbench.tips.enabled': false,
  'update.mode': 'none',
  // The demo workspace sits inside this git checkout: no "open the parent repository?" prompt.
  'git.openRepositoryInParentFolders': 'never',
};

/** Paths of one code-server instance's private state under `dir`. */
export function serverDirs(dir) {
  return {
    config: path.join(dir, 'config.yaml'),
    userData: path.join(dir, 'user-data'),
    extensions: path.join(dir, 'extensions'),
    log: path.join(dir, 'code-server.log'),
  };
}

function baseEnv(extra) {
  // EXTENSIONS_GALLERY='{}' turns the (unreachable) open-vsx marketplace off.
  return { ...process.env, EXTENSIONS_GALLERY: '{}', ...extra };
}

/** `code-server --install-extension <vsix>` into an instance's extensions dir (as a user would). */
export function installExtension(vsix, dir) {
  const d = serverDirs(dir);
  const r = spawnSync(
    CODE_SERVER,
    ['--config', d.config, '--user-data-dir', d.userData, '--extensions-dir', d.extensions, '--install-extension', vsix, '--force'],
    { encoding: 'utf8', env: baseEnv() },
  );
  if (r.status !== 0) throw new Error(`--install-extension failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout.trim();
}

/**
 * Start code-server on 127.0.0.1 (webviews need a secure context: 127.0.0.1/localhost, never a LAN address)
 * with its own config, user-data and extensions dirs under `dir`; resolves once /healthz answers 200.
 * `env` is passed to code-server and so reaches the extension host (tests read FLOWMORPH_TEST_RESULT from it).
 */
export async function startCodeServer({ dir, port, env = {}, settings = {}, inheritOutput = false, trust = false } = {}) {
  installHandlers();
  if (!fs.existsSync(CODE_SERVER)) {
    throw new Error(`code-server not found at ${CODE_SERVER}: run bash .ci/install-vscode-host.sh`);
  }
  dir = dir || makeTempDir('flowmorph-cs-');
  port = port || (await freePort());
  const d = serverDirs(dir);
  fs.mkdirSync(path.join(d.userData, 'User'), { recursive: true });
  fs.mkdirSync(d.extensions, { recursive: true });
  // Our own config file; otherwise code-server writes ~/.config/code-server/config.yaml with a password.
  if (!fs.existsSync(d.config)) fs.writeFileSync(d.config, 'auth: none\ncert: false\n');
  const settingsPath = path.join(d.userData, 'User', 'settings.json');
  const old = fs.existsSync(settingsPath) ? JSON.parse(fs.readFileSync(settingsPath, 'utf8')) : {};
  // trust: workspace trust on (a folder opens in Restricted Mode until trusted), for the restricted-mode test.
  const trustSettings = trust ? { 'security.workspace.trust.enabled': true, 'security.workspace.trust.startupPrompt': 'never' } : {};
  fs.writeFileSync(settingsPath, JSON.stringify({ ...USER_SETTINGS, ...old, ...settings, ...trustSettings }, null, 2));

  const args = [
    '--config', d.config, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--user-data-dir', d.userData, '--extensions-dir', d.extensions,
    '--disable-telemetry', '--disable-update-check', ...(trust ? [] : ['--disable-workspace-trust']),
    '--disable-getting-started-override', '--ignore-last-opened',
  ];
  const out = inheritOutput ? 'inherit' : fs.openSync(d.log, 'a');
  const proc = spawn(CODE_SERVER, args, { detached: true, stdio: ['ignore', out, out], env: baseEnv(env) });
  groups.add(proc.pid);
  let exited = null;
  proc.on('exit', (code, sig) => {
    exited = { code, sig };
    groups.delete(proc.pid);
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    async () => {
      if (exited) throw new Error(`code-server exited early (${exited.code ?? exited.sig}); log: ${d.log}\n${readTail(d.log)}`);
      return (await httpStatus(`${url}/healthz`)) === 200;
    },
    { timeoutMs: 60000, what: `code-server /healthz on port ${port}` },
  );
  return {
    url,
    port,
    dir,
    dirs: d,
    proc,
    log: () => readTail(d.log, 200),
    async stop() {
      if (exited) return;
      try {
        process.kill(-proc.pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      await Promise.race([new Promise((r) => proc.once('exit', r)), timeout(5000, null)]);
      if (!exited) {
        try {
          process.kill(-proc.pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      groups.delete(proc.pid);
    },
  };
}

function readTail(file, lines = 40) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * The workbench URL for a folder, optionally with the `payload` the web workbench reads test settings from
 * (the @vscode/test-web mechanism): extensionDevelopmentPath / extensionTestsPath as vscode-remote URIs.
 */
export function workbenchUrl(server, folder, { devPath, testsPath } = {}) {
  const q = [`folder=${encodeURIComponent(folder)}`];
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${p}`;
  const payload = [];
  if (devPath) payload.push(['extensionDevelopmentPath', remote(devPath)]);
  if (testsPath) payload.push(['extensionTestsPath', remote(testsPath)]);
  if (payload.length) q.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
  return `${server.url}/?${q.join('&')}`;
}

// ---------------------------------------------------------------------------------------------- browser

/** Headless Debian chromium through playwright-core, one page, its own throwaway profile. */
export async function launchBrowser({ viewport = { width: 1400, height: 900 } } = {}) {
  installHandlers();
  const { chromium } = await import('playwright-core');
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} missing: run bash .ci/install-apt.sh`);
  const ctx = await chromium.launchPersistentContext(makeTempDir('flowmorph-chromium-'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  const close = async () => {
    asyncCleanups.delete(close);
    await ctx.close().catch(() => {});
  };
  asyncCleanups.add(close);
  const page = ctx.pages()[0] || (await ctx.newPage());
  return { ctx, page, close };
}

function escapeRe(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Run a command by its palette title ("Flowmorph: Open Flowmorph"). F1, type, wait for the row, click it.
 * Retries by reopening the palette: it snapshots the command list when it opens, and an extension's
 * commands arrive a few seconds after the workbench paints.
 */
export async function runFromPalette(page, title, { timeoutMs = 60000, rowWaitMs = 3000 } = {}) {
  const end = Date.now() + timeoutMs;
  const row = page
    .locator('.quick-input-widget .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRe(title)}$`) }) })
    .first();
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget input.input');
    await input.waitFor({ state: 'visible', timeout: 10000 });
    await input.fill(`>${title}`);
    try {
      await row.waitFor({ state: 'visible', timeout: rowWaitMs });
      await row.click();
      await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 10000 });
      return attempt;
    } catch (e) {
      if (Date.now() > end) throw new Error(`command "${title}" never appeared in the palette (${attempt} tries): ${e.message}`);
    }
  }
}

/**
 * The inner document of a webview (<iframe class="webview"> → <iframe id="active-frame">) for which
 * `predicate(frame)` resolves truthy. `predicate` may also be a RegExp, tested against the body text.
 */
export async function webviewFrame(page, predicate, { timeoutMs = 60000 } = {}) {
  const test =
    predicate instanceof RegExp
      ? async (f) => predicate.test(await f.evaluate(() => document.body?.innerText || ''))
      : predicate;
  return waitUntil(
    async () => {
      for (const f of page.frames()) {
        if (f === page.mainFrame() || f.isDetached()) continue;
        // Only the inner documents of webviews (their URL is the fake.html / index.html of the webview origin).
        if (!/vscode-cdn|vscode-webview|webview/i.test(f.url()) && f.name() !== 'active-frame') continue;
        try {
          if (await test(f)) return f;
        } catch {
          /* frame navigating or detached: try the next poll */
        }
      }
      return undefined;
    },
    { timeoutMs, everyMs: 250, what: `a webview matching ${predicate}` },
  );
}
