/** Shared helpers of the integration tests (they run inside the VS Code extension host). */
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { FlowmorphApi } from '../../src/host/extension';
import type { RunRecord } from '../../src/host/runs';
import type { HostToWebview } from '../../src/protocol';

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
