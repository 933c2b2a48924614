// The preview's theme variables (webview/dev/themes.json, data: subsets of VS Code's Dark Modern and Light
// Modern variables as VS Code sets them on a webview) as one stylesheet: a :root[data-preview-theme] block
// a theme. Used by build.mjs (the panel preview) and preview-shot.mjs (Preview Dataset's screenshot).
import fs from 'node:fs';
import path from 'node:path';

export function themesCss(root) {
  const themes = JSON.parse(fs.readFileSync(path.join(root, 'webview', 'dev', 'themes.json'), 'utf8'));
  return Object.entries(themes)
    .filter(([name]) => !name.startsWith('_'))
    .map(([name, vars]) => `:root[data-preview-theme='${name}'] {\n${Object.entries(vars).map(([k, v]) => `  ${k}: ${v};`).join('\n')}\n}\n`)
    .join('');
}
