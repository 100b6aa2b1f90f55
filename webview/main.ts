// Webview entry point (browser), bundled by esbuild to dist/webview.js (iife). Knows nothing of Node; talks to the
// host only through src/shared/editorProtocol.ts.
//
// Files the host must load into the webview HTML (under a CSP with a nonce for the script):
//   <link rel="stylesheet" href="{asWebviewUri(media/editor.css)}">
//   <script nonce="…" src="{asWebviewUri(dist/webview.js)}"></script>
// and a <div id="root"></div> in the body (created here when missing). localResourceRoots: dist/ and media/.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { EditorApp } from './src/app';
import { HostChannel } from './src/host';

function start(): void {
  let root = document.getElementById('root');
  if (!root) {
    root = document.createElement('div');
    root.id = 'root';
    document.body.append(root);
  }
  new EditorApp(new HostChannel(), root);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
