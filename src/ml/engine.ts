// The training engine both the command line and the VS Code extension drive: it validates a request, starts the two
// CPS networks (two worker threads unless the caller passes a TrainerPair), runs the requested stages (1 supervised,
// 2 CPS, 3 region growing) as a loop over the named steps of runSteps.ts, emits typed events, writes metrics.json and
// atomic checkpoints, and stops within one step when cancelled.
import { promises as fs, existsSync } from 'node:fs';
import * as path from 'node:path';
import { SeisGrowError } from '../shared/errors';
import { safeWrite } from '../io/safeWrite';
import type { BackendReport, EpochRecord, GrowthRecord, RunSummary, StageNumber, TrainingEvent } from '../shared/trainingProtocol';
import { workerTrainerPair, type TrainerPair } from '../threads/trainerPair';
import { checkpointDir, readCheckpoint } from './checkpoint';
import { withDefaults, type FrozenConfig } from './config';
import { networkInput } from './stages';
import { normalise } from './data/normalisation';
import { classifySection, formatUnitOrder } from './unitOrder';
import {
  growLabels, initialLabels, predictBoth, predictRun, prepareRun, pretrainContext, pretrainEpoch, pretrains, saveCheckpoint, stageContext, startNetworks, trainEpoch, validate,
  type RunLabels, type RunPlan, type SectionResult, type TrainingRequest,
} from './runSteps';

export type { SectionResult, TrainingRequest, TrainingSection } from './runSteps';

/** What a finished (or cancelled) run returns. */
export interface RunResult {
  summary: RunSummary;
  backend: BackendReport | null;
  config: FrozenConfig;
  growth: GrowthRecord[];
  /** One entry per section (null where `predict` was false or the run was cancelled). */
  sections: (SectionResult | null)[];
}

/** A running training request. */
export interface TrainingHandle {
  done: Promise<RunResult>;
  /** Stop after the step in flight; the last complete checkpoint stays as it was. */
  cancel(): void;
}

/** Start training (in worker threads unless the request passes `trainers`); events arrive through `onEvent` (never throws into the engine). */
export function startTraining(request: TrainingRequest, onEvent: (e: TrainingEvent) => void = () => undefined): TrainingHandle {
  const control = { cancelled: false };
  const emit = (e: TrainingEvent): void => {
    try { onEvent(e); } catch { /* a subscriber's failure must not break training */ }
  };
  const done = runTraining(request, emit, control).catch((e: unknown) => {
    emit({ type: 'error', message: e instanceof Error ? e.message : String(e), ...(e instanceof SeisGrowError ? { code: e.code } : {}) });
    throw e;
  });
  return { done, cancel: () => { control.cancelled = true; } };
}

/** Write a JSON file safely (safeWrite: temp file in the same folder, fsync, rename). */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await safeWrite(file, JSON.stringify(value, null, 1));
}

/** The metrics.json document of a run. */
export interface RunMetrics {
  format: 'seisgrow-metrics';
  backend: BackendReport | null;
  classes: number;
  seed: number;
  config: FrozenConfig;
  sections: { name: string; height: number; width: number; labelledPixels: number }[];
  stagesCompleted: StageNumber[];
  status: 'running' | 'completed' | 'cancelled';
  epochs: EpochRecord[];
  growth: GrowthRecord[];
  seconds: number;
  /** Added by the CLI after the final prediction. */
  outputs?: Record<string, unknown>;
}

/** How far a run has got: what metrics.json and the summary report. */
interface RunProgress {
  epochs: EpochRecord[];
  growth: GrowthRecord[];
  stagesCompleted: StageNumber[];
  checkpoint: string | null;
  backend: BackendReport | null;
  epochsDone: number;
  epochSecondsSum: number;
}

