// Amplitude statistics from an evenly spaced sample of traces, so opening a huge volume never needs a full pass.
import type { VolumeStatistics } from './types';

/** The percentiles every VolumeStatistics carries (keys of `percentiles`). */
export const STATISTICS_PERCENTILES: readonly number[] = [0.5, 1, 2, 5, 50, 95, 98, 99, 99.5];

/** Deterministic, evenly spaced trace indices: all of them when traceCount <= maxTraces. */
export function sampleTraceIndices(traceCount: number, maxTraces: number): number[] {
  if (traceCount <= 0 || maxTraces <= 0) return [];
  const n = Math.min(traceCount, Math.floor(maxTraces));
  const out: number[] = new Array(n);
  // Centre each pick in its stride so the sample covers both ends of the volume symmetrically.
  for (let i = 0; i < n; i++) out[i] = Math.min(traceCount - 1, Math.floor(((i + 0.5) * traceCount) / n));
  return out;
}

/** Min, max, mean, std and percentiles of finite amplitudes from at most maxTraces evenly spaced traces (NaN/Inf ignored). */
export async function estimateStatistics(
  readTrace: (i: number) => Promise<Float32Array>,
  traceCount: number,
  maxTraces = 2000,
): Promise<VolumeStatistics> {
  const indices = sampleTraceIndices(traceCount, maxTraces);
  const traces: Float32Array[] = [];
  let finiteCount = 0;
  for (const i of indices) {
    const t = await readTrace(i);
    traces.push(t);
    for (let k = 0; k < t.length; k++) if (Number.isFinite(t[k])) finiteCount++;
  }
  return statisticsOf(traces, finiteCount);
}

/** Statistics of finite values in the given arrays (exported for readers that already hold a sample). */
export function statisticsOf(arrays: readonly ArrayLike<number>[], finiteCountHint?: number): VolumeStatistics {
  let count = finiteCountHint;
  if (count === undefined) {
    count = 0;
    for (const a of arrays) for (let k = 0; k < a.length; k++) if (Number.isFinite(a[k])) count++;
  }
  const values = new Float64Array(count);
  let n = 0;
  let sum = 0;
  for (const a of arrays) {
    for (let k = 0; k < a.length; k++) {
      const v = a[k];
      if (Number.isFinite(v)) {
        values[n++] = v;
        sum += v;
      }
    }
  }
  const percentiles: Record<string, number> = {};
  if (n === 0) {
    for (const p of STATISTICS_PERCENTILES) percentiles[String(p)] = 0;
    return { min: 0, max: 0, mean: 0, std: 0, percentiles, sampleCount: 0 };
  }
  const mean = sum / n;
  // Two-pass variance: numerically stable for large-offset amplitudes.
  let sq = 0;
  for (let k = 0; k < n; k++) {
    const d = values[k] - mean;
    sq += d * d;
  }
  values.sort();
  for (const p of STATISTICS_PERCENTILES) percentiles[String(p)] = percentileOfSorted(values, p);
  return { min: values[0], max: values[n - 1], mean, std: Math.sqrt(sq / n), percentiles, sampleCount: n };
}

/** Linear-interpolated percentile (numpy's default 'linear' method) of an ascending array. */
export function percentileOfSorted(sorted: ArrayLike<number>, percent: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const pos = (percent / 100) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  const frac = pos - lo;
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}
