// The named steps of a training run (prepare the run, train an epoch, grow labels, validate, checkpoint, predict),
// each a function of the run's plan and a TrainerPair, so each is tested without worker threads; engine.ts loops them.
import { SeisGrowError } from '../shared/errors';
import type { ConsistencyRequest, EpochRecord, GrowthRecord, NetLosses, StageNumber, TrainingEvent } from '../shared/trainingProtocol';
import type { NetworkDescription } from '../shared/trainingConfig';
import type { TrainerPair } from '../threads/trainerPair';
import type { WorkerSection } from '../shared/trainingProtocol';
import { checkpointDir, readCheckpoint, writeCheckpoint, type CheckpointData, type Normalisation } from './checkpoint';
import { learningRateAt, makeConfig, rampedLambda, withDefaults, type ConfigOverrides, type FrozenConfig } from './config';
import { labelCounts, classWeightsFromCounts } from './losses';
import { ConfusionMatrix } from './metrics';
import { Rng } from './random';
import { classAdaptiveThresholds } from './regionGrowing';
import { carryAcrossSections, findCrossings, type Crossing, type SectionPlace } from './crossSectionGrowth';
import { packGeometry, strongView } from './data/augment';
import { computeNormalisation, normalise } from './data/normalisation';
import { cutMixSources } from './data/cutMix';
import { blockMask } from './data/masking';
import { BatchSampler } from './data/patches';
import { argmaxProbabilities, growSection, meanProbabilities, mergeLabels, networkInput, splitValidation, validateStages, type ValidationSplit } from './stages';
import { classifySection, inferUnitOrder } from './unitOrder';

/** One 2D section to train on (row-major, height = samples, width = traces); labels 255 = unlabelled, null = none. */
export interface TrainingSection {
  name: string;
  seismic: Float32Array;
  labels: Uint8Array | null;
  height: number;
  width: number;
  /** Whether the final prediction covers this section (default true; false for a large unlabelled pool). */
  predict?: boolean;
  /** Where the section lies in its volume, when it is a line of one: crossing lines share labels in stage 3. */
  place?: SectionPlace;
}

/** What to train. */
export interface TrainingRequest {
  sections: TrainingSection[];
  classes: number;
  /** Stages to run, ascending: [1], [2], [3], [1, 2], [1, 2, 3], … */
  stages: StageNumber[];
  config?: ConfigOverrides;
  runDir: string;
  /** A previous run directory or checkpoint directory to start from (needed for a run starting at stage 2 or 3). */
  resumeFrom?: string;
  /** Worker bundle (default: dist/worker.js beside the running bundle). */
  workerScript?: string;
  wasmDir?: string;
  /** Predict every section at the end (default true). */
  finalPrediction?: boolean;
  /** The pair of networks to train (default: two worker threads running `workerScript`); tests pass a fake. */
  trainers?: (log: (message: string) => void) => TrainerPair;
}

/** The final outputs for one section. */
export interface SectionResult {
  name: string;
  height: number;
  width: number;
  /** Argmax class of the two networks' mean probabilities. */
  prediction: Uint8Array;
  /** Max mean probability per pixel. */
  confidence: Float32Array;
  /** Mean probabilities, height·width·classes, pixel-major. */
  probabilities: Float32Array;
  /** The user's labels plus those grown in stage 3 (255 = unlabelled). */
  grownLabels: Uint8Array;
}

