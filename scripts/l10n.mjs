// Localisation of the extension's messages (vscode.l10n). Two jobs, one parser (TypeScript's):
//  - the bundle: every `vscode.l10n.t('…')` key under src/ goes into l10n/bundle.l10n.json (English,
//    key = message; translators add bundle.l10n.<locale>.json beside it). `node scripts/l10n.mjs` writes
//    it (atomically); `--check` only compares and exits 1 when it is stale or a message is not localised.
//  - the lint: a string with words in it that reaches a user-facing VS Code API (messages, status bar,
//    progress titles, quick picks, input boxes, file dialogs; SINKS below) without going through
//    vscode.l10n.t is reported with its file and line. So is the message of a `new Error(…)` in src/host
//    (commands and the panel show what they throw); an internal error no person reads (an invariant, a
//    test hook) carries `// l10n-ignore: <why>` on its line or the line above. src/host/l10n.ts's
//    `l10n.t` (for modules the unit tests load without vscode) counts as vscode.l10n.t.
//    test/unit/host/l10n.test.ts runs both.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ts = require('typescript');

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
export const BUNDLE = path.join(root, 'l10n', 'bundle.l10n.json');

/** `vscode.window.<name>` calls: which arguments are shown (all, or the listed indices). */
const WINDOW_SINKS = {
  showInformationMessage: 'all',
  showWarningMessage: 'all',
  showErrorMessage: 'all',
  setStatusBarMessage: [0],
  withProgress: [0],
  showQuickPick: [0, 1],
  showInputBox: [0],
  showSaveDialog: [0],
  showOpenDialog: [0],
};
/** Our own helpers whose argument becomes a dialog title or a message (function name → argument index). */
const OWN_SINKS = { datasetArg: [1], announceExport: [1] };
/** Object properties whose value is shown (options of the APIs above, quick pick items). */
const SHOWN_PROPERTIES = new Set(['title', 'placeHolder', 'prompt', 'saveLabel', 'openLabel', 'label', 'description', 'detail', 'message']);
/** Errors whose messages the host shows (a command's failure, the panel's status line): `new <name>(…)`. */
const ERROR_CONSTRUCTOR = /^(Error|TypeError|RangeError)$/;
/** The marker that exempts an internal error (on the line of its `new Error(` or the line above). */
const IGNORE = /\/\/\s*l10n-ignore\b/;
/** A file of the host (whose errors reach a person); the engine's and the CLI's stay English. */
const isHost = (file) => /(^|[\\/])src[\\/]host[\\/]/.test(file);
/** A literal is text for a person when it holds a word (two letters); ', ' or '…' alone are not. */
const WORDY = /[A-Za-z]{2}/;

function isL10nT(node) {
  return ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression) && node.expression.name.text === 't' && /(^|\.)l10n$/.test(node.expression.expression.getText());
}

