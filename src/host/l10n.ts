/**
 * vscode.l10n.t for the host modules the unit tests load without vscode (columnChoice.ts, densityMorph.ts,
 * datasets.ts): `l10n.t('… {0} …', x)` fills in the English message until activate() (extension.ts) hands
 * over vscode.l10n.t, which looks it up in the bundle of the display language. scripts/l10n.mjs reads
 * these calls as it reads vscode.l10n.t's (same keys, same bundle).
 */
export type Translate = (message: string, ...args: Array<string | number | boolean>) => string;

/** The English message with `{n}` replaced by the n-th argument (a `{n}` without one stays as it is). */
export const english: Translate = (message, ...args) => message.replace(/\{(\d+)\}/g, (m, i: string) => (Number(i) < args.length ? String(args[Number(i)]) : m));

let translate: Translate = english;

export const l10n = {
  t: (message: string, ...args: Array<string | number | boolean>): string => translate(message, ...args),
};

/** Called once by activate() with vscode.l10n.t. */
export function useTranslation(t: Translate): void {
  translate = t;
}
