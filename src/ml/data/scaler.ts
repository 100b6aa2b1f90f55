// Robust input normalisation: seismic amplitudes have heavy tails (a few bright spots dominate min/max), so
// we clip at percentiles of a sample and map that range to [-1, 1]. The parameters are plain JSON so predict
// uses exactly the training run's scaling.
import { Rng } from '../random';

/** Serialisable parameters of a robust scaler: values are clipped to [low, high] and mapped linearly to [-1, 1]. */
export interface ScalerParams {
  readonly kind: 'robust';
  /** Clip value at the low percentile. */
  readonly low: number;
  /** Clip value at the high percentile. */
  readonly high: number;
  /** The percentiles used, for the record. */
  readonly lowPercentile: number;
  readonly highPercentile: number;
}

/** Options of `robustScaler`. */
export interface RobustScalerOptions {
  /** Low clip percentile (default 1). */
  lowPercentile?: number;
  /** High clip percentile (default 99). */
  highPercentile?: number;
  /** At most this many values are sampled (default 1,000,000). */
  maxSamples?: number;
  /** Sampling generator when the input is larger than maxSamples (default: a fixed seed, so fits are reproducible). */
  rng?: Rng;
}

/** Percentile (0..100) of sorted finite values by linear interpolation between closest ranks (numpy's default). */
export function percentileOfSorted(sorted: Float64Array, percent: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (percent / 100) * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Fit a robust scaler on values (one array or several, e.g. every training section); non-finite values are
 * skipped. Large inputs are subsampled uniformly at random.
 */
export function robustScaler(values: ArrayLike<number> | readonly ArrayLike<number>[], opts: RobustScalerOptions = {}): ScalerParams {
  const lowPercentile = opts.lowPercentile ?? 1;
  const highPercentile = opts.highPercentile ?? 99;
  if (!(lowPercentile >= 0 && lowPercentile < highPercentile && highPercentile <= 100)) {
    throw new RangeError(`robustScaler: percentiles must satisfy 0 ≤ low < high ≤ 100, got ${lowPercentile}, ${highPercentile}`);
  }
  const parts: ArrayLike<number>[] = Array.isArray(values) && values.length > 0 && typeof values[0] !== 'number' ? (values as ArrayLike<number>[]) : [values as ArrayLike<number>];
  const total = parts.reduce((a, p) => a + p.length, 0);
  const maxSamples = opts.maxSamples ?? 1_000_000;
  const sample: number[] = [];
  if (total <= maxSamples) {
    for (const p of parts) for (let i = 0; i < p.length; i++) if (Number.isFinite(p[i])) sample.push(p[i]);
  } else {
    const rng = opts.rng ?? new Rng(0x5ca1e);
    const offsets: number[] = [];
    let acc = 0;
    for (const p of parts) { offsets.push(acc); acc += p.length; }
    for (let k = 0; k < maxSamples; k++) {
      const g = rng.int(total);
      let j = offsets.length - 1;
      while (offsets[j] > g) j--;
      const v = parts[j][g - offsets[j]];
      if (Number.isFinite(v)) sample.push(v);
    }
  }
  if (sample.length === 0) throw new RangeError('robustScaler: no finite value to fit on');
  const sorted = Float64Array.from(sample).sort();
  return { kind: 'robust', low: percentileOfSorted(sorted, lowPercentile), high: percentileOfSorted(sorted, highPercentile), lowPercentile, highPercentile };
}

/** Apply scaler parameters: clip to [low, high], map to [-1, 1] (0 everywhere for a constant input); NaN becomes 0. */
export function applyScaler(params: ScalerParams, values: ArrayLike<number>, out?: Float32Array): Float32Array {
  const result = out ?? new Float32Array(values.length);
  if (result.length !== values.length) throw new RangeError(`applyScaler: output holds ${result.length} values, input ${values.length}`);
  const { low, high } = params;
  const centre = (low + high) / 2;
  const half = (high - low) / 2;
  const inv = half > 0 ? 1 / half : 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const c = v < low ? low : v > high ? high : v;
    // NaN fails both comparisons above and would propagate; a dead sample is best treated as zero amplitude.
    result[i] = Number.isNaN(c) ? 0 : (c - centre) * inv;
  }
  return result;
}

/** Check that an object read back from JSON is a valid ScalerParams. */
export function isScalerParams(x: unknown): x is ScalerParams {
  const p = x as ScalerParams;
  return typeof p === 'object' && p !== null && p.kind === 'robust' && Number.isFinite(p.low) && Number.isFinite(p.high) && p.low <= p.high;
}
