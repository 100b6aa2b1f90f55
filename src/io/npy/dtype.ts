// NPY element types: parsing numpy's descr strings, decoding stored bytes (either byte order) to numbers,
// and encoding numbers back. Half floats are decoded through a 65 536-entry table so subnormals, infinities
// and NaN come out exactly as numpy's float16 → float32 cast gives them.
import { SeisGrowError } from '../../shared/errors';

/** The element kinds we read and write. */
export type DTypeName = 'float16' | 'float32' | 'float64' | 'int8' | 'int16' | 'int32' | 'int64' | 'uint8' | 'uint16' | 'uint32' | 'uint64' | 'bool';

/** A parsed numpy descr such as '<f4' or '|u1'. */
export interface DTypeSpec {
  /** numpy kind character: f (float), i (signed), u (unsigned), b (bool). */
  readonly kind: 'f' | 'i' | 'u' | 'b';
  readonly itemSize: number;
  readonly littleEndian: boolean;
  readonly name: DTypeName;
  /** Canonical descr as numpy writes it, e.g. '<f4', '>i2', '|u1'. */
  readonly descr: string;
}

/** Any typed array readNpy may return. */
export type NumericArray = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;

const NAMES: Record<string, DTypeName> = {
  f2: 'float16', f4: 'float32', f8: 'float64',
  i1: 'int8', i2: 'int16', i4: 'int32', i8: 'int64',
  u1: 'uint8', u2: 'uint16', u4: 'uint32', u8: 'uint64',
  b1: 'bool',
};

/** The descr strings writeNpy accepts (numpy's canonical spellings, little-endian unless '>' is given). */
export type WritableDescr =
  | '<f2' | '<f4' | '<f8' | '|i1' | '<i2' | '<i4' | '<i8' | '|u1' | '<u2' | '<u4' | '<u8' | '|b1'
  | '>f2' | '>f4' | '>f8' | '>i2' | '>i4' | '>i8' | '>u2' | '>u4' | '>u8';

/** Parse a numpy descr string; unsupported types (complex, object, strings, datetimes, records) throw a SeisGrowError. */
export function parseDescr(descr: string, file?: string): DTypeSpec {
  const m = /^([<>|=]?)([a-zA-Z])(\d+)$/.exec(descr);
  const code = m ? `${m[2]}${m[3]}` : '';
  const name = NAMES[code];
  if (!m || !name) {
    throw new SeisGrowError('unsupported-dtype', `unsupported NPY dtype '${descr}'${explainUnsupported(descr)}; supported: f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1`, file);
  }
  const itemSize = Number(m[3]);
  // '=' and '|' mean native order; every platform we run on is little-endian.
  const littleEndian = m[1] !== '>';
  const order = itemSize === 1 ? '|' : littleEndian ? '<' : '>';
  return { kind: m[2] as DTypeSpec['kind'], itemSize, littleEndian, name, descr: `${order}${code}` };
}

function explainUnsupported(descr: string): string {
  const kind = descr.replace(/^[<>|=]/, '')[0];
  const what: Record<string, string> = {
    c: ' (complex numbers)', O: ' (Python objects)', U: ' (unicode strings)', S: ' (byte strings)', a: ' (byte strings)',
    M: ' (datetimes)', m: ' (timedeltas)', V: ' (raw/record data)',
  };
  return what[kind] ?? '';
}

let halfTable: Float32Array | undefined;

/** float16 bit pattern → float32, for all 65 536 patterns (built once, 256 KiB). */
export function halfToFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) t[h] = halfBitsToNumber(h);
  halfTable = t;
  return t;
}

