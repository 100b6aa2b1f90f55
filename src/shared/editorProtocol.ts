// The host ↔ editor-webview channel (vscode-hexeditor pattern): one union per direction keyed on `type`, no `any`.
// No vscode, DOM or node imports: both the extension host (src/editor) and the browser bundle (webview/) use this file.
// Compatibility rule: add fields and message types, never rename or remove them.
//
// Handshake (custom-editor-sample): the webview posts `ready`; the host answers `init`. Sections are fetched on demand
// with `requestSection` → `section` (binary ArrayBuffers, never JSON arrays). A finished paint gesture is ONE `stroke`;
// the host turns it into an undoable edit and, after undo/redo/revert, posts `labelsChanged` so the webview refetches.
//
// Section layout (same as src/io/types.ts Section): row-major rows × cols.
//   inline N     : rows = samples, cols = crosslines
//   crossline N  : rows = samples, cols = inlines
//   sample k     : rows = inlines, cols = crosslines   (time/depth slice)
// A flat section pixel index is row * cols + col.
import type { VolumeGeometry } from './volumeGeometry';
import type { ErrorCode } from './errors';

/** Bumped only on an incompatible change (which the compatibility rule above forbids); sent in `ready` and `init`. */
export const EDITOR_PROTOCOL_VERSION = 1;

/** Which way a section cuts the volume; `index` is a line NUMBER for inline/crossline and a sample INDEX for 'sample'. */
export type EditorAxis = 'inline' | 'crossline' | 'sample';


/** Label value meaning "no label" in every label buffer and in a stroke (eraser). */
export const UNLABELLED = 255;

/** Classes are 0..254 (255 is reserved for "unlabelled"), so at most 255 of them. */
export const MAX_CLASSES = 255;

/** Largest section the protocol carries (rows × cols); bigger volumes must be decimated by the host. */
export const MAX_SECTION_PIXELS = 1 << 26;

/** Most pixels one stroke may change (a fill of a large section included). */
export const MAX_STROKE_PIXELS = 1 << 24;

/** Most pixels a stroke may list as a plain number[] (JSON); larger strokes must use an ArrayBuffer of Uint32. */
export const MAX_STROKE_PIXELS_AS_ARRAY = 1 << 16;

/** Longest class name accepted in a palette edit. */
const MAX_CLASS_NAME_LENGTH = 64;

/** Longest request id accepted (they are small counters, but a bound keeps validation total). */
const MAX_REQUEST_ID = Number.MAX_SAFE_INTEGER;

/** One label class: id 0..254, display name, colour as '#rrggbb'. */
export interface EditorClass {
  readonly id: number;
  readonly name: string;
  readonly color: string;
}

/** Sampled amplitude statistics for display clipping (a subset of src/io/types.ts VolumeStatistics). */
export interface EditorStatistics {
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly std: number;
  /** Percentiles keyed by percent as a string: '0.5', '1', '2', '5', '50', '95', '98', '99', '99.5'. */
  readonly percentiles: Readonly<Record<string, number>>;
}

/** What the webview needs to know about the volume it shows. */
export interface EditorVolume extends VolumeGeometry {
  /** Base name of the file, for titles and messages. */
  readonly fileName: string;
  /** Null when the host has not (yet) estimated them; the webview then clips per section. */
  readonly statistics: EditorStatistics | null;
  /** True when the file has SEG-Y headers to show (requestHeaders is meaningful). */
  readonly hasHeaders: boolean;
  /** Human-readable remarks from the reader. */
  readonly notes: readonly string[];
}

/** Which label/overlay layers exist for this volume (the webview hides toggles for absent ones). */
export interface EditorLayers {
  /** A sidecar of seed labels exists (or strokes were made). */
  readonly labels: boolean;
  /** Grown labels from a training run (Uint8, 255 = none). */
  readonly grown: boolean;
  /** Predicted classes (Uint8). */
  readonly prediction: boolean;
  /** Confidence of the prediction (Float32, 0..1). */
  readonly confidence: boolean;
}

/** Where to open, and any view state the host wants restored. */
export interface EditorInitialView {
  readonly axis: EditorAxis;
  readonly index: number;
}

/** Host → webview: the answer to `ready` when the file was read. */
export interface InitOkMessage {
  readonly type: 'init';
  readonly ok: true;
  readonly protocolVersion: number;
  readonly volume: EditorVolume;
  readonly palette: readonly EditorClass[];
  readonly layers: EditorLayers;
  /** True when edits are not allowed (e.g. a read-only file system); painting tools are disabled. */
  readonly readOnly: boolean;
  /** Defaults to the middle inline. */
  readonly initialView?: EditorInitialView;
}

