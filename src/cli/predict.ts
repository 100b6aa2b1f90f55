// `seisgrow predict`: argmax classes (uint8) of a trained run's two networks for new sections, by overlap-tiled
// inference (seam-free), with the run's own input normalisation.
import * as path from 'node:path';
import { SeisGrowError } from '../shared/errors';
import { BACKEND_PREFERENCES, type BackendPreference } from '../shared/trainingConfig';
import { predictSections } from '../ml/engine';
import { openVolume } from '../io/volume';
import { sidecarLayoutFor } from '../editor/seisgrowDocument';
import { predictVolumeToFiles } from '../training/ops/predictVolume';
import { CommandSpec, parseArgs, usageError } from './args';
import { isSegyFile, readSeismicStack, writeStack } from './trainInputs';
import { VIEWS_OPTION, viewsOf } from './volumeInputs';
import { DEFAULT_VOLUME_VIEWS, type VolumeViews } from '../training/volumePrediction';

/** The command-line spec of `predict`. */
export const predictSpec: CommandSpec = {
  command: 'predict',
  summary: 'Predict classes for new seismic with a trained run (mean of its two networks).',
  usage: '--run RUN_DIR --seismic X.npy --out PRED.npy [--probabilities P.npy] | --run RUN_DIR --seismic VOLUME.sgy|CUBE.npy [--volume] --out PRED.npy [--confidence C.npy] [--views inline|inline+crossline]',
  positionals: [],
  options: [
    { name: 'run', kind: 'string', metavar: 'RUN_DIR', help: 'a run folder written by "seisgrow train" (or its checkpoint folder)' },
    { name: 'seismic', kind: 'string', metavar: 'FILE', help: 'NPY (H, W) or (N, H, W) sections, or a volume: SEG-Y, or an NPY cube with --volume' },
    { name: 'volume', kind: 'flag', help: 'the seismic is one 3D volume as the editor opens it (an NPY cube is (inlines, crosslines, samples)); implied for SEG-Y' },
    { name: 'out', kind: 'string', metavar: 'PRED.npy', help: 'uint8 classes: the shape of the sections, or of a volume\'s label sidecar (inlines, crosslines, samples)' },
    { name: 'probabilities', kind: 'string', metavar: 'FILE.npy', help: 'sections: also write the float32 class probabilities (shape + (K,))' },
    { name: 'confidence', kind: 'string', metavar: 'FILE.npy', help: 'volume: also write the float32 mean probability of each voxel\'s class' },
    VIEWS_OPTION,
    { name: 'backend', kind: 'string', metavar: 'NAME', help: BACKEND_PREFERENCES.join(', '), defaultText: "the run's" },
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
  for (const target of [out, probsOut, p.string('confidence')]) {
    if (target && path.resolve(target) === path.resolve(seismic)) throw new SeisGrowError('would-overwrite', 'refusing to overwrite the input with the output', target);
  }
  const backend = p.string('backend');
  if (backend !== undefined && !(BACKEND_PREFERENCES as readonly string[]).includes(backend)) throw new SeisGrowError('usage', `--backend must be one of ${BACKEND_PREFERENCES.join(', ')}, got "${backend}"`);
  const views = viewsOf(predictSpec, p);
  if (p.flag('volume') || await isSegyFile(seismic)) {
    if (probsOut) throw usageError(predictSpec, '--probabilities is for sections; for a volume (K floats a voxel) write --confidence');
    return predictWholeVolume(run, seismic, out, p.string('confidence'), backend, views ?? DEFAULT_VOLUME_VIEWS);
  }
  if (p.has('confidence')) throw usageError(predictSpec, '--confidence is for a volume (SEG-Y, or --volume); sections take --probabilities');
  if (views) throw usageError(predictSpec, '--views is for a volume (SEG-Y, or --volume): sections are predicted as they are given');
  const input = await readSeismicStack(seismic);
  const results = await predictSections(run, input.sections.map((s, k) => ({ name: `${path.basename(seismic)}[${k}]`, seismic: s, height: input.height, width: input.width })),
    backend ? { backend: backend as BackendPreference } : {});
  await writeStack(out, results.map((r) => r.classes), input, '|u1');
  if (probsOut) await writeStack(probsOut, results.map((r) => r.probabilities), input, '<f4', results[0].probabilities.length / (input.height * input.width));
  console.log(`wrote ${out}${probsOut ? ` and ${probsOut}` : ''} (${input.sections.length} section(s) of ${input.height}×${input.width})`);
  return 0;
}

/** Every inline (and crossline, when fusing views) of a volume through the run, written in the volume's label-sidecar layout; Ctrl-C writes nothing. */
async function predictWholeVolume(run: string, seismic: string, out: string, confidenceOut: string | undefined, backend: string | undefined, views: VolumeViews): Promise<number> {
  const volume = await openVolume(seismic);
  let cancelled = false;
  const stop = (): void => { cancelled = true; };
  process.once('SIGINT', stop);
  try {
    const t0 = Date.now();
    const tty = process.stderr.isTTY;
    const whole = await predictVolumeToFiles(volume, run, { prediction: out, ...(confidenceOut ? { confidence: confidenceOut } : {}) }, sidecarLayoutFor(volume), {
      ...(backend ? { backend: backend as BackendPreference } : {}),
      views,
      isCancelled: () => cancelled,
      onProgress: (done, total) => { if (tty) process.stderr.write(`\r${views === 'inline+crossline' ? 'section' : 'inline'} ${done}/${total}`); },
    });
    if (tty) process.stderr.write('\n');
    if (!whole) { console.log('cancelled; nothing written'); return 130; }
    console.log(`wrote ${out}${confidenceOut ? ` and ${confidenceOut}` : ''} (volume ${whole.shape.join(' × ')}, views ${views}, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    return 0;
  } finally {
    process.removeListener('SIGINT', stop);
    await volume.close();
  }
}
