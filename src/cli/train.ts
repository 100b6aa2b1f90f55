// `seisgrow train`: the three training stages over sparse labels, headless. Progress: one line per epoch on a TTY,
// JSON lines with --json or when stdout is not a TTY. Writes RUN_DIR/metrics.json, the checkpoint, grown labels,
// probabilities and predictions (suffixed _<i> per input when there are several inputs).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { SeisGrowError } from '../shared/errors';
import { DEFAULT_CONFIG, makeConfig, type ConfigOverrides } from '../ml/config';
import { startTraining, writeJsonAtomic, type RunMetrics, type RunResult, type TrainingSection } from '../ml/engine';
import { parseStages } from '../ml/stages';
import { BACKEND_PREFERENCES } from '../shared/trainingConfig';
import type { EpochRecord, StageNumber, TrainingEvent } from '../shared/trainingProtocol';
import { DEFAULT_UNLABELLED_SECTIONS } from '../training/trainingData';
import { CommandSpec, parseArgs, usageError, type ParsedArgs } from './args';
import { isSegyFile, readLabelStack, readSeismicStack, writeStack, type InputStack } from './trainInputs';
import { openVolumeInput, sectionsToLabelVolume, VIEWS_OPTION, viewsOf } from './volumeInputs';
import { checkVolumePredictionSize, DEFAULT_VOLUME_VIEWS, type VolumeViews } from '../training/volumePrediction';
import { writeVolumeArray } from '../training/ops/volumeArrays';
import { predictVolumeToFiles } from '../training/ops/predictVolume';

