/**
 * "Install Native Backend": @tensorflow/tfjs-node (libtensorflow; its speed for Flowmorph is not measured:
 * the fused network and spline kernels run our WebAssembly on every backend) cannot ship inside a VSIX (platform-specific, downloaded at install time), so it is
 * installed on demand with npm into the extension's global storage. The worker looks there at start-up
 * (src/worker/nativeCore.ts). Its install script downloads libtensorflow from Google storage: offline
 * machines need TFJS_NODE_CDN_STORAGE / a mirror (README, "Backends"), and the install is bounded
 * by a timeout because that script has none.
 */
import { spawn, type SpawnOptions } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import type * as vscode from 'vscode';

export const TFJS_NODE_VERSION = '4.22.0';
const INSTALL_TIMEOUT_MS = 15 * 60_000;

/** Folder holding node_modules/@tensorflow/tfjs-node once installed. */
export function nativeDir(globalStorage: vscode.Uri): string {
  return path.join(globalStorage.fsPath, 'native');
}

/** The node_modules folder the worker should search, when an install is present. */
export function nativeModules(globalStorage: vscode.Uri): string | undefined {
  const nm = path.join(nativeDir(globalStorage), 'node_modules');
  return fs.existsSync(path.join(nm, '@tensorflow', 'tfjs-node', 'package.json')) ? nm : undefined;
}

export interface NativeInstallResult {
  ok: boolean;
  dir: string;
  command: string;
  output: string;
  dryRun?: boolean;
}

/** An argument for cmd.exe: quoted when it holds a space or one of cmd's special characters. */
function cmdQuote(a: string): string {
  return /[\s"&|<>^()%!]/.test(a) ? `"${a.replace(/"/g, '""')}"` : a;
}

/**
 * What to spawn for the install on `platform`. On Windows npm is `npm.cmd`, a batch file, which Node
 * (since 20.12.2 / 18.20.2, CVE-2024-27980) refuses to spawn without a shell (EINVAL, nodejs/node#52681):
 * it runs through cmd.exe with `shell: true`, and since the shell then joins the arguments with spaces,
 * the ones with spaces (a global-storage path under "C:\Users\Jane Doe\…") are quoted here.
 */
export function installCommand(dir: string, platform: NodeJS.Platform = process.platform): { cmd: string; args: string[]; options: SpawnOptions } {
  const args = ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', dir, `@tensorflow/tfjs-node@${TFJS_NODE_VERSION}`];
  if (platform === 'win32') return { cmd: 'npm.cmd', args: args.map(cmdQuote), options: { shell: true, windowsHide: true } };
  return { cmd: 'npm', args, options: {} };
}

/** Runs the install (or only reports it with `dryRun`); `onLine` gets npm's output as it comes. */
export function installNative(
  globalStorage: vscode.Uri,
  opts: { dryRun?: boolean; token?: vscode.CancellationToken; onLine?: (line: string) => void } = {},
): Promise<NativeInstallResult> {
  const dir = nativeDir(globalStorage);
  const { cmd, args, options } = installCommand(dir);
  const command = [cmd, ...args].join(' ');
  if (opts.dryRun) return Promise.resolve({ ok: true, dir, command, output: '', dryRun: true });
  fs.mkdirSync(dir, { recursive: true });
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn(cmd, args, { ...options, cwd: dir, env: { ...process.env, npm_config_yes: 'true' } });
    } catch (e) {
      // spawn throws synchronously for some argument errors (EINVAL on Windows): a failed install, not a rejection
      resolve({ ok: false, dir, command, output: (e as Error).message });
      return;
    }
    let output = '';
    const take = (b: Buffer) => {
      const s = b.toString();
      output += s;
      for (const line of s.split('\n')) if (line.trim()) opts.onLine?.(line);
    };
    child.stdout?.on('data', take);
    child.stderr?.on('data', take);
    const timer = setTimeout(() => {
      output += `\ntimed out after ${INSTALL_TIMEOUT_MS / 60000} min`;
      child.kill();
    }, INSTALL_TIMEOUT_MS);
    opts.token?.onCancellationRequested(() => child.kill());
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, dir, command, output: `${output}\n${e.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ ok: code === 0 && nativeModules(globalStorage) !== undefined, dir, command, output });
    });
  });
}
