// The editor webview's HTML: a strict CSP with a per-load nonce, only the extension's own dist/ and media/ files,
// no remote content. No vscode import (the provider passes the webview URIs as strings).
import { randomBytes } from 'node:crypto';

/** The URIs and CSP source the page is built from. */
export interface WebviewPageResources {
  /** webview.cspSource */
  readonly cspSource: string;
  /** asWebviewUri(dist/webview.js) */
  readonly scriptUri: string;
  /** asWebviewUri(media/editor.css) */
  readonly styleUri: string;
  readonly title: string;
}

/** A fresh nonce for the page's one script. */
export function makeNonce(): string {
  return randomBytes(18).toString('base64').replace(/[+/=]/g, '');
}

/** The Content-Security-Policy of the editor page. */
export function editorCsp(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `img-src ${cspSource} blob: data:`,
    // Web components set inline styles; no remote stylesheet can load because only cspSource is allowed.
    `style-src ${cspSource} 'unsafe-inline'`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

/** The editor page. */
export function editorHtml(r: WebviewPageResources, nonce = makeNonce()): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${editorCsp(r.cspSource, nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttr(r.styleUri)}">
<title>${escapeText(r.title)}</title>
</head>
<body>
<div id="root"></div>
<script nonce="${nonce}" src="${escapeAttr(r.scriptUri)}"></script>
</body>
</html>`;
}

function escapeAttr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

function escapeText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