/** The command-line spec of `train`. */
export const trainSpec: CommandSpec = {
  command: 'train',
  summary: 'Train two U-Nets on sparse labels: stage 1 supervised, 2 cross pseudo supervision, 3 seeded region growing.',
  usage: '--seismic A.npy [B.npy ...] --labels LA.npy [LB.npy ...] --out RUN_DIR [--stages 1,2,3] [--epochs N] [--seed N] [--recon] [--classes K] [--json]\n' +
    '       seisgrow train --seismic VOLUME.sgy|CUBE.npy [--volume] --labels VOLUME.labels.npy --out RUN_DIR [--unlabelled-sections N] [--views inline|inline+crossline] [...]',
  positionals: [],
  options: [
    { name: 'seismic', kind: 'strings', metavar: 'FILE...', help: 'NPY (H, W) or (N, H, W), or SEG-Y (each inline a section)' },
    { name: 'labels', kind: 'strings', metavar: 'FILE...', help: 'one label NPY per seismic input, same shape, integers, 255 = unlabelled; for a volume its sidecar (name.labels.npy)' },
    { name: 'volume', kind: 'flag', help: 'the seismic is one 3D volume as the editor opens it (an NPY cube is (inlines, crosslines, samples)); implied for SEG-Y' },
    { name: 'unlabelled-sections', kind: 'integer', metavar: 'N', help: 'volume: unlabelled inlines and crosslines, spread over it, for the semi-supervised stages', defaultText: String(DEFAULT_UNLABELLED_SECTIONS) },
    { name: 'no-volume-prediction', kind: 'flag', help: 'volume: skip the prediction of the whole volume at the end (predict it later with "seisgrow predict")' },
    { ...VIEWS_OPTION, help: `${VIEWS_OPTION.help}, for the prediction of the whole volume at the end` },
    { name: 'unlabelled', kind: 'strings', metavar: 'FILE...', help: 'extra seismic without labels (feeds the pseudo and reconstruction terms; not predicted)' },
    { name: 'out', kind: 'string', metavar: 'RUN_DIR', help: 'folder for metrics.json, the checkpoint and the outputs' },
    { name: 'stages', kind: 'string', metavar: 'LIST', help: 'stages to run, e.g. 1,2,3 or 2 (a later stage alone resumes from RUN_DIR or --resume)', defaultText: '1,2,3' },
    { name: 'epochs', kind: 'integer', metavar: 'N', help: 'epochs per stage', defaultText: `stage 1: ${DEFAULT_CONFIG.epochs[1]}, 2: ${DEFAULT_CONFIG.epochs[2]}, 3: ${DEFAULT_CONFIG.epochs[3]}` },
    { name: 'steps', kind: 'integer', metavar: 'N', help: 'optimizer steps per epoch', defaultText: String(DEFAULT_CONFIG.stepsPerEpoch) },
    { name: 'seed', kind: 'integer', metavar: 'N', help: 'seed of every random choice', defaultText: '1234' },
    { name: 'recon', kind: 'flag', help: 'add the reconstruction decoder (S6): MSE on all inputs constrains the encoder' },
    { name: 'classes', kind: 'integer', metavar: 'K', help: 'class count', defaultText: 'largest label + 1' },
    { name: 'backend', kind: 'string', metavar: 'NAME', help: BACKEND_PREFERENCES.join(', '), defaultText: 'auto' },
    { name: 'resume', kind: 'string', metavar: 'DIR', help: 'run or checkpoint folder to start from', defaultText: 'RUN_DIR when a later stage runs alone' },
    { name: 'config', kind: 'string', metavar: 'FILE.json', help: 'overrides of any training setting (see the config module)' },
    { name: 'json', kind: 'flag', help: 'progress as JSON lines (also when stdout is not a terminal)' },
  ],
  epilog: 'Outputs per input (suffix _<i> when several): prediction.npy (uint8), probabilities.npy (float32, shape + (K,)), grown_labels.npy (uint8).\n' +
    'A volume trains on the sections that carry its labels plus --unlabelled-sections more, and writes arrays of the volume in the ' +
    'label sidecar\'s layout: grown_labels.npy (the seeds and the labels grown on the trained sections, 255 elsewhere: open it as labels ' +
    'in the editor), prediction.npy (uint8) and confidence.npy (float32) of every voxel.',
};

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** One human line per epoch: stage, losses, validation IoU, seconds, ETA. */
export function formatEpochLine(r: EpochRecord, epochsInStage: number): string {
  const l = (x: EpochRecord['losses']['a']): string => `${x.total.toFixed(3)} (sup ${x.sup.toFixed(3)}${x.pseudo ? ` pseudo ${x.pseudo.toFixed(3)}` : ''}${x.recon ? ` recon ${x.recon.toFixed(3)}` : ''}${x.consistency ? ` consistency ${x.consistency.toFixed(3)}` : ''})`;
  const v = r.validation;
  const iou = v ? `val mIoU ${v.meanIoU.toFixed(3)} [${v.perClassIoU.map((x) => (x === null ? '—' : x.toFixed(2))).join(' ')}]` : 'no validation pixels';
  return `stage ${r.stage} epoch ${r.epoch}/${epochsInStage}  loss A ${l(r.losses.a)}  B ${l(r.losses.b)}  ${iou}  ${r.seconds.toFixed(1)} s  ETA ${duration(r.etaSeconds)}`;
}

