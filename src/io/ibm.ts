// IBM System/360 hexadecimal floating point <-> IEEE 754 single, with integer operations only (no Math.pow per sample).

/** Convert one big-endian-assembled IBM float word to the nearest IEEE float32 value (as a JS number). */
export function ibmToFloat(word: number): number {
  const sign = word >>> 31;
  let frac = word & 0x00ffffff;
  if (frac === 0) return sign ? -0 : 0;
  // value = frac / 2^24 * 16^(exp-64) = frac * 2^(4*(exp-64) - 24)
  const exp2 = (((word >>> 24) & 0x7f) - 64) * 4;
  const lz = Math.clz32(frac) - 8; // 0..23: shift that puts the leading 1 at bit 23
  frac <<= lz;
  const e = exp2 - 1 - lz + 127; // IEEE biased exponent of 1.f × 2^(exp2-1-lz)
  if (e > 0 && e < 255) {
    F32_BITS[0] = (sign << 31) | (e << 23) | (frac & 0x7fffff);
    return F32[0];
  }
  // Overflow to infinity or underflow to an IEEE denormal/zero: rare, so exact float maths is fine here.
  const v = Math.fround((frac >>> 0) * 2 ** (exp2 - lz - 24));
  return sign ? -v : v;
}

const F32 = new Float32Array(1);
const F32_BITS = new Uint32Array(F32.buffer);

/** Decode `count` IBM floats from `view` at byteOffset into dst[dstOffset + k*dstStride]. Fast path writes IEEE bits directly. */
export function decodeIbm(
  view: DataView,
  byteOffset: number,
  count: number,
  littleEndian: boolean,
  dst: Float32Array,
  dstOffset: number,
  dstStride: number,
): void {
  const bits = new Uint32Array(dst.buffer, dst.byteOffset, dst.length);
  let o = dstOffset;
  for (let k = 0; k < count; k++, o += dstStride) {
    const word = view.getUint32(byteOffset + 4 * k, littleEndian);
    const frac0 = word & 0x00ffffff;
    if (frac0 === 0) {
      bits[o] = word & 0x80000000;
      continue;
    }
    const lz = Math.clz32(frac0) - 8;
    const e = ((((word >>> 24) & 0x7f) - 64) << 2) - 1 - lz + 127;
    if (e > 0 && e < 255) bits[o] = (word & 0x80000000) | (e << 23) | ((frac0 << lz) & 0x7fffff);
    else dst[o] = ibmToFloat(word);
  }
}

/** Convert a number to the IBM float word nearest below in magnitude (truncation, as segyio does); NaN becomes 0, ±Inf saturates. */
export function floatToIbm(value: number): number {
  if (value === 0 || Number.isNaN(value)) return Object.is(value, -0) ? 0x80000000 : 0;
  const sign = value < 0 ? 0x80000000 : 0;
  let v = Math.abs(value);
  if (!Number.isFinite(v) || v >= 16 ** 63) return (sign | 0x7fffffff) >>> 0;
  if (v < 16 ** -65) return sign >>> 0;
  let exp = 64;
  while (v >= 1) {
    v /= 16;
    exp++;
  }
  while (v < 1 / 16) {
    v *= 16;
    exp--;
  }
  let frac = Math.floor(v * 2 ** 24);
  if (frac >= 2 ** 24) {
    frac = Math.floor(frac / 16);
    exp++;
  }
  return (sign | (exp << 24) | frac) >>> 0;
}
