// The inspect view: one trained section at a time with seed labels, grown labels, prediction, confidence and the
// differences, side by side (a WebviewPanel beside the editor). Sections are loaded on request and sent as binary.
import * as vscode from 'vscode';
import { parseFromInspectMessage, type InspectSectionEntry, type ToInspectMessage } from '../shared/panelProtocol';
import { panelHtml } from './panelHtml';
import type { SectionArrays } from './runStore';
import type { SectionRef } from './trainingData';

/** A section the view can show. */
export type InspectSection = InspectSectionEntry;

/** What the loader returns for one section. */
export interface InspectData extends SectionArrays {
  readonly ref: SectionRef;
  readonly rows: number;
  readonly cols: number;
  readonly seismic: Float32Array;
  readonly seeds: Uint8Array;
}

/** Own copy of a typed array's bytes as an ArrayBuffer (the view gets exactly the section, not a shared pool). */
function bytesOf(a: Uint8Array | Float32Array): ArrayBuffer {
  return a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength) as ArrayBuffer;
}

/** One inspect panel, reused for later inspections. */
export class InspectPanel implements vscode.Disposable {
  private readonly panel: vscode.WebviewPanel;
  private sections: readonly InspectSection[] = [];
  private loader: ((k: number) => Promise<InspectData>) | undefined;
  private init: ToInspectMessage | undefined;
  private current = 0;
  private ready = false;
  disposed = false;

  constructor(extensionUri: vscode.Uri, private readonly log: (line: string) => void) {
    const roots = [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')];
    this.panel = vscode.window.createWebviewPanel('seisgrow.inspect', 'SeisGrow Inspect', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, {
      enableScripts: true, localResourceRoots: roots, retainContextWhenHidden: true,
    });
    const w = this.panel.webview;
    w.html = panelHtml({
      cspSource: w.cspSource, view: 'inspect',
      scriptUri: w.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'panel.js')).toString(),
      styleUri: w.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'panel.css')).toString(),
    });
    w.onDidReceiveMessage((raw: unknown) => {
      const m = parseFromInspectMessage(raw, this.sections.length);
      if (!m) { this.log(`inspect view: ignored a malformed message`); return; }
      if (m.type === 'ready') { this.ready = true; if (this.init) void w.postMessage(this.init); void this.send(this.current); return; }
      void this.send(m.k);
    });
    this.panel.onDidDispose(() => { this.disposed = true; });
  }

  /** Show a run's sections, starting at `first`. */
  async show(title: string, classNames: readonly string[], classColors: readonly string[], sections: readonly InspectSection[], first: number, loader: (k: number) => Promise<InspectData>): Promise<void> {
    this.sections = sections;
    this.loader = loader;
    this.current = first;
    this.panel.title = title;
    this.init = { type: 'inspectInit', title, classNames, classColors, sections, current: first };
    this.panel.reveal(vscode.ViewColumn.Beside, false);
    if (this.ready) {
      await this.panel.webview.postMessage(this.init);
      await this.send(first);
    }
  }

  private async send(k: number): Promise<void> {
    if (!this.loader || !this.ready) return;
    this.current = k;
    try {
      const d = await this.loader(k);
      const entry = this.sections.find((s) => s.k === k);
      const message: ToInspectMessage = {
        type: 'inspectSection', k, title: entry?.title ?? `${d.ref.axis} ${d.ref.line}`, rows: d.rows, cols: d.cols,
        seismic: bytesOf(d.seismic), seeds: bytesOf(d.seeds),
        grown: d.grown ? bytesOf(d.grown) : null, prediction: d.prediction ? bytesOf(d.prediction) : null, confidence: d.confidence ? bytesOf(d.confidence) : null,
      };
      await this.panel.webview.postMessage(message);
    } catch (e) {
      await this.panel.webview.postMessage({ type: 'inspectError', message: (e as Error).message } satisfies ToInspectMessage);
    }
  }

  dispose(): void {
    this.panel.dispose();
  }
}