/** Check a request's sections and labels; returns the labels with null replaced by all-unlabelled arrays. */
function validateRequest(req: TrainingRequest): Uint8Array[] {
  if (!Number.isInteger(req.classes) || req.classes < 2 || req.classes > 254) {
    throw new SeisGrowError('bad-request', `class count must be an integer 2..254, got ${req.classes}`);
  }
  if (req.sections.length === 0) throw new SeisGrowError('bad-request', 'no sections to train on');
  validateStages(req.stages);
  let labelled = 0;
  const labels = req.sections.map((s) => {
    if (!Number.isInteger(s.height) || !Number.isInteger(s.width) || s.height < 1 || s.width < 1) {
      throw new SeisGrowError('bad-shape', `section has an invalid shape ${s.height}×${s.width}`, s.name);
    }
    if (s.seismic.length !== s.height * s.width) throw new SeisGrowError('bad-shape', `seismic holds ${s.seismic.length} values, expected ${s.height}×${s.width}`, s.name);
    for (let i = 0; i < s.seismic.length; i++) {
      if (!Number.isFinite(s.seismic[i])) throw new SeisGrowError('bad-value', `seismic value at pixel ${i} is not finite (${s.seismic[i]})`, s.name);
    }
    if (!s.labels) return new Uint8Array(s.height * s.width).fill(255);
    if (s.labels.length !== s.height * s.width) throw new SeisGrowError('bad-shape', `labels hold ${s.labels.length} values, expected ${s.height}×${s.width}`, s.name);
    for (let i = 0; i < s.labels.length; i++) {
      const v = s.labels[i];
      if (v === 255) continue;
      if (v >= req.classes) throw new SeisGrowError('bad-label', `label ${v} at pixel ${i} (row ${Math.floor(i / s.width)}, column ${i % s.width}) is not a class 0..${req.classes - 1} nor 255 (unlabelled)`, s.name);
      labelled++;
    }
    return s.labels;
  });
  if (labelled === 0) throw new SeisGrowError('no-labels', 'no labelled pixel in any section: paint or load some labels first');
  return labels;
}

/** Losses averaged over an epoch; the consistency term only when a step reported it (the option is on). */
export class LossAverage {
  private sum = { a: { sup: 0, pseudo: 0, recon: 0, consistency: 0, total: 0 }, b: { sup: 0, pseudo: 0, recon: 0, consistency: 0, total: 0 } };
  private n = 0;
  private withConsistency = false;
  /** Add one step's losses. */
  add(l: { a: NetLosses; b: NetLosses }): void {
    for (const r of ['a', 'b'] as const) {
      for (const k of ['sup', 'pseudo', 'recon', 'total'] as const) this.sum[r][k] += l[r][k];
      if (l[r].consistency !== undefined) { this.sum[r].consistency += l[r].consistency; this.withConsistency = true; }
    }
    this.n++;
  }
  /** The mean of the steps added so far. */
  mean(): { a: NetLosses; b: NetLosses } {
    const d = Math.max(1, this.n);
    const m = (x: typeof this.sum.a): NetLosses => ({
      sup: x.sup / d, pseudo: x.pseudo / d, recon: x.recon / d, ...(this.withConsistency ? { consistency: x.consistency / d } : {}), total: x.total / d,
    });
    return { a: m(this.sum.a), b: m(this.sum.b) };
  }
}

/** Everything a run derives from its request before training: config, network, inputs, splits, held sections. */
export interface RunPlan {
  req: TrainingRequest;
  config: FrozenConfig;
  network: NetworkDescription;
  resume: CheckpointData | null;
  root: Rng;
  normalisation: Normalisation;
  /** Network inputs per section (normalised, with the depth channel when on). */
  inputs: Float32Array[];
  /** The user's labels per section (null labels replaced by all-unlabelled). */
  userLabels: Uint8Array[];
  splits: ValidationSplit[];
  /** The user's labels minus the validation split: what growing starts from. */
  seeds: Uint8Array[];
  validationPixels: number;
  /** Sections the networks hold (labelled, or crossing a labelled line): predicted each epoch. */
  heldIndex: number[];
  /** Crossings between held sections, as indices into heldIndex. */
  heldCrossings: Crossing[];
  patch: number;
  classWeights: number[] | null;
  /** The depth order of the units the user's labels imply, when `orderedUnits` is 'auto' (null: none, or off). */
  unitOrder: number[] | null;
}

