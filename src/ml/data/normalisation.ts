// Robust input normalisation: seismic amplitudes have heavy tails (a few bright spots dominate min/max), so the
// trainer centres at the median, scales by half the low–high percentile range and clips; the parameters are stored in
// checkpoints so prediction uses exactly the training run's scaling.
import type { Normalisation } from '../checkpoint';

/**
 * Robust input scaling from percentiles of (a strided sample of) all inputs: centre at the median, divide by half the
 * low–high percentile range, clip at ±3 so single spikes cannot dominate; stored in checkpoints for prediction.
 */
export function computeNormalisation(inputs: Float32Array[], percentiles: readonly [number, number] | readonly number[]): Normalisation {
  const total = inputs.reduce((a, b) => a + b.length, 0);
  const stride = Math.max(1, Math.floor(total / 1_000_000));
  const sample: number[] = [];
  let k = 0;
  for (const a of inputs) for (let i = 0; i < a.length; i++, k++) if (k % stride === 0) sample.push(a[i]);
  const sorted = Float64Array.from(sample).sort();
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round((p / 100) * (sorted.length - 1))))];
  const lo = at(percentiles[0]);
  const hi = at(percentiles[1]);
  const center = at(50);
  let scale = (hi - lo) / 2;
  if (!(scale > 0)) scale = Math.max(1e-12, Math.abs(center));
  return { center, scale, clip: 3 };
}

/** Apply a normalisation to a section (a new array). */
export function normalise(data: Float32Array, n: Normalisation): Float32Array {
  const out = new Float32Array(data.length);
  const inv = 1 / n.scale;
  for (let i = 0; i < data.length; i++) {
    const v = (data[i] - n.center) * inv;
    out[i] = v > n.clip ? n.clip : v < -n.clip ? -n.clip : v;
  }
  return out;
}
