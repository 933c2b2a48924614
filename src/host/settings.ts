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
}

export function settings(scope?: vscode.Uri): Settings {
  const c = vscode.workspace.getConfiguration('flowmorph', scope);
  return {
    backend: c.get<BackendPreference>('backend', 'auto'),
    defaultPreset: c.get<PresetName>('defaultPreset', 'fast'),
    plotPoints: Math.max(100, Math.min(20000, c.get<number>('plotPoints', 2000))),
    outputFolder: c.get<string>('outputFolder', 'flowmorph-runs') || 'flowmorph-runs',
  };
}
