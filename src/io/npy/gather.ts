// Reading a strided 2D selection of a file-backed array: the one primitive behind inlines, crosslines, time slices
// and traces in either storage order. Nearby pieces are coalesced into block reads (a time slice of a C-order
// cube becomes a sequential scan); distant ones are read separately. Reads are synchronous pread()s, which are
// several times cheaper than round trips through libuv's thread pool for many small pieces; the event loop is
// handed back every few milliseconds so a long scan never freezes the extension host.
import { readAt } from './file';
import { DTypeSpec, decodeToFloat32 } from './dtype';

/** Tuning for block reads; the defaults suit page-cache and SSD reads alike. */
export interface GatherOptions {
  /** Gaps up to this many bytes between wanted pieces are read through rather than seeking (default 256 KiB). */
  maxGapBytes?: number;
  /** Largest single read (default 16 MiB). */
  maxChunkBytes?: number;
  /** Yield to the event loop after this many milliseconds of reading (default 8). */
  yieldEveryMs?: number;
}

/** The element grid of a section in the file: element (r, c) lives at element index base + r·rowStride + c·colStride. */
export interface StridedSelection {
  readonly base: number;
  readonly rows: number;
  readonly rowStride: number;
  readonly cols: number;
  readonly colStride: number;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Read the selection from an open file into a new rows × cols float32 array (row-major). `dataOffset` is where
 * element 0 lives. Pieces are visited in file order, which the C/F layouts guarantee is ascending.
 */
export async function gatherFloat32(
  fd: number, dataOffset: number, dt: DTypeSpec, sel: StridedSelection, options: GatherOptions = {}, isClosed: () => boolean = () => false,
): Promise<Float32Array> {
  const maxGap = options.maxGapBytes ?? 256 * 1024;
  const maxChunk = options.maxChunkBytes ?? 16 * 1024 * 1024;
  const yieldMs = options.yieldEveryMs ?? 8;
  const out = new Float32Array(sel.rows * sel.cols);
  if (out.length === 0) return out;
  const item = dt.itemSize;

  // Inner axis: the one with the smaller stride; each outer index is one "piece" holding the inner run,
  // unless inner elements lie so far apart that reading through the gaps would waste more than it saves.
  const rowsInner = sel.rowStride <= sel.colStride || sel.cols === 1;
  const inner = rowsInner
    ? { count: sel.rows, stride: sel.rowStride, outStep: sel.cols }
    : { count: sel.cols, stride: sel.colStride, outStep: 1 };
  const outer = rowsInner
    ? { count: sel.cols, stride: sel.colStride, outStep: 1 }
    : { count: sel.rows, stride: sel.rowStride, outStep: sel.cols };
  const splitInner = inner.count > 1 && (inner.stride - 1) * item > maxGap;
  const perPiece = splitInner ? 1 : inner.count;
  const piecesPerOuter = splitInner ? inner.count : 1;
  const pieceCount = outer.count * piecesPerOuter;
  const pieceSpanBytes = ((perPiece - 1) * inner.stride + 1) * item;
  const pieceByteStride = inner.stride * item;

  const pieceStart = (k: number): number => {
    const o = Math.floor(k / piecesPerOuter);
    const j = k - o * piecesPerOuter;
    return dataOffset + (sel.base + o * outer.stride + j * inner.stride) * item;
  };
  const pieceOut = (k: number): number => {
    const o = Math.floor(k / piecesPerOuter);
    const j = k - o * piecesPerOuter;
    return o * outer.outStep + j * inner.outStep;
  };

  let buffer = new Uint8Array(Math.min(maxChunk, Math.max(pieceSpanBytes, 1)));
  // Little-endian float32 at an aligned offset (every numpy file) is copied through a Float32Array view.
  const nativeF32 = dt.name === 'float32' && dt.littleEndian && dataOffset % 4 === 0;
  let f32: Float32Array | undefined;
  let lastYield = Date.now();
  let k = 0;
  while (k < pieceCount) {
    // Grow a chunk from piece k while the next piece is near and the chunk stays within maxChunk.
    const chunkStart = pieceStart(k);
    let end = k + 1;
    let chunkEnd = chunkStart + pieceSpanBytes;
    while (end < pieceCount) {
      const s = pieceStart(end);
      if (s - chunkEnd > maxGap || s + pieceSpanBytes - chunkStart > maxChunk) break;
      chunkEnd = s + pieceSpanBytes;
      end++;
    }
    const length = chunkEnd - chunkStart;
    if (buffer.length < length) buffer = new Uint8Array(length);
    if (isClosed()) throw new Error('volume closed during a read');
    const got = readAt(fd, buffer, 0, length, chunkStart);
    if (got < length) throw new RangeError(`short read: wanted ${length} bytes at ${chunkStart}, got ${got}`);
    if (nativeF32) {
      if (!f32 || f32.buffer !== buffer.buffer) f32 = new Float32Array(buffer.buffer, 0, buffer.length >> 2);
      copyF32Pieces(f32, k, end, (p) => (pieceStart(p) - chunkStart) >> 2, pieceOut, perPiece, inner.stride, inner.outStep, out);
    } else {
      for (let p = k; p < end; p++) {
        decodeToFloat32(dt, buffer, pieceStart(p) - chunkStart, perPiece, pieceByteStride, out, pieceOut(p), inner.outStep);
      }
    }
    k = end;
    if (Date.now() - lastYield >= yieldMs) {
      await yieldToEventLoop();
      lastYield = Date.now();
    }
  }
  return out;
}

const BLOCK = 16;
const blockSrc = new Int32Array(BLOCK);
const blockOut = new Int32Array(BLOCK);

/**
 * Copy pieces [from, to) of native float32: `count` elements each, `srcStep` apart in `src`, landing `outStep` apart
 * in `out`. When pieces become columns (outStep > 1, a transpose), 16 pieces are interleaved so each output row
 * segment is written contiguously instead of touching a new cache line per element.
 */
function copyF32Pieces(
  src: Float32Array, from: number, to: number, srcIndex: (p: number) => number, outIndex: (p: number) => number,
  count: number, srcStep: number, outStep: number, out: Float32Array,
): void {
  if (outStep === 1) {
    for (let p = from; p < to; p++) {
      const s0 = srcIndex(p);
      const o0 = outIndex(p);
      if (srcStep === 1) out.set(src.subarray(s0, s0 + count), o0);
      else for (let i = 0, si = s0; i < count; i++, si += srcStep) out[o0 + i] = src[si];
    }
    return;
  }
  for (let p0 = from; p0 < to; p0 += BLOCK) {
    const nb = Math.min(BLOCK, to - p0);
    for (let q = 0; q < nb; q++) { blockSrc[q] = srcIndex(p0 + q); blockOut[q] = outIndex(p0 + q); }
    for (let i = 0, si = 0, oi = 0; i < count; i++, si += srcStep, oi += outStep) {
      for (let q = 0; q < nb; q++) out[blockOut[q] + oi] = src[blockSrc[q] + si];
    }
  }
}
