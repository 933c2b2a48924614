/** Shared helpers of the integration tests (they run inside the VS Code extension host). */
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { FlowmorphApi } from '../../src/host/extension';
import type { RunRecord } from '../../src/host/runs';
import type { HostToWebview } from '../../src/protocol/webview';

export const EXTENSION_ID = 'flowmorph.flowmorph';

export async function api(): Promise<FlowmorphApi> {
  const ext = vscode.extensions.getExtension<FlowmorphApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} not found`);
  return ext.isActive ? ext.exports : ext.activate();
}

/** The fixture workspace (a temp copy of test-fixtures/ws made by scripts/integration.mjs). */
export function ws(...p: string[]): string {
  const root = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  assert.ok(root, 'no workspace folder open');
  return path.join(root, ...p);
}

export function uri(...p: string[]): vscode.Uri {
  return vscode.Uri.file(ws(...p));
}

export function readCsv(file: string): { header: string[]; rows: number[][] } {
  const lines = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const sep = lines[0].includes('\t') ? '\t' : ',';
  return { header: lines[0].split(sep), rows: lines.slice(1).map((l) => l.split(sep).map(Number)) };
}

export function columnStats(rows: number[][], c: number): { mean: number; std: number } {
  const n = rows.length;
  const mean = rows.reduce((s, r) => s + r[c], 0) / n;
  const v = rows.reduce((s, r) => s + (r[c] - mean) ** 2, 0) / n;
  return { mean, std: Math.sqrt(v) };
}

/** Fails with the run's own error when it did not finish. */
export function assertDone(rec: RunRecord | undefined): RunRecord {
  assert.ok(rec, 'no run record returned');
  assert.equal(rec.status, 'done', `${rec.label}: ${rec.status}${rec.error ? `: ${rec.error}` : ''}`);
  return rec;
}

export function readJson<T = any>(file: string): T {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

/** The bundled CLI (out/src/cli/main.js) with `--json`, in the workspace, on wasm; its JSON answer. */
export function cliJson(args: string[]): any {
  const file = path.join(__dirname, '..', '..', 'src', 'cli', 'main.js');
  const r = spawnSync(process.execPath, [file, ...args, '--json'], { cwd: ws(), encoding: 'utf8', env: { ...process.env, FLOWMORPH_BACKEND: 'wasm' } });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop() as string);
}

/** For a suite that switches the current experiment: later suites get back the one they had. */
export function keepExperiment(): void {
  let previous: vscode.Uri | undefined;
  before(async () => {
    previous = await (await api()).controller.store.find();
  });
  after(async () => {
    if (previous) await (await api()).controller.store.use(previous);
  });
}

/**
 * Four circles (fc.csv) → checkerboard (cb.csv), 3 000 rows each, generated into `folder` with the given
 * seeds, and an experiment file `name` there with their paths, `base` and `morph`; returns its path.
 */
export async function toyPairExperiment(folder: string, name: string, seeds: [number, number], settings: { base: object; morph: object }): Promise<string> {
  await vscode.commands.executeCommand('flowmorph.generateToy', { name: 'fourcircles', rows: 3000, seed: seeds[0], file: `${folder}/fc.csv` });
  await vscode.commands.executeCommand('flowmorph.generateToy', { name: 'checkerboard', rows: 3000, seed: seeds[1], file: `${folder}/cb.csv` });
  const file = ws(folder, name);
  fs.writeFileSync(file, JSON.stringify({ version: 1, source: { path: 'fc.csv' }, target: { path: 'cb.csv' }, ...settings, outputFolder: 'runs' }));
  return file;
}

/** Records every message the host posts to the panel into `posted` (still sending it); returns the undo. */
export async function capturePosts(posted: HostToWebview[]): Promise<() => void> {
  const a = await api();
  const orig = a.panel.post.bind(a.panel);
  a.panel.post = (m: HostToWebview) => {
    posted.push(m);
    return orig(m);
  };
  return () => (a.panel.post = orig);
}

/** Inside a `describe`: the messages the host posts to the panel while its tests run. */
export function postsDuringSuite(): HostToWebview[] {
  const posted: HostToWebview[] = [];
  let restore: (() => void) | undefined;
  before(async () => {
    restore = await capturePosts(posted);
  });
  after(() => restore?.());
  return posted;
}
