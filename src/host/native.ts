/**
 * "Install Native Backend": @tensorflow/tfjs-node (libtensorflow, several times faster than wasm for
 * large models) cannot ship inside a VSIX (platform-specific, downloaded at install time), so it is
 * installed on demand with npm into the extension's global storage. The worker looks there at start-up
 * (src/host/nativeCore.ts). Its install script downloads libtensorflow from Google storage: offline
 * machines need TFJS_NODE_CDN_STORAGE / a mirror (see shared/tfjs-notes.md), and the install is bounded
 * by a timeout because that script has none.
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';

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

export function installCommand(dir: string): { cmd: string; args: string[] } {
  return {
    cmd: process.platform === 'win32' ? 'npm.cmd' : 'npm',
    args: ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', dir, `@tensorflow/tfjs-node@${TFJS_NODE_VERSION}`],
  };
}

/** Runs the install (or only reports it with `dryRun`); `onLine` gets npm's output as it comes. */
export function installNative(
  globalStorage: vscode.Uri,
  opts: { dryRun?: boolean; token?: vscode.CancellationToken; onLine?: (line: string) => void } = {},
): Promise<NativeInstallResult> {
  const dir = nativeDir(globalStorage);
  const { cmd, args } = installCommand(dir);
  const command = [cmd, ...args].join(' ');
  if (opts.dryRun) return Promise.resolve({ ok: true, dir, command, output: '', dryRun: true });
  fs.mkdirSync(dir, { recursive: true });
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: dir, env: { ...process.env, npm_config_yes: 'true' } });
    let output = '';
    const take = (b: Buffer) => {
      const s = b.toString();
      output += s;
      for (const line of s.split('\n')) if (line.trim()) opts.onLine?.(line);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
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
