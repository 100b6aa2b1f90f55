// The training side panel: a WebviewView in the SeisGrow activity-bar container. It shows whatever PanelState the
// controller last set, and turns the panel's (validated) button messages into controller calls.
import * as vscode from 'vscode';
import { parseFromPanelMessage, type FromPanelMessage, type PanelState } from '../shared/panelProtocol';
import { panelHtml } from './panelHtml';

/** Registered id of the panel view (package.json contributes.views). */
export const PANEL_VIEW_ID = 'seisgrow.trainingPanel';

/** The panel view provider; keeps the latest state so a panel opened later (or re-created) shows it at once. */
export class TrainingPanelView implements vscode.WebviewViewProvider, vscode.Disposable {
  private view: vscode.WebviewView | undefined;
  private state: PanelState = { run: null, comparison: null };
  private ready = false;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly extensionUri: vscode.Uri, private readonly onMessage: (m: FromPanelMessage) => void, private readonly log: (line: string) => void) {}

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    this.ready = false;
    const roots = [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')];
    view.webview.options = { enableScripts: true, localResourceRoots: roots };
    view.webview.html = panelHtml({
      cspSource: view.webview.cspSource,
      scriptUri: view.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'panel.js')).toString(),
      styleUri: view.webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'panel.css')).toString(),
    });
    this.disposables.push(
      view.webview.onDidReceiveMessage((raw: unknown) => {
        const message = parseFromPanelMessage(raw);
        if (!message) { this.log(`training panel: ignored a malformed message ${safeDescribe(raw)}`); return; }
        if (message.type === 'ready') { this.ready = true; this.post(); return; }
        this.onMessage(message);
      }),
      view.onDidDispose(() => { if (this.view === view) { this.view = undefined; this.ready = false; } }),
    );
  }

  /** Show a new state (sent now if the panel is up, else when it next opens). */
  update(state: PanelState): void {
    this.state = state;
    this.post();
  }

  /** The state last shown. */
  get current(): PanelState {
    return this.state;
  }

  /** Bring the panel into view (without taking focus from the editor once the view exists). */
  async reveal(): Promise<void> {
    if (this.view) this.view.show(true);
    else await vscode.commands.executeCommand(`${PANEL_VIEW_ID}.focus`);
  }

  private post(): void {
    if (this.view && this.ready) void this.view.webview.postMessage({ type: 'state', state: this.state });
  }

  dispose(): void {
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function safeDescribe(raw: unknown): string {
  try {
    return JSON.stringify(raw).slice(0, 200);
  } catch {
    return typeof raw;
  }
}
