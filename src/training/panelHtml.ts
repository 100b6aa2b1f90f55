// The panel webview's HTML: a strict CSP with a nonce, only our own script and stylesheet. No vscode import, so the
// browser test serves exactly this page.
import { randomBytes } from 'node:crypto';

/** What the page needs from the host: the webview's CSP source and the URIs of dist/panel.js and media/panel.css. */
export interface PanelHtmlParts {
  readonly cspSource: string;
  readonly scriptUri: string;
  readonly styleUri: string;
  readonly nonce?: string;
  /** Which view the bundle renders: the side panel (default) or the inspect view. */
  readonly view?: 'panel' | 'inspect';
}

/** A fresh nonce for one rendering of the page. */
export function makeNonce(): string {
  return randomBytes(18).toString('base64').replace(/[^A-Za-z0-9]/g, '');
}

/** The page: no remote content; the only inline style is the uPlot sheet the script injects under the same nonce. */
export function panelHtml(parts: PanelHtmlParts): string {
  const nonce = parts.nonce ?? makeNonce();
  const csp = [
    "default-src 'none'",
    `img-src ${parts.cspSource} data:`,
    `style-src ${parts.cspSource} 'nonce-${nonce}'`,
    `font-src ${parts.cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${parts.styleUri}">
<title>${parts.view === 'inspect' ? 'SeisGrow Inspect' : 'SeisGrow Training'}</title>
</head>
<body data-view="${parts.view ?? 'panel'}">
<main id="root" aria-live="polite"></main>
<script nonce="${nonce}" src="${parts.scriptUri}"></script>
</body>
</html>`;
}
