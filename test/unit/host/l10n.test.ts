/**
 * Localisation: every text the extension shows through VS Code's message, status bar, progress, quick
 * pick, input box and file dialog APIs goes through vscode.l10n.t; l10n/bundle.l10n.json holds exactly the
 * keys the sources use; the manifest's strings are package.nls.json keys. The lint is scripts/l10n.mjs
 * (`node scripts/l10n.mjs` rewrites the bundle).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

const root = path.resolve(__dirname, '..', '..', '..', '..');
const lint = () => import(pathToFileURL(path.join(root, 'scripts', 'l10n.mjs')).href);

test('no user-facing text in src/ bypasses vscode.l10n.t, and every l10n.t message is a plain literal', async () => {
  const { scan, sourceFiles } = await lint();
  const files: string[] = sourceFiles();
  assert.ok(files.some((f) => f.endsWith(path.join('src', 'host', 'commands.ts'))), 'the scan reads src/host');
  const r = scan(files.map((f) => [f, fs.readFileSync(f, 'utf8')]));
  assert.deepEqual(r.unlocalised, []);
  assert.deepEqual(r.dynamic, []);
  assert.ok(r.keys.size >= 50, `${r.keys.size} messages`);
});

test('the lint finds an unlocalised text in every shape a sink receives it, and passes localised ones', async () => {
  const { scan } = await lint();
  const src = `
    import * as vscode from 'vscode';
    export async function f(role: string, n: number, files: string[]) {
      vscode.window.showInformationMessage('Saved the plots');
      vscode.window.showErrorMessage(\`Could not read \${files[0]}\`);
      vscode.window.showWarningMessage(vscode.l10n.t('Fine {0}', n), 'Open Folder');
      vscode.window.setStatusBarMessage(role === 'a' ? 'Training started' : vscode.l10n.t('ok'), 3000);
      vscode.window.withProgress({ location: 1, title: 'Flowmorph: training' }, async () => undefined);
      const text = 'Pick one please';
      await vscode.window.showQuickPick([{ label: 'First choice', format: 'csv' }], { placeHolder: text });
      const items = [];
      items.push({ label: vscode.l10n.t('Localised'), detail: 'Not localised detail' });
      await vscode.window.showQuickPick(items);
      await vscode.window.showInputBox({ validateInput: (s: string) => (s ? undefined : 'Type a number') });
      await vscode.window.showSaveDialog({ saveLabel: 'Export Here' });
      await datasetArg([], 'Dataset to open');
      vscode.window.showInformationMessage(vscode.l10n.t(\`dynamic \${n}\`));
      vscode.window.showInformationMessage(vscode.l10n.t('Fine'), ', ');
    }
    declare function datasetArg(a: unknown[], t: string): Promise<void>;
  `;
  const r = scan([[path.join(root, 'src', 'host', 'fake.ts'), src]]);
  assert.deepEqual(
    r.unlocalised.map((u: { api: string; text: string }) => `${u.api}: ${u.text}`),
    [
      'showInformationMessage: Saved the plots',
      'showErrorMessage: `Could not read ${files[0]}`',
      'showWarningMessage: Open Folder',
      'setStatusBarMessage: Training started',
      'withProgress: Flowmorph: training',
      'showQuickPick: First choice',
      'showQuickPick: Pick one please',
      'showQuickPick: Not localised detail',
      'showInputBox: Type a number',
      'showSaveDialog: Export Here',
      'datasetArg: Dataset to open',
    ],
  );
  assert.equal(r.dynamic.length, 1, 'l10n.t with a template literal cannot be extracted into the bundle');
  assert.deepEqual([...r.keys.keys()].sort(), ['Fine', 'Fine {0}', 'Localised', 'ok']);
});

test('l10n/bundle.l10n.json holds exactly the messages the sources use (node scripts/l10n.mjs writes it)', async () => {
  const { scan, sourceFiles, bundleText, BUNDLE } = await lint();
  const r = scan((sourceFiles() as string[]).map((f) => [f, fs.readFileSync(f, 'utf8')]));
  assert.equal(fs.readFileSync(BUNDLE, 'utf8'), bundleText(r.keys));
  const bundle = JSON.parse(fs.readFileSync(BUNDLE, 'utf8')) as Record<string, string>;
  assert.equal(bundle['Reveal'], 'Reveal');
});

test('the manifest points VS Code at the bundle and ships it; its strings are package.nls.json keys', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  const nls = JSON.parse(fs.readFileSync(path.join(root, 'package.nls.json'), 'utf8')) as Record<string, string>;
  assert.equal(pkg.l10n, './l10n');
  assert.match(fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8'), /^!l10n\/\*\.json$/m);
  const c = pkg.contributes;
  const shown: [string, unknown][] = [
    ['displayName', pkg.displayName],
    ['description', pkg.description],
    // (the category, "Flowmorph", is the product's name and stays as it is)
    ...c.commands.map((x: { command: string; title: unknown }) => [`${x.command} title`, x.title] as [string, unknown]),
    ...Object.entries(c.configuration.properties).flatMap(([k, v]) => {
      const p = v as { description?: unknown; markdownDescription?: unknown; enumDescriptions?: unknown[] };
      return [[k, p.description ?? p.markdownDescription], ...(p.enumDescriptions ?? []).map((d, i) => [`${k} enum ${i}`, d] as [string, unknown])];
    }),
  ];
  const missing = shown.filter(([, v]) => !(typeof v === 'string' && /^%[^%]+%$/.test(v)));
  assert.deepEqual(missing, [], 'texts written into package.json instead of package.nls.json');
  const keys = [...JSON.stringify(pkg).matchAll(/"%([^%"]+)%"/g)].map((m) => m[1]);
  assert.deepEqual(keys.filter((k) => !(k in nls)), [], 'keys package.nls.json lacks');
});
