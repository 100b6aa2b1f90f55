// Helpers for SEG-Y peer tests: run segyio scripts, read the raw float32 files they leave, compare value for value.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** Run an inline python3 script with argv; fail the test with python's stderr when it fails. */
export function python(script: string, ...args: string[]): string {
  const r = spawnSync('/usr/bin/python3', ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`python3 failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

/** A little-endian float32 file written by numpy's tofile. */
export function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(new Uint8Array(b).buffer);
}

/** Assert two float arrays are identical bit for bit (NaN equal to NaN), naming the first difference. */
export function assertSameFloats(ours: ArrayLike<number>, theirs: ArrayLike<number>, what: string): void {
  assert.equal(ours.length, theirs.length, `${what}: length`);
  for (let i = 0; i < ours.length; i++) {
    if (!Object.is(ours[i], theirs[i]) && !(Number.isNaN(ours[i]) && Number.isNaN(theirs[i]))) {
      assert.fail(`${what}: value ${i} differs: ours ${ours[i]}, segyio ${theirs[i]}`);
    }
  }
}

/** Transpose a rows × cols row-major array (segyio lines are traces × samples, ours samples × traces). */
export function transpose(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}

/** Python: dump everything segyio sees in a file into a folder (meta.json + raw float32 sections). */
export const DUMP_SCRIPT = String.raw`
import sys, json, segyio, numpy as np, os
path, out, endian, geom = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
kw = dict(endian=endian)
if geom == 'none': kw['ignore_geometry'] = True
with segyio.open(path, **kw) as f:
    meta = dict(tracecount=f.tracecount, samples=[float(x) for x in f.samples], format=int(f.format),
                sorting=(None if f.unstructured else int(f.sorting)), unstructured=bool(f.unstructured),
                bin={str(k): int(v) for k, v in f.bin.items()},
                headers=[{str(k): int(v) for k, v in f.header[i].items()} for i in range(f.tracecount)],
                text=f.text[0].decode('latin-1'))
    f.trace.raw[:].astype('<f4').tofile(os.path.join(out, 'traces.f32'))
    if not f.unstructured:
        meta['ilines'] = [int(x) for x in f.ilines]
        meta['xlines'] = [int(x) for x in f.xlines]
        for il in f.ilines: np.asarray(f.iline[il], dtype='<f4').tofile(os.path.join(out, 'il_%d.f32' % il))
        for xl in f.xlines: np.asarray(f.xline[xl], dtype='<f4').tofile(os.path.join(out, 'xl_%d.f32' % xl))
        for k in range(len(f.samples)): np.asarray(f.depth_slice[k], dtype='<f4').tofile(os.path.join(out, 'ds_%d.f32' % k))
with open(os.path.join(out, 'meta.json'), 'w') as fh: json.dump(meta, fh)
`;

/** What DUMP_SCRIPT writes to meta.json. */
export interface SegyioMeta {
  tracecount: number;
  samples: number[];
  format: number;
  sorting: number | null;
  unstructured: boolean;
  bin: Record<string, number>;
  headers: Record<string, number>[];
  text: string;
  ilines?: number[];
  xlines?: number[];
}
