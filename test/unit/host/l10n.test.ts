/**
 * Localisation: every text the extension shows through VS Code's message, status bar, progress, quick
 * pick, input box and file dialog APIs goes through vscode.l10n.t; l10n/bundle.l10n.json holds exactly the
 * keys the sources use; the manifest's strings are package.nls.json keys. The lint is scripts/l10n.mjs
 * (`node scripts/l10n.mjs` rewrites the bundle).
 *
 * The message of a `new Error(…)` in src/host is shown too (a command's failure, the panel's status line),
 * so it goes through vscode.l10n.t as well. An internal error no person reads (an invariant, a hook of the
 * integration tests) is exempt with a marker on its line or the line above:
 *
 *     throw new Error('the worker sent a grid of the wrong size'); // l10n-ignore: an invariant
 *
 * Modules the unit tests load without vscode use src/host/l10n.ts's `l10n.t`, the same keys and bundle.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { english, l10n } from '../../../src/host/l10n';

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
      if (n > 1) throw new Error('Choose a run first');
      if (n > 2) throw new Error(\`\${role} is running: stop it first.\`);
      if (n > 3) throw new Error(vscode.l10n.t('Fine'));
      if (n > 4) throw new Error(\`\${role}: \${files.join('; ')}\`);
      if (n > 5) throw new Error(role);
      if (n > 6) throw new Error('the panel is not open'); // l10n-ignore: a test hook
      // l10n-ignore: an invariant
      if (n > 7) throw new Error('the worker sent a grid of the wrong size');
      if (n > 8) throw new Error(l10n.t('no column {0}', role));
      if (n > 9) return Promise.reject(new RangeError('Too many rows'));
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
      'Error: Choose a run first',
      'Error: `${role} is running: stop it first.`',
      'RangeError: Too many rows',
    ],
  );
  assert.equal(r.dynamic.length, 1, 'l10n.t with a template literal cannot be extracted into the bundle');
  assert.deepEqual([...r.keys.keys()].sort(), ['Fine', 'Fine {0}', 'Localised', 'no column {0}', 'ok']);
  // The engine's and the CLI's errors stay English (the CLI prints them; no vscode there).
  const core = scan([[path.join(root, 'src', 'core', 'fake.ts'), "export function f() { throw new Error('Too many rows'); }"]]);
  assert.deepEqual(core.unlocalised, []);
});

test('src/host/l10n.ts fills in the English message ({n} by the n-th argument) until activation hands it vscode.l10n.t', () => {
  assert.equal(english('no column {0} in the file (its columns: {1})', '"E"', 'px, py'), 'no column "E" in the file (its columns: px, py)');
  assert.equal(english('{1} then {0}, {0} again; {2} has no argument', 1, true), 'true then 1, 1 again; {2} has no argument');
  assert.equal(l10n.t('the preview worker exited (code {0})', 3), 'the preview worker exited (code 3)');
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