/** What changes as a run goes: the training labels (grown in stage 3) and the labels patches are centred on. */
export interface RunLabels {
  trainLabels: Uint8Array[];
  centres: Uint8Array[];
}

/** Step one: validate the request, read the checkpoint to resume from, and derive the run's plan. */
export async function prepareRun(req: TrainingRequest): Promise<RunPlan> {
  const userLabels = validateRequest(req);
  const dataChannels = 1;
  const resume = req.resumeFrom ? await readCheckpoint(req.resumeFrom, { classes: req.classes, inChannels: dataChannels, sections: req.sections }) : null;
  const first = req.stages[0];
  if (first > 1) {
    if (!resume) {
      throw new SeisGrowError('needs-previous-stage', `stage ${first} starts from a stage ${first - 1} checkpoint: run stage ${first - 1} first (or all stages), or pass the run to resume from`);
    }
    if (!resume.stagesCompleted.includes((first - 1) as StageNumber)) {
      throw new SeisGrowError('needs-previous-stage', `the checkpoint has completed stages [${resume.stagesCompleted.join(', ')}]; stage ${first} needs stage ${first - 1} completed first`, req.resumeFrom);
    }
  }
  const asked = resume ? resumeConfig(resume, req.config) : makeConfig(req.config ?? {});
  // A decoder built for pretraining alone adds no joint reconstruction term to the stages (S6 is network.reconstruction).
  const config = pretrains(asked, req) && !asked.network.reconstruction ? makeConfig({ reconWeight: 0 }, asked) : asked;
  // Pretraining rebuilds the amplitude through a reconstruction decoder, so a run that pretrains builds one.
  const network: NetworkDescription = resume ? resume.network
    : { ...config.network, reconstruction: config.network.reconstruction || pretrains(config, req), inChannels: dataChannels + (config.network.depthChannel ? 1 : 0), classes: req.classes };
  const root = new Rng(config.seed);
  const normalisation: Normalisation = resume?.normalisation ?? computeNormalisation(req.sections.map((s) => s.seismic), config.clipPercentiles);
  const inputs = req.sections.map((s) => networkInput(normalise(s.seismic, normalisation), s.height, s.width, network.depthChannel === true));

  // The validation split is a function of the seed and the labels only, so every stage of a run sees the same one.
  const splitRng = root.fork('validation');
  const splits = userLabels.map((l, i) => splitValidation(l, req.sections[i].height, req.sections[i].width, config.validationFraction, config.validationBlock, splitRng));
  const seeds = splits.map((s) => s.train);
  const validationPixels = splits.reduce((a, s) => a + s.validationCount, 0);

  // Workers hold the sections that carry labels: they are predicted for growing and validation each epoch. With
  // growth across sections, so are the lines that cross a labelled one: they receive labels over the crossing.
  const labelledIndex = req.sections.map((_, i) => i).filter((i) => seeds[i].some((v) => v !== 255) || splits[i].validationCount > 0);
  const across = config.growth.acrossSections && req.stages.includes(3) ? findCrossings(req.sections.map((s) => s.place), req.sections) : [];
  const crossesLabelled = new Set(across.flatMap((c) => (labelledIndex.includes(c.a) ? [c.b] : labelledIndex.includes(c.b) ? [c.a] : [])));
  const heldIndex = req.sections.map((_, i) => i).filter((i) => labelledIndex.includes(i) || crossesLabelled.has(i));
  const heldCrossings: Crossing[] = across.filter((c) => heldIndex.includes(c.a) && heldIndex.includes(c.b))
    .map((c) => ({ ...c, a: heldIndex.indexOf(c.a), b: heldIndex.indexOf(c.b) }));
  const maxH = Math.max(...req.sections.map((s) => s.height));
  const maxW = Math.max(...req.sections.map((s) => s.width));
  const patch = Math.min(config.patchSize, Math.max(maxH, maxW));
  const classWeights = config.classWeights === 'balanced' ? classWeightsFromCounts(labelCounts(concat(seeds), req.classes)) : null;
  // From all of the user's labels (validation pixels too): the order is a fact of the interpretation, not a fitted value.
  const unitOrder = config.orderedUnits === 'auto'
    ? inferUnitOrder(userLabels.map((labels, i) => ({ labels, height: req.sections[i].height, width: req.sections[i].width })), req.classes) : null;
  return { req, config, network, resume, root, normalisation, inputs, userLabels, splits, seeds, validationPixels, heldIndex, heldCrossings, patch, classWeights, unitOrder };
}

