// The seismic document (custom-editor-sample lifecycle): owns the Volume, the LABELS and the edits. Webviews belong
// to the provider. No vscode import: the provider wraps this model in a vscode.CustomDocument, so everything here
// runs under plain mocha.
import { copyFileSync, existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { SeisGrowError } from '../shared/errors';
import type { Volume } from '../io/types';
import {
  indexOfLine, isStrokeWithinSection, UNLABELLED,
  type EditorAxis, type EditorClass, type EditorLayers, type EditorVolume, type PaletteEdit, type StrokeMessage,
} from '../shared/editorProtocol';
import { Emitter } from './emitter';
import {
  applyEdit, decodeBackup, EditHistory, encodeBackup, makeLabelEdit, revertEdit, unsavedDiff,
  type EditSection, type LabelEdit,
} from './labelEdits';
import { openSidecar, readPaletteFile, sidecarPathsFor, sidecarPathsForTarget, writePaletteFile, writeSidecarLabels, type SidecarLayout, type SidecarPaths } from './labelSidecar';
import { LabelStore } from './labelStore';
import type { EditorOverlays } from './overlays';
import { applyPaletteEdit, defaultPalette, samePalette } from './palette';
import { allocateVoxelIndices, sectionPixelsToVoxels, sectionShape, type VolumeShape, type VoxelIndices } from '../io/voxelOrder';

/** Opens a volume; injected so tests (and the CLI) choose the reader. */
export type VolumeOpener = (path: string) => Promise<Volume>;

/** One section as the host sends it: amplitudes, labels (null before any label exists) and overlays. */
export interface DocumentSection {
  readonly axis: EditorAxis;
  readonly index: number;
  readonly rows: number;
  readonly cols: number;
  readonly amplitudes: Float32Array;
  readonly labels: Uint8Array | null;
  readonly grown?: Uint8Array;
  readonly prediction?: Uint8Array;
  readonly confidence?: Float32Array;
}

/** Fired when labels change other than by the webview's own accepted stroke: which section, or all when absent. */
export interface LabelsChange {
  readonly section?: EditSection;
}

/** Options for SeisGrowDocumentModel.open. */
export interface OpenOptions {
  readonly openVolume: VolumeOpener;
  /** Bytes of a hot-exit backup to restore (from backupLabels), and the file they came from (for messages). */
  readonly backup?: { readonly bytes: Uint8Array; readonly file: string };
}

/** Why labels are read-only for this document (a bad sidecar), or undefined when they are editable. */
export type LabelsProblem = SeisGrowError | undefined;

/** The document model: volume + sparse labels + edit history + palette + overlays. */
export class SeisGrowDocumentModel {
  private readonly onDidEditEmitter = new Emitter<LabelEdit>();
  /** A new undoable edit (the provider forwards it to VS Code with undo/redo closures). */
  readonly onDidEdit = this.onDidEditEmitter.event;
  private readonly onDidChangeLabelsEmitter = new Emitter<LabelsChange>();
  /** Labels changed by undo/redo/revert/accept (webviews refetch). */
  readonly onDidChangeLabels = this.onDidChangeLabelsEmitter.event;
  private readonly onDidChangePaletteEmitter = new Emitter<readonly EditorClass[]>();
  /** The palette changed (edit, undo, revert). */
  readonly onDidChangePalette = this.onDidChangePaletteEmitter.event;
  private readonly onDidChangeOverlaysEmitter = new Emitter<EditorLayers>();
  /** Overlays were set or cleared. */
  readonly onDidChangeOverlays = this.onDidChangeOverlaysEmitter.event;

  private readonly history = new EditHistory();
  private savedPalette: EditorClass[];
  private overlays: EditorOverlays = {};
  private disposed = false;

  private constructor(
    /** Absolute path of the volume file. */
    readonly path: string,
    /** The opened volume, or null when the file could not be read (see openError). */
    readonly volume: Volume | null,
    /** The reader's error when the file could not be read. */
    readonly openError: SeisGrowError | Error | null,
    /** The labels; null when the volume could not be opened. */
    readonly labels: LabelStore | null,
    private currentSidecar: SidecarPaths,
    readonly sidecarLayout: SidecarLayout,
    private currentPalette: EditorClass[],
    /** Why labels cannot be edited (wrong-shape or damaged sidecar), if so. */
    readonly labelsProblem: LabelsProblem,
  ) {
    this.savedPalette = currentPalette;
  }

  /** Open a volume and its sidecar (if any), restoring a hot-exit backup when given. Never throws for a bad file: see openError. */
  static async open(path: string, options: OpenOptions): Promise<SeisGrowDocumentModel> {
    const abs = resolve(path);
    let volume: Volume;
    try {
      volume = await options.openVolume(abs);
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      return new SeisGrowDocumentModel(abs, null, err, null, sidecarPathsFor(abs), 'cube', [], undefined);
    }
    const shape = volume.info.shape;
    const layout = sidecarLayoutFor(volume);
    const backup = options.backup ? decodeBackup(options.backup.bytes, options.backup.file) : undefined;
    if (backup && backup.shape.some((n, k) => n !== shape[k])) {
      throw new SeisGrowError('corrupt', `the backup is for a volume of shape ${backup.shape.join('×')}, this one is ${shape.join('×')}`, options.backup!.file);
    }
    const sidecar = backup ? sidecarPathsForTarget(backup.sidecarPath) : sidecarPathsFor(abs);
    const loaded = loadSidecar(sidecar, shape, layout);
    const store = new LabelStore(shape, loaded.source);
    const palette = loaded.palette ?? defaultPalette(loaded.source ? store.distinctValues() : []);
    const doc = new SeisGrowDocumentModel(abs, volume, null, store, sidecar, layout, palette, loaded.problem);
    if (backup && !loaded.problem) doc.restoreBackup(backup.diff.voxels, backup.diff.values, backup.palette);
    return doc;
  }

  private restoreBackup(voxels: VoxelIndices, values: Uint8Array, palette: readonly EditorClass[]): void {
    const store = this.labels!;
    const changed = !samePalette(palette, this.currentPalette);
    const edit = makeLabelEdit(store, 'Restore unsaved labels', voxels, values,
      changed ? { palette: { before: this.currentPalette, after: palette } } : {});
    if (!edit) return;
    applyEdit(store, edit);
    if (edit.palette) this.currentPalette = [...edit.palette.after];
    // Not saved: the restored difference stays unsaved until the user saves or reverts.
    this.history.resetTo([edit], true);
  }

  /** The sidecar pair labels save to. */
  get sidecar(): SidecarPaths {
    return this.currentSidecar;
  }

  /** The class palette. */
  get palette(): readonly EditorClass[] {
    return this.currentPalette;
  }

  /** True when the labels can be edited. */
  get labelsEditable(): boolean {
    return this.labels !== null && this.labelsProblem === undefined && !this.disposed;
  }

  /** True when there are unsaved label or palette edits. */
  get isDirty(): boolean {
    return this.history.isDirty;
  }

  /** The applied edits since open (oldest first), for tests and diagnostics. */
  get edits(): readonly LabelEdit[] {
    return this.history.edits;
  }

  /** The volume description for the webview. */
  editorVolume(statistics: EditorVolume['statistics'] = null): EditorVolume {
    const v = this.requireVolume();
    const info = v.info;
    return {
      fileName: basename(this.path), format: info.format, kind: info.kind, shape: info.shape,
      inlines: info.inlines, crosslines: info.crosslines, sampleStart: info.sampleStart, sampleInterval: info.sampleInterval,
      sampleUnit: info.sampleUnit, dtype: info.dtype, statistics, hasHeaders: info.format === 'segy', notes: info.notes,
    };
  }

  /** Which layers exist. */
  layers(): EditorLayers {
    return {
      labels: this.labels !== null && (this.labels.hasSource || this.history.edits.length > 0),
      grown: !!this.overlays.grown, prediction: !!this.overlays.prediction, confidence: !!this.overlays.confidence,
    };
  }

  /** Position (0-based) of a section along an axis from its protocol index (line number or sample index); -1 when absent. */
  positionOf(axis: EditorAxis, index: number): number {
    const info = this.requireVolume().info;
    if (axis === 'inline') return indexOfLine(info.inlines, index);
    if (axis === 'crossline') return indexOfLine(info.crosslines, index);
    return Number.isInteger(index) && index >= 0 && index < info.shape[2] ? index : -1;
  }

  /** The protocol index (line number or sample index) of a section position. */
  indexAt(axis: EditorAxis, position: number): number {
    const info = this.requireVolume().info;
    if (axis === 'inline') return info.inlines[position]!;
    if (axis === 'crossline') return info.crosslines[position]!;
    return position;
  }

  /** The section shown first: the middle inline. */
  middleInline(): { axis: EditorAxis; index: number } {
    const info = this.requireVolume().info;
    return { axis: 'inline', index: info.inlines[Math.floor((info.inlines.length - 1) / 2)]! };
  }

  /** One section with its labels and overlays; the amplitudes come lazily from the volume (its own cache). */
  async section(axis: EditorAxis, index: number): Promise<DocumentSection> {
    const volume = this.requireVolume();
    const position = this.positionOf(axis, index);
    if (position < 0) throw new SeisGrowError('out-of-range', `there is no ${axis} ${index} in this volume`, this.path);
    const s = axis === 'inline' ? await volume.inline(index) : axis === 'crossline' ? await volume.crossline(index) : await volume.timeslice(index);
    const { rows, cols } = sectionShape(volume.info.shape, axis);
    if (s.rows !== rows || s.cols !== cols) {
      throw new SeisGrowError('bad-shape', `the reader returned a ${s.rows}×${s.cols} ${axis} section, expected ${rows}×${cols}`, this.path);
    }
    const store = this.labels!;
    const labels = this.layers().labels && this.labelsProblem === undefined ? store.section(axis, position) : null;
    return {
      axis, index, rows, cols, amplitudes: s.data, labels,
      grown: this.overlays.grown?.section(axis, position),
      prediction: this.overlays.prediction?.section(axis, position),
      confidence: this.overlays.confidence?.section(axis, position),
    };
  }

  /**
   * Apply a validated-by-shape stroke from the webview as ONE undoable edit. Returns the edit, null when it changed
   * nothing, or throws SeisGrowError when the stroke does not fit the volume or labels are read-only.
   */
  stroke(stroke: StrokeMessage, pixels: Uint32Array): LabelEdit | null {
    this.requireEditable();
    const volume = this.requireVolume();
    if (!isStrokeWithinSection(stroke, volume.info)) {
      throw new SeisGrowError('bad-stroke', `a stroke on ${stroke.axis} ${stroke.index} (${stroke.rows}×${stroke.cols}) does not fit this volume`, this.path);
    }
    if (stroke.value !== UNLABELLED && !this.currentPalette.some((c) => c.id === stroke.value)) {
      throw new SeisGrowError('bad-stroke', `class ${stroke.value} is not in the palette`, this.path);
    }
    const position = this.positionOf(stroke.axis, stroke.index);
    const voxels = sectionPixelsToVoxels(volume.info.shape, stroke.axis, position, pixels);
    const what = stroke.tool === 'eraser' || stroke.value === UNLABELLED ? 'Erase labels' : `Paint ${this.className(stroke.value)} (${stroke.tool})`;
    const edit = makeLabelEdit(this.labels!, what, voxels, stroke.value, { section: { axis: stroke.axis, index: stroke.index } });
    if (edit) this.commit(edit);
    return edit;
  }

  /** Edit the palette as one undoable edit; deleting a class also erases its voxels in the same edit. */
  editPalette(paletteEdit: PaletteEdit): LabelEdit | null {
    this.requireEditable();
    const after = applyPaletteEdit(this.currentPalette, paletteEdit);
    const palette = { before: this.currentPalette, after };
    let voxels: VoxelIndices = new Uint32Array(0);
    if (paletteEdit.op === 'delete') {
      const found = this.labels!.voxelsWithValue(paletteEdit.id);
      voxels = allocateVoxelIndices(this.labels!.shape, found.length);
      voxels.set(found);
    }
    const label = paletteEdit.op === 'add' ? `Add class ${paletteEdit.name}` : paletteEdit.op === 'delete'
      ? `Delete class ${this.className(paletteEdit.id)}` : `${paletteEdit.op === 'rename' ? 'Rename' : 'Recolour'} class ${this.className(paletteEdit.id)}`;
    const edit = makeLabelEdit(this.labels!, label, voxels, UNLABELLED, { palette });
    if (edit) this.commit(edit, voxels.length > 0);
    return edit;
  }

  /**
   * Set many voxels at once as ONE undoable edit (e.g. "accept grown labels"): `values` is one class for all voxels
   * or one per voxel. Returns null when nothing changes.
   */
  applyLabelRegion(label: string, voxels: VoxelIndices, values: Uint8Array | number): LabelEdit | null {
    this.requireEditable();
    for (const v of typeof values === 'number' ? [values] : values) {
      if (v !== UNLABELLED && !this.currentPalette.some((c) => c.id === v)) throw new SeisGrowError('bad-label', `class ${v} is not in the palette`, this.path);
    }
    const edit = makeLabelEdit(this.labels!, label, voxels, values);
    if (edit) this.commit(edit, true);
    return edit;
  }

  /**
   * Accept a dense label volume (voxel order, see io/voxelOrder.ts) as ONE undoable edit: voxels where `dense` holds a
   * class take it; with onlyUnlabelled, existing labels are kept (grown labels never overwrite seeds).
   */
  acceptLabels(label: string, dense: Uint8Array, options: { onlyUnlabelled?: boolean } = {}): LabelEdit | null {
    this.requireEditable();
    const store = this.labels!;
    if (dense.length !== store.size) throw new SeisGrowError('bad-label', `labels have ${dense.length} voxels, the volume ${store.size}`, this.path);
    const picked: number[] = [];
    for (let v = 0; v < dense.length; v++) {
      if (dense[v] === UNLABELLED) continue;
      if (options.onlyUnlabelled && store.get(v) !== UNLABELLED) continue;
      picked.push(v);
    }
    const voxels = allocateVoxelIndices(store.shape, picked.length);
    voxels.set(picked);
    const values = new Uint8Array(picked.length);
    for (let k = 0; k < picked.length; k++) values[k] = dense[picked[k]!]!;
    return this.applyLabelRegion(label, voxels, values);
  }

  /** Add any class ids missing from the palette (e.g. before accepting labels a run produced); returns the added ids. */
  ensureClasses(ids: readonly number[]): number[] {
    const missing = [...new Set(ids)].filter((id) => id !== UNLABELLED && !this.currentPalette.some((c) => c.id === id)).sort((a, b) => a - b);
    if (missing.length === 0) return [];
    this.requireEditable();
    const after = [...this.currentPalette, ...defaultPalette(missing)].sort((a, b) => a.id - b.id);
    const edit = makeLabelEdit(this.labels!, 'Add classes', new Uint32Array(0), UNLABELLED, { palette: { before: this.currentPalette, after } });
    if (edit) this.commit(edit);
    return missing;
  }

  /** Show (or clear, with undefined) read-only overlays from a training run. */
  setOverlays(overlays: EditorOverlays): void {
    this.overlays = { ...overlays };
    this.onDidChangeOverlaysEmitter.fire(this.layers());
  }

  private commit(edit: LabelEdit, notifyAll = false): void {
    applyEdit(this.labels!, edit);
    this.history.push(edit);
    if (edit.palette) { this.currentPalette = [...edit.palette.after]; this.onDidChangePaletteEmitter.fire(this.currentPalette); }
    this.onDidEditEmitter.fire(edit);
    // A stroke is already on the painting webview's canvas, but other panels of this document must refetch.
    if (edit.voxels.length > 0) this.onDidChangeLabelsEmitter.fire(notifyAll || !edit.section ? {} : { section: edit.section });
  }

  /** Undo `edit` (VS Code calls this through the closure given with onDidChangeCustomDocument). */
  undo(edit: LabelEdit): void {
    if (this.disposed) return;
    this.history.popUndone(edit);
    revertEdit(this.labels!, edit);
    if (edit.palette) { this.currentPalette = [...edit.palette.before]; this.onDidChangePaletteEmitter.fire(this.currentPalette); }
    if (edit.voxels.length > 0) this.onDidChangeLabelsEmitter.fire(edit.section && !edit.palette ? { section: edit.section } : {});
  }

  /** Redo `edit`. */
  redo(edit: LabelEdit): void {
    if (this.disposed) return;
    applyEdit(this.labels!, edit);
    this.history.push(edit);
    if (edit.palette) { this.currentPalette = [...edit.palette.after]; this.onDidChangePaletteEmitter.fire(this.currentPalette); }
    if (edit.voxels.length > 0) this.onDidChangeLabelsEmitter.fire(edit.section && !edit.palette ? { section: edit.section } : {});
  }

  /** Write the labels and palette to the current sidecar (atomically). Does nothing when labels are read-only. */
  save(): void {
    if (!this.labelsEditable) return;
    this.writeSidecar(this.currentSidecar);
  }

  /**
   * Save As. A target ending in `.labels.npy` receives the labels (and the document keeps saving there). Any other
   * target is a copy of the document: the volume file is copied there (never modified) and the labels saved beside it.
   */
  saveAs(target: string): void {
    if (!this.labelsEditable) {
      throw new SeisGrowError('labels-read-only', `labels cannot be saved: ${this.labelsProblem?.message ?? 'the file could not be read'}`, this.path);
    }
    const abs = resolve(target);
    if (abs.endsWith('.labels.npy')) {
      const paths = sidecarPathsForTarget(abs);
      this.writeSidecar(paths);
      this.currentSidecar = paths;
      return;
    }
    if (abs !== this.path) copyFileSync(this.path, abs);
    // The copy's labels go beside the copy; this document keeps its own sidecar and unsaved state.
    const paths = sidecarPathsFor(abs);
    writeSidecarLabels(this.labels!, paths.labels, this.sidecarLayout);
    writePaletteFile(paths.classes, this.currentPalette, abs);
  }

  /** Make later saves write labels to `labelsPath` (a `.labels.npy`); nothing is written until the next save. */
  retargetSidecar(labelsPath: string): void {
    if (!this.labelsEditable) throw new SeisGrowError('labels-read-only', `labels cannot be saved: ${this.labelsProblem?.message ?? 'the file could not be read'}`, this.path);
    this.currentSidecar = sidecarPathsForTarget(resolve(labelsPath));
  }

  private writeSidecar(paths: SidecarPaths): void {
    const store = this.labels!;
    try {
      writeSidecarLabels(store, paths.labels, this.sidecarLayout);
      writePaletteFile(paths.classes, this.currentPalette, this.path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
        // Shared survey folders are often read-only: say where labels can go instead.
        throw new SeisGrowError('permission',
          `cannot write labels beside the volume (${code}): use "SeisGrow: Save Labels As…" to keep them in a writable folder`, paths.labels);
      }
      throw e;
    }
    store.markSaved(openSidecar(paths.labels, store.shape, this.sidecarLayout));
    this.history.markSaved();
    this.savedPalette = this.currentPalette;
  }

  /** Discard unsaved edits: reload labels and palette from the sidecar on disk. */
  revert(): void {
    if (!this.labels || this.labelsProblem) return;
    const loaded = loadSidecar(this.currentSidecar, this.labels.shape, this.sidecarLayout);
    if (loaded.problem) throw loaded.problem;
    this.labels.reset(loaded.source);
    this.currentPalette = loaded.palette ?? (loaded.source ? defaultPalette(this.labels.distinctValues()) : this.savedPalette);
    this.savedPalette = this.currentPalette;
    this.history.resetTo([], true);
    this.onDidChangePaletteEmitter.fire(this.currentPalette);
    this.onDidChangeLabelsEmitter.fire({});
  }

  /** The hot-exit backup: only the unsaved difference (voxels and their values) and the palette. */
  backupBytes(): Uint8Array {
    const store = this.labels;
    if (!store) throw new SeisGrowError('unreadable', 'nothing to back up: the file could not be read', this.path);
    return encodeBackup({ shape: store.shape, sidecarPath: this.currentSidecar.labels, palette: this.currentPalette, diff: unsavedDiff(store, this.history) });
  }

  private className(id: number): string {
    return this.currentPalette.find((c) => c.id === id)?.name ?? `class ${id}`;
  }

  private requireVolume(): Volume {
    if (!this.volume) throw this.openError ?? new SeisGrowError('unreadable', 'the file could not be read', this.path);
    return this.volume;
  }

  private requireEditable(): void {
    if (this.disposed) throw new SeisGrowError('closed', 'the document is closed', this.path);
    if (!this.labels) throw this.openError ?? new SeisGrowError('unreadable', 'the file could not be read', this.path);
    if (this.labelsProblem) {
      throw new SeisGrowError('labels-read-only', `labels are read-only: ${this.labelsProblem.message}`, this.path);
    }
  }

  /** Release the volume and sidecar handles and drop listeners. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.onDidEditEmitter.dispose();
    this.onDidChangeLabelsEmitter.dispose();
    this.onDidChangePaletteEmitter.dispose();
    this.onDidChangeOverlaysEmitter.dispose();
    this.labels?.close();
    await this.volume?.close();
  }
}

/** Cube layout for 3D volumes and 2D SEG-Y; a 2D NPY's sidecar keeps the NPY's own (samples, traces) shape. */
export function sidecarLayoutFor(volume: Volume): SidecarLayout {
  return volume.info.format === 'npy' && volume.info.kind === '2d' ? 'section' : 'cube';
}

function loadSidecar(paths: SidecarPaths, shape: VolumeShape, layout: SidecarLayout): {
  source: ReturnType<typeof openSidecar> | null; palette: EditorClass[] | null; problem: LabelsProblem;
} {
  let source: ReturnType<typeof openSidecar> | null = null;
  try {
    if (existsSync(paths.labels)) source = openSidecar(paths.labels, shape, layout);
    const palette = readPaletteFile(paths.classes);
    return { source, palette, problem: undefined };
  } catch (e) {
    source?.close();
    const problem = e instanceof SeisGrowError ? e : new SeisGrowError('corrupt', (e as Error).message, paths.labels);
    return { source: null, palette: null, problem };
  }
}
