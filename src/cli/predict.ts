// `seisgrow predict`: argmax classes (uint8) of a trained run's two networks for new sections, by overlap-tiled
// inference (seam-free), with the run's own input normalisation.
import * as path from 'node:path';
import { SeisGrowError } from '../shared/errors';
import { predictSections } from '../ml/engine';
import { CommandSpec, parseArgs } from './args';
import { readSeismicStack, writeStack } from './trainInputs';

/** The command-line spec of `predict`. */
export const predictSpec: CommandSpec = {
  command: 'predict',
  summary: 'Predict classes for new seismic with a trained run (mean of its two networks).',
  usage: '--run RUN_DIR --seismic X.npy --out PRED.npy [--probabilities P.npy]',
  positionals: [],
  options: [
    { name: 'run', kind: 'string', metavar: 'RUN_DIR', help: 'a run folder written by "seisgrow train" (or its checkpoint folder)' },
    { name: 'seismic', kind: 'string', metavar: 'FILE', help: 'NPY (H, W) or (N, H, W), or SEG-Y (each inline a section)' },
    { name: 'out', kind: 'string', metavar: 'PRED.npy', help: 'uint8 classes, the shape of the input' },
    { name: 'probabilities', kind: 'string', metavar: 'FILE.npy', help: 'also write the float32 class probabilities (shape + (K,))' },
    { name: 'backend', kind: 'string', metavar: 'NAME', help: 'auto, wasm, tensorflow or cpu', defaultText: "the run's" },
  ],
};

/** `seisgrow predict`. */
export default async function predict(args: string[]): Promise<number> {
  const p = parseArgs(predictSpec, args);
  if (!p) return 0;
  const run = p.requireString('run');
  const seismic = p.requireString('seismic');
  const out = p.requireString('out');
  const probsOut = p.string('probabilities');
  for (const target of [out, probsOut]) {
    if (target && path.resolve(target) === path.resolve(seismic)) throw new SeisGrowError('usage', 'refusing to overwrite the input with the output', target);
  }
  const backend = p.string('backend');
  if (backend !== undefined && !['auto', 'wasm', 'tensorflow', 'cpu'].includes(backend)) throw new SeisGrowError('usage', `--backend must be auto, wasm, tensorflow or cpu, got "${backend}"`);
  const input = await readSeismicStack(seismic);
  const results = await predictSections(run, input.sections.map((s, k) => ({ name: `${path.basename(seismic)}[${k}]`, seismic: s, height: input.height, width: input.width })),
    backend ? { backend: backend as 'auto' | 'wasm' | 'tensorflow' | 'cpu' } : {});
  await writeStack(out, results.map((r) => r.classes), input, '|u1');
  if (probsOut) await writeStack(probsOut, results.map((r) => r.probabilities), input, '<f4', results[0].probabilities.length / (input.height * input.width));
  console.log(`wrote ${out}${probsOut ? ` and ${probsOut}` : ''} (${input.sections.length} section(s) of ${input.height}×${input.width})`);
  return 0;
}
