// The label volume, stored sparsely: one chunk per inline, allocated on first write, so a huge volume costs nothing
// until it is painted. Chunks of a saved sidecar are read lazily from a ChunkSource and kept in a bounded LRU while
// clean; written chunks stay pinned until they are saved. No vscode import.
import { UNLABELLED } from '../shared/editorProtocol';
import type { EditorAxis } from '../shared/editorProtocol';
import { inlineToSection, sectionShape, sectionsAlong, voxelCount, type VolumeShape, type VoxelIndices } from '../io/voxelOrder';

/** Where the saved labels of an inline come from (the sidecar on disk): null when that inline holds no label. */
export interface ChunkSource {
  /** The saved labels of inline position `inline`, nx × ns bytes in (crossline, sample) order, or null when all unlabelled. */
  readChunk(inline: number): Uint8Array | null;
  /** Release file handles. */
  close(): void;
}

/** Budget for clean chunks cached from the sidecar; dirty chunks are never evicted. */
const DEFAULT_CLEAN_CHUNK_BYTES = 256 * 1024 * 1024;

interface Chunk {
  data: Uint8Array;
  dirty: boolean;
}

/** A sparse uint8 label volume of shape inlines × crosslines × samples; 255 = unlabelled. */
export class LabelStore {
  /** Loaded chunks; Map order is recency for the clean-chunk LRU. */
  private readonly chunks = new Map<number, Chunk>();
  /** Inlines the source said are empty: no need to ask it again. */
  private readonly knownEmpty = new Set<number>();
  private cleanBytes = 0;
  readonly chunkLength: number;

  constructor(readonly shape: VolumeShape, private source: ChunkSource | null = null,
    private readonly cleanChunkBudget = DEFAULT_CLEAN_CHUNK_BYTES) {
    for (const n of shape) if (!(Number.isInteger(n) && n > 0)) throw new RangeError(`LabelStore: bad shape ${shape.join('×')}`);
    this.chunkLength = shape[1] * shape[2];
  }

  /** Total voxels. */
  get size(): number {
    return voxelCount(this.shape);
  }

  /** Bytes held in memory by label chunks (what painting has cost so far). */
  get memoryBytes(): number {
    return this.chunks.size * this.chunkLength;
  }

  /** Number of chunks written since the last save (or load). */
  get dirtyChunkCount(): number {
    let n = 0;
    for (const c of this.chunks.values()) if (c.dirty) n++;
    return n;
  }

  /** True when a source (saved sidecar) backs this store. */
  get hasSource(): boolean {
    return this.source !== null;
  }

  /** Replace everything by a new saved state (after load or revert); drops every chunk in memory. */
  reset(source: ChunkSource | null): void {
    if (this.source && this.source !== source) this.source.close();
    this.source = source;
    this.chunks.clear();
    this.knownEmpty.clear();
    this.cleanBytes = 0;
  }

  /** After the store was written to `source` (a save): every chunk is now clean, and later misses read the new file. */
  markSaved(source: ChunkSource): void {
    if (this.source && this.source !== source) this.source.close();
    this.source = source;
    this.knownEmpty.clear();
    this.cleanBytes = 0;
    for (const [i, c] of this.chunks) {
      c.dirty = false;
      this.cleanBytes += c.data.length;
      if (isAllUnlabelled(c.data)) { this.chunks.delete(i); this.cleanBytes -= c.data.length; this.knownEmpty.add(i); }
    }
    this.evict();
  }

  /** Close the source file. */
  close(): void {
    this.source?.close();
    this.source = null;
  }

  /** The chunk of inline `i` for reading (a loaded chunk or the saved one), or null when all unlabelled. */
  readChunk(i: number): Uint8Array | null {
    const c = this.chunks.get(i);
    if (c) { this.touch(i, c); return c.data; }
    if (!this.source || this.knownEmpty.has(i)) return null;
    const data = this.source.readChunk(i);
    if (data === null || isAllUnlabelled(data)) { this.knownEmpty.add(i); return null; }
    if (data.length !== this.chunkLength) throw new RangeError(`LabelStore: chunk ${i} has ${data.length} bytes, expected ${this.chunkLength}`);
    const loaded: Chunk = { data, dirty: false };
    this.chunks.set(i, loaded);
    this.cleanBytes += data.length;
    this.evict();
    return data;
  }