/** Host → webview: the answer to `ready` when the file could not be read; the webview shows it with an "open as text" button. */
export interface InitErrorMessage {
  readonly type: 'init';
  readonly ok: false;
  readonly protocolVersion: number;
  readonly fileName: string;
  /** The reader's error message (SeisGrowError.message). */
  readonly message: string;
  /** SeisGrowError.code when known. */
  readonly code?: ErrorCode;
}

/** Optional layers sent with a section, each rows × cols. */
export interface SectionOverlays {
  /** Uint8 classes, 255 = none. */
  readonly grown?: ArrayBuffer;
  /** Uint8 classes, 255 = none. */
  readonly prediction?: ArrayBuffer;
  /** Float32 in 0..1. */
  readonly confidence?: ArrayBuffer;
}

/** Host → webview: one section, in answer to requestSection. */
export interface SectionMessage {
  readonly type: 'section';
  readonly requestId: number;
  readonly axis: EditorAxis;
  readonly index: number;
  readonly rows: number;
  readonly cols: number;
  /** Float32, rows × cols. */
  readonly amplitudes: ArrayBuffer;
  /** Uint8, rows × cols, 255 = unlabelled; null when there is no label sidecar yet. */
  readonly labels: ArrayBuffer | null;
  readonly overlays?: SectionOverlays;
}

/** Host → webview: labels changed outside the webview's own optimistic stroke (undo, redo, revert, a run accepted). */
export interface LabelsChangedMessage {
  readonly type: 'labelsChanged';
  /** When given, only this section is stale; otherwise every cached section is. */
  readonly axis?: EditorAxis;
  readonly index?: number;
}

/** Host → webview: overlays (grown/prediction/confidence) changed, e.g. a training epoch finished; refetch. */
export interface OverlaysChangedMessage {
  readonly type: 'overlaysChanged';
  readonly layers: EditorLayers;
}

/** Host → webview: the palette after an edit (or after undo of one). */
export interface PaletteMessage {
  readonly type: 'palette';
  readonly palette: readonly EditorClass[];
}

/** Host → webview: the result of a stroke, so a refused stroke is rolled back (the webview refetches the section). */
export interface StrokeResultMessage {
  readonly type: 'strokeResult';
  readonly strokeId: number;
  readonly accepted: boolean;
  /** Why it was refused. */
  readonly message?: string;
}

/** One row of a header table. */
export interface HeaderField {
  readonly name: string;
  /** 1-based byte position in the header, when the field has one. */
  readonly byte?: number;
  readonly value: number | string;
  readonly description?: string;
}

/** Host → webview: the SEG-Y headers for the header view. */
export interface HeadersMessage {
  readonly type: 'headers';
  readonly requestId: number;
  /** The 3200-byte textual header, decoded (EBCDIC or ASCII), as lines. */
  readonly textual: readonly string[];
  readonly binary: readonly HeaderField[];
  /** Which trace `trace` describes, e.g. "inline 111, crossline 875 (trace 1)". */
  readonly traceTitle: string;
  readonly trace: readonly HeaderField[];
}

/** Host → webview: something failed; with requestId it answers that request (section, headers). */
export interface ErrorMessage {
  readonly type: 'error';
  readonly message: string;
  readonly requestId?: number;
}

/** Host → webview: the document's read-only state changed. */
export interface ReadOnlyMessage {
  readonly type: 'readOnly';
  readonly readOnly: boolean;
}

/** Every message the host sends to the editor webview. */
export type ToWebview =
  | InitOkMessage
  | InitErrorMessage
  | SectionMessage
  | LabelsChangedMessage
  | OverlaysChangedMessage
  | PaletteMessage
  | StrokeResultMessage
  | HeadersMessage
  | ErrorMessage
  | ReadOnlyMessage;

/** Webview → host: the webview's script is running and listening; answer with init. */
export interface ReadyMessage {
  readonly type: 'ready';
  readonly protocolVersion: number;
}

/** Webview → host: fetch one section (and its labels/overlays). */
export interface RequestSectionMessage {
  readonly type: 'requestSection';
  readonly requestId: number;
  readonly axis: EditorAxis;
  /** Line NUMBER for inline/crossline, sample INDEX for 'sample'. */
  readonly index: number;
}

/** Which painting tool made a stroke (for the undo label). */
export type StrokeTool = 'brush' | 'eraser' | 'line' | 'fill';