/** `seisgrow train`. */
export default async function train(args: string[]): Promise<number> {
  const p = parseArgs(trainSpec, args);
  if (!p) return 0;
  const seismicFiles = p.strings('seismic');
  const labelFiles = p.strings('labels');
  const unlabelledFiles = p.strings('unlabelled');
  const runDir = p.requireString('out');
  if (seismicFiles.length === 0) throw usageError(trainSpec, 'missing required option --seismic');
  if (labelFiles.length !== seismicFiles.length) throw usageError(trainSpec, `${seismicFiles.length} seismic input(s) but ${labelFiles.length} label file(s): give one label file per input`);
  const stages = parseStages(p.string('stages') ?? '1,2,3');
  const overrides: Record<string, unknown> = {};
  const configFile = p.string('config');
  if (configFile) {
    try {
      Object.assign(overrides, JSON.parse(await fs.readFile(configFile, 'utf8')) as Record<string, unknown>);
    } catch (e) {
      throw new SeisGrowError('bad-config', `cannot read the config overrides: ${(e as Error).message}`, configFile);
    }
  }
  const epochs = p.integer('epochs');
  if (epochs !== undefined) overrides.epochs = { 1: epochs, 2: epochs, 3: epochs };
  const steps = p.integer('steps');
  if (steps !== undefined) overrides.stepsPerEpoch = steps;
  const seed = p.integer('seed');
  if (seed !== undefined) overrides.seed = seed;
  const backend = p.string('backend');
  if (backend !== undefined) overrides.backend = backend;
  if (p.flag('recon')) overrides.network = { ...(overrides.network as object | undefined), reconstruction: true };
  const resumeFlag = p.string('resume');
  if (!resumeFlag && stages[0] > 1 && p.flag('recon')) {
    // The network's shape comes from the checkpoint when resuming; --recon there would be a silent no-op.
    throw usageError(trainSpec, '--recon changes the network; it can only be given when stage 1 runs');
  }

  const unlabelledSections = p.integer('unlabelled-sections');
  if (unlabelledSections !== undefined && (unlabelledSections < 0 || unlabelledSections > 1000)) throw usageError(trainSpec, `--unlabelled-sections must be 0..1000, got ${unlabelledSections}`);
  const views = viewsOf(trainSpec, p);
  if (views && p.flag('no-volume-prediction')) throw usageError(trainSpec, '--views chooses how the whole volume is predicted at the end; it cannot go with --no-volume-prediction');
  const volumeMode = p.flag('volume') || (await Promise.all(seismicFiles.map(isSegyFile))).some(Boolean);
  let prepared: Prepared;
  if (volumeMode) {
    if (seismicFiles.length !== 1) throw usageError(trainSpec, `a volume trains alone: give one --seismic VOLUME and its --labels sidecar, not ${seismicFiles.length} inputs`);
    if (unlabelledFiles.length > 0) throw usageError(trainSpec, '--unlabelled takes section files; a volume\'s unlabelled sections come from itself (--unlabelled-sections N)');
    prepared = await prepareVolume(seismicFiles[0], labelFiles[0], unlabelledSections ?? DEFAULT_UNLABELLED_SECTIONS, p.flag('no-volume-prediction') ? false : views ?? DEFAULT_VOLUME_VIEWS);
  } else {
    for (const name of ['unlabelled-sections', 'no-volume-prediction', 'views']) if (p.has(name)) throw usageError(trainSpec, `--${name} applies to a volume (SEG-Y, or --volume)`);
    prepared = await prepareStacks(seismicFiles, labelFiles, unlabelledFiles);
  }
  try {
    return await trainPrepared(p, prepared, stages, overrides, runDir, resumeFlag);
  } finally {
    await prepared.close();
  }
}

