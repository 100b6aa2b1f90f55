// Write a regular cube as SEG-Y: IEEE float (format 5), big-endian, fixed-length traces, safely (safeWrite: temp file, fsync, rename).
import { resolve } from 'node:path';
import { SeisGrowError } from '../../shared/errors';
import { safeWrite } from '../safeWrite';
import { BINARY_HEADER_FIELDS, TRACE_HEADER_FIELDS, encodeEbcdicText, writeInt } from './headers';
import type { SegyVolume } from './reader';

/** A regular cube to write. data is inline-major: data[(i * crosslines.length + j) * samples + k]. */
export interface SegyCube {
  readonly data: Float32Array;
  /** Inline numbers, one per cube inline (written to trace bytes 189 and the source's inline byte). */
  readonly inlines: readonly number[];
  /** Crossline numbers, one per cube crossline. */
  readonly crosslines: readonly number[];
  /** Samples per trace. */
  readonly samples: number;
  /** Sample interval in milliseconds (default: the source's, else 4). */
  readonly sampleInterval?: number;
  /** Time of the first sample in milliseconds (default: the source's, else 0). */
  readonly sampleStart?: number;
}

const BINARY_BYTES = 400;
const TRACE_HEADER_BYTES = 240;
/** Traces per write call: a few MiB of buffer whatever the cube size. */
const WRITE_BATCH_BYTES = 8 * 1024 * 1024;

function isInt32(n: number): boolean {
  return Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31;
}

/** A delay in ms as (DelayRecordingTime, time scalar) int16s: scaled by 10^-k when it has decimals. */
function encodeDelay(ms: number): [number, number] {
  for (let k = 0; k <= 4; k++) {
    const v = ms * 10 ** k;
    if (Math.abs(v - Math.round(v)) < 1e-6 && Math.abs(v) < 32768) return [Math.round(v), k === 0 ? 0 : -(10 ** k)];
  }
  return [Math.max(-32768, Math.min(32767, Math.round(ms))), 0];
}

/**
 * Write a cube to path as SEG-Y rev1, format 5 big-endian. With a source volume its textual header, binary header
 * fields and the trace headers at matching (inline, crossline) are reused, with format, sample count, interval and
 * delay set for the new data. Never writes over the source file. The result appears only when complete (rename).
 */
