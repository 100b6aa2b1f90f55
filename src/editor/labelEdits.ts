// Label edits stored compactly (voxel indices, old values, new value(s)) — never a copy of the volume — plus the
// applied-edit history the document keeps beside VS Code's undo stack, and the compact hot-exit backup format.
// No vscode import.
import type { EditorAxis, EditorClass } from '../shared/editorProtocol';
import { SeisGrowError } from '../shared/errors';
import type { LabelStore } from './labelStore';
import { allocateVoxelIndices, voxelCount, type VolumeShape, type VoxelIndices } from '../io/voxelOrder';

/** Where a stroke was painted, so the webview refetches just that section after undo/redo. */
export interface EditSection {
  readonly axis: EditorAxis;
  /** Line number (inline/crossline) or sample index, as in the protocol. */
  readonly index: number;
}

/** One undoable change: voxels with their old values and the new value(s), and/or a palette change. */
export interface LabelEdit {
  /** Shown in VS Code's undo menu. */
  readonly label: string;
  readonly section?: EditSection;
  readonly voxels: VoxelIndices;
  readonly before: Uint8Array;
  /** One value for all voxels (a brush stroke) or one per voxel (accepted grown labels). */
  readonly after: Uint8Array | number;
  readonly palette?: { readonly before: readonly EditorClass[]; readonly after: readonly EditorClass[] };
}

/**
 * Build an edit that sets `voxels` to `after`, keeping only voxels whose value actually changes (so a stroke over
 * already-painted pixels stays small). Returns null when nothing would change and there is no palette change.
 */
export function makeLabelEdit(store: LabelStore, label: string, voxels: VoxelIndices, after: Uint8Array | number,
  extra: { section?: EditSection; palette?: LabelEdit['palette'] } = {}): LabelEdit | null {
  if (typeof after !== 'number' && after.length !== voxels.length) throw new RangeError('makeLabelEdit: values and voxels differ in length');
  const size = store.size;
  const current = store.read(checkVoxels(voxels, size));
  let kept = 0;
  for (let k = 0; k < voxels.length; k++) if (current[k] !== (typeof after === 'number' ? after : after[k])) kept++;
  if (kept === 0 && !extra.palette) return null;
  const keptVoxels = allocateVoxelIndices(store.shape, kept);
  const before = new Uint8Array(kept);
  const keptAfter = typeof after === 'number' ? after : new Uint8Array(kept);
  let j = 0;
  for (let k = 0; k < voxels.length; k++) {
    const value = typeof after === 'number' ? after : after[k]!;
    if (current[k] === value) continue;
    keptVoxels[j] = voxels[k]!;
    before[j] = current[k]!;
    if (typeof keptAfter !== 'number') keptAfter[j] = value;
    j++;
  }
  return { label, section: extra.section, voxels: keptVoxels, before, after: keptAfter, palette: extra.palette };
}

function checkVoxels(voxels: VoxelIndices, size: number): VoxelIndices {
  for (let k = 0; k < voxels.length; k++) {
    const v = voxels[k]!;
    if (!(Number.isInteger(v) && v >= 0 && v < size)) throw new RangeError(`voxel index ${v} is outside 0..${size - 1}`);
  }
  return voxels;
}

/** Apply an edit forwards (redo) to the store. */
export function applyEdit(store: LabelStore, edit: LabelEdit): void {
  store.write(edit.voxels, edit.after);
}

/** Apply an edit backwards (undo) to the store. */
export function revertEdit(store: LabelStore, edit: LabelEdit): void {
  store.write(edit.voxels, edit.before);
}

/** Bytes an edit holds in memory (to show it is compact). */
export function editBytes(edit: LabelEdit): number {
  return edit.voxels.byteLength + edit.before.byteLength + (typeof edit.after === 'number' ? 0 : edit.after.byteLength);
}

/**
 * The document's own record of applied edits and of the state last saved, mirroring VS Code's undo stack, so the
 * unsaved difference (for backups) can be computed without a copy of the labels.
 */
export class EditHistory {
  private applied: LabelEdit[] = [];
  private saved: LabelEdit[] = [];

  /** The applied edits, oldest first. */
  get edits(): readonly LabelEdit[] {
    return this.applied;
  }

  /** A new edit on top (clears nothing: VS Code owns the redo stack and calls redo/undo with the edit itself). */
  push(edit: LabelEdit): void {
    this.applied.push(edit);
  }

  /** Undo of `edit`, which must be the latest applied one. */
  popUndone(edit: LabelEdit): void {
    const top = this.applied[this.applied.length - 1];
    if (top !== edit) throw new Error('undo out of order: the edit is not the latest applied one');
    this.applied.pop();
  }

  /** The current state has been written to disk. */
  markSaved(): void {
    this.saved = this.applied.slice();
  }

  /** The saved state was reloaded from disk (revert) or replaced (a backup restored on top of it). */
  resetTo(applied: LabelEdit[], savedIsEmpty: boolean): void {
    this.applied = applied;
    this.saved = savedIsEmpty ? [] : applied.slice();
  }