async function runTraining(req: TrainingRequest, emit: (e: TrainingEvent) => void, control: { cancelled: boolean }): Promise<RunResult> {
  const started = Date.now();
  const plan = await prepareRun(req);
  const labels = initialLabels(plan);
  await fs.mkdir(req.runDir, { recursive: true });
  const metricsPath = path.join(req.runDir, 'metrics.json');
  const previous = plan.resume && existsSync(metricsPath) ? await readPreviousMetrics(metricsPath) : null;
  const progress: RunProgress = {
    epochs: previous?.epochs ?? [], growth: previous?.growth ?? [], stagesCompleted: plan.resume ? [...plan.resume.stagesCompleted] : [],
    checkpoint: resumedCheckpoint(req, plan), backend: null, epochsDone: 0, epochSecondsSum: 0,
  };
  const writeMetrics = (status: RunMetrics['status']): Promise<void> => writeJsonAtomic(metricsPath, metricsDocument(plan, progress, status, (Date.now() - started) / 1000 + (previous?.seconds ?? 0)));
  const log = (message: string): void => emit({ type: 'log', level: 'info', message });
  const pair = req.trainers ? req.trainers(log) : workerTrainerPair('seisgrow-net', req.workerScript, log);
  try {
    const { backend } = await startNetworks(plan, pair);
    progress.backend = backend;
    emit({ type: 'backend', backend });
    if (backend.fallbackReason) emit({ type: 'log', level: 'warn', message: `backend ${backend.name}: ${backend.fallbackReason}` });
    if (plan.unitOrder) {
      emit({ type: 'log', level: 'notice', message: `ordered units: every labelled trace meets the classes in one order, top to bottom ${formatUnitOrder(plan.unitOrder)}; predictions keep it (orderedUnits "off" predicts each pixel alone)` });
    }
    await writeMetrics('running');
    let cancelled = false;
    for (const stage of req.stages) {
      if (!(await runStage(plan, labels, pair, stage, progress, control, emit, writeMetrics))) { cancelled = true; break; }
    }
    const sections = !cancelled && req.finalPrediction !== false ? await predictRun(plan, labels, pair) : req.sections.map(() => null);
    const summary: RunSummary = { status: cancelled ? 'cancelled' : 'completed', stagesCompleted: [...progress.stagesCompleted], checkpoint: progress.checkpoint, epochs: progress.epochs, seconds: (Date.now() - started) / 1000 };
    await writeMetrics(cancelled ? 'cancelled' : 'completed');
    emit({ type: 'done', summary });
    return { summary, backend: progress.backend, config: plan.config, growth: progress.growth, sections };
  } finally {
    await pair.close();
  }
}

/** One stage's epochs: grow (stage 3), train, validate, checkpoint; false when cancelled. */
async function runStage(plan: RunPlan, labels: RunLabels, pair: TrainerPair, stage: StageNumber, progress: RunProgress, control: { cancelled: boolean }, emit: (e: TrainingEvent) => void, writeMetrics: (status: 'running') => Promise<void>): Promise<boolean> {
  const { config, req } = plan;
  const stageStart = Date.now();
  const stageEpochs = config.epochs[stage];
  const totalEpochs = req.stages.reduce((a, s) => a + config.epochs[s], 0);
  emit({ type: 'stageStart', stage, epochs: stageEpochs, stepsPerEpoch: config.stepsPerEpoch });
  if (stage === 1 && pretrains(config, req) && !(await pretrain(plan, pair, control, emit))) return false;
  const ctx = stageContext(plan, labels, stage);
  for (let epoch = 1; epoch <= stageEpochs; epoch++) {
    const epochStart = Date.now();
    if (stage === 3) {
      const record = await growLabels(plan, labels, pair, stage, epoch);
      progress.growth.push(record);
      emit({ type: 'growth', record });
      ctx.sampler.setLabels(labels.trainLabels, config.growth.patchCentres === 'seeds' ? labels.centres : labels.trainLabels, plan.seeds);
    }
    const trained = await trainEpoch(plan, pair, ctx, epoch, () => control.cancelled, emit);
    if (!trained || control.cancelled) return false;
    const validation = await validate(plan, pair);
    const seconds = (Date.now() - epochStart) / 1000;
    progress.epochsDone++;
    progress.epochSecondsSum += seconds;
    let labelledPixels = 0;
    for (const l of labels.trainLabels) for (const v of l) if (v !== 255) labelledPixels++;
    const record: EpochRecord = {
      stage, epoch, losses: trained.losses, lambda: trained.lambda, learningRate: trained.learningRate, validation, validationPixels: plan.validationPixels, labelledPixels, seconds,
      etaSeconds: (progress.epochSecondsSum / progress.epochsDone) * (totalEpochs - progress.epochsDone),
    };
    progress.epochs.push(record);
    emit({ type: 'epoch', record });
    if (control.cancelled) return false;
    progress.checkpoint = await saveCheckpoint(plan, pair, labels.trainLabels, stage, epoch, stagesCompletedWith(progress.stagesCompleted, stage, epoch === stageEpochs), progress.backend?.name ?? '');
    emit({ type: 'checkpoint', path: progress.checkpoint, stage, epoch });
    await writeMetrics('running');
  }
  if (!progress.stagesCompleted.includes(stage)) progress.stagesCompleted.push(stage);
  if (stageEpochs === 0) {
    // A stage asked to run for zero epochs still hands the next stage a checkpoint that says it is done.
    progress.checkpoint = await saveCheckpoint(plan, pair, labels.trainLabels, stage, 0, progress.stagesCompleted, progress.backend?.name ?? '');
  }
  emit({ type: 'stageEnd', stage, seconds: (Date.now() - stageStart) / 1000 });
  return true;
}

