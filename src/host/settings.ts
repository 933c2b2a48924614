/** The extension's settings (package.json `contributes.configuration`), read fresh on every use. */
import * as os from 'os';
import * as vscode from 'vscode';
import type { PresetName } from '../core/config';
import type { BackendPreference } from '../core/tf';

export interface Settings {
  backend: BackendPreference;
  defaultPreset: PresetName;
  /** Points per cloud in the panel's scatter plots. */
  plotPoints: number;
  /** Where runs go, relative to the experiment file, unless the experiment names its own. */
  outputFolder: string;
  /** Threads one training uses: 'auto' (2 on a machine with two or more cores), 1 or 2. */
  threads: 'auto' | 1 | 2;
}

export function settings(scope?: vscode.Uri): Settings {
  const c = vscode.workspace.getConfiguration('flowmorph', scope);
  return {
    backend: c.get<BackendPreference>('backend', 'auto'),
    defaultPreset: c.get<PresetName>('defaultPreset', 'fast'),
    plotPoints: Math.max(100, Math.min(20000, c.get<number>('plotPoints', 2000))),
    outputFolder: c.get<string>('outputFolder', 'flowmorph-runs') || 'flowmorph-runs',
    threads: threadsSetting(c.get<unknown>('threads', 0)),
  };
}

function machineCores(): number {
  return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
}

/** The most threads the engine uses (one helper thread, src/core/wasm/dense.ts) on this machine. */
export const MAX_THREADS = (cores = machineCores()): number => Math.max(1, Math.min(2, cores));

/**
 * flowmorph.threads: 0 (automatic), else a count lowered to MAX_THREADS. The strings "auto", "1", "2" of
 * the earlier string setting still mean what they meant.
 */
export function threadsSetting(v: unknown, cores = machineCores()): 'auto' | 1 | 2 {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : 0;
  if (!Number.isFinite(n) || n < 1) return 'auto';
  return Math.min(Math.floor(n), MAX_THREADS(cores)) as 1 | 2;
}