  /** True when the current state differs from the saved one by at least one edit. */
  get isDirty(): boolean {
    return this.unsavedEdits().length > 0;
  }

  /** Edits on either side of the last common point between the saved and the current stacks. */
  unsavedEdits(): LabelEdit[] {
    let common = 0;
    while (common < this.applied.length && common < this.saved.length && this.applied[common] === this.saved[common]) common++;
    return [...this.saved.slice(common), ...this.applied.slice(common)];
  }
}

/** The unsaved difference from the saved labels: each voxel touched by an unsaved edit with its CURRENT value. */
export interface LabelDiff {
  readonly voxels: VoxelIndices;
  readonly values: Uint8Array;
}

/** The difference between the store and its saved state, from the unsaved edits (ascending voxel order). */
export function unsavedDiff(store: LabelStore, history: EditHistory): LabelDiff {
  const touched = new Set<number>();
  for (const edit of history.unsavedEdits()) for (let k = 0; k < edit.voxels.length; k++) touched.add(edit.voxels[k]!);
  const voxels = allocateVoxelIndices(store.shape, touched.size);
  let j = 0;
  for (const v of touched) voxels[j++] = v;
  voxels.sort();
  return { voxels, values: store.read(voxels) };
}

const BACKUP_MAGIC = 'SEISGROW-LABELS-BACKUP\n';

/** What a hot-exit backup holds: the unsaved label difference, the palette, and where labels save to. */
export interface LabelBackup {
  readonly shape: VolumeShape;
  readonly sidecarPath: string;
  readonly palette: readonly EditorClass[];
  readonly diff: LabelDiff;
}

/** Encode a backup: magic line, uint32 LE header length, JSON header, voxel indices, values. */
export function encodeBackup(backup: LabelBackup): Uint8Array {
  const wide = backup.diff.voxels instanceof Float64Array;
  const header = new TextEncoder().encode(JSON.stringify({
    version: 1, shape: backup.shape, sidecarPath: backup.sidecarPath, palette: backup.palette,
    count: backup.diff.voxels.length, index: wide ? 'f64' : 'u32',
  }));
  const magic = new TextEncoder().encode(BACKUP_MAGIC);
  const indexBytes = new Uint8Array(backup.diff.voxels.buffer, backup.diff.voxels.byteOffset, backup.diff.voxels.byteLength);
  const out = new Uint8Array(magic.length + 4 + header.length + indexBytes.length + backup.diff.values.length);
  let o = 0;
  out.set(magic, o); o += magic.length;
  new DataView(out.buffer).setUint32(o, header.length, true); o += 4;
  out.set(header, o); o += header.length;
  out.set(indexBytes, o); o += indexBytes.length;
  out.set(backup.diff.values, o);
  return out;
}

/** Decode a backup written by encodeBackup; a damaged one is a SeisGrowError naming `file`. */
export function decodeBackup(bytes: Uint8Array, file: string): LabelBackup {
  const fail = (why: string): never => { throw new SeisGrowError('corrupt', `not a SeisGrow label backup (${why})`, file); };
  const magic = new TextEncoder().encode(BACKUP_MAGIC);
  if (bytes.length < magic.length + 4) fail('too short');
  for (let k = 0; k < magic.length; k++) if (bytes[k] !== magic[k]) fail('bad magic');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(magic.length, true);
  const headerStart = magic.length + 4;
  if (headerStart + headerLength > bytes.length) fail('truncated header');
  let header: { version: number; shape: number[]; sidecarPath: string; palette: EditorClass[]; count: number; index: string };
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(headerStart, headerStart + headerLength)));
  } catch { return fail('bad header'); }
  if (header.version !== 1 || !Array.isArray(header.shape) || header.shape.length !== 3 || typeof header.sidecarPath !== 'string'
    || !Array.isArray(header.palette) || !Number.isInteger(header.count) || header.count < 0) fail('bad header fields');
  const wide = header.index === 'f64';
  const width = wide ? 8 : 4;
  const indexStart = headerStart + headerLength;
  const valuesStart = indexStart + header.count * width;
  if (valuesStart + header.count !== bytes.length) fail('length does not match the header');
  // Copy into a fresh buffer: the bytes may be an unaligned view (a Node Buffer from a pool, whose slice() is a view too).
  const indexCopy = new Uint8Array(bytes.subarray(indexStart, valuesStart)).buffer;
  const voxels = wide ? new Float64Array(indexCopy) : new Uint32Array(indexCopy);
  const shape = header.shape as unknown as VolumeShape;
  const size = voxelCount(shape);
  for (let k = 0; k < voxels.length; k++) if (!(voxels[k]! < size)) fail(`voxel ${voxels[k]} outside the volume`);
  return { shape, sidecarPath: header.sidecarPath, palette: header.palette, diff: { voxels, values: new Uint8Array(bytes.subarray(valuesStart)) } };
}