/** Masked-reconstruction pretraining before stage 1's first epoch; false when cancelled. */
async function pretrain(plan: RunPlan, pair: TrainerPair, control: { cancelled: boolean }, emit: (e: TrainingEvent) => void): Promise<boolean> {
  const { epochs, maskRatio, block } = plan.config.pretrain;
  emit({ type: 'log', level: 'notice', message: `pretraining: ${epochs} epochs rebuilding the amplitude of ${Math.round(maskRatio * 100)} % of ${block}-pixel blocks, hidden, on every section` });
  const ctx = pretrainContext(plan);
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const start = Date.now();
    const loss = await pretrainEpoch(plan, pair, ctx, () => control.cancelled);
    if (!loss || control.cancelled) return false;
    emit({ type: 'log', level: 'notice', message: `pretraining epoch ${epoch}/${epochs}: reconstruction loss ${loss.a.toFixed(4)} / ${loss.b.toFixed(4)} (${((Date.now() - start) / 1000).toFixed(1)} s)` });
  }
  return true;
}

/** The checkpoint a resumed run starts with: its own folder's, when it resumes from itself (else none yet). */
function resumedCheckpoint(req: TrainingRequest, plan: RunPlan): string | null {
  if (!plan.resume) return null;
  const from = path.resolve(req.resumeFrom ?? '');
  return from === path.resolve(req.runDir) || from === path.resolve(checkpointDir(req.runDir)) ? checkpointDir(req.runDir) : null;
}

/** The metrics.json document of a run at this point. */
function metricsDocument(plan: RunPlan, progress: RunProgress, status: RunMetrics['status'], seconds: number): RunMetrics {
  const { req, config } = plan;
  return {
    format: 'seisgrow-metrics', backend: progress.backend, classes: req.classes, seed: config.seed, config,
    sections: req.sections.map((s, i) => ({ name: s.name, height: s.height, width: s.width, labelledPixels: plan.userLabels[i].reduce((a, v) => a + (v !== 255 ? 1 : 0), 0) })),
    stagesCompleted: [...progress.stagesCompleted], status, epochs: progress.epochs, growth: progress.growth, seconds,
  };
}

function stagesCompletedWith(done: StageNumber[], stage: StageNumber, complete: boolean): StageNumber[] {
  return complete && !done.includes(stage) ? [...done, stage] : [...done];
}

async function readPreviousMetrics(file: string): Promise<RunMetrics | null> {
  try {
    const m = JSON.parse(await fs.readFile(file, 'utf8')) as RunMetrics;
    return m.format === 'seisgrow-metrics' ? m : null;
  } catch {
    return null;
  }
}

/** A section to predict. */
export interface PredictSection { name: string; seismic: Float32Array; height: number; width: number }

/** One section's prediction: argmax classes, the mean probability of that class, and the mean probabilities of both networks. */
export interface SectionPrediction { classes: Uint8Array; confidence: Float32Array; probabilities: Float32Array }

/** A trained run's two networks loaded in their workers, ready to predict any number of batches of sections. */
export interface Predictor {
  readonly classes: number;
  /** Predictions of a batch of sections, by overlap-tiled inference with the run's own normalisation. */
  predict(sections: PredictSection[]): Promise<SectionPrediction[]>;
  /**
   * Classes and confidence of a section's probabilities (height·width·classes, e.g. fused from two views) as `predict`
   * decodes them: in the depth order of the run's units when it has one. Absent: the per-pixel argmax.
   */
  classify?(probabilities: Float32Array, height: number, width: number): { classes: Uint8Array; confidence: Float32Array };
  /** Stop the workers. */
  close(): Promise<void>;
}