export async function writeSegy(path: string, cube: SegyCube, source?: SegyVolume): Promise<void> {
  const ni = cube.inlines.length;
  const nx = cube.crosslines.length;
  const ns = cube.samples;
  if (ni === 0 || nx === 0 || !Number.isInteger(ns) || ns <= 0) {
    throw new SeisGrowError('bad-cube', `cannot write an empty cube (${ni} inlines × ${nx} crosslines × ${ns} samples)`, path);
  }
  if (ns > 65535) throw new SeisGrowError('bad-cube', `${ns} samples per trace do not fit SEG-Y rev1's 16-bit sample count`, path);
  if (cube.data.length !== ni * nx * ns) {
    throw new SeisGrowError('bad-cube', `data has ${cube.data.length} values, expected ${ni} × ${nx} × ${ns} = ${ni * nx * ns}`, path);
  }
  for (const n of [...cube.inlines, ...cube.crosslines]) {
    if (!isInt32(n)) throw new SeisGrowError('bad-cube', `line number ${n} is not a 32-bit integer`, path);
  }
  if (source && resolve(source.path) === resolve(path)) {
    throw new SeisGrowError('would-overwrite', 'refusing to write over the source SEG-Y file', path);
  }
  const intervalMs = cube.sampleInterval ?? source?.info.sampleInterval ?? 4;
  const intervalUs = Math.round(intervalMs * 1000);
  if (!(intervalUs > 0 && intervalUs < 65536)) {
    throw new SeisGrowError('bad-cube', `sample interval ${intervalMs} ms does not fit the 16-bit microsecond field`, path);
  }
  const [delay, timeScalar] = encodeDelay(cube.sampleStart ?? source?.info.sampleStart ?? 0);

  // Textual header: the source's bytes re-encoded as EBCDIC so the whole file follows the standard.
  const text = source
    ? encodeEbcdicText(Array.from({ length: 40 }, (_, c) => source.textualHeader.slice(c * 80, c * 80 + 80)))
    : encodeEbcdicText([
        'C 1 Written by SeisGrow',
        `C 2 ${ni} inlines (${cube.inlines[0]}..${cube.inlines[ni - 1]}) x ${nx} crosslines (${cube.crosslines[0]}..${cube.crosslines[nx - 1]})`,
        `C 3 ${ns} samples, ${intervalMs} ms interval, IEEE float (format 5), big-endian`,
        'C 4 Inline numbers at trace header bytes 189-192, crosslines at 193-196',
        'C40 END TEXTUAL HEADER',
      ]);

  const binary = new Uint8Array(BINARY_BYTES);
  const bv = new DataView(binary.buffer);
  if (source) {
    if (source.byteOrder === 'big') binary.set(source.binaryHeaderBytes);
    for (const f of BINARY_HEADER_FIELDS) writeInt(bv, f.byte - 3201, f.size, source.binaryHeader[f.name] ?? 0, false);
    bv.setUint32(3297 - 3201, 0); // a stale rev2 byte-order mark would contradict our byte order if copied from a little-endian source
  } else {
    writeInt(bv, 3229 - 3201, 2, 4, false); // SortingCode: horizontally stacked
    writeInt(bv, 3255 - 3201, 2, 1, false); // MeasurementSystem: metres
  }
  writeInt(bv, 3213 - 3201, 2, Math.min(nx, 32767), false); // Traces per ensemble (one inline)
  writeInt(bv, 3217 - 3201, 2, intervalUs, false);
  bv.setUint16(3221 - 3201, ns, false);
  writeInt(bv, 3225 - 3201, 2, 5, false);
  writeInt(bv, 3501 - 3201, 2, 0x0100, false); // revision 1.0
  writeInt(bv, 3503 - 3201, 2, 1, false); // fixed-length traces
  writeInt(bv, 3505 - 3201, 2, 0, false); // no extended textual headers (we do not copy them)

  const inlineBytes = new Set([189, source?.inlineByte ?? 189]);
  const crosslineBytes = new Set([193, source?.crosslineByte ?? 193]);
  const traceBytes = TRACE_HEADER_BYTES + ns * 4;
  const batchTraces = Math.max(1, Math.floor(WRITE_BATCH_BYTES / traceBytes));
  const buf = new Uint8Array(batchTraces * traceBytes);
  const view = new DataView(buf.buffer);

  try {
    await safeWrite(path, async (sink) => {
      await sink.write(text);
      await sink.write(binary);
      const total = ni * nx;
      for (let start = 0; start < total; start += batchTraces) {
        const count = Math.min(batchTraces, total - start);
        buf.fill(0, 0, count * traceBytes);
        for (let b = 0; b < count; b++) {
          const t = start + b;
          const i = Math.floor(t / nx);
          const j = t % nx;
          const il = cube.inlines[i];
          const xl = cube.crosslines[j];
          const o = b * traceBytes;
          const srcIndex = source?.traceIndexOf(il, xl) ?? (source && source.traceCount === total ? t : undefined);
          if (source && srcIndex !== undefined) {
            const h = await source.traceHeader(srcIndex);
            for (const f of TRACE_HEADER_FIELDS) writeInt(view, o + f.byte - 1, f.size, h[f.name], false);
          } else {
            writeInt(view, o + 21 - 1, 4, xl, false); // CDP
          }
          writeInt(view, o + 1 - 1, 4, j + 1, false); // TRACE_SEQUENCE_LINE
          writeInt(view, o + 5 - 1, 4, t + 1, false); // TRACE_SEQUENCE_FILE
          for (const b1 of inlineBytes) writeInt(view, o + b1 - 1, 4, il, false);
          for (const b1 of crosslineBytes) writeInt(view, o + b1 - 1, 4, xl, false);
          writeInt(view, o + 109 - 1, 2, delay, false);
          writeInt(view, o + 215 - 1, 2, timeScalar, false);
          view.setUint16(o + 115 - 1, ns, false);
          writeInt(view, o + 117 - 1, 2, intervalUs, false);
          const d = t * ns;
          const p = o + TRACE_HEADER_BYTES;
          for (let k = 0; k < ns; k++) view.setFloat32(p + 4 * k, cube.data[d + k], false);
        }
        await sink.write(buf.subarray(0, count * traceBytes));
      }
    });
  } catch (e) {
    if (e instanceof SeisGrowError) throw e;
    throw new SeisGrowError('io', `cannot write: ${(e as Error).message}`, path);
  }
}
