/** The extension's settings (package.json `contributes.configuration`), read fresh on every use. */
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
    threads: threadsSetting(c.get<string>('threads', 'auto')),
  };
}

function threadsSetting(v: string): 'auto' | 1 | 2 {
  return v === '1' ? 1 : v === '2' ? 2 : 'auto';
}