/** Whether a run pretrains its networks: it asks for pretraining epochs and starts at stage 1 from scratch. */
export function pretrains(config: FrozenConfig, req: TrainingRequest): boolean {
  return config.pretrain.epochs > 0 && req.stages[0] === 1 && !req.resumeFrom;
}

/** The labels a run starts training on: the seeds, plus what a resumed checkpoint had grown. */
export function initialLabels(plan: RunPlan): RunLabels {
  const trainLabels = plan.resume ? plan.resume.grownLabels.map((g, i) => mergeLabels(plan.seeds[i], g)) : plan.seeds.map((s) => s.slice());
  // Patches are centred on the user's seeds, and on labels carried over crossings once stage 3 has some.
  return { trainLabels, centres: plan.seeds };
}

/** Build both networks (seeded per role, or restored from the checkpoint) and hand them the held sections. */
export async function startNetworks(plan: RunPlan, pair: TrainerPair): Promise<{ backend: import('../shared/trainingProtocol').BackendReport }> {
  const { config, req, resume } = plan;
  const ready = await pair.init((role) => ({
    backend: config.backend, ...(req.wasmDir ? { wasmDir: req.wasmDir } : {}), network: plan.network, training: { config, classWeights: plan.classWeights, unitOrder: plan.unitOrder },
    seed: plan.root.fork(`net-${role}`).nextUint32(),
    ...(resume ? { weights: resume.nets[role].weights, optimizer: resume.nets[role].optimizer } : {}),
  }));
  await pair.setSections(() => plan.heldIndex.map((i) => ({ height: req.sections[i].height, width: req.sections[i].width, data: plan.inputs[i].slice() })));
  return { backend: { ...ready.a.backend, workers: 2, parameterCount: ready.a.parameterCount } };
}

/** The random streams and batch sampler of one stage. */
export interface StageContext {
  stage: StageNumber;
  sampler: BatchSampler;
  /** A stream of its own: turning consistency on leaves every other random choice of the run as it was. */
  strongRng: Rng;
  withConsistency: boolean;
  /** CutMix's boxes, a stream of their own too; null when CutMix is off or the stage is 1. */
  mixRng: Rng | null;
}

/** The sampler and random streams of a stage, forked from the run's seed by the stage's name. */
export function stageContext(plan: RunPlan, labels: RunLabels, stage: StageNumber): StageContext {
  const rng = plan.root.fork(`stage-${stage}`);
  const sampler = new BatchSampler(plan.inputs, plan.req.sections.map((s) => [s.height, s.width] as const), labels.trainLabels, plan.config, plan.patch, rng.fork('batches'));
  return {
    stage, sampler, strongRng: rng.fork('consistency'), withConsistency: stage >= 2 && plan.config.consistency.weight > 0,
    mixRng: stage >= 2 && plan.config.cps.cutMix > 0 ? rng.fork('cutmix') : null,
  };
}

/**
 * Mean probabilities of both networks for sections (held indices or sent data), with each network's own; `overlap`
 * replaces the config's tile overlap, `flip` mirror-averages (what a user gets: predictions, not validation or growth).
 */