/** Decode one IEEE 754 binary16 bit pattern exactly (subnormals, ±inf, NaN). */
export function halfBitsToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Round a number to the nearest float16 (ties to even) and return its bit pattern, as numpy's float → float16 cast. */
export function numberToHalfBits(value: number): number {
  if (Number.isNaN(value)) return 0x7e00;
  const sign = value < 0 || Object.is(value, -0) ? 0x8000 : 0;
  const a = Math.abs(value);
  if (a === Infinity) return sign | 0x7c00;
  if (a >= 65520) return sign | 0x7c00; // rounds past the largest half (65504)
  if (a < 2 ** -14) {
    // Subnormal: a multiple of 2^-24, rounded to nearest even.
    const q = a / 2 ** -24;
    let n = Math.floor(q);
    const r = q - n;
    if (r > 0.5 || (r === 0.5 && (n & 1) === 1)) n++;
    return sign | n; // n may reach 1024, which is exactly the smallest normal's pattern
  }
  let exp = Math.floor(Math.log2(a));
  if (2 ** exp > a) exp--;
  if (2 ** (exp + 1) <= a) exp++;
  const q = (a / 2 ** exp - 1) * 1024;
  let frac = Math.floor(q);
  const r = q - frac;
  if (r > 0.5 || (r === 0.5 && (frac & 1) === 1)) frac++;
  let e = exp + 15;
  if (frac === 1024) { frac = 0; e++; }
  if (e >= 0x1f) return sign | 0x7c00;
  return sign | (e << 10) | frac;
}

/**
 * Decode `count` stored elements, the i-th at `bytes[byteOffset + i·byteStride]`, into `out` as float32, writing
 * out[outIndex], out[outIndex + outStep], …; the two strides let a run of stored samples land as a column of a
 * section, and let a time slice pick one sample per trace out of a block read in one go.
 */
export function decodeToFloat32(
  dt: DTypeSpec, bytes: Uint8Array, byteOffset: number, count: number, byteStride: number,
  out: Float32Array, outIndex: number, outStep: number,
): void {
  if (count <= 0) return;
  const le = dt.littleEndian;
  const view = new DataView(bytes.buffer, bytes.byteOffset + byteOffset, (count - 1) * byteStride + dt.itemSize);
  const s = byteStride;
  let o = outIndex;
  switch (dt.name) {
    case 'float32':
      if (le && s === 4 && outStep === 1 && (bytes.byteOffset + byteOffset) % 4 === 0) {
        out.set(new Float32Array(bytes.buffer, bytes.byteOffset + byteOffset, count), outIndex);
        return;
      }
      for (let i = 0, b = 0; i < count; i++, o += outStep, b += s) out[o] = view.getFloat32(b, le);
      return;
    case 'float64':
      for (let i = 0, b = 0; i < count; i++, o += outStep, b += s) out[o] = view.getFloat64(b, le);
      return;
    case 'float16': {
      const t = halfToFloatTable();
      for (let i = 0, b = 0; i < count; i++, o += outStep, b += s) out[o] = t[view.getUint16(b, le)];
      return;
    }
    case 'int8':
      for (let i = 0, b = 0; i < count; i++, o += outStep, b += s) out[o] = view.getInt8(b);
      return;
    case 'uint8':
      for (let i = 0, b = 0; i < count; i++, o += outStep, b += s) out[o] = view.getUint8(b);
      return;
    case 'bool':
      for (let i = 0, b = 0; i < count; i++, o += outStep, b += s) out[o] = view.getUint8(b) ? 1 : 0;
      return;
    case 'int16':
      for (let i = 0, b = 0; i < count; i++, o += outStep, b += s) out[o] = view.getInt16(b, le);
      return;
    case 'uint16':
      for (let i = 0, b = 0; i < count; i++, o += outStep, b += s) out[o] = view.getUint16(b, le);
      return;
    case 'int32':
      for (let i = 0, b = 0; i < count; i++, o += outStep, b += s) out[o] = view.getInt32(b, le);
      return;
    case 'uint32':
      for (let i = 0, b = 0; i < count; i++, o += outStep, b += s) out[o] = view.getUint32(b, le);
      return;
    case 'int64':
    case 'uint64':
      for (let i = 0, b = 0; i < count; i++, o += outStep, b += s) out[o] = read64(view, b, le, dt.name === 'int64');
      return;
  }
}

/** A 64-bit integer as the nearest double: hi·2^32 is exact, so adding lo rounds once, like numpy's cast. */
function read64(view: DataView, at: number, le: boolean, signed: boolean): number {
  const lo = view.getUint32(le ? at : at + 4, le);
  const hi = signed ? view.getInt32(le ? at + 4 : at, le) : view.getUint32(le ? at + 4 : at, le);
  return hi * 4294967296 + lo;
}

/**
 * Decode `count` stored elements into the natural typed array: float16 → Float32Array, int64/uint64 → Float64Array
 * (nearest double), bool → Uint8Array of 0/1, the rest to their own type in native byte order.
 */
