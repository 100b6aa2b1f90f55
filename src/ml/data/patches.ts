// Training patches from large sections. Labels are sparse (a few vertical traces), so uniform sampling would
// mostly draw patches with nothing to learn from: we centre most patches on a random labelled pixel and still
// draw some uniformly (for the unlabelled/pseudo-label and reconstruction terms).
import { Rng } from '../random';

/** The label value that marks an unlabelled pixel. */
const UNLABELLED = 255;

/** A single-channel 2D array, row-major (compatible with io's `Section`). */
export interface Plane {
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

/** Mirror an index into 0..n-1 without repeating the edge (numpy 'reflect'); any offset, any n ≥ 1. */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const m = ((i % period) + period) % period; // also turns −0 into 0
  return m < n ? m : period - m;
}

/**
 * Copy the window with top-left (y0, x0) and size ph×pw into the outputs at `offset`. Parts outside the plane are
 * filled by reflection for the input and with 255 for the labels, so a pad never pretends to be labelled.
 */
export function extractPatch(
  plane: Plane,
  labels: Uint8Array | null,
  y0: number,
  x0: number,
  ph: number,
  pw: number,
  outInput: Float32Array,
  outLabels: Uint8Array | null,
  offset = 0,
): void {
  const { data, rows, cols } = plane;
  for (let y = 0; y < ph; y++) {
    const sy = y0 + y;
    const inY = sy >= 0 && sy < rows;
    const ry = inY ? sy : reflectIndex(sy, rows);
    const o = offset + y * pw;
    for (let x = 0; x < pw; x++) {
      const sx = x0 + x;
      const inX = sx >= 0 && sx < cols;
      const src = ry * cols + (inX ? sx : reflectIndex(sx, cols));
      outInput[o + x] = data[src];
      if (outLabels) outLabels[o + x] = labels && inY && inX ? labels[src] : UNLABELLED;
    }
  }
}

/** Options of `samplePatches`. */
export interface PatchSamplingOptions {
  /** Probability that a patch is placed around a random labelled pixel (default 0.8); the rest are uniform. */
  labelledFraction?: number;
}

/** A batch of patches: inputs and labels count×ph×pw (row-major per patch), and where each came from. */
export interface PatchBatch {
  inputs: Float32Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
  /** Top-left corner of each patch in the section. */
  origins: { y: number; x: number }[];
}

/** Indices of labelled pixels (not 255), for sampling around labels. */
export function labelledIndices(labels: Uint8Array): Int32Array {
  let n = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] !== UNLABELLED) n++;
  const out = new Int32Array(n);
  for (let i = 0, k = 0; i < labels.length; i++) if (labels[i] !== UNLABELLED) out[k++] = i;
  return out;
}

/**
 * Draw `count` patches of patchH×patchW from a section and its labels (255 = unlabelled). Most are placed so that
 * a uniformly chosen labelled pixel falls at a random position inside; the rest uniformly. A section smaller than
 * the patch is padded by reflection (labels 255 in the pad). Deterministic given the Rng.
 */
export function samplePatches(
  section: Plane,
  labels: Uint8Array | null,
  patchH: number,
  patchW: number,
  count: number,
  rng: Rng,
  opts: PatchSamplingOptions & { labelled?: Int32Array } = {},
): PatchBatch {
  const { rows, cols } = section;
  if (section.data.length !== rows * cols) throw new RangeError(`samplePatches: section data holds ${section.data.length} values, expected ${rows}×${cols}`);
  if (labels && labels.length !== rows * cols) throw new RangeError(`samplePatches: ${labels.length} labels for a ${rows}×${cols} section`);
  if (!(patchH >= 1 && patchW >= 1 && Number.isInteger(patchH) && Number.isInteger(patchW))) throw new RangeError(`samplePatches: bad patch size ${patchH}×${patchW}`);
  const fraction = opts.labelledFraction ?? 0.8;
  // Callers sampling the same section every step pass the labelled index list once.
  const labelled = labels ? opts.labelled ?? labelledIndices(labels) : new Int32Array(0);
  const inputs = new Float32Array(count * patchH * patchW);
  const outLabels = new Uint8Array(count * patchH * patchW);
  const origins: { y: number; x: number }[] = [];
  const maxY = Math.max(0, rows - patchH);
  const maxX = Math.max(0, cols - patchW);
  for (let k = 0; k < count; k++) {
    let y0: number;
    let x0: number;
    if (labelled.length > 0 && rng.next() < fraction) {
      const p = labelled[rng.int(labelled.length)];
      const py = (p / cols) | 0;
      const px = p - py * cols;
      y0 = Math.min(maxY, Math.max(0, py - rng.int(patchH)));
      x0 = Math.min(maxX, Math.max(0, px - rng.int(patchW)));
    } else {
      y0 = rng.int(maxY + 1);
      x0 = rng.int(maxX + 1);
    }
    extractPatch(section, labels, y0, x0, patchH, patchW, inputs, outLabels, k * patchH * patchW);
    origins.push({ y: y0, x: x0 });
  }
  return { inputs, labels: outLabels, count, height: patchH, width: patchW, origins };
}
