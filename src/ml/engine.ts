// The training engine both the command line and the VS Code extension drive: it validates a request, starts the two
// CPS networks in two worker threads, runs the requested stages (1 supervised, 2 CPS, 3 region growing), emits typed
// events, writes metrics.json and atomic checkpoints, and stops within one step when cancelled.
import { promises as fs, existsSync } from 'node:fs';
import * as path from 'node:path';
import { SeisGrowError } from '../shared/errors';
import { safeWrite } from '../io/safeWrite';
import type {
  BackendReport, ConsistencyRequest, EpochRecord, FromWorker, GrowthRecord, GrownLabelsTerm, NetLosses, RunSummary, StageNumber, TrainingEvent,
  WorkerSection,
} from '../shared/trainingProtocol';
import { checkpointDir, readCheckpoint, writeCheckpoint, type CheckpointData, type Normalisation } from './checkpoint';
import type { NetworkDescription } from '../shared/trainingConfig';
import { learningRateAt, makeConfig, rampedLambda, withDefaults, type ConfigOverrides, type FrozenConfig } from './config';
import { labelCounts, classWeightsFromCounts } from './losses';
import { ConfusionMatrix } from './metrics';
import { Rng } from './random';
import { classAdaptiveThresholds } from './regionGrowing';
import { carryAcrossSections, findCrossings, type Crossing, type SectionPlace } from './crossSectionGrowth';
import { packGeometry, strongView } from './data/augment';
import { computeNormalisation, normalise } from './data/normalisation';
import { BatchSampler } from './data/patches';
import { argmaxProbabilities, growSection, meanProbabilities, mergeLabels, networkInput, splitValidation, validateStages } from './stages';
import { WorkerClient, defaultWorkerScript } from '../threads/workerClient';

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

/** Start training in worker threads; events arrive through `onEvent` (never throws into the engine). */
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
class LossAverage {
  private sum = { a: { sup: 0, pseudo: 0, recon: 0, consistency: 0, total: 0 }, b: { sup: 0, pseudo: 0, recon: 0, consistency: 0, total: 0 } };
  private n = 0;
  private withConsistency = false;
  add(l: { a: NetLosses; b: NetLosses }): void {
    for (const r of ['a', 'b'] as const) {
      for (const k of ['sup', 'pseudo', 'recon', 'total'] as const) this.sum[r][k] += l[r][k];
      if (l[r].consistency !== undefined) { this.sum[r].consistency += l[r].consistency; this.withConsistency = true; }
    }
    this.n++;
  }
  mean(): { a: NetLosses; b: NetLosses } {
    const d = Math.max(1, this.n);
    const m = (x: typeof this.sum.a): NetLosses => ({
      sup: x.sup / d, pseudo: x.pseudo / d, recon: x.recon / d, ...(this.withConsistency ? { consistency: x.consistency / d } : {}), total: x.total / d,
    });
    return { a: m(this.sum.a), b: m(this.sum.b) };
  }
}

/** The pair of training workers. */
interface Pair { a: WorkerClient; b: WorkerClient }

function expect<T extends FromWorker['type']>(m: FromWorker, type: T): Extract<FromWorker, { type: T }> {
  if (m.type !== type) throw new SeisGrowError('protocol', `training worker answered "${m.type}" where "${type}" was expected`);
  return m as Extract<FromWorker, { type: T }>;
}

/**
 * One CPS step: both networks train on the same batch; each one's argmax + confidence goes to the other. With the
 * consistency option both also get the same strong view of the batch.
 */
async function cpsStep(pair: Pair, x: Float32Array, labels: Uint8Array, n: number, h: number, w: number, lambda: number, learningRate: number, consistency?: ConsistencyRequest, grown?: GrownLabelsTerm): Promise<{ a: NetLosses; b: NetLosses }> {
  let idA = 0;
  let idB = 0;
  // Each worker gets its own copy: the buffers are transferred, so one array cannot go to both.
  const copyA = consistency ? { consistency: { ...consistency, strong: consistency.strong.slice(), geometry: consistency.geometry.slice() } } : {};
  const ra = pair.a.begin({ type: 'trainStep', x: x.slice(), labels: labels.slice(), n, h, w, lambda, learningRate, ...copyA, ...(grown ? { grown: { ...grown, mask: grown.mask.slice() } } : {}) }, (m) => {
    if (m.type === 'pseudo') pair.b.post({ type: 'partnerPseudo', id: idB, argmax: m.argmax, confidence: m.confidence });
  });
  idA = ra.id;
  const rb = pair.b.begin({ type: 'trainStep', x, labels, n, h, w, lambda, learningRate, ...(consistency ? { consistency } : {}), ...(grown ? { grown } : {}) }, (m) => {
    if (m.type === 'pseudo') pair.a.post({ type: 'partnerPseudo', id: idA, argmax: m.argmax, confidence: m.confidence });
  });
  idB = rb.id;
  const [a, b] = await Promise.all([ra.reply, rb.reply]);
  return { a: expect(a, 'stepDone').losses, b: expect(b, 'stepDone').losses };
}

