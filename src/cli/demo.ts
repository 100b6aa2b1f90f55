// `seisgrow demo` (interim, until the training engine takes it over): the data verbs on the embedded F3 sample:
// describe it, cut an inline and a time slice into a temporary folder, and summarise what came out.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SeisGrowError } from '../io/errors';
import { readNpy } from '../io/npy';
import { openVolume } from '../io/volume';
import { statisticsOf } from '../io/statistics';
import { CommandSpec, parseArgs } from './args';
import { formatLineRange, infoTable, lineRange } from './info';
import { sliceToNpy } from './slice';

/** The command-line spec of `demo`. */
export const demoSpec: CommandSpec = {
  command: 'demo',
  summary: 'Run the data verbs on the embedded F3 sample (samples/f3.sgy): info, an inline and a time slice.',
  usage: '[--samples DIR] [--out DIR]',
  positionals: [],
  options: [
    { name: 'samples', kind: 'string', metavar: 'DIR', help: 'folder holding f3.sgy', defaultText: 'the samples/ folder shipped with SeisGrow' },
    { name: 'out', kind: 'string', metavar: 'DIR', help: 'folder for the slices', defaultText: 'a new temporary folder' },
  ],
};

/** The embedded samples folder: next to dist/ in the bundle and the VSIX, two levels up from src/cli when run from source. */
export function findSamplesDir(): string {
  const candidates = [path.join(__dirname, '..', 'samples'), path.join(__dirname, '..', '..', 'samples')];
  const found = candidates.find((c) => fs.existsSync(path.join(c, 'f3.sgy')));
  if (!found) throw new SeisGrowError('not-found', `the embedded sample f3.sgy is missing (looked in ${candidates.join(' and ')})`);
  return found;
}

function fmt(x: number): string {
  return Number(x.toPrecision(5)).toString();
}

/** `seisgrow demo`. */
export default async function demo(args: string[]): Promise<number> {
  const parsed = parseArgs(demoSpec, args);
  if (!parsed) return 0;
  const samples = parsed.string('samples') ?? findSamplesDir();
  const cube = path.join(samples, 'f3.sgy');
  const outDir = parsed.string('out') ?? fs.mkdtempSync(path.join(os.tmpdir(), 'seisgrow-demo-'));
  fs.mkdirSync(outDir, { recursive: true });

  console.log(`SeisGrow demo on the embedded F3 Netherlands crop: ${cube}\n`);
  const volume = await openVolume(cube);
  let inlineNumber: number;
  let sampleIndex: number;
  try {
    const stats = await volume.statistics();
    console.log(infoTable(volume.info, stats));
    const { inlines } = volume.info;
    inlineNumber = inlines[Math.floor(inlines.length / 2)];
    sampleIndex = Math.floor(volume.info.shape[2] / 2);
    console.log(`\ninlines ${formatLineRange(lineRange(inlines))}: cutting the middle inline ${inlineNumber} and the time slice at sample ${sampleIndex}`);
  } finally {
    await volume.close();
  }

  const cuts = [
    await sliceToNpy(cube, 'inline', inlineNumber, path.join(outDir, `f3_inline_${inlineNumber}.npy`)),
    await sliceToNpy(cube, 'sample', sampleIndex, path.join(outDir, `f3_sample_${sampleIndex}.npy`)),
  ];
  console.log('');
  for (const cut of cuts) {
    // Read the written file back, so the summary describes what is on disk, not what we meant to write.
    const back = await readNpy(cut.out);
    const s = statisticsOf([back.data]);
    const what = cut.axis === 'inline' ? `inline ${cut.number}` : `time slice ${cut.number}`;
    console.log(`${what.padEnd(14)} (${back.shape.join(' × ')}) ${back.descr}: min ${fmt(s.min)}, max ${fmt(s.max)}, mean ${fmt(s.mean)}, std ${fmt(s.std)} → ${cut.out}`);
  }
  console.log(`\nslices written to ${outDir} (load them with numpy.load, or "seisgrow info" them)`);
  return 0;
}