/** A Predictor that also gives each network's probabilities (probes of the pair use the engine's own inference). */
export interface PairPredictor extends Predictor {
  /** Each network's probabilities beside their mean, from the same inference as `predict`. */
  predictNetworks(sections: PredictSection[]): Promise<{ a: Float32Array; b: Float32Array; mean: Float32Array }[]>;
}

/** Options of {@link openPredictor}. */
export interface PredictorOptions {
  workerScript?: string;
  wasmDir?: string;
  backend?: FrozenConfig['backend'];
  /** Tile overlap in pixels instead of the run's `inferenceOverlap` (clamped to a quarter patch, as in training). */
  overlap?: number;
  /** Mirror-averaged inference on or off instead of the run's `inferenceFlip`. */
  flip?: boolean;
  /** Depth order of the units to decode every trace with instead of the run's own (null: plain argmax). */
  unitOrder?: readonly number[] | null;
  /** The pair of networks (default: two worker threads). */
  trainers?: () => TrainerPair;
}

/** Load a trained run (or its checkpoint folder) into a pair of workers; the caller closes it. */
export async function openPredictor(runOrCheckpoint: string, opts: PredictorOptions = {}): Promise<PairPredictor> {
  const ck = await readCheckpoint(runOrCheckpoint, { inChannels: 1 });
  const depth = ck.network.depthChannel === true;
  const pair = opts.trainers ? opts.trainers() : workerTrainerPair('seisgrow-predict', opts.workerScript);
  // A run stored before a setting existed predicts with today's default of it.
  const config = withDefaults(ck.config);
  try {
    const training = { config, classWeights: null };
    await pair.init((role) => ({
      backend: opts.backend ?? ck.config.backend, ...(opts.wasmDir ? { wasmDir: opts.wasmDir } : {}),
      network: ck.network, training, seed: ck.config.seed, weights: ck.nets[role].weights,
    }));
  } catch (e) {
    await pair.close();
    throw e;
  }
  const patch = Math.min(ck.config.patchSize, Math.max(...ck.sections.map((s) => Math.max(s.height, s.width))));
  // A run trained with orderedUnits 'off' stored no order, so the checkpoint's order is the whole answer.
  const order = opts.unitOrder !== undefined ? opts.unitOrder : ck.unitOrder;
  const predictNetworks: PairPredictor['predictNetworks'] = async (sections) => {
    for (const s of sections) {
      if (s.seismic.length !== s.height * s.width) throw new SeisGrowError('bad-shape', `seismic holds ${s.seismic.length} values, expected ${s.height}×${s.width}`, s.name);
    }
    const out: { a: Float32Array; b: Float32Array; mean: Float32Array }[] = [];
    for (let start = 0; start < sections.length; start += 64) {
      const chunk = sections.slice(start, start + 64).map((s) => ({ height: s.height, width: s.width, data: networkInput(normalise(s.seismic, ck.normalisation), s.height, s.width, depth) }));
      out.push(...await predictBoth(pair, chunk, ck.config, patch, { ...(opts.overlap !== undefined ? { overlap: opts.overlap } : {}), flip: opts.flip ?? config.inferenceFlip }));
    }
    return out;
  };
  return {
    classes: ck.network.classes,
    predictNetworks,
    async predict(sections) {
      return (await predictNetworks(sections)).map((p, k) => ({ ...classifySection(p.mean, sections[k].height, sections[k].width, ck.network.classes, order), probabilities: p.mean }));
    },
    classify: (probabilities, height, width) => classifySection(probabilities, height, width, ck.network.classes, order),
    close: () => pair.close(),
  };
}

/** Predictions of a trained run for new sections: classes, confidence and mean probabilities of both networks. */
export async function predictSections(runOrCheckpoint: string, sections: PredictSection[], opts: PredictorOptions = {}): Promise<SectionPrediction[]> {
  for (const s of sections) {
    if (s.seismic.length !== s.height * s.width) throw new SeisGrowError('bad-shape', `seismic holds ${s.seismic.length} values, expected ${s.height}×${s.width}`, s.name);
  }
  const predictor = await openPredictor(runOrCheckpoint, opts);
  try {
    return await predictor.predict(sections);
  } finally {
    await predictor.close();
  }
}
