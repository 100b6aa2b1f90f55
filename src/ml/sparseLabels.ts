// Sparse labelling the way an interpreter ties wells: a few full vertical traces keep their labels, the rest
// become unlabelled (255). Used by the demo and the experiments to simulate ~1 % labelled pixels.
import { Rng } from './random';

/** The label value that marks an unlabelled pixel. */
const UNLABELLED = 255;

/**
 * Trace (column) indices for `traces` wells in a section `width` wide: evenly spaced at the centres of equal
 * bins by default; with an Rng, one uniformly random column inside each bin (still spread, never clumped).
 */
export function tracePositions(width: number, traces: number, rng?: Rng): number[] {
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`tracePositions: width must be a positive integer, got ${width}`);
  if (!Number.isInteger(traces) || traces < 0) throw new RangeError(`tracePositions: traces must be an integer ≥ 0, got ${traces}`);
  const n = Math.min(traces, width);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const lo = Math.floor((i * width) / n);
    const hi = Math.floor(((i + 1) * width) / n); // exclusive; bins are non-empty because n ≤ width
    out.push(rng ? lo + rng.int(hi - lo) : Math.floor((lo + hi - 1) / 2));
  }
  return out;
}

/**
 * Keep the labels of a few full vertical traces and set every other pixel to 255. `labels` is one section
 * (height×width, row-major) or a stack of sections (count×height×width), each treated alike. `where` is an
 * explicit list of columns, an Rng for jittered spacing, or omitted for even spacing.
 */
export function sparseTraceLabels(labels: Uint8Array, height: number, width: number, traces: number, where?: Rng | readonly number[]): Uint8Array {
  const size = height * width;
  if (size === 0 || labels.length % size !== 0) throw new RangeError(`sparseTraceLabels: ${labels.length} labels is not a whole number of ${height}×${width} sections`);
  const sections = labels.length / size;
  const out = new Uint8Array(labels.length).fill(UNLABELLED);
  for (let s = 0; s < sections; s++) {
    const columns = Array.isArray(where) ? (where as readonly number[]) : tracePositions(width, traces, where instanceof Rng ? where : undefined);
    for (const x of columns) {
      if (!Number.isInteger(x) || x < 0 || x >= width) throw new RangeError(`sparseTraceLabels: trace position ${x} outside 0..${width - 1}`);
      for (let y = 0, i = s * size + x; y < height; y++, i += width) out[i] = labels[i];
    }
  }
  return out;
}

/** Fraction of pixels that carry a label (not 255). */
export function labelFraction(labels: ArrayLike<number>, ignore = UNLABELLED): number {
  if (labels.length === 0) return 0;
  let n = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] !== ignore) n++;
  return n / labels.length;
}

/** Number of traces that labels about `fraction` of a `width`-wide section (at least one). */
export function tracesForFraction(width: number, fraction: number): number {
  if (!(fraction > 0 && fraction <= 1)) throw new RangeError(`tracesForFraction: fraction must be in (0, 1], got ${fraction}`);
  return Math.max(1, Math.min(width, Math.round(width * fraction)));
}