/** All stroke tools. */
const STROKE_TOOLS: readonly StrokeTool[] = ['brush', 'eraser', 'line', 'fill'];

/** Webview → host: one finished paint gesture on one section; the host makes ONE undoable edit of it. */
export interface StrokeMessage {
  readonly type: 'stroke';
  /** Webview-chosen id, echoed in strokeResult. */
  readonly strokeId: number;
  readonly axis: EditorAxis;
  readonly index: number;
  /** The section's shape as the webview saw it; the host refuses a mismatch. */
  readonly rows: number;
  readonly cols: number;
  /** Flat section indices (row * cols + col), unique; Uint32 ArrayBuffer, or number[] up to MAX_STROKE_PIXELS_AS_ARRAY. */
  readonly pixels: ArrayBuffer | readonly number[];
  /** Class 0..254, or 255 to erase. */
  readonly value: number;
  readonly tool: StrokeTool;
}

/** One change to the class palette. */
export type PaletteEdit =
  | { readonly op: 'add'; readonly name: string; readonly color: string }
  | { readonly op: 'rename'; readonly id: number; readonly name: string }
  | { readonly op: 'recolor'; readonly id: number; readonly color: string }
  | { readonly op: 'delete'; readonly id: number };

/** Webview → host: edit the class palette; the host answers with `palette`. */
export interface PaletteEditMessage {
  readonly type: 'paletteEdit';
  readonly edit: PaletteEdit;
}

/** Webview → host: fetch the headers for the header view; the trace nearest the given inline/crossline when given. */
export interface RequestHeadersMessage {
  readonly type: 'requestHeaders';
  readonly requestId: number;
  readonly inline?: number;
  readonly crossline?: number;
}

/** Webview → host: reopen this file with the text (or hex) editor, from the error state. */
export interface OpenAsTextMessage {
  readonly type: 'openAsText';
}

/** Webview → host: a problem the user should see (e.g. a malformed section), shown as a VS Code message. */
export interface ReportErrorMessage {
  readonly type: 'reportError';
  readonly message: string;
}

/** Every message the editor webview sends to the host. */
export type FromWebview =
  | ReadyMessage
  | RequestSectionMessage
  | StrokeMessage
  | PaletteEditMessage
  | RequestHeadersMessage
  | OpenAsTextMessage
  | ReportErrorMessage;

// ---------------------------------------------------------------------------------------------------------------
// Small pure helpers shared by the host's validator and the webview.

/** rows × cols of a section along an axis, for a volume of shape inlines × crosslines × samples. */
export function sectionDimensions(shape: readonly [number, number, number], axis: EditorAxis): { rows: number; cols: number } {
  const [ni, nx, ns] = shape;
  switch (axis) {
    case 'inline': return { rows: ns, cols: nx };
    case 'crossline': return { rows: ns, cols: ni };
    case 'sample': return { rows: ni, cols: nx };
  }
}

/** The valid `index` values along an axis: line numbers for inline/crossline, 0..samples-1 for 'sample'. */
export function axisIndices(volume: Pick<EditorVolume, 'inlines' | 'crosslines' | 'shape'>, axis: EditorAxis): readonly number[] {
  if (axis === 'inline') return volume.inlines;
  if (axis === 'crossline') return volume.crosslines;
  return Array.from({ length: volume.shape[2] }, (_, k) => k);
}

/** True when `index` names an existing section along `axis` (binary search: line numbers are ascending). */
export function isValidSectionIndex(volume: Pick<EditorVolume, 'inlines' | 'crosslines' | 'shape'>, axis: EditorAxis, index: number): boolean {
  if (!Number.isInteger(index)) return false;
  if (axis === 'sample') return index >= 0 && index < volume.shape[2];
  return indexOfLine(axis === 'inline' ? volume.inlines : volume.crosslines, index) >= 0;
}

/** Position of a line number in an ascending list, or -1. */
export function indexOfLine(lines: readonly number[], line: number): number {
  let lo = 0;
  let hi = lines.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = lines[mid]!;
    if (v === line) return mid;
    if (v < line) lo = mid + 1; else hi = mid - 1;
  }
  return -1;
}

/** True for a '#rrggbb' colour. */
export function isHexColor(x: unknown): x is string {
  return typeof x === 'string' && /^#[0-9a-fA-F]{6}$/.test(x);
}

/** True for a usable class name: non-empty after trimming, bounded, no control characters. */
export function isClassName(x: unknown): x is string {
  // eslint-disable-next-line no-control-regex
  return typeof x === 'string' && x.trim().length > 0 && x.length <= MAX_CLASS_NAME_LENGTH && !/[\u0000-\u001f\u007f]/.test(x);
}

