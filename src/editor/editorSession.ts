// One webview's conversation with its document (vscode-hexeditor's single message handler): every message is
// validated before use; a bad one is logged and ignored, never allowed to crash the host. No vscode import: the
// provider supplies the few host actions, so this runs under plain mocha.
import { SeisGrowError } from '../shared/errors';
import {
  EDITOR_PROTOCOL_VERSION, isFromWebviewMessage, MAX_SECTION_PIXELS, strokePixels,
  type FromWebview, type SectionOverlays, type ToWebview,
} from '../shared/editorProtocol';
import type { Disposable } from './emitter';
import { buildHeadersMessage, segyHeaders } from './headers';
import type { SeisGrowDocumentModel } from './seisgrowDocument';

/** What a session needs from its surroundings (the provider implements it over vscode). */
export interface SessionHost {
  /** Send a message to this webview. */
  post(message: ToWebview): void;
  /** Write a diagnostic line (output channel). */
  log(line: string): void;
  /** Reopen the file with VS Code's default (text/hex) editor. */
  openAsText(): void;
  /** Show an error notification to the user. */
  showError(message: string): void;
}

/** The most characters of a webview-reported error we pass on to a notification. */
const MAX_REPORTED_ERROR = 500;

/** A webview ↔ document session; create one per webview panel. */
export class EditorSession implements Disposable {
  private readonly subscriptions: Disposable[] = [];
  /** True while this session's own stroke is applied, so it is not echoed back as labelsChanged. */
  private applyingOwnStroke = false;
  private disposed = false;

  constructor(private readonly doc: SeisGrowDocumentModel, private readonly host: SessionHost) {
    this.subscriptions.push(
      doc.onDidChangeLabels((change) => {
        if (this.applyingOwnStroke) return;
        this.post(change.section ? { type: 'labelsChanged', axis: change.section.axis, index: change.section.index } : { type: 'labelsChanged' });
      }),
      doc.onDidChangePalette((palette) => this.post({ type: 'palette', palette })),
      doc.onDidChangeOverlays((layers) => this.post({ type: 'overlaysChanged', layers })),
    );
  }

  private post(message: ToWebview): void {
    if (!this.disposed) this.host.post(message);
  }

  /** Handle one raw message from the webview. Never throws. */
  async handle(raw: unknown): Promise<void> {
    if (!isFromWebviewMessage(raw)) {
      this.host.log(`ignored a malformed message from the webview: ${describe(raw)}`);
      return;
    }
    try {
      await this.dispatch(raw);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      this.host.log(`${raw.type} failed: ${message}`);
      const requestId = 'requestId' in raw ? raw.requestId : undefined;
      this.post({ type: 'error', message, requestId });
    }
  }

  private async dispatch(message: FromWebview): Promise<void> {
    const doc = this.doc;
    switch (message.type) {
      case 'ready':
        return this.sendInit();
      case 'requestSection': {
        if (!doc.volume) throw doc.openError ?? new Error('the file could not be read');
        if (doc.positionOf(message.axis, message.index) < 0) {
          throw new SeisGrowError('out-of-range', `there is no ${message.axis} ${message.index} in this volume`, doc.path);
        }
        const s = await doc.section(message.axis, message.index);
        if (s.rows * s.cols > MAX_SECTION_PIXELS) throw new SeisGrowError('too-large', `a ${s.rows}×${s.cols} section is too large to show`, doc.path);
        const overlays: SectionOverlays = {
          ...(s.grown ? { grown: exactBuffer(s.grown) } : {}),
          ...(s.prediction ? { prediction: exactBuffer(s.prediction) } : {}),
          ...(s.confidence ? { confidence: exactBuffer(s.confidence) } : {}),
        };
        this.post({
          type: 'section', requestId: message.requestId, axis: s.axis, index: s.index, rows: s.rows, cols: s.cols,
          // Copied: the reader's cache keeps its own array.
          amplitudes: s.amplitudes.slice().buffer, labels: s.labels ? exactBuffer(s.labels) : null,
          ...(Object.keys(overlays).length ? { overlays } : {}),
        });
        return;
      }
      case 'stroke': {
        let accepted = false;
        let why: string | undefined;
        try {
          this.applyingOwnStroke = true;
          doc.stroke(message, strokePixels(message.pixels));
          accepted = true;
        } catch (e) {
          why = e instanceof Error ? e.message : String(e);
          this.host.log(`stroke ${message.strokeId} refused: ${why}`);
        } finally {
          this.applyingOwnStroke = false;
        }
        this.post({ type: 'strokeResult', strokeId: message.strokeId, accepted, ...(why ? { message: why } : {}) });
        return;
      }
      case 'paletteEdit':
        try {
          doc.editPalette(message.edit);
        } catch (e) {
          // Resynchronise the webview with the palette that is actually in force.
          this.post({ type: 'palette', palette: doc.palette });
          throw e;
        }
        return;
      case 'requestHeaders': {
        const access = doc.volume ? segyHeaders(doc.volume) : undefined;
        if (!access) throw new SeisGrowError('no-headers', 'this file has no SEG-Y headers', doc.path);
        this.post(await buildHeadersMessage(access, message.requestId, message.inline, message.crossline));
        return;
      }
      case 'openAsText':
        this.host.openAsText();
        return;
      case 'reportError':
        this.host.showError(`SeisGrow: ${message.message.slice(0, MAX_REPORTED_ERROR)}`);
        return;
    }
  }

  private async sendInit(): Promise<void> {
    const doc = this.doc;
    if (!doc.volume) {
      const err = doc.openError;
      this.post({
        type: 'init', ok: false, protocolVersion: EDITOR_PROTOCOL_VERSION, fileName: doc.path.split(/[\\/]/).pop() ?? doc.path,
        message: err?.message ?? 'the file could not be read', ...(err instanceof SeisGrowError ? { code: err.code } : {}),
      });
      return;
    }
    let statistics = null;
    try {
      const st = await doc.volume.statistics();
      statistics = { min: st.min, max: st.max, mean: st.mean, std: st.std, percentiles: st.percentiles };
    } catch (e) {
      this.host.log(`statistics unavailable: ${(e as Error).message}`);
    }
    this.post({
      type: 'init', ok: true, protocolVersion: EDITOR_PROTOCOL_VERSION, volume: doc.editorVolume(statistics), palette: doc.palette,
      layers: doc.layers(), readOnly: !doc.labelsEditable, initialView: doc.middleInline(),
    });
    if (doc.labelsProblem) {
      const message = `Labels are read-only: ${doc.labelsProblem.message}`;
      this.post({ type: 'error', message });
      this.host.showError(message);
    }
  }

  /** Stop listening to the document. */
  dispose(): void {
    this.disposed = true;
    for (const s of this.subscriptions) s.dispose();
    this.subscriptions.length = 0;
  }
}

/** An ArrayBuffer holding exactly the array's bytes (a view's buffer may be larger or shared). */
function exactBuffer(a: Uint8Array | Float32Array): ArrayBuffer {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && a.buffer instanceof ArrayBuffer ? a.buffer : a.slice().buffer as ArrayBuffer;
}

/** A short description of a rejected message for the log (never its whole content). */
function describe(raw: unknown): string {
  if (typeof raw !== 'object' || raw === null) return typeof raw;
  const type = (raw as { type?: unknown }).type;
  return `type ${typeof type === 'string' ? JSON.stringify(type.slice(0, 40)) : typeof type}`;
}
