// `seisgrow info FILE [--json]`: what a SEG-Y or NPY volume is, as a human table or as JSON.
import { openVolume } from '../io/volume';
import type { VolumeInfo, VolumeStatistics } from '../io/types';
import { CommandSpec, parseArgs } from './args';

/** The command-line spec of `info` (exported for help text tests). */
export const infoSpec: CommandSpec = {
  command: 'info',
  summary: 'Describe a SEG-Y or NPY volume: format, shape (inlines × crosslines × samples), line ranges, sample axis, encoding.',
  usage: 'FILE [--json]',
  positionals: [{ name: 'FILE', help: 'a SEG-Y (.sgy/.segy) or NPY file' }],
  options: [{ name: 'json', kind: 'flag', help: 'print one JSON object instead of the table' }],
  epilog: 'NPY axis order: 3D arrays are (inlines, crosslines, samples) like segyio cubes; 2D arrays are (samples, traces),\n'
    + 'read as one inline. NPY line numbers are 0-based indices. Amplitude statistics come from a sample of traces.',
};

/** A run of line numbers summarised: first, last, count and the step when it is regular. */
export interface LineRange {
  readonly first: number;
  readonly last: number;
  readonly count: number;
  /** The constant step, or null when the numbers are irregular. */
  readonly step: number | null;
}

/** Summarise ascending line numbers as a range. */
export function lineRange(numbers: readonly number[]): LineRange {
  const count = numbers.length;
  if (count === 0) return { first: NaN, last: NaN, count: 0, step: null };
  const first = numbers[0];
  const last = numbers[count - 1];
  if (count === 1) return { first, last, count, step: 1 };
  const step = numbers[1] - numbers[0];
  for (let i = 2; i < count; i++) if (numbers[i] - numbers[i - 1] !== step) return { first, last, count, step: null };
  return { first, last, count, step };
}

/** Human text for a line range, e.g. "111–133 (step 1, 23 lines)". */
export function formatLineRange(r: LineRange, noun = 'lines'): string {
  if (r.count === 0) return 'none';
  if (r.count === 1) return `${r.first} (1 ${noun.replace(/s$/, '')})`;
  return `${r.first}–${r.last} (${r.step === null ? 'irregular' : `step ${r.step}`}, ${r.count} ${noun})`;
}

/** The JSON `info --json` prints: VolumeInfo with line ranges instead of full lists, plus statistics. */
export function infoJson(info: VolumeInfo, stats: VolumeStatistics): Record<string, unknown> {
  return {
    format: info.format,
    path: info.path,
    kind: info.kind,
    shape: info.shape,
    axes: ['inlines', 'crosslines', 'samples'],
    inlines: lineRange(info.inlines),
    crosslines: lineRange(info.crosslines),
    samples: { count: info.shape[2], start: info.sampleStart, interval: info.sampleInterval, unit: info.sampleUnit },
    dtype: info.dtype,
    byteOrder: info.byteOrder,
    details: info.details,
    notes: info.notes,
    statistics: stats,
  };
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e6 || a < 1e-3 ? x.toExponential(4) : Number(x.toPrecision(6)).toString();
}

/** The human table `info` prints. */
export function infoTable(info: VolumeInfo, stats: VolumeStatistics): string {
  const [ni, nx, ns] = info.shape;
  const unit = info.sampleUnit === 'index' ? '' : ` ${info.sampleUnit}`;
  const lastSample = info.sampleStart + (ns - 1) * info.sampleInterval;
  const rows: [string, string][] = [
    ['file', info.path],
    ['format', info.format === 'segy' ? 'SEG-Y' : 'NPY'],
    ['kind', info.kind === '3d' ? '3D volume' : '2D (a single section / plain trace × sample array)'],
    ['shape', `${plural(ni, 'inline')} × ${plural(nx, 'crossline')} × ${plural(ns, 'sample')}`],
    ['inlines', formatLineRange(lineRange(info.inlines))],
    ['crosslines', formatLineRange(lineRange(info.crosslines))],
    ['samples', info.sampleUnit === 'index'
      ? `${ns} (indices 0–${ns - 1}; no time axis in the file)`
      : `${ns} from ${formatNumber(info.sampleStart)} to ${formatNumber(lastSample)}${unit}, every ${formatNumber(info.sampleInterval)}${unit}`],
    ['dtype', info.dtype],
    ['byte order', info.byteOrder],
  ];
  for (const [key, value] of Object.entries(info.details)) rows.push([key, String(value)]);
  const p = stats.percentiles;
  rows.push(['amplitudes', `min ${formatNumber(stats.min)}, max ${formatNumber(stats.max)}, mean ${formatNumber(stats.mean)}, std ${formatNumber(stats.std)}`]);
  rows.push(['clip (1–99 %)', `${formatNumber(p['1'])} … ${formatNumber(p['99'])} (from ${stats.sampleCount} sampled values)`]);
  const width = Math.max(...rows.map(([k]) => k.length)) + 2;
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}${v}`);
  if (info.notes.length) {
    lines.push('notes:');
    for (const note of info.notes) lines.push(`  - ${note}`);
  }
  return lines.join('\n');
}

/** `seisgrow info`: exit 0 after printing; bad input throws a SeisGrowError (one stderr line, exit 1). */
export default async function info(args: string[]): Promise<number> {
  const parsed = parseArgs(infoSpec, args);
  if (!parsed) return 0;
  const volume = await openVolume(parsed.positionals[0]);
  try {
    const stats = await volume.statistics();
    console.log(parsed.flag('json') ? JSON.stringify(infoJson(volume.info, stats), null, 2) : infoTable(volume.info, stats));
    return 0;
  } finally {
    await volume.close();
  }
}
