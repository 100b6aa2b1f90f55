// The label sidecar beside a volume: `<name>.labels.npy` (uint8, 255 = unlabelled) and `<name>.labels.json`
// (class names and colours). Read lazily chunk by chunk, written by streaming through safeWriteSync (a temp file
// renamed over the target), so a huge label volume is never held whole and a crash never leaves a half-written sidecar.
// Never writes into the volume itself. No vscode import.
import { closeSync, fstatSync, openSync, readFileSync, readSync, existsSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { SeisGrowError } from '../shared/errors';
import { safeWriteSync } from '../io/safeWrite';
import { parseHeaderText, parsePreamble, MAX_HEADER_BYTES } from '../io/npy/header';
import type { EditorClass } from '../shared/editorProtocol';
import { UNLABELLED } from '../shared/editorProtocol';
import type { ChunkSource, LabelStore } from './labelStore';
import { inlineToSection, layoutShape, sectionToInline, type VolumeLayout, type VolumeShape } from '../io/voxelOrder';
import { parsePalette, serializePalette } from './palette';

/** Paths of a sidecar pair. */
export interface SidecarPaths {
  readonly labels: string;
  readonly classes: string;
}

/** `dir/name.sgy` → `dir/name.labels.npy` + `dir/name.labels.json`. */
export function sidecarPathsFor(volumePath: string): SidecarPaths {
  const ext = extname(volumePath);
  const stem = join(dirname(volumePath), basename(volumePath, ext));
  return { labels: `${stem}.labels.npy`, classes: `${stem}.labels.json` };
}

/** The sidecar pair for a chosen labels path (Save As): `x.labels.npy` keeps its name; anything else gets `.labels.npy`. */
export function sidecarPathsForTarget(target: string): SidecarPaths {
  if (target.endsWith('.labels.npy')) return { labels: target, classes: `${target.slice(0, -'.npy'.length)}.json` };
  return sidecarPathsFor(target);
}

/**
 * How the sidecar's NPY is laid out. 'cube': shape (inlines, crosslines, samples), C order, the store's own order.
 * 'section': a 2D NPY volume's own shape (rows = samples, cols = traces), i.e. the transpose of the single inline chunk.
 */
export type SidecarLayout = VolumeLayout;

/** The NPY shape of a sidecar for a volume shape and layout. */
export const sidecarFileShape = layoutShape;

function shapeText(shape: readonly number[]): string {
  return `(${shape.join(', ')}${shape.length === 1 ? ',' : ''})`;
}

/** A ChunkSource over a sidecar file whose header was validated; reads one inline at a time. */
class FileChunkSource implements ChunkSource {
  private fd: number | null;

  constructor(private readonly path: string, fd: number, private readonly dataOffset: number,
    private readonly shape: VolumeShape, private readonly layout: SidecarLayout) {
    this.fd = fd;
  }

  readChunk(inline: number): Uint8Array | null {
    if (this.fd === null) throw new SeisGrowError('closed', 'the labels sidecar was closed', this.path);
    const [, nx, ns] = this.shape;
    const n = nx * ns;
    const raw = new Uint8Array(n);
    const offset = this.dataOffset + inline * n;
    let got = 0;
    while (got < n) {
      const r = readSync(this.fd, raw, got, n - got, offset + got);
      if (r === 0) throw new SeisGrowError('truncated', `the labels sidecar ends early (inline ${inline})`, this.path);
      got += r;
    }
    let any = false;
    for (let k = 0; k < n; k++) if (raw[k] !== UNLABELLED) { any = true; break; }
    if (!any) return null;
    if (this.layout === 'cube') return raw;
    // 'section' layout is (samples, traces); the store keeps (traces, samples).
    return sectionToInline(nx, ns, raw, new Uint8Array(n));
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/**
 * Open a sidecar for lazy reading after checking its header: uint8, C order, exactly the expected shape, and a file
 * long enough. A mismatch is a SeisGrowError ('wrong-shape', 'bad-sidecar') naming the sidecar.
 */
export function openSidecar(path: string, shape: VolumeShape, layout: SidecarLayout): ChunkSource {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = new Uint8Array(Math.min(size, MAX_HEADER_BYTES + 12));
    readSync(fd, head, 0, head.length, 0);
    const pre = parsePreamble(head, path);
    if (pre.headerStart + pre.headerLength > head.length) throw new SeisGrowError('truncated', 'the NPY header is cut short', path);
    const header = parseHeaderText(head.subarray(pre.headerStart, pre.headerStart + pre.headerLength), pre.version, pre.headerStart, path);
    if (header.dtype.name !== 'uint8') {
      throw new SeisGrowError('corrupt', `labels must be uint8 (255 = unlabelled), but the sidecar holds ${header.dtype.name}`, path);
    }
    if (header.fortranOrder) throw new SeisGrowError('corrupt', 'labels must be stored in C order, not Fortran order', path);
    const expected = sidecarFileShape(shape, layout);
    if (header.shape.length !== expected.length || header.shape.some((n, k) => n !== expected[k])) {
      throw new SeisGrowError('shape-mismatch',
        `labels sidecar has shape ${shapeText(header.shape)} but the volume needs ${shapeText(expected)}; it was not loaded and will not be overwritten`, path);
    }
    if (size < header.dataOffset + header.count) {
      throw new SeisGrowError('truncated', `the labels sidecar holds ${size - header.dataOffset} of ${header.count} data bytes`, path);
    }
    return new FileChunkSource(path, fd, header.dataOffset, shape, layout);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** The NPY v1.0 header bytes for a C-order uint8 array, padded so the data starts on a 64-byte boundary. */
export function npyUint8Header(shape: readonly number[]): Uint8Array {
  const dict = `{'descr': '|u1', 'fortran_order': False, 'shape': ${shapeText(shape)}, }`;
  const unpadded = 10 + dict.length + 1;
  const total = Math.ceil(unpadded / 64) * 64;
  const text = dict + ' '.repeat(total - unpadded) + '\n';
  const out = new Uint8Array(10 + text.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, text.length, true);
  for (let k = 0; k < text.length; k++) out[10 + k] = text.charCodeAt(k);
  return out;
}

/** Stream the store into `target` as an NPY file, safely (safeWriteSync); chunks never written are emitted as 255 without allocation per chunk. */
export function writeSidecarLabels(store: LabelStore, target: string, layout: SidecarLayout): void {
  const [ni, nx, ns] = store.shape;
  safeWriteSync(target, (sink) => {
    sink.write(npyUint8Header(sidecarFileShape(store.shape, layout)));
    if (layout === 'section') {
      const chunk = store.readChunk(0);
      const out = new Uint8Array(nx * ns).fill(UNLABELLED);
      if (chunk) inlineToSection(nx, ns, chunk, out);
      sink.write(out);
    } else {
      const empty = new Uint8Array(store.chunkLength).fill(UNLABELLED);
      for (let i = 0; i < ni; i++) sink.write(store.readChunk(i) ?? empty);
    }
  });
}

/** Read the class palette JSON; null when absent; a SeisGrowError when present but invalid. */
export function readPaletteFile(path: string): EditorClass[] | null {
  if (!existsSync(path)) return null;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new SeisGrowError('corrupt', `the class list is not valid JSON (${(e as Error).message})`, path);
  }
  const palette = parsePalette(json);
  if (!palette) throw new SeisGrowError('corrupt', 'the class list must be {"classes": [{"id": 0..254, "name": "...", "color": "#rrggbb"}]}', path);
  return palette;
}

/** Write the class palette JSON safely. */
export function writePaletteFile(path: string, palette: readonly EditorClass[], volumePath: string): void {
  safeWriteSync(path, serializePalette(palette, basename(volumePath)));
}