/** Mean probabilities of both networks for sections (held indices or sent data). */
async function predictBoth(pair: Pair, which: (number | WorkerSection)[], config: FrozenConfig, patch: number): Promise<{ a: Float32Array; b: Float32Array; mean: Float32Array }[]> {
  const copy = (list: (number | WorkerSection)[]): (number | WorkerSection)[] => list.map((s) => (typeof s === 'number' ? s : { ...s, data: s.data.slice() }));
  const req = { patch, overlap: Math.min(config.inferenceOverlap, Math.floor(patch / 4)), batchSize: config.batchSize };
  const [ra, rb] = await Promise.all([
    pair.a.request({ type: 'predict', sections: copy(which), ...req }),
    pair.b.request({ type: 'predict', sections: copy(which), ...req }),
  ]);
  const pa = expect(ra, 'probabilities').sections;
  const pb = expect(rb, 'probabilities').sections;
  return pa.map((s, i) => ({ a: s.probs, b: pb[i].probs, mean: meanProbabilities(s.probs, pb[i].probs) }));
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

async function runTraining(req: TrainingRequest, emit: (e: TrainingEvent) => void, control: { cancelled: boolean }): Promise<RunResult> {
  const started = Date.now();
  const userLabels = validateRequest(req);
  const dataChannels = 1;
  let resume: CheckpointData | null = null;
  if (req.resumeFrom) {
    resume = await readCheckpoint(req.resumeFrom, { classes: req.classes, inChannels: dataChannels, sections: req.sections });
  }
  const first = req.stages[0];
  if (first > 1) {
    if (!resume) {
      throw new SeisGrowError('needs-previous-stage', `stage ${first} starts from a stage ${first - 1} checkpoint: run stage ${first - 1} first (or all stages), or pass the run to resume from`);
    }
    if (!resume.stagesCompleted.includes((first - 1) as StageNumber)) {
      throw new SeisGrowError('needs-previous-stage', `the checkpoint has completed stages [${resume.stagesCompleted.join(', ')}]; stage ${first} needs stage ${first - 1} completed first`, req.resumeFrom);
    }
  }
  const config = resume ? resumeConfig(resume, req.config) : makeConfig(req.config ?? {});
  const network: NetworkDescription = resume ? resume.network
    : { ...config.network, inChannels: dataChannels + (config.network.depthChannel ? 1 : 0), classes: req.classes };
  const root = new Rng(config.seed);
  const normalisation: Normalisation = resume?.normalisation ?? computeNormalisation(req.sections.map((s) => s.seismic), config.clipPercentiles);
  const inputs = req.sections.map((s) => networkInput(normalise(s.seismic, normalisation), s.height, s.width, network.depthChannel === true));

  // The validation split is a function of the seed and the labels only, so every stage of a run sees the same one.
  const splitRng = root.fork('validation');
  const splits = userLabels.map((l, i) => splitValidation(l, req.sections[i].height, req.sections[i].width, config.validationFraction, config.validationBlock, splitRng));
  const seeds = splits.map((s) => s.train);
  let trainLabels = resume ? resume.grownLabels.map((g, i) => mergeLabels(seeds[i], g)) : seeds.map((s) => s.slice());
  const validationPixels = splits.reduce((a, s) => a + s.validationCount, 0);

  // Workers hold the sections that carry labels: they are predicted for growing and validation each epoch. With
  // growth across sections, so are the lines that cross a labelled one: they receive labels over the crossing.
  const labelledIndex = req.sections.map((_, i) => i).filter((i) => seeds[i].some((v) => v !== 255) || splits[i].validationCount > 0);
  const across = config.growth.acrossSections && req.stages.includes(3) ? findCrossings(req.sections.map((s) => s.place), req.sections) : [];
  const crossesLabelled = new Set(across.flatMap((c) => (labelledIndex.includes(c.a) ? [c.b] : labelledIndex.includes(c.b) ? [c.a] : [])));
  const heldIndex = req.sections.map((_, i) => i).filter((i) => labelledIndex.includes(i) || crossesLabelled.has(i));
  const heldCrossings: Crossing[] = across.filter((c) => heldIndex.includes(c.a) && heldIndex.includes(c.b))
    .map((c) => ({ ...c, a: heldIndex.indexOf(c.a), b: heldIndex.indexOf(c.b) }));
  // Patches are centred on the user's seeds, and on labels carried over crossings once stage 3 has some.
  let centres = seeds;
  const maxH = Math.max(...req.sections.map((s) => s.height));
  const maxW = Math.max(...req.sections.map((s) => s.width));
  const patch = Math.min(config.patchSize, Math.max(maxH, maxW));
  const classWeights = config.classWeights === 'balanced'
    ? classWeightsFromCounts(labelCounts(concat(seeds), req.classes)) : null;

  await fs.mkdir(req.runDir, { recursive: true });
  const metricsPath = path.join(req.runDir, 'metrics.json');
  const previous = resume && existsSync(metricsPath) ? await readPreviousMetrics(metricsPath) : null;
  const epochs: EpochRecord[] = previous?.epochs ?? [];
  const growth: GrowthRecord[] = previous?.growth ?? [];
  const stagesCompleted: StageNumber[] = resume ? [...resume.stagesCompleted] : [];
  let checkpoint: string | null = resume ? checkpointDir(req.runDir) : null;
  if (resume && path.resolve(req.resumeFrom ?? '') !== path.resolve(req.runDir) && path.resolve(req.resumeFrom ?? '') !== path.resolve(checkpointDir(req.runDir))) {
    checkpoint = null;
  }

  const script = req.workerScript ?? defaultWorkerScript();
  const log = (message: string): void => emit({ type: 'log', level: 'info', message });
  const pair: Pair = { a: new WorkerClient(script, 'seisgrow-net-a', log), b: new WorkerClient(script, 'seisgrow-net-b', log) };
  let backend: BackendReport | null = null;
  const metricsDoc = (status: RunMetrics['status']): RunMetrics => ({
    format: 'seisgrow-metrics', backend, classes: req.classes, seed: config.seed, config,
    sections: req.sections.map((s, i) => ({ name: s.name, height: s.height, width: s.width, labelledPixels: userLabels[i].reduce((a, v) => a + (v !== 255 ? 1 : 0), 0) })),
    stagesCompleted: [...stagesCompleted], status, epochs, growth, seconds: (Date.now() - started) / 1000 + (previous?.seconds ?? 0),
  });
  try {
    const training = { config, classWeights };
    const init = (role: 'a' | 'b', client: WorkerClient) => client.request({
      type: 'init', role, backend: config.backend, ...(req.wasmDir ? { wasmDir: req.wasmDir } : {}), network, training,
      seed: root.fork(`net-${role}`).nextUint32(),
      ...(resume ? { weights: resume.nets[role].weights, optimizer: resume.nets[role].optimizer } : {}),
    });
    const [readyA] = await Promise.all([init('a', pair.a), init('b', pair.b)]);
    const ready = expect(readyA, 'ready');
    backend = { ...ready.backend, workers: 2, parameterCount: ready.parameterCount };
    emit({ type: 'backend', backend });
    if (backend.fallbackReason) emit({ type: 'log', level: 'warn', message: `backend ${backend.name}: ${backend.fallbackReason}` });
    const held = (): WorkerSection[] => heldIndex.map((i) => ({ height: req.sections[i].height, width: req.sections[i].width, data: inputs[i].slice() }));
    await Promise.all([pair.a.request({ type: 'setSections', sections: held() }), pair.b.request({ type: 'setSections', sections: held() })]);
    await writeJsonAtomic(metricsPath, metricsDoc('running'));

    const totalEpochs = req.stages.reduce((a, s) => a + config.epochs[s], 0);
    let epochsDone = 0;
    let epochSecondsSum = 0;
    let cancelled = false;

    stageLoop: for (const stage of req.stages) {
      const stageStart = Date.now();
      const stageEpochs = config.epochs[stage];
      emit({ type: 'stageStart', stage, epochs: stageEpochs, stepsPerEpoch: config.stepsPerEpoch });
      const rng = root.fork(`stage-${stage}`);
      const sampler = new BatchSampler(inputs, req.sections.map((s) => [s.height, s.width] as const), trainLabels, config, patch, rng.fork('batches'));
      // A stream of its own: turning the option on leaves every other random choice of the run as it was.
      const strongRng = rng.fork('consistency');
      const withConsistency = stage >= 2 && config.consistency.weight > 0;
      for (let epoch = 1; epoch <= stageEpochs; epoch++) {
        const epochStart = Date.now();
        let record: GrowthRecord | null = null;
        if (stage === 3) {
          // Grow from the user's seeds each epoch with the current, better predictions, so early mistakes are not locked in.
          const probs = await predictBoth(pair, heldIndex.map((_, k) => k), config, patch);
          const thresholds = config.growth.adaptive
            ? classAdaptiveThresholds(probs.map((p) => p.mean), heldIndex.map((i) => seeds[i]), req.classes,
              { threshold: config.growth.threshold, share: config.growth.adaptiveShare, floor: config.growth.minThreshold })
            : new Array<number>(req.classes).fill(config.growth.threshold);
          const perClass = new Array<number>(req.classes).fill(0);
          const sizes = heldIndex.map((i) => req.sections[i]);
          const grow = (from: Uint8Array[]) => heldIndex.map((sectionIndex, k) => growSection(from[k], sizes[k].height, sizes[k].width, probs[k].a, probs[k].b, req.classes, config.growth, thresholds));
          let grownHeld = grow(heldIndex.map((i) => seeds[i]));
          let carriedAcross = 0;
          if (heldCrossings.length > 0) {
            // Labels grown on one line seed the lines that cross it; each then grows again from seeds + what it received.
            const carry = carryAcrossSections(heldCrossings, grownHeld.map((g) => g.labels), sizes, probs.map((p) => ({ probsA: p.a, probsB: p.b })),
              { classes: req.classes, threshold: thresholds, requireAgreement: config.growth.requireAgreement });
            carriedAcross = carry.added;
            const seedsPlus = heldIndex.map((i, k) => mergeLabels(seeds[i], carry.carried[k]));
            grownHeld = grow(seedsPlus);
            centres = seeds.map((s, i) => (heldIndex.includes(i) ? seedsPlus[heldIndex.indexOf(i)] : s));
          }
          const waves: number[][] = [];
          let added = 0;
          heldIndex.forEach((sectionIndex, k) => {
            const g = grownHeld[k];
            trainLabels[sectionIndex] = g.labels;
            for (let p = 0; p < g.labels.length; p++) if (g.labels[p] !== 255 && seeds[sectionIndex][p] === 255) added++;
            g.iterations.forEach((it, wave) => {
              waves[wave] ??= new Array<number>(req.classes).fill(0);
              it.addedPerClass.forEach((c, cls) => { waves[wave][cls] += c; });
            });
          });
          let labelled = 0;
          let all = 0;
          for (const l of trainLabels) { all += l.length; for (const v of l) if (v !== 255) { perClass[v]++; labelled++; } }
          record = { stage, epoch, iterations: waves, addedTotal: added, labelledPerClass: perClass, labelledFraction: labelled / all, thresholds, ...(heldCrossings.length > 0 ? { carriedAcross } : {}) };
          growth.push(record);
          emit({ type: 'growth', record });
          sampler.setLabels(trainLabels, config.growth.patchCentres === 'seeds' ? centres : trainLabels, seeds);
        }
        const losses = new LossAverage();
        let lambda = 0;
        let learningRate = config.learningRate;
        for (let step = 0; step < config.stepsPerEpoch; step++) {
          if (control.cancelled) { cancelled = true; break stageLoop; }
          lambda = rampedLambda(config, stage, epoch - 1, step);
          const batch = sampler.next(stage === 1 ? 1 : config.labelledPatchShare);
          let consistency: ConsistencyRequest | undefined;
          if (withConsistency) {
            const view = strongView(batch.x, batch.n, batch.h, batch.w, network.inChannels, strongRng);
            consistency = { weight: config.consistency.weight, threshold: config.consistency.threshold, strong: view.x, geometry: packGeometry(view.geometry) };
          }
          learningRate = learningRateAt(config, stage, epoch - 1, step);
          const grown = batch.grown ? { mask: batch.grown, weight: config.growth.grownWeight } : undefined;
          const l = await cpsStep(pair, batch.x, batch.labels, batch.n, batch.h, batch.w, lambda, learningRate, consistency, grown);
          losses.add(l);
          emit({ type: 'step', stage, epoch, step: step + 1, steps: config.stepsPerEpoch, losses: l });
        }
        if (control.cancelled) { cancelled = true; break stageLoop; }
        const validation = await validate(pair, heldIndex, splits, req.classes, config, patch);
        const seconds = (Date.now() - epochStart) / 1000;
        epochsDone++;
        epochSecondsSum += seconds;
        let labelledPixels = 0;
        for (const l of trainLabels) for (const v of l) if (v !== 255) labelledPixels++;
        const rec: EpochRecord = {
          stage, epoch, losses: losses.mean(), lambda, learningRate, validation, validationPixels, labelledPixels, seconds,
          etaSeconds: (epochSecondsSum / epochsDone) * (totalEpochs - epochsDone),
        };
        epochs.push(rec);
        emit({ type: 'epoch', record: rec });
        if (control.cancelled) { cancelled = true; break stageLoop; }
        checkpoint = await saveCheckpoint(pair, req, config, network, normalisation, trainLabels, stage, epoch, stagesCompletedWith(stagesCompleted, stage, epoch === stageEpochs), backend.name);
        emit({ type: 'checkpoint', path: checkpoint, stage, epoch });
        await writeJsonAtomic(metricsPath, metricsDoc('running'));
      }
      if (!stagesCompleted.includes(stage)) stagesCompleted.push(stage);
      if (stageEpochs === 0) {
        // A stage asked to run for zero epochs still hands the next stage a checkpoint that says it is done.
        checkpoint = await saveCheckpoint(pair, req, config, network, normalisation, trainLabels, stage, 0, stagesCompleted, backend.name);
      }
      emit({ type: 'stageEnd', stage, seconds: (Date.now() - stageStart) / 1000 });
    }

    const sections: (SectionResult | null)[] = req.sections.map(() => null);
    if (!cancelled && req.finalPrediction !== false) {
      const wanted = req.sections.map((s, i) => i).filter((i) => req.sections[i].predict !== false);
      // Sections are sent in chunks so a large pool never sits in both workers at once.
      for (let start = 0; start < wanted.length; start += 64) {
        const chunk = wanted.slice(start, start + 64);
        const which = chunk.map((i) => {
          const k = heldIndex.indexOf(i);
          return k >= 0 ? k : { height: req.sections[i].height, width: req.sections[i].width, data: inputs[i] };
        });
        const probs = await predictBoth(pair, which, config, patch);
        chunk.forEach((i, j) => {
          const s = req.sections[i];
          const { classes, confidence } = argmaxProbabilities(probs[j].mean, req.classes);
          sections[i] = {
            name: s.name, height: s.height, width: s.width, prediction: classes, confidence, probabilities: probs[j].mean,
            grownLabels: mergeLabels(userLabels[i], trainLabels[i]),
          };
        });
      }
    }
    const summary: RunSummary = { status: cancelled ? 'cancelled' : 'completed', stagesCompleted: [...stagesCompleted], checkpoint, epochs, seconds: (Date.now() - started) / 1000 };
    await writeJsonAtomic(metricsPath, metricsDoc(cancelled ? 'cancelled' : 'completed'));
    emit({ type: 'done', summary });
    return { summary, backend, config, growth, sections };
  } finally {
    await Promise.all([pair.a.close(), pair.b.close()]);
  }
}

function stagesCompletedWith(done: StageNumber[], stage: StageNumber, complete: boolean): StageNumber[] {
  return complete && !done.includes(stage) ? [...done, stage] : [...done];
}

function concat(arrays: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(arrays.reduce((a, b) => a + b.length, 0));
  let o = 0;
  for (const a of arrays) { out.set(a, o); o += a.length; }
  return out;
}

async function readPreviousMetrics(file: string): Promise<RunMetrics | null> {
  try {
    const m = JSON.parse(await fs.readFile(file, 'utf8')) as RunMetrics;
    return m.format === 'seisgrow-metrics' ? m : null;
  } catch {
    return null;
  }
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

/** Scores of the mean prediction on the held-out labelled pixels. */
async function validate(pair: Pair, heldIndex: number[], splits: { validation: Uint8Array; validationCount: number }[], classes: number, config: FrozenConfig, patch: number): Promise<EpochRecord['validation']> {
  const ks = heldIndex.map((i, k) => ({ i, k })).filter(({ i }) => splits[i].validationCount > 0);
  if (ks.length === 0) return null;
  const probs = await predictBoth(pair, ks.map(({ k }) => k), config, patch);
  const cm = new ConfusionMatrix(classes);
  ks.forEach(({ i }, j) => cm.update(splits[i].validation, argmaxProbabilities(probs[j].mean, classes).classes));
  const s = cm.scores();
  return { perClassIoU: s.perClassIoU, meanIoU: s.meanIoU, pixelAccuracy: s.pixelAccuracy, meanClassAccuracy: s.meanClassAccuracy, frequencyWeightedIoU: s.frequencyWeightedIoU };
}

async function saveCheckpoint(pair: Pair, req: TrainingRequest, config: FrozenConfig, network: NetworkDescription, normalisation: Normalisation, labels: Uint8Array[], stage: StageNumber, epoch: number, stagesCompleted: StageNumber[], backend: string): Promise<string> {
  const [sa, sb] = await Promise.all([pair.a.request({ type: 'getState' }), pair.b.request({ type: 'getState' })]);
  const a = expect(sa, 'state');
  const b = expect(sb, 'state');
  const dir = checkpointDir(req.runDir);
  await writeCheckpoint(dir, {
    stage, epoch, stagesCompleted: [...stagesCompleted], config, network, normalisation,
    sections: req.sections.map((s) => ({ name: s.name, height: s.height, width: s.width })),
    nets: { a: { weights: a.weights, optimizer: a.optimizer }, b: { weights: b.weights, optimizer: b.optimizer } },
    grownLabels: labels, backend,
  });
  return dir;
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
  /** Stop the workers. */
  close(): Promise<void>;
}

/** Options of {@link openPredictor}. */
export interface PredictorOptions { workerScript?: string; wasmDir?: string; backend?: FrozenConfig['backend'] }

/** Load a trained run (or its checkpoint folder) into a pair of workers; the caller closes it. */
export async function openPredictor(runOrCheckpoint: string, opts: PredictorOptions = {}): Promise<Predictor> {
  const ck = await readCheckpoint(runOrCheckpoint, { inChannels: 1 });
  const depth = ck.network.depthChannel === true;
  const script = opts.workerScript ?? defaultWorkerScript();
  const pair: Pair = { a: new WorkerClient(script, 'seisgrow-predict-a'), b: new WorkerClient(script, 'seisgrow-predict-b') };
  const close = async (): Promise<void> => { await Promise.all([pair.a.close(), pair.b.close()]); };
  try {
    const training = { config: withDefaults(ck.config), classWeights: null };
    await Promise.all((['a', 'b'] as const).map((role) => (role === 'a' ? pair.a : pair.b).request({
      type: 'init', role, backend: opts.backend ?? ck.config.backend, ...(opts.wasmDir ? { wasmDir: opts.wasmDir } : {}),
      network: ck.network, training, seed: ck.config.seed, weights: ck.nets[role].weights,
    })));
  } catch (e) {
    await close();
    throw e;
  }
  const patch = Math.min(ck.config.patchSize, Math.max(...ck.sections.map((s) => Math.max(s.height, s.width))));
  return {
    classes: ck.network.classes,
    async predict(sections) {
      for (const s of sections) {
        if (s.seismic.length !== s.height * s.width) throw new SeisGrowError('bad-shape', `seismic holds ${s.seismic.length} values, expected ${s.height}×${s.width}`, s.name);
      }
      const out: SectionPrediction[] = [];
      for (let start = 0; start < sections.length; start += 64) {
        const chunk = sections.slice(start, start + 64).map((s) => ({ height: s.height, width: s.width, data: networkInput(normalise(s.seismic, ck.normalisation), s.height, s.width, depth) }));
        const probs = await predictBoth(pair, chunk, ck.config, patch);
        for (const p of probs) out.push({ ...argmaxProbabilities(p.mean, ck.network.classes), probabilities: p.mean });
      }
      return out;
    },
    close,
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
