// Whole-array NPY reading (labels, small arrays) and writing (sections, predictions, grown labels).
import * as fs from 'node:fs';
import { SeisGrowError } from '../../shared/errors';
import { MAX_ALLOCATION_BYTES } from '../types';
import { DTypeName, DTypeSpec, NumericArray, WritableDescr, decodeNative, encodeElements, parseDescr } from './dtype';
import { closeQuietly, fileSystemError, openRegularFile, readAt, readNpyHeader } from './file';
import { safeWrite, writeFailure } from '../safeWrite';

/** A whole NPY array in memory, always in C (row-major) order whatever the file's order. */
export interface NpyArray {
  /** Values in C order: float16 → Float32Array, int64/uint64 → Float64Array (nearest double), bool → Uint8Array of 0/1. */
  readonly data: NumericArray;
  readonly shape: readonly number[];
  /** Stored element type, e.g. 'uint8', 'float32'. */
  readonly dtype: DTypeName;
  /** The stored descr, e.g. '<f4'. */
  readonly descr: string;
  /** Whether the FILE was in Fortran order (the data returned is C order regardless). */
  readonly fortranOrder: boolean;
  /** NPY format version of the file. */
  readonly version: 1 | 2 | 3;
}

/** Options for readNpy. */
export interface ReadNpyOptions {
  /** Refuse arrays whose stored data exceed this many bytes (default and ceiling: MAX_ALLOCATION_BYTES). */
  maxBytes?: number;
}

/** Read a whole NPY array (any dimension count) into memory, guarded against sizes that cannot fit. */
export async function readNpy(file: string, options: ReadNpyOptions = {}): Promise<NpyArray> {
  const { fd, size } = openRegularFile(file);
  try {
    const header = readNpyHeader(fd, size, file);
    const bytes = header.count * header.dtype.itemSize;
    const limit = Math.min(options.maxBytes ?? MAX_ALLOCATION_BYTES, MAX_ALLOCATION_BYTES);
    const decodedBytes = header.count * (header.dtype.name === 'int64' || header.dtype.name === 'uint64' ? 8 : header.dtype.name === 'float16' ? 4 : header.dtype.itemSize);
    if (bytes > limit || decodedBytes > MAX_ALLOCATION_BYTES) {
      throw new SeisGrowError('too-large', `NPY array (${header.shape.join(', ')}) of ${header.descr} is ${bytes} bytes, over the ${limit}-byte limit for reading it whole; open it as a volume instead`, file);
    }
    const raw = new Uint8Array(bytes);
    const got = readAt(fd, raw, 0, bytes, header.dataOffset);
    if (got < bytes) throw new SeisGrowError('truncated', `truncated NPY file: read ${got} of ${bytes} data bytes`, file);
    let data = decodeNative(header.dtype, raw, header.count);
    if (header.fortranOrder && header.shape.length > 1) data = fortranToC(data, header.shape);
    return { data, shape: header.shape, dtype: header.dtype.name, descr: header.dtype.descr, fortranOrder: header.fortranOrder, version: header.version };
  } finally {
    closeQuietly(fd);
  }
}

/** Reorder an N-d array from Fortran (column-major) to C (row-major) order. */
export function fortranToC<T extends NumericArray>(src: T, shape: readonly number[]): T {
  const out = new (src.constructor as { new (n: number): T })(src.length);
  const nd = shape.length;
  // Fortran strides: 1, d0, d0*d1, ...; walk C order with an odometer over the index tuple.
  const fStride = new Array<number>(nd);
  let acc = 1;
  for (let a = 0; a < nd; a++) { fStride[a] = acc; acc *= shape[a]; }
  const idx = new Array<number>(nd).fill(0);
  const last = nd - 1;
  const lastLen = shape[last];
  const lastStride = fStride[last];
  let f = 0;
  for (let c = 0; c < src.length; c += lastLen) {
    for (let j = 0, g = f; j < lastLen; j++, g += lastStride) out[c + j] = src[g];
    // Advance the odometer over all axes but the last.
    for (let a = last - 1; a >= 0; a--) {
      idx[a]++;
      f += fStride[a];
      if (idx[a] < shape[a]) break;
      f -= fStride[a] * shape[a];
      idx[a] = 0;
    }
  }
  return out;
}

/** Options for encodeNpy / writeNpy. */
export interface WriteNpyOptions {
  /** Format version; default 1.0, or 2.0 when the header does not fit 1.0's 64 KiB. 3.0 writes a UTF-8 header. */
  version?: 1 | 2 | 3;
}

/** Encode an array (values in C order) as a complete NPY file image. Integer dtypes refuse fractional or out-of-range values. */
export function encodeNpy(data: ArrayLike<number>, shape: readonly number[], descr: WritableDescr | string = '<f4', options: WriteNpyOptions = {}, file?: string): Buffer {
  const dt: DTypeSpec = parseDescr(descr, file);
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new SeisGrowError('bad-shape', `cannot write NPY: bad dimension ${d} in shape (${shape.join(', ')})`, file);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) {
    throw new SeisGrowError('bad-shape', `cannot write NPY: shape (${shape.join(', ')}) holds ${count} values but ${data.length} were given`, file);
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '${dt.descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const header = buildHeader(dict, options.version, file);
  const body = encodeElements(dt, data, file);
  return Buffer.concat([header, body]);
}

/** Preamble + padded header, aligned to 64 bytes like numpy so the data can be memory-mapped efficiently. */
function buildHeader(dict: string, version: 1 | 2 | 3 | undefined, file?: string): Buffer {
  const text = Buffer.from(dict, version === 3 ? 'utf8' : 'latin1');
  const fits1 = (len: number) => len <= 0xffff;
  const padded = (prefix: number) => {
    const total = prefix + text.length + 1;
    return text.length + 1 + ((64 - (total % 64)) % 64);
  };
  let v = version ?? 1;
  if (version === undefined && !fits1(padded(10))) v = 2;
  if (v === 1 && !fits1(padded(10))) throw new SeisGrowError('too-large', 'NPY header does not fit format 1.0; use version 2.0', file);
  const prefix = v === 1 ? 10 : 12;
  const headerLength = padded(prefix);
  const out = Buffer.alloc(prefix + headerLength, 0x20);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, v, 0]).copy(out, 0);
  if (v === 1) out.writeUInt16LE(headerLength, 8);
  else out.writeUInt32LE(headerLength, 8);
  text.copy(out, prefix);
  out[out.length - 1] = 0x0a;
  return out;
}

/**
 * Write an NPY file safely (see safeWrite: temp file in the same folder, fsync, rename over `file`), so a failure
 * never leaves a half-written array (or destroys an existing one); failures are SeisGrowErrors naming the file.
 */
export async function writeNpy(file: string, data: ArrayLike<number>, shape: readonly number[], descr: WritableDescr | string = '<f4', options: WriteNpyOptions = {}): Promise<void> {
  const image = encodeNpy(data, shape, descr, options, file);
  try {
    // Checked first so a directory target fails before the image is written, on every platform alike.
    if ((await fs.promises.stat(file)).isDirectory()) throw new SeisGrowError('is-directory', 'cannot write: the output path is a directory', file);
  } catch (e) {
    if (e instanceof SeisGrowError) throw e;
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fileSystemError(e, file);
  }
  await safeWrite(file, image).catch((e: unknown) => { throw writeFailure(e, file); });
}
