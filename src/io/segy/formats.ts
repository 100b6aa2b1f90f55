// SEG-Y data sample formats: sizes, names and decoders into float32.
import { decodeIbm } from '../ibm';

/** A supported data sample format. */
export interface SampleFormat {
  readonly code: number;
  readonly bytes: 1 | 2 | 4 | 8;
  /** Our dtype name (VolumeInfo.dtype). */
  readonly dtype: string;
  readonly description: string;
}

/** Every format code we read, keyed by the binary header's code (3225-3226). */
export const SAMPLE_FORMATS: ReadonlyMap<number, SampleFormat> = new Map(
  (
    [
      [1, 4, 'ibm32', '4-byte IBM float'],
      [2, 4, 'int32', '4-byte two\'s complement integer'],
      [3, 2, 'int16', '2-byte two\'s complement integer'],
      [5, 4, 'float32', '4-byte IEEE float'],
      [6, 8, 'float64', '8-byte IEEE float'],
      [8, 1, 'int8', '1-byte two\'s complement integer'],
      [9, 8, 'int64', '8-byte two\'s complement integer'],
      [10, 4, 'uint32', '4-byte unsigned integer'],
      [11, 2, 'uint16', '2-byte unsigned integer'],
      [12, 8, 'uint64', '8-byte unsigned integer'],
      [16, 1, 'uint8', '1-byte unsigned integer'],
    ] as const
  ).map(([code, bytes, dtype, description]) => [code, { code, bytes, dtype, description }]),
);

/** Format codes the SEG-Y standard defines but we do not decode (so the error can say "unsupported" rather than "garbage"). */
export const KNOWN_UNSUPPORTED_FORMATS: ReadonlySet<number> = new Set([4, 7, 15]);

/**
 * Decode `count` samples of format `code` from view at byteOffset into dst[dstOffset + k*dstStride], as float32.
 * 64-bit integers go through BigInt and round to the nearest float32, like numpy astype.
 */
export function decodeSamples(
  view: DataView,
  byteOffset: number,
  count: number,
  code: number,
  little: boolean,
  dst: Float32Array,
  dstOffset: number,
  dstStride: number,
): void {
  let o = dstOffset;
  let p = byteOffset;
  switch (code) {
    case 1:
      decodeIbm(view, byteOffset, count, little, dst, dstOffset, dstStride);
      return;
    case 5:
      for (let k = 0; k < count; k++, o += dstStride, p += 4) dst[o] = view.getFloat32(p, little);
      return;
    case 2:
      for (let k = 0; k < count; k++, o += dstStride, p += 4) dst[o] = view.getInt32(p, little);
      return;
    case 3:
      for (let k = 0; k < count; k++, o += dstStride, p += 2) dst[o] = view.getInt16(p, little);
      return;
    case 6:
      for (let k = 0; k < count; k++, o += dstStride, p += 8) dst[o] = view.getFloat64(p, little);
      return;
    case 8:
      for (let k = 0; k < count; k++, o += dstStride, p += 1) dst[o] = view.getInt8(p);
      return;
    case 9:
      for (let k = 0; k < count; k++, o += dstStride, p += 8) dst[o] = Number(view.getBigInt64(p, little));
      return;
    case 10:
      for (let k = 0; k < count; k++, o += dstStride, p += 4) dst[o] = view.getUint32(p, little);
      return;
    case 11:
      for (let k = 0; k < count; k++, o += dstStride, p += 2) dst[o] = view.getUint16(p, little);
      return;
    case 12:
      for (let k = 0; k < count; k++, o += dstStride, p += 8) dst[o] = Number(view.getBigUint64(p, little));
      return;
    case 16:
      for (let k = 0; k < count; k++, o += dstStride, p += 1) dst[o] = view.getUint8(p);
      return;
    default:
      throw new RangeError(`decodeSamples: unsupported format ${code}`);
  }
}