export function decodeNative(dt: DTypeSpec, bytes: Uint8Array, count: number): NumericArray {
  const view = new DataView(bytes.buffer, bytes.byteOffset, count * dt.itemSize);
  const le = dt.littleEndian;
  switch (dt.name) {
    case 'float16': {
      const out = new Float32Array(count);
      decodeToFloat32(dt, bytes, 0, count, 2, out, 0, 1);
      return out;
    }
    case 'float32': { const out = new Float32Array(count); for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, le); return out; }
    case 'float64': { const out = new Float64Array(count); for (let i = 0; i < count; i++) out[i] = view.getFloat64(i * 8, le); return out; }
    case 'int8': return new Int8Array(bytes.slice(0, count).buffer);
    case 'uint8': return bytes.slice(0, count);
    case 'bool': { const out = new Uint8Array(count); for (let i = 0; i < count; i++) out[i] = bytes[i] ? 1 : 0; return out; }
    case 'int16': { const out = new Int16Array(count); for (let i = 0; i < count; i++) out[i] = view.getInt16(i * 2, le); return out; }
    case 'uint16': { const out = new Uint16Array(count); for (let i = 0; i < count; i++) out[i] = view.getUint16(i * 2, le); return out; }
    case 'int32': { const out = new Int32Array(count); for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, le); return out; }
    case 'uint32': { const out = new Uint32Array(count); for (let i = 0; i < count; i++) out[i] = view.getUint32(i * 4, le); return out; }
    case 'int64':
    case 'uint64': { const out = new Float64Array(count); for (let i = 0; i < count; i++) out[i] = read64(view, i * 8, le, dt.name === 'int64'); return out; }
  }
}

// [min, max + 1]: an exclusive upper bound, because 2^63 - 1 and 2^64 - 1 are not doubles.
const INT_RANGES: Partial<Record<DTypeName, [number, number]>> = {
  int8: [-128, 128], uint8: [0, 256], int16: [-32768, 32768], uint16: [0, 65536],
  int32: [-2147483648, 2147483648], uint32: [0, 4294967296],
  int64: [-(2 ** 63), 2 ** 63], uint64: [0, 2 ** 64],
};

/** Encode numbers as stored elements of `dt`; integers must be whole and in range (no silent wrap-around). */
export function encodeElements(dt: DTypeSpec, values: ArrayLike<number>, file?: string): Buffer {
  const n = values.length;
  const buf = Buffer.alloc(n * dt.itemSize);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const le = dt.littleEndian;
  const range = INT_RANGES[dt.name];
  if (range) {
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (!Number.isInteger(v) || v < range[0] || v >= range[1]) {
        throw new SeisGrowError('bad-value', `cannot store ${v} (element ${i}) as ${dt.name}: integers from ${range[0]} to below ${range[1]} only`, file);
      }
    }
  }
  switch (dt.name) {
    case 'float16': for (let i = 0; i < n; i++) view.setUint16(i * 2, numberToHalfBits(values[i]), le); break;
    case 'float32': for (let i = 0; i < n; i++) view.setFloat32(i * 4, values[i], le); break;
    case 'float64': for (let i = 0; i < n; i++) view.setFloat64(i * 8, values[i], le); break;
    case 'int8': for (let i = 0; i < n; i++) view.setInt8(i, values[i]); break;
    case 'uint8': for (let i = 0; i < n; i++) view.setUint8(i, values[i]); break;
    case 'bool': for (let i = 0; i < n; i++) view.setUint8(i, values[i] ? 1 : 0); break;
    case 'int16': for (let i = 0; i < n; i++) view.setInt16(i * 2, values[i], le); break;
    case 'uint16': for (let i = 0; i < n; i++) view.setUint16(i * 2, values[i], le); break;
    case 'int32': for (let i = 0; i < n; i++) view.setInt32(i * 4, values[i], le); break;
    case 'uint32': for (let i = 0; i < n; i++) view.setUint32(i * 4, values[i], le); break;
    case 'int64': for (let i = 0; i < n; i++) view.setBigInt64(i * 8, BigInt(values[i]), le); break;
    case 'uint64': for (let i = 0; i < n; i++) view.setBigUint64(i * 8, BigInt(values[i]), le); break;
  }
  return buf;
}