export async function predictBoth(pair: TrainerPair, which: (number | WorkerSection)[], config: FrozenConfig, patch: number, opts: { overlap?: number; flip?: boolean } = {}): Promise<{ a: Float32Array; b: Float32Array; mean: Float32Array }[]> {
  const overlap = opts.overlap ?? config.inferenceOverlap;
  const probs = await pair.predict(which, { patch, overlap: Math.min(overlap, Math.floor(patch / 4)), batchSize: config.batchSize, ...(opts.flip ? { flip: true } : {}) });
  return probs.map((p) => ({ a: p.a, b: p.b, mean: meanProbabilities(p.a, p.b) }));
}

/**
 * Step "grow labels" (stage 3, each epoch): grow from the user's seeds with the current predictions (so early
 * mistakes are not locked in), carrying labels across crossing sections; updates `labels` and returns the record.
 */
export async function growLabels(plan: RunPlan, labels: RunLabels, pair: TrainerPair, stage: StageNumber, epoch: number): Promise<GrowthRecord> {
  const { req, config, heldIndex, heldCrossings, seeds } = plan;
  const probs = await predictBoth(pair, heldIndex.map((_, k) => k), config, plan.patch);
  const thresholds = config.growth.adaptive
    ? classAdaptiveThresholds(probs.map((p) => p.mean), heldIndex.map((i) => seeds[i]), req.classes,
      { threshold: config.growth.threshold, share: config.growth.adaptiveShare, floor: config.growth.minThreshold })
    : new Array<number>(req.classes).fill(config.growth.threshold);
  const perClass = new Array<number>(req.classes).fill(0);
  const sizes = heldIndex.map((i) => req.sections[i]);
  const grow = (from: Uint8Array[]) => heldIndex.map((_, k) => growSection(from[k], sizes[k].height, sizes[k].width, probs[k].a, probs[k].b, req.classes, config.growth, thresholds));
  let grownHeld = grow(heldIndex.map((i) => seeds[i]));
  let carriedAcross = 0;
  if (heldCrossings.length > 0) {
    // Labels grown on one line seed the lines that cross it; each then grows again from seeds + what it received.
    const carry = carryAcrossSections(heldCrossings, grownHeld.map((g) => g.labels), sizes, probs.map((p) => ({ probsA: p.a, probsB: p.b })),
      { classes: req.classes, threshold: thresholds, requireAgreement: config.growth.requireAgreement });
    carriedAcross = carry.added;
    const seedsPlus = heldIndex.map((i, k) => mergeLabels(seeds[i], carry.carried[k]));
    grownHeld = grow(seedsPlus);
    labels.centres = seeds.map((s, i) => (heldIndex.includes(i) ? seedsPlus[heldIndex.indexOf(i)] : s));
  }
  const waves: number[][] = [];
  let added = 0;
  heldIndex.forEach((sectionIndex, k) => {
    const g = grownHeld[k];
    labels.trainLabels[sectionIndex] = g.labels;
    for (let p = 0; p < g.labels.length; p++) if (g.labels[p] !== 255 && seeds[sectionIndex][p] === 255) added++;
    g.iterations.forEach((it, wave) => {
      waves[wave] ??= new Array<number>(req.classes).fill(0);
      it.addedPerClass.forEach((c, cls) => { waves[wave][cls] += c; });
    });
  });
  let labelled = 0;
  let all = 0;
  for (const l of labels.trainLabels) { all += l.length; for (const v of l) if (v !== 255) { perClass[v]++; labelled++; } }
  return { stage, epoch, iterations: waves, addedTotal: added, labelledPerClass: perClass, labelledFraction: labelled / all, thresholds, ...(heldCrossings.length > 0 ? { carriedAcross } : {}) };
}

/** What one epoch's steps trained with and reached. */
export interface EpochTraining { losses: { a: NetLosses; b: NetLosses }; lambda: number; learningRate: number }

