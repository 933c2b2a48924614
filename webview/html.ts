/**
 * The panel's HTML page, shared by the extension (src/host/panel.ts) and the standalone preview
 * (webview/dev) so both run under the same Content-Security-Policy: a CSP problem shows up in the preview.
 *
 * The policy allows nothing by default; scripts only with the per-load nonce; styles, fonts and images only
 * from the extension's own resources (`cspSource`). No 'unsafe-inline': chart.js sizes its canvases through
 * the CSSOM (not blocked by CSP) and the vscode-elements components style their shadow roots with
 * constructable stylesheets.
 */
export interface PanelHtmlOptions {
  /** `webview.cspSource` in VS Code; e.g. `'self'` in the preview. */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
  codiconUri: string;
  title?: string;
  /** Extra scripts that run before the panel script (preview only: the fake VS Code API). */
  preScripts?: string[];
  /** Extra stylesheets before the panel's own (preview only: the theme variables VS Code would set). */
  preStyles?: string[];
}

function attr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function panelHtml(o: PanelHtmlOptions): string {
  const scripts = [...(o.preScripts ?? []), o.scriptUri].map((src) => `<script nonce="${attr(o.nonce)}" src="${attr(src)}"></script>`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(o.codiconUri)}" id="vscode-codicon-stylesheet">
${(o.preStyles ?? []).map((href) => `<link rel="stylesheet" href="${attr(href)}">\n`).join('')}<link rel="stylesheet" href="${attr(o.styleUri)}">
<title>${attr(o.title ?? 'Flowmorph')}</title>
</head>
<body>
<div id="app" aria-busy="true"></div>
${scripts.join('\n')}
</body>
</html>
`;
}