/** Every src/ file that may call the VS Code API (the engine and the CLI never do). */
export function sourceFiles(dir = path.join(root, 'src')) {
  const out = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourceFiles(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out.sort();
}

/**
 * Scans TypeScript sources (file → text). Returns the l10n keys (key → first location), the calls of
 * vscode.l10n.t whose message is not one plain string literal, and the unlocalised texts reaching a sink.
 */
export function scan(files) {
  const keys = new Map();
  const dynamic = [];
  const unlocalised = [];
  for (const [file, text] of files) {
    const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    // Local constants a sink is given by name (`const text = …; showInformationMessage(text)`): one
    // declaration of that name in the file is followed to its initialiser (and the arrays pushed onto).
    const decls = new Map();
    const pushes = new Map();
    const collect = (n) => {
      if (ts.isVariableDeclaration(n) && ts.isIdentifier(n.name) && n.initializer) decls.set(n.name.text, decls.has(n.name.text) ? null : n.initializer);
      if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === 'push' && ts.isIdentifier(n.expression.expression)) {
        const k = n.expression.expression.text;
        pushes.set(k, [...(pushes.get(k) ?? []), ...n.arguments]);
      }
      ts.forEachChild(n, collect);
    };
    collect(sf);
    const followed = new Set();
    const where = (n) => `${path.relative(root, file)}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}`;
    // The text of a sink's argument that a person reads, unless it went through l10n.t.
    const shown = (n, api) => {
      if (isL10nT(n)) return;
      if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n)) {
        if (WORDY.test(n.text)) unlocalised.push({ at: where(n), api, text: n.text });
        return;
      }
      if (ts.isTemplateExpression(n)) {
        const parts = [n.head.text, ...n.templateSpans.map((s) => s.literal.text)].join('');
        if (WORDY.test(parts)) unlocalised.push({ at: where(n), api, text: n.getText(sf) });
        for (const s of n.templateSpans) shown(s.expression, api);
        return;
      }
      if (ts.isParenthesizedExpression(n) || ts.isSpreadElement(n) || ts.isAsExpression(n)) return shown(n.expression, api);
      if (ts.isConditionalExpression(n)) return (shown(n.whenTrue, api), shown(n.whenFalse, api));
      if (ts.isBinaryExpression(n)) {
        const op = n.operatorToken.kind;
        if (op === ts.SyntaxKind.PlusToken || op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.QuestionQuestionToken) {
          shown(n.left, api);
          shown(n.right, api);
        }
        return; // comparisons and the like yield no text
      }
      if (ts.isArrayLiteralExpression(n)) return n.elements.forEach((e) => shown(e, api));
      if (ts.isObjectLiteralExpression(n)) {
        for (const p of n.properties) {
          if (ts.isPropertyAssignment(p) && SHOWN_PROPERTIES.has(p.name.getText(sf))) shown(p.initializer, api);
          else if (ts.isPropertyAssignment(p) && p.name.getText(sf) === 'validateInput') shown(p.initializer, api);
        }
        return;
      }
      // A function's results are shown (validateInput, items built by .map(…)).
      if (ts.isArrowFunction(n) || ts.isFunctionExpression(n)) {
        if (!ts.isBlock(n.body)) shown(n.body, api);
        return;
      }
      if (ts.isCallExpression(n) && ts.isPropertyAccessExpression(n.expression) && n.expression.name.text === 'map') {
        for (const a of n.arguments) shown(a, api);
      }
      if (ts.isIdentifier(n) && decls.get(n.text) && !followed.has(n.text)) {
        followed.add(n.text);
        shown(decls.get(n.text), api);
        for (const a of pushes.get(n.text) ?? []) shown(a, api);
      }
      // Property reads and other calls: their text is made elsewhere.
    };
    const visit = (n) => {
      if (isL10nT(n)) {
        const first = n.arguments[0];
        if (first && (ts.isStringLiteral(first) || ts.isNoSubstitutionTemplateLiteral(first))) {
          if (!keys.has(first.text)) keys.set(first.text, where(n));
        } else dynamic.push({ at: where(n), text: n.getText(sf) });
      } else if (ts.isCallExpression(n)) {
        const callee = n.expression;
        const name = ts.isPropertyAccessExpression(callee) ? callee.name.text : ts.isIdentifier(callee) ? callee.text : '';
        const onWindow = ts.isPropertyAccessExpression(callee) && /(^|\.)window$/.test(callee.expression.getText(sf));
        const which = onWindow ? WINDOW_SINKS[name] : ts.isIdentifier(callee) ? OWN_SINKS[name] : undefined;
        if (which) n.arguments.forEach((a, i) => (which === 'all' || which.includes(i)) && shown(a, name));
      }
      ts.forEachChild(n, visit);
    };
    visit(sf);
    if (isHost(file)) {
      const lines = text.split('\n');
      const errors = (n) => {
        if (ts.isNewExpression(n) && ts.isIdentifier(n.expression) && ERROR_CONSTRUCTOR.test(n.expression.text) && n.arguments?.length) {
          const line = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line;
          if (!IGNORE.test(lines[line]) && !(line > 0 && IGNORE.test(lines[line - 1]))) shown(n.arguments[0], n.expression.text);
        }
        ts.forEachChild(n, errors);
      };
      errors(sf);
    }
  }
  return { keys, dynamic, unlocalised };
}

/** The bundle's text for these keys: sorted, key = message, two-space JSON with a final newline. */
export function bundleText(keys) {
  const o = {};
  for (const k of [...keys.keys()].sort()) o[k] = k;
  return JSON.stringify(o, null, 2) + '\n';
}

function main() {
  const files = sourceFiles().map((f) => [f, fs.readFileSync(f, 'utf8')]);
  const { keys, dynamic, unlocalised } = scan(files);
  for (const d of dynamic) console.error(`${d.at}: l10n.t needs one string literal as its message: ${d.text}`);
  for (const u of unlocalised) console.error(`${u.at}: not localised (${u.api}): ${u.text}`);
  const text = bundleText(keys);
  const current = fs.existsSync(BUNDLE) ? fs.readFileSync(BUNDLE, 'utf8') : '';
  if (process.argv.includes('--check')) {
    if (current !== text) console.error(`${path.relative(root, BUNDLE)} is stale: run node scripts/l10n.mjs`);
    process.exit(current === text && dynamic.length === 0 && unlocalised.length === 0 ? 0 : 1);
  }
  if (current !== text) {
    fs.mkdirSync(path.dirname(BUNDLE), { recursive: true });
    const tmp = `${BUNDLE}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, text);
    fs.renameSync(tmp, BUNDLE);
  }
  console.log(`${path.relative(root, BUNDLE)}: ${keys.size} messages${current === text ? ' (unchanged)' : ''}`);
  process.exit(dynamic.length === 0 && unlocalised.length === 0 ? 0 : 1);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) main();