  /** The chunk of inline `i` for writing: allocated (all 255) on first write, then pinned as dirty. */
  private writableChunk(i: number): Uint8Array {
    let c = this.chunks.get(i);
    if (!c) {
      const saved = this.readChunk(i);
      c = this.chunks.get(i);
      if (!c) {
        const data = saved ? saved : new Uint8Array(this.chunkLength).fill(UNLABELLED);
        c = { data, dirty: false };
        this.chunks.set(i, c);
        this.cleanBytes += data.length;
      }
    }
    if (!c.dirty) { c.dirty = true; this.cleanBytes -= c.data.length; }
    this.knownEmpty.delete(i);
    return c.data;
  }

  private touch(i: number, c: Chunk): void {
    this.chunks.delete(i);
    this.chunks.set(i, c);
  }

  private evict(): void {
    if (this.cleanBytes <= this.cleanChunkBudget) return;
    for (const [i, c] of this.chunks) {
      if (this.cleanBytes <= this.cleanChunkBudget) break;
      if (!c.dirty) { this.chunks.delete(i); this.cleanBytes -= c.data.length; }
    }
  }

  /** The label of one voxel. */
  get(voxel: number): number {
    const i = Math.floor(voxel / this.chunkLength);
    const chunk = this.readChunk(i);
    return chunk ? chunk[voxel - i * this.chunkLength]! : UNLABELLED;
  }

  /** The labels of many voxels. */
  read(voxels: VoxelIndices): Uint8Array {
    const out = new Uint8Array(voxels.length);
    for (let k = 0; k < voxels.length; k++) out[k] = this.get(voxels[k]!);
    return out;
  }

  /** Write one value to every voxel, or values[k] to voxels[k]. */
  write(voxels: VoxelIndices, values: Uint8Array | number): void {
    const n = this.chunkLength;
    let lastChunk = -1;
    let data: Uint8Array | null = null;
    for (let k = 0; k < voxels.length; k++) {
      const v = voxels[k]!;
      const i = Math.floor(v / n);
      if (i !== lastChunk) { data = this.writableChunk(i); lastChunk = i; }
      data![v - i * n] = typeof values === 'number' ? values : values[k]!;
    }
  }

  /** The labels of one section (rows × cols, see io/voxelOrder.ts), at a POSITION along the axis. */
  section(axis: EditorAxis, position: number): Uint8Array {
    const [ni, nx, ns] = this.shape;
    if (!(Number.isInteger(position) && position >= 0 && position < sectionsAlong(this.shape, axis))) {
      throw new RangeError(`LabelStore: ${axis} position ${position} is outside 0..${sectionsAlong(this.shape, axis) - 1}`);
    }
    const { rows, cols } = sectionShape(this.shape, axis);
    const out = new Uint8Array(rows * cols).fill(UNLABELLED);
    if (axis === 'inline') {
      const chunk = this.readChunk(position);
      if (chunk) inlineToSection(nx, ns, chunk, out);
    } else if (axis === 'crossline') {
      for (let i = 0; i < ni; i++) {
        const chunk = this.readChunk(i);
        if (chunk) for (let s = 0, base = position * ns; s < ns; s++) out[s * ni + i] = chunk[base + s]!;
      }
    } else {
      for (let i = 0; i < ni; i++) {
        const chunk = this.readChunk(i);
        if (chunk) for (let x = 0; x < nx; x++) out[i * nx + x] = chunk[x * ns + position]!;
      }
    }
    return out;
  }

  /** True when any voxel holds a label (reads the source's chunks lazily). */
  hasLabels(): boolean {
    for (let i = 0; i < this.shape[0]; i++) if (this.readChunk(i) !== null) return true;
    return false;
  }

  /** Every voxel whose label is `value`, ascending (for deleting a class). */
  voxelsWithValue(value: number): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.shape[0]; i++) {
      const chunk = this.readChunk(i);
      if (!chunk) continue;
      const base = i * this.chunkLength;
      for (let k = 0; k < chunk.length; k++) if (chunk[k] === value) out.push(base + k);
    }
    return out;
  }

  /** The distinct labels present (not 255), ascending. */
  distinctValues(): number[] {
    const seen = new Uint8Array(256);
    for (let i = 0; i < this.shape[0]; i++) {
      const chunk = this.readChunk(i);
      if (chunk) for (let k = 0; k < chunk.length; k++) seen[chunk[k]!] = 1;
    }
    const out: number[] = [];
    for (let v = 0; v < UNLABELLED; v++) if (seen[v]) out.push(v);
    return out;
  }
}

/** True when every byte is 255. */
export function isAllUnlabelled(data: Uint8Array): boolean {
  for (let k = 0; k < data.length; k++) if (data[k] !== UNLABELLED) return false;
  return true;
}