/** Step "train an epoch": `stepsPerEpoch` CPS steps on sampled batches; null when cancelled before a step. */
export async function trainEpoch(plan: RunPlan, pair: TrainerPair, ctx: StageContext, epoch: number, isCancelled: () => boolean, emit: (e: TrainingEvent) => void): Promise<EpochTraining | null> {
  const { config } = plan;
  const { stage } = ctx;
  const losses = new LossAverage();
  let lambda = 0;
  let learningRate = config.learningRate;
  for (let step = 0; step < config.stepsPerEpoch; step++) {
    if (isCancelled()) return null;
    lambda = rampedLambda(config, stage, epoch - 1, step);
    const batch = ctx.sampler.next(stage === 1 ? 1 : config.labelledPatchShare);
    let consistency: ConsistencyRequest | undefined;
    if (ctx.withConsistency) {
      const view = strongView(batch.x, batch.n, batch.h, batch.w, plan.network.inChannels, ctx.strongRng);
      consistency = { weight: config.consistency.weight, threshold: config.consistency.threshold, strong: view.x, geometry: packGeometry(view.geometry) };
    }
    learningRate = learningRateAt(config, stage, epoch - 1, step);
    const grown = batch.grown ? { mask: batch.grown, weight: config.growth.grownWeight } : undefined;
    const mix = ctx.mixRng ? cutMixSources(batch.n, batch.h, batch.w, config.cps.cutMix, ctx.mixRng) : undefined;
    const l = await pair.trainStep({ x: batch.x, labels: batch.labels, n: batch.n, h: batch.h, w: batch.w, lambda, learningRate, ...(consistency ? { consistency } : {}), ...(grown ? { grown } : {}), ...(mix ? { mix } : {}) });
    losses.add(l);
    emit({ type: 'step', stage, epoch, step: step + 1, steps: config.stepsPerEpoch, losses: l });
  }
  return { losses: losses.mean(), lambda, learningRate };
}

/** The sampler and mask stream of pretraining: patches drawn anywhere in every section (labels play no part). */
export interface PretrainContext { sampler: BatchSampler; maskRng: Rng }

/** Pretraining's own random streams, forked by name, so the stages draw what they draw without it. */
export function pretrainContext(plan: RunPlan): PretrainContext {
  const rng = plan.root.fork('pretrain');
  const none = plan.req.sections.map((s) => new Uint8Array(s.height * s.width).fill(255));
  const sampler = new BatchSampler(plan.inputs, plan.req.sections.map((s) => [s.height, s.width] as const), none, plan.config, plan.patch, rng.fork('batches'));
  return { sampler, maskRng: rng.fork('masks') };
}

/**
 * Step "pretrain an epoch": `stepsPerEpoch` masked-reconstruction steps at stage 1's peak learning rate; the mean
 * reconstruction loss of each network, or null when cancelled before a step.
 */
export async function pretrainEpoch(plan: RunPlan, pair: TrainerPair, ctx: PretrainContext, isCancelled: () => boolean): Promise<{ a: number; b: number } | null> {
  const { config } = plan;
  const sum = { a: 0, b: 0 };
  for (let step = 0; step < config.stepsPerEpoch; step++) {
    if (isCancelled()) return null;
    const batch = ctx.sampler.next(0);
    const pretrainMask = blockMask(batch.n, batch.h, batch.w, config.pretrain.block, config.pretrain.maskRatio, ctx.maskRng);
    const l = await pair.trainStep({ x: batch.x, labels: batch.labels, n: batch.n, h: batch.h, w: batch.w, lambda: 0, learningRate: config.learningRate, pretrainMask });
    sum.a += l.a.recon;
    sum.b += l.b.recon;
  }
  const d = Math.max(1, config.stepsPerEpoch);
  return { a: sum.a / d, b: sum.b / d };
}

