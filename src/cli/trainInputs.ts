// Inputs of the train and predict verbs: NPY 2D (H, W) = one section, NPY 3D (N, H, W) = N sections, or SEG-Y (each
// inline one section of samples × crosslines); labels NPY of the same shape (for SEG-Y: the editor's sidecar shape,
// (inlines, crosslines, samples)), integers, 255 = unlabelled.
import * as path from 'node:path';
import { SeisGrowError } from '../shared/errors';
import { readNpy, writeNpy } from '../io/npy';
import { detectFormat, openVolume } from '../io/volume';

/** One input file as a stack of 2D sections. */
export interface InputStack {
  file: string;
  /** Shape of the outputs written for this input: (H, W) or (N, H, W). */
  shape: number[];
  height: number;
  width: number;
  sections: Float32Array[];
}

/** Read a seismic input as sections. */
export async function readSeismicStack(file: string): Promise<InputStack> {
  const format = await detectFormat(file);
  if (format === 'segy') {
    const v = await openVolume(file);
    try {
      const [, crosslines, samples] = v.info.shape;
      const sections: Float32Array[] = [];
      for (const il of v.info.inlines) sections.push(Float32Array.from((await v.inline(il)).data));
      return { file, shape: [sections.length, samples, crosslines], height: samples, width: crosslines, sections };
    } finally {
      await v.close();
    }
  }
  const a = await readNpy(file);
  if (a.shape.length !== 2 && a.shape.length !== 3) {
    throw new SeisGrowError('bad-shape', `seismic must be 2D (H, W) or 3D (N, H, W), got shape (${a.shape.join(', ')})`, file);
  }
  const [n, h, w] = a.shape.length === 2 ? [1, a.shape[0], a.shape[1]] : [a.shape[0], a.shape[1], a.shape[2]];
  if (n < 1 || h < 1 || w < 1) throw new SeisGrowError('bad-shape', `seismic has an empty axis, shape (${a.shape.join(', ')})`, file);
  const data = a.data instanceof Float32Array ? a.data : Float32Array.from(a.data);
  const sections = Array.from({ length: n }, (_, i) => data.subarray(i * h * w, (i + 1) * h * w));
  return { file, shape: [...a.shape], height: h, width: w, sections };
}

/** Read labels for an input; the shape must match; values must be integers 0..254 or 255. */
export async function readLabelStack(file: string, input: InputStack, isSegy: boolean): Promise<Uint8Array[]> {
  const a = await readNpy(file);
  const n = input.sections.length;
  const { height: h, width: w } = input;
  const expected = isSegy ? [n, w, h] : input.shape;
  if (a.shape.length !== expected.length || a.shape.some((d, i) => d !== expected[i])) {
    throw new SeisGrowError('shape-mismatch', `labels have shape (${a.shape.join(', ')}) but ${path.basename(input.file)} needs (${expected.join(', ')})`, file);
  }
  for (let i = 0; i < a.data.length; i++) {
    const v = a.data[i];
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new SeisGrowError('bad-label', `label ${v} at index ${i} is not an integer 0..255 (255 = unlabelled)`, file);
  }
  return Array.from({ length: n }, (_, s) => {
    const out = new Uint8Array(h * w);
    if (isSegy) {
      // Sidecar order (inline, crossline, sample) → section rows = samples, columns = crosslines.
      for (let x = 0; x < w; x++) for (let y = 0; y < h; y++) out[y * w + x] = a.data[(s * w + x) * h + y];
    } else {
      for (let i = 0; i < h * w; i++) out[i] = a.data[s * h * w + i];
    }
    return out;
  });
}

/** Whether a file is SEG-Y (labels then follow the sidecar axis order). */
export async function isSegyFile(file: string): Promise<boolean> {
  return (await detectFormat(file)) === 'segy';
}

/** Stack per-section arrays into one buffer of the input's shape and write it as NPY (atomically). */
export async function writeStack(file: string, parts: ArrayLike<number>[], input: InputStack, descr: '<f4' | '|u1', extraAxis?: number): Promise<void> {
  const per = input.height * input.width * (extraAxis ?? 1);
  const total = per * parts.length;
  const data = descr === '|u1' ? new Uint8Array(total) : new Float32Array(total);
  parts.forEach((p, i) => data.set(p, i * per));
  const shape = input.shape.length === 2 ? [input.height, input.width] : [parts.length, input.height, input.width];
  await writeNpy(file, data, extraAxis ? [...shape, extraAxis] : shape, descr);
}
