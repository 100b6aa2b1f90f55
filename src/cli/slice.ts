// `seisgrow slice FILE (--inline N | --crossline N | --sample K) --out OUT.npy`: one section as a float32 NPY file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeisGrowError } from '../shared/errors';
import { writeNpy } from '../io/npy';
import { openVolume } from '../io/volume';
import type { Section, SectionAxis, Volume } from '../io/types';
import { CommandSpec, parseArgs, usageError } from './args';
import { formatLineRange, lineRange } from './info';

/** The command-line spec of `slice`. */
export const sliceSpec: CommandSpec = {
  command: 'slice',
  summary: 'Write one section of a SEG-Y or NPY volume as a float32 NPY array: samples × traces for an inline or crossline, inlines × crosslines for a time slice.',
  usage: 'FILE (--inline N | --crossline N | --sample K) --out OUT.npy',
  positionals: [{ name: 'FILE', help: 'a SEG-Y (.sgy/.segy) or NPY file' }],
  options: [
    { name: 'inline', kind: 'integer', metavar: 'N', help: 'inline NUMBER (SEG-Y header value; 0-based index for NPY)' },
    { name: 'crossline', kind: 'integer', metavar: 'N', help: 'crossline NUMBER (SEG-Y header value; 0-based index for NPY)' },
    { name: 'sample', kind: 'integer', metavar: 'K', help: 'time/depth slice at sample INDEX K (0-based)' },
    { name: 'out', kind: 'string', metavar: 'OUT.npy', help: 'output NPY file (written atomically; never the input)' },
  ],
  epilog: 'The output is C-order float32: (samples, crosslines) for an inline, (samples, inlines) for a crossline,\n'
    + '(inlines, crosslines) for a time slice. Nothing is written when anything is wrong.',
};

/** What was cut and where it went (returned for the demo and tests). */
export interface SliceResult {
  readonly axis: SectionAxis;
  readonly number: number;
  readonly rows: number;
  readonly cols: number;
  readonly out: string;
}

/** True when `out` names the same file as `input` (same path, or the same inode through links). */
export function sameFile(input: string, out: string): boolean {
  if (path.resolve(input) === path.resolve(out)) return true;
  try {
    const a = fs.statSync(input);
    const b = fs.statSync(out);
    return a.dev === b.dev && a.ino === b.ino;
  } catch {
    return false;
  }
}

/** Read the section, checking the number against the volume's lines with a message that lists the valid range. */
export async function readSection(volume: Volume, axis: SectionAxis, n: number): Promise<Section> {
  const info = volume.info;
  const npy = info.format === 'npy';
  const where = npy ? ' (0-based indices of the NPY array)' : '';
  if (axis === 'inline' || axis === 'crossline') {
    const numbers = axis === 'inline' ? info.inlines : info.crosslines;
    if (!numbers.includes(n)) {
      const valid = numbers.length === 1 ? `the only ${axis} is ${numbers[0]}` : `${axis}s are ${formatLineRange(lineRange(numbers), `${axis}s`)}`;
      throw new SeisGrowError('out-of-range', `${axis} ${n} is not in the volume: ${valid}${where}`, info.path);
    }
    return axis === 'inline' ? volume.inline(n) : volume.crossline(n);
  }
  const ns = info.shape[2];
  if (!Number.isInteger(n) || n < 0 || n >= ns) {
    throw new SeisGrowError('out-of-range', `sample index ${n} is out of range: sample indices are 0–${ns - 1}`, info.path);
  }
  return volume.timeslice(n);
}

/** Cut one section of `file` to `out` (float32 NPY, atomic). */
export async function sliceToNpy(file: string, axis: SectionAxis, n: number, out: string): Promise<SliceResult> {
  if (sameFile(file, out)) throw new SeisGrowError('would-overwrite', `refusing to write the slice over the input file`, out);
  const volume = await openVolume(file);
  try {
    const section = await readSection(volume, axis, n);
    await writeNpy(out, section.data, [section.rows, section.cols], '<f4');
    return { axis, number: n, rows: section.rows, cols: section.cols, out };
  } finally {
    await volume.close();
  }
}

/** `seisgrow slice`: prints one line describing what was written. */
export default async function slice(args: string[]): Promise<number> {
  const parsed = parseArgs(sliceSpec, args);
  if (!parsed) return 0;
  const chosen = (['inline', 'crossline', 'sample'] as const).filter((a) => parsed.has(a));
  if (chosen.length !== 1) {
    throw usageError(sliceSpec, chosen.length === 0 ? 'give one of --inline N, --crossline N or --sample K' : `give only one of ${chosen.map((c) => `--${c}`).join(', ')}`);
  }
  const axis = chosen[0];
  const out = parsed.requireString('out');
  const result = await sliceToNpy(parsed.positionals[0], axis, parsed.integer(axis)!, out);
  const shape = axis === 'sample' ? `${result.rows} inlines × ${result.cols} crosslines` : `${result.rows} samples × ${result.cols} ${axis === 'inline' ? 'crosslines' : 'inlines'}`;
  console.log(`wrote ${axis === 'sample' ? 'time slice at sample index' : axis} ${result.number} (${shape}, float32) to ${out}`);
  return 0;
}