/** Step "validate": scores of the mean prediction on the held-out labelled pixels (null when there are none). */
export async function validate(plan: RunPlan, pair: TrainerPair): Promise<EpochRecord['validation']> {
  const { heldIndex, splits, req: { classes } } = plan;
  const ks = heldIndex.map((i, k) => ({ i, k })).filter(({ i }) => splits[i].validationCount > 0);
  if (ks.length === 0) return null;
  const probs = await predictBoth(pair, ks.map(({ k }) => k), plan.config, plan.patch);
  const cm = new ConfusionMatrix(classes);
  ks.forEach(({ i }, j) => cm.update(splits[i].validation, argmaxProbabilities(probs[j].mean, classes).classes));
  const s = cm.scores();
  return { perClassIoU: s.perClassIoU, meanIoU: s.meanIoU, pixelAccuracy: s.pixelAccuracy, meanClassAccuracy: s.meanClassAccuracy, frequencyWeightedIoU: s.frequencyWeightedIoU };
}

/** Step "checkpoint": both networks' state, the config, normalisation and training labels, written atomically. */
export async function saveCheckpoint(plan: RunPlan, pair: TrainerPair, labels: Uint8Array[], stage: StageNumber, epoch: number, stagesCompleted: StageNumber[], backend: string): Promise<string> {
  const state = await pair.getState();
  const dir = checkpointDir(plan.req.runDir);
  await writeCheckpoint(dir, {
    stage, epoch, stagesCompleted: [...stagesCompleted], config: plan.config, network: plan.network, normalisation: plan.normalisation,
    sections: plan.req.sections.map((s) => ({ name: s.name, height: s.height, width: s.width })),
    nets: { a: state.a, b: state.b }, grownLabels: labels, backend, unitOrder: plan.unitOrder,
  });
  return dir;
}

/** Step "predict": the final outputs of every section to predict (null where `predict` is false). */
export async function predictRun(plan: RunPlan, labels: RunLabels, pair: TrainerPair): Promise<(SectionResult | null)[]> {
  const { req, heldIndex } = plan;
  const sections: (SectionResult | null)[] = req.sections.map(() => null);
  const wanted = req.sections.map((_, i) => i).filter((i) => req.sections[i].predict !== false);
  // Sections are sent in chunks so a large pool never sits in both workers at once.
  for (let start = 0; start < wanted.length; start += 64) {
    const chunk = wanted.slice(start, start + 64);
    const which = chunk.map((i) => {
      const k = heldIndex.indexOf(i);
      return k >= 0 ? k : { height: req.sections[i].height, width: req.sections[i].width, data: plan.inputs[i] };
    });
    const probs = await predictBoth(pair, which, plan.config, plan.patch, { flip: plan.config.inferenceFlip });
    chunk.forEach((i, j) => {
      const s = req.sections[i];
      const { classes, confidence } = classifySection(probs[j].mean, s.height, s.width, req.classes, plan.unitOrder);
      sections[i] = {
        name: s.name, height: s.height, width: s.width, prediction: classes, confidence, probabilities: probs[j].mean,
        grownLabels: mergeLabels(plan.userLabels[i], labels.trainLabels[i]),
      };
    });
  }
  return sections;
}

/** The config of a resumed run: the checkpoint's, with overrides that do not change the network's shape. */
function resumeConfig(resume: CheckpointData, overrides: ConfigOverrides | undefined): FrozenConfig {
  const o = overrides ?? {};
  if (o.network) {
    for (const [k, v] of Object.entries(o.network)) {
      if (v !== undefined && (resume.config.network as Record<string, unknown>)[k] !== v) {
        throw new SeisGrowError('mismatch', `the checkpoint's network has ${k} = ${JSON.stringify((resume.config.network as Record<string, unknown>)[k])}; it cannot be resumed with ${k} = ${JSON.stringify(v)}`);
      }
    }
  }
  return makeConfig(o, withDefaults(resume.config));
}

function concat(arrays: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(arrays.reduce((a, b) => a + b.length, 0));
  let o = 0;
  for (const a of arrays) { out.set(a, o); o += a.length; }
  return out;
}