/** What one kind of input gives the training run: its sections, and how to write the outputs afterwards. */
interface Prepared {
  sections: TrainingSection[];
  /** A line for the user about what trains (shown before training). */
  notice?: string;
  /** For the error message of a label outside the classes: which file holds section k's labels. */
  labelFileOf(section: number): string;
  /** Refuse, before training, outputs that could not be made with this many classes (a fused volume prediction too large for memory). */
  checkClasses?(classes: number): void;
  /** Write the outputs of a finished run into RUN_DIR; returns what metrics.json lists under outputs. */
  writeOutputs(result: RunResult, classes: number, runDir: string, json: boolean): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** NPY sections and stacks (and SEG-Y read inline by inline): every section trains, outputs have each input's shape. */
async function prepareStacks(seismicFiles: string[], labelFiles: string[], unlabelledFiles: string[]): Promise<Prepared> {
  const inputs: InputStack[] = [];
  const labelStacks: Uint8Array[][] = [];
  for (let i = 0; i < seismicFiles.length; i++) {
    const input = await readSeismicStack(seismicFiles[i]);
    inputs.push(input);
    labelStacks.push(await readLabelStack(labelFiles[i], input, await isSegyFile(seismicFiles[i])));
  }
  const pool: InputStack[] = [];
  for (const f of unlabelledFiles) pool.push(await readSeismicStack(f));
  const sections: TrainingSection[] = [];
  const fileOf: string[] = [];
  inputs.forEach((input, i) => input.sections.forEach((s, k) => {
    sections.push({ name: input.sections.length > 1 ? `${path.basename(input.file)}[${k}]` : path.basename(input.file), seismic: s, labels: labelStacks[i][k], height: input.height, width: input.width });
    fileOf.push(labelFiles[i]);
  }));
  for (const input of pool) input.sections.forEach((s, k) => sections.push({ name: `${path.basename(input.file)}[${k}]`, seismic: s, labels: null, height: input.height, width: input.width, predict: false }));
  return {
    sections,
    labelFileOf: (k) => fileOf[k],
    async writeOutputs(result, classes, runDir) {
      const outputs: Record<string, unknown> = {};
      let offset = 0;
      for (let i = 0; i < inputs.length; i++) {
        const input = inputs[i];
        const results = result.sections.slice(offset, offset + input.sections.length);
        offset += input.sections.length;
        const suffix = inputs.length > 1 ? `_${i}` : '';
        const files = { prediction: path.join(runDir, `prediction${suffix}.npy`), probabilities: path.join(runDir, `probabilities${suffix}.npy`), grownLabels: path.join(runDir, `grown_labels${suffix}.npy`) };
        await writeStack(files.prediction, results.map((r) => r!.prediction), input, '|u1');
        await writeStack(files.probabilities, results.map((r) => r!.probabilities), input, '<f4', classes);
        await writeStack(files.grownLabels, results.map((r) => r!.grownLabels), input, '|u1');
        outputs[input.file] = files;
      }
      return outputs;
    },
    close: async () => undefined,
  };
}

/** A volume and its sidecar: the labelled sections and a spread of unlabelled ones; outputs are arrays of the volume (predicted with `predictWhole` views, or not at all when false). */
async function prepareVolume(seismic: string, labels: string, unlabelled: number, predictWhole: VolumeViews | false): Promise<Prepared> {
  const input = await openVolumeInput(seismic, labels, unlabelled);
  const { refs, volume, layout } = input;
  const labelled = refs.filter((r) => r.labelled).length;
  const describe = `${labelled} labelled and ${refs.length - labelled} unlabelled sections of ${path.basename(seismic)} (${volume.info.shape.join(' × ')})`;
  return {
    sections: input.sections,
    notice: `training on ${describe}` + (input.uncoveredVoxels > 0 ? `; ${input.uncoveredVoxels} labelled voxels lie beyond the section cap and are not used` : ''),
    labelFileOf: () => labels,
    checkClasses: (classes) => { if (predictWhole) checkVolumePredictionSize(volume.info.shape, seismic, { views: predictWhole, classes }); },
    async writeOutputs(result, _classes, runDir, json) {
      const shape = volume.info.shape;
      const files: Record<string, string> = { grownLabels: path.join(runDir, 'grown_labels.npy') };
      await writeVolumeArray(files.grownLabels, sectionsToLabelVolume(shape, refs, result.sections.map((r) => r?.grownLabels ?? null)), shape, layout);
      if (predictWhole) {
        const t0 = Date.now();
        if (!json) console.log(`predicting the whole volume (${shape[0]} inlines${predictWhole === 'inline+crossline' ? ` and ${shape[1]} crosslines` : ''})…`);
        let cancelled = false;
        const stop = (): void => { cancelled = true; };
        process.once('SIGINT', stop);
        const volumeFiles = { prediction: path.join(runDir, 'prediction.npy'), confidence: path.join(runDir, 'confidence.npy') };
        let whole;
        try {
          whole = await predictVolumeToFiles(volume, runDir, volumeFiles, layout, {
            views: predictWhole,
            isCancelled: () => cancelled,
            onProgress: (done, total) => { if (json) process.stdout.write(`${JSON.stringify({ type: 'volumePrediction', done, total })}\n`); },
          });
        } finally {
          process.removeListener('SIGINT', stop);
        }
        if (!whole) console.log('the prediction of the volume was cancelled (the training run is complete): run "seisgrow predict --run RUN_DIR" later');
        else {
          Object.assign(files, volumeFiles);
          if (!json) console.log(`predicted the volume in ${duration((Date.now() - t0) / 1000)}`);
        }
      }
      return { [seismic]: { ...files, trainedOn: describe } };
    },
    close: () => input.close(),
  };
}

async function trainPrepared(p: ParsedArgs, prepared: Prepared, stages: StageNumber[], overrides: Record<string, unknown>, runDir: string, resumeFlag: string | undefined): Promise<number> {
  const { sections } = prepared;
  let maxLabel = -1;
  let maxAt = -1;
  sections.forEach((sec, k) => { if (sec.labels) for (const v of sec.labels) if (v !== 255 && v > maxLabel) { maxLabel = v; maxAt = k; } });
  const classes = p.integer('classes') ?? Math.max(2, maxLabel + 1);
  if (maxLabel >= classes) {
    throw new SeisGrowError('bad-label', `label ${maxLabel} is not a class 0..${classes - 1} (--classes ${classes}); 255 marks unlabelled pixels`, prepared.labelFileOf(maxAt));
  }
  prepared.checkClasses?.(classes);
  makeConfig(overrides as ConfigOverrides); // validate before any work
  const json = p.flag('json') || !process.stdout.isTTY;
  if (prepared.notice) {
    if (json) process.stdout.write(`${JSON.stringify({ type: 'inputs', message: prepared.notice })}\n`);
    else console.log(prepared.notice);
  }

  const { existsSync } = await import('node:fs');
  const resumeFrom = resumeFlag ?? (stages[0] > 1 && existsSync(path.join(runDir, 'checkpoint')) ? runDir : undefined);
  const stageEpochs = new Map<number, number>();
  const onEvent = (e: TrainingEvent): void => {
    if (e.type === 'stageStart') stageEpochs.set(e.stage, e.epochs);
    if (json) {
      if (e.type !== 'step') process.stdout.write(`${JSON.stringify(e.type === 'done' ? { type: 'done', status: e.summary.status, stagesCompleted: e.summary.stagesCompleted, checkpoint: e.summary.checkpoint, seconds: e.summary.seconds } : e)}\n`);
      return;
    }
    switch (e.type) {
      case 'backend': console.log(`backend: ${e.backend.name}${e.backend.device ? ` on ${e.backend.device}` : ''}${e.backend.fallbackReason ? ` (${e.backend.fallbackReason})` : ''}, ${e.backend.workers} workers, ${e.backend.parameterCount} parameters per network`); break;
      case 'stageStart': console.log(`stage ${e.stage}: ${e.epochs} epochs of ${e.stepsPerEpoch} steps`); break;
      case 'epoch': console.log(formatEpochLine(e.record, stageEpochs.get(e.record.stage) ?? e.record.epoch)); break;
      case 'growth': console.log(`  grown ${e.record.addedTotal} pixels in ${e.record.iterations.length} waves; ${(100 * e.record.labelledFraction).toFixed(1)} % of pixels labelled`); break;
      case 'log': if (e.level === 'warn') console.log(`warning: ${e.message}`); else if (e.level === 'notice') console.log(e.message); break;
      default: break;
    }
  };
  const handle = startTraining({ sections, classes, stages, config: overrides as ConfigOverrides, runDir, ...(resumeFrom ? { resumeFrom } : {}) }, onEvent);
  const stop = (): void => { handle.cancel(); };
  process.once('SIGINT', stop);
  let result;
  try {
    result = await handle.done;
  } finally {
    process.removeListener('SIGINT', stop);
  }
  if (result.summary.status === 'cancelled') {
    if (!json) console.log(`cancelled; the last complete checkpoint is ${result.summary.checkpoint ?? '(none)'}`);
    return 130;
  }

  const outputs = await prepared.writeOutputs(result, classes, runDir, json);
  const metricsPath = path.join(runDir, 'metrics.json');
  const metrics = JSON.parse(await fs.readFile(metricsPath, 'utf8')) as RunMetrics;
  metrics.outputs = outputs;
  await writeJsonAtomic(metricsPath, metrics);
  if (json) process.stdout.write(`${JSON.stringify({ type: 'outputs', outputs })}\n`);
  else console.log(`wrote ${metricsPath}, the checkpoint and the outputs in ${runDir}`);
  return 0;
}
