/**
 * Export Plots' background choice: the theme's (what the panel shows), light (for papers and slides) or
 * transparent. Given by a command argument (`{ background }`) or asked with a quick pick.
 */
import * as vscode from 'vscode';
import { EXPORT_BACKGROUNDS, type ExportBackground } from '../protocol/webview';

/** The background given (checked), else asked for; undefined when the person cancels. */
export async function chooseBackground(given: unknown, ask: boolean): Promise<ExportBackground | undefined> {
  if (given !== undefined) {
    if (!EXPORT_BACKGROUNDS.includes(given as ExportBackground)) throw new Error(vscode.l10n.t('Unknown plot background {0}: one of {1}.', JSON.stringify(given), EXPORT_BACKGROUNDS.join(', ')));
    return given as ExportBackground;
  }
  if (!ask) return 'theme';
  const items: (vscode.QuickPickItem & { background: ExportBackground })[] = [
    { label: vscode.l10n.t('Theme background'), detail: vscode.l10n.t('as the panel shows them, in the colours of the current theme'), background: 'theme' },
    { label: vscode.l10n.t('Light background'), detail: vscode.l10n.t('dark text on white, for papers and slides'), background: 'light' },
    { label: vscode.l10n.t('Transparent'), detail: vscode.l10n.t("no background: the theme's colours on whatever the plot is placed on"), background: 'transparent' },
  ];
  const pick = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Flowmorph: export plots (PNG at 2× and SVG)'),
    placeHolder: vscode.l10n.t('Background of the exported plots'),
  });
  return pick?.background;
}