/** True for a class id 0..254. */
export function isClassId(x: unknown): x is number {
  return Number.isInteger(x) && (x as number) >= 0 && (x as number) < MAX_CLASSES;
}

function isAxis(x: unknown): x is EditorAxis {
  return x === 'inline' || x === 'crossline' || x === 'sample';
}

function isRequestId(x: unknown): x is number {
  return Number.isInteger(x) && (x as number) >= 0 && (x as number) <= MAX_REQUEST_ID;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isDimension(x: unknown): x is number {
  return Number.isInteger(x) && (x as number) > 0 && (x as number) <= MAX_SECTION_PIXELS;
}

/** Number of pixels in a stroke's `pixels` field, or -1 when the field is malformed (wrong type, misaligned, too long). */
export function strokePixelCount(pixels: unknown): number {
  if (pixels instanceof ArrayBuffer) {
    if (pixels.byteLength % 4 !== 0) return -1;
    const n = pixels.byteLength / 4;
    return n <= MAX_STROKE_PIXELS ? n : -1;
  }
  if (Array.isArray(pixels)) return pixels.length <= MAX_STROKE_PIXELS_AS_ARRAY ? pixels.length : -1;
  return -1;
}

/** The stroke's pixel indices as a Uint32Array (a view on the buffer, or a copy of the number[]). */
export function strokePixels(pixels: ArrayBuffer | readonly number[]): Uint32Array {
  return pixels instanceof ArrayBuffer ? new Uint32Array(pixels) : Uint32Array.from(pixels);
}

/**
 * Structural validation of anything received from the webview: type, field types, static ranges and sizes.
 * Checks that need the volume (index exists, rows/cols match, every pixel < rows*cols) are done by
 * `isStrokeWithinSection` and `isValidSectionIndex`, because only the host knows the volume.
 */
export function isFromWebviewMessage(x: unknown): x is FromWebview {
  if (!isRecord(x)) return false;
  switch (x.type) {
    case 'ready':
      return Number.isInteger(x.protocolVersion);
    case 'requestSection':
      return isRequestId(x.requestId) && isAxis(x.axis) && Number.isInteger(x.index);
    case 'stroke': {
      if (!isRequestId(x.strokeId) || !isAxis(x.axis) || !Number.isInteger(x.index)) return false;
      if (!isDimension(x.rows) || !isDimension(x.cols) || (x.rows as number) * (x.cols as number) > MAX_SECTION_PIXELS) return false;
      if (!(Number.isInteger(x.value) && (x.value as number) >= 0 && (x.value as number) <= UNLABELLED)) return false;
      if (!(STROKE_TOOLS as readonly unknown[]).includes(x.tool)) return false;
      const n = strokePixelCount(x.pixels);
      if (n < 0) return false;
      if (Array.isArray(x.pixels)) {
        const limit = (x.rows as number) * (x.cols as number);
        for (const p of x.pixels) if (!(Number.isInteger(p) && p >= 0 && p < limit)) return false;
      }
      return true;
    }
    case 'paletteEdit': {
      const e = x.edit;
      if (!isRecord(e)) return false;
      switch (e.op) {
        case 'add': return isClassName(e.name) && isHexColor(e.color);
        case 'rename': return isClassId(e.id) && isClassName(e.name);
        case 'recolor': return isClassId(e.id) && isHexColor(e.color);
        case 'delete': return isClassId(e.id);
        default: return false;
      }
    }
    case 'requestHeaders':
      return isRequestId(x.requestId)
        && (x.inline === undefined || Number.isInteger(x.inline))
        && (x.crossline === undefined || Number.isInteger(x.crossline));
    case 'openAsText':
      return true;
    case 'reportError':
      return typeof x.message === 'string' && x.message.length <= 4096;
    default:
      return false;
  }
}

/** True when a structurally valid stroke fits the volume: index exists, rows/cols match the section, every pixel is inside it. */
export function isStrokeWithinSection(stroke: StrokeMessage, volume: Pick<EditorVolume, 'inlines' | 'crosslines' | 'shape'>): boolean {
  if (!isValidSectionIndex(volume, stroke.axis, stroke.index)) return false;
  const { rows, cols } = sectionDimensions(volume.shape, stroke.axis);
  if (rows !== stroke.rows || cols !== stroke.cols) return false;
  const limit = rows * cols;
  const pixels = strokePixels(stroke.pixels);
  for (let i = 0; i < pixels.length; i++) if (pixels[i]! >= limit) return false;
  return true;
}
