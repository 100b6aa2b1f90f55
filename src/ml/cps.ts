// Cross pseudo supervision (Chen et al., CVPR 2021) from one network's point of view: a NetTrainer owns one U-Net and
// its Adam optimizer, produces its per-pixel argmax + confidence for the partner, and takes one optimizer step on
// sup + λ·pseudo(partner's argmax, weighted by the partner's confidence) + w·recon, optionally + a weak/strong
// consistency term on its own argmax (FixMatch). The two NetTrainers of a run live in two worker threads; only the
// Uint8 argmax and Float32 confidence maps travel between them.
import * as tf from '@tensorflow/tfjs';
import { SeisGrowError } from '../shared/errors';
import type { GrownLabelsTerm, NetLosses, SerializedTensor, TrainerSettings, WorkerSection } from '../shared/trainingProtocol';
import type { NetworkDescription } from '../shared/trainingConfig';
import { moveMap, unpackGeometry } from './data/augment';
import { gatherPixels } from './data/cutMix';
import { tiledProbabilities } from './data/tiling';
import { createAdam } from './kernels/adam';
import { confidenceAwarePseudoLoss, focalLoss, mseLoss } from './losses';
import { UNet } from './unet';
import { decodeOrderedUnits } from './unitOrder';

/** A per-pixel pseudo-label map: argmax class and the network's confidence (max softmax probability). */
export interface PseudoLabels {
  argmax: Uint8Array;
  confidence: Float32Array;
}

/** Argmax and max probability of softmax(logits) per pixel (NHWC logits → n·h·w maps). */
export async function pseudoLabelsFromLogits(logits: tf.Tensor4D): Promise<PseudoLabels> {
  const [argmax, confidence] = tf.tidy(() => {
    const probs = tf.softmax(logits, -1);
    return [tf.argMax(probs, -1).toInt(), tf.max(probs, -1)] as const;
  });
  try {
    return { argmax: Uint8Array.from(await argmax.data()), confidence: Float32Array.from(await confidence.data()) };
  } finally {
    argmax.dispose();
    confidence.dispose();
  }
}

/** Pseudo labels decoded down each column of each patch in the units' depth `order` (as predictions are), with the probability of the class kept. */
export async function orderedPseudoLabels(logits: tf.Tensor4D, order: readonly number[]): Promise<PseudoLabels> {
  const [n, h, w, k] = logits.shape;
  const probs = tf.tidy(() => tf.softmax(logits, -1));
  try {
    const all = (await probs.data()) as Float32Array;
    const argmax = new Uint8Array(n * h * w);
    const confidence = new Float32Array(n * h * w);
    for (let i = 0; i < n; i++) {
      const d = decodeOrderedUnits(all.subarray(i * h * w * k, (i + 1) * h * w * k), h, w, k, order);
      argmax.set(d.classes, i * h * w);
      confidence.set(d.confidence, i * h * w);
    }
    return { argmax, confidence };
  } finally {
    probs.dispose();
  }
}

/** Pseudo labels for the unlabelled pixels only: where a (grown) label exists the supervised term already speaks. */
export function pseudoTargets(partner: PseudoLabels, labels: Uint8Array): Int32Array {
  if (partner.argmax.length !== labels.length) throw new SeisGrowError('protocol', `pseudo-label map has ${partner.argmax.length} pixels, the batch ${labels.length}`);
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = labels[i] === 255 ? partner.argmax[i] : 255;
  return out;
}

/** A batch's labels split into the seeds' and the grown labels' targets (255 = not in that part). */
export function splitGrown(labels: Uint8Array, mask: Uint8Array): { seeds: Int32Array; grown: Int32Array } {
  const seeds = new Int32Array(labels.length);
  const grown = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const isGrown = mask[i] !== 0;
    seeds[i] = isGrown ? 255 : labels[i];
    grown[i] = isGrown ? labels[i] : 255;
  }
  return { seeds, grown };
}

/** The consistency term of one step as the trainer takes it: the strong view and the pseudo labels already moved onto it. */
export interface ConsistencyTerm {
  weight: number;
  threshold: number;
  /** NHWC strong view. */
  strong: Float32Array;
  /** Pseudo label per pixel of the strong view (255 = none: labelled, or shifted in from outside the patch). */
  targets: Int32Array;
  /** The network's confidence in each target (0 where there is none). */
  confidence: Float32Array;
}

/**
 * Targets of the consistency term: the network's own weak-view argmax on the unlabelled pixels (labelled ones have the
 * supervised term), moved by each patch's strong-view geometry so that every target sits under the pixel it belongs to.
 */
export function consistencyTargets(own: PseudoLabels, labels: Uint8Array, geometry: Int32Array, n: number, h: number, w: number): { targets: Int32Array; confidence: Float32Array } {
  const g = unpackGeometry(geometry);
  if (g.length !== n || geometry.length !== 3 * n) throw new SeisGrowError('protocol', `consistency geometry has ${geometry.length} values for ${n} patches`);
  const targets = moveMap(pseudoTargets(own, labels), n, h, w, g, 255);
  const confidence = moveMap(own.confidence, n, h, w, g, 0);
  return { targets, confidence };
}

/** One network of a CPS pair with its optimizer: the unit a training worker runs. */
export class NetTrainer {
  readonly net: UNet;
  readonly spec: NetworkDescription;
  private readonly training: TrainerSettings;
  private readonly optimizer: tf.AdamOptimizer;
  private sections: WorkerSection[] = [];

  constructor(spec: NetworkDescription, training: TrainerSettings, seed: number) {
    this.spec = spec;
    this.training = training;
    this.net = new UNet({ ...spec }, seed);
    this.optimizer = createAdam(training.config.learningRate);
  }

  /** Trainable parameters of the network. */
  get parameterCount(): number {
    return this.net.parameterCount;
  }

  /** Restore weights (and optimizer slots, when given) from a checkpoint. */
  async setState(weights: SerializedTensor[], optimizer?: SerializedTensor[]): Promise<void> {
    const record: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const t of weights) record[t.name] = { shape: t.shape, data: t.data };
    this.net.setWeights(record);
    if (optimizer && optimizer.length > 0) {
      const named = optimizer.map((t) => ({ name: t.name, tensor: tf.tensor(t.data, t.shape) }));
      await this.optimizer.setWeights(named);
      for (const n of named) n.tensor.dispose();
    }
  }

  /** Set the optimizer's learning rate for the following steps (the host's schedule). */
  setLearningRate(rate: number): void {
    if (!(rate > 0 && Number.isFinite(rate))) throw new SeisGrowError('protocol', `learning rate must be a positive number, got ${rate}`);
    // tfjs's Adam reads this field at every applyGradients; it has no public setter.
    (this.optimizer as unknown as { learningRate: number }).learningRate = rate;
  }

  /** The optimizer's current learning rate. */
  get learningRate(): number {
    return (this.optimizer as unknown as { learningRate: number }).learningRate;
  }

  /** Weights and optimizer slots as flat buffers. */
  async getState(): Promise<{ weights: SerializedTensor[]; optimizer: SerializedTensor[] }> {
    const weights = Object.entries(await this.net.getWeights()).map(([name, w]) => ({ name, shape: [...w.shape], data: Float32Array.from(w.data) }));
    const named = await this.optimizer.getWeights();
    const optimizer = await Promise.all(named.map(async (n) => ({ name: n.name, shape: [...n.tensor.shape], data: Float32Array.from(await n.tensor.data()) })));
    return { weights, optimizer };
  }

  /** This network's argmax + confidence on a batch (inference mode, no gradient): the partner's pseudo labels. */
  async pseudoLabels(x: Float32Array, n: number, h: number, w: number): Promise<PseudoLabels> {
    const input = tf.tensor4d(x, [n, h, w, this.spec.inChannels]);
    const order = this.training.config.cps.orderedPseudoLabels ? this.training.unitOrder ?? null : null;
    try {
      const logits = tf.tidy(() => this.net.forward(input, false, false).logits);
      try {
        return order ? await orderedPseudoLabels(logits, order) : await pseudoLabelsFromLogits(logits);
      } finally {
        logits.dispose();
      }
    } finally {
      input.dispose();
    }
  }

  /**
   * One optimizer step; `partner` is null in stage 1 (or when λ = 0), `consistency` null when that option is off,
   * `grown` null outside stage 3 (every label is then a seed), `mix` null unless CutMix is on: then the step trains on
   * the batch gathered through it, labels, grown mask and the partner's pseudo labels (made on the batch as given)
   * gathered alike. Returns the loss terms.
   */
  async trainStep(x: Float32Array, n: number, h: number, w: number, labels: Uint8Array, partner: PseudoLabels | null, lambda: number, consistency: ConsistencyTerm | null = null, grown: GrownLabelsTerm | null = null, mix: Int32Array | null = null): Promise<NetLosses> {
    const pixels = n * h * w;
    if (x.length !== pixels * this.spec.inChannels || labels.length !== pixels) {
      throw new SeisGrowError('protocol', `batch of ${n}×${h}×${w} does not match its buffers (${x.length} inputs, ${labels.length} labels)`);
    }
    if (grown && grown.mask.length !== pixels) throw new SeisGrowError('protocol', `grown-label mask of ${grown.mask.length} pixels does not match the ${n}×${h}×${w} batch`);
    if (partner && (partner.argmax.length !== pixels || partner.confidence.length !== pixels)) {
      throw new SeisGrowError('protocol', `pseudo-label maps of ${partner.argmax.length} and ${partner.confidence.length} pixels do not match the ${n}×${h}×${w} batch`);
    }
    if (mix) {
      if (mix.length !== pixels) throw new SeisGrowError('protocol', `CutMix map of ${mix.length} pixels does not match the ${n}×${h}×${w} batch`);
      x = gatherPixels(x, mix, this.spec.inChannels);
      labels = gatherPixels(labels, mix);
      if (partner) partner = { argmax: gatherPixels(partner.argmax, mix), confidence: gatherPixels(partner.confidence, mix) };
      if (grown) grown = { ...grown, mask: gatherPixels(grown.mask, mix) };
    }
    const useConsistency = consistency !== null && consistency.weight > 0;
    if (useConsistency && (consistency.strong.length !== x.length || consistency.targets.length !== pixels || consistency.confidence.length !== pixels)) {
      throw new SeisGrowError('protocol', `consistency view of ${consistency.strong.length} inputs and ${consistency.targets.length} targets does not match the ${n}×${h}×${w} batch`);
    }
    const { focalGamma: gamma, reconWeight, cps: { confidenceThreshold: pseudoThreshold, pseudoGamma } } = this.training.config;
    const { classWeights } = this.training;
    const jointRecon = this.spec.reconstruction === true && reconWeight > 0;
    const input = tf.tensor4d(x, [n, h, w, this.spec.inChannels]);
    const split = grown ? splitGrown(labels, grown.mask) : null;
    const target = tf.tensor3d(split ? split.seeds : Int32Array.from(labels), [n, h, w], 'int32');
    const grownTarget = split ? tf.tensor3d(split.grown, [n, h, w], 'int32') : null;
    const pseudo = partner && lambda > 0 ? tf.tensor3d(pseudoTargets(partner, labels), [n, h, w], 'int32') : null;
    const confidence = partner && lambda > 0 ? tf.tensor3d(partner.confidence, [n, h, w]) : null;
    const strong = useConsistency ? {
      x: tf.tensor4d(consistency.strong, [n, h, w, this.spec.inChannels]),
      targets: tf.tensor3d(consistency.targets, [n, h, w], 'int32'),
      confidence: tf.tensor3d(consistency.confidence, [n, h, w]),
    } : null;
    // Loss terms are kept (tf.keep) out of the taped function and read after it: readbacks are async on webgpu.
    const kept: Partial<Record<'sup' | 'pseudo' | 'recon' | 'consistency', tf.Scalar>> = {};
    const parts = { sup: 0, pseudo: 0, recon: 0, consistency: 0 };
    try {
      const { value, grads } = tf.variableGrads(() => {
        // The decoder runs only for the joint term (a run that built it for pretraining alone has reconWeight 0).
        const out = this.net.forward(input, true, jointRecon);
        let sup = focalLoss(out.logits, target, { gamma, ...(classWeights ? { classWeights } : {}) });
        if (grownTarget && grown) {
          // Seeds and grown labels each averaged over their own pixels: the seeds carry the boundaries growth stops short of.
          sup = tf.add(sup, tf.mul(focalLoss(out.logits, grownTarget, { gamma, ...(classWeights ? { classWeights } : {}) }), grown.weight));
        }
        kept.sup = tf.keep(sup);
        let total: tf.Scalar = sup;
        if (pseudo && confidence) {
          const p = confidenceAwarePseudoLoss(out.logits, pseudo, confidence, { gamma: pseudoGamma, threshold: pseudoThreshold, ...(classWeights ? { classWeights } : {}) });
          kept.pseudo = tf.keep(p);
          total = tf.add(total, tf.mul(p, lambda));
        }
        if (out.reconstruction) {
          // The decoder rebuilds the seismic channel only, never the derived depth channel.
          const target = this.spec.inChannels > 1 ? input.slice([0, 0, 0, 0], [-1, -1, -1, 1]) : input;
          const r = mseLoss(out.reconstruction, target);
          kept.recon = tf.keep(r);
          total = tf.add(total, tf.mul(r, reconWeight));
        }
        if (strong && consistency) {
          // A second forward pass: the strong view trained toward the weak view's confident argmax (FixMatch).
          const logits = this.net.forward(strong.x, true, false).logits;
          const c = confidenceAwarePseudoLoss(logits, strong.targets, strong.confidence, { gamma: pseudoGamma, threshold: consistency.threshold, ...(classWeights ? { classWeights } : {}) });
          kept.consistency = tf.keep(c);
          total = tf.add(total, tf.mul(c, consistency.weight));
        }
        return total as tf.Scalar;
      }, this.net.trainableVariables);
      this.applyGradients(grads);
      for (const key of ['sup', 'pseudo', 'recon', 'consistency'] as const) {
        const t = kept[key];
        if (t) parts[key] = (await t.data())[0];
      }
      const total = (await value.data())[0];
      value.dispose();
      for (const g of Object.values(grads)) g.dispose();
      const { consistency: consistencyLoss, ...rest } = parts;
      // The key is absent when the option is off, so runs without it record exactly what they did before.
      const losses: NetLosses = useConsistency ? { ...rest, consistency: consistencyLoss, total } : { ...rest, total };
      if (!Number.isFinite(total)) throw new SeisGrowError('diverged', `training diverged (loss ${total}); lower the learning rate`);
      return losses;
    } finally {
      for (const t of Object.values(kept)) t.dispose();
      input.dispose(); target.dispose(); grownTarget?.dispose(); pseudo?.dispose(); confidence?.dispose();
      if (strong) { strong.x.dispose(); strong.targets.dispose(); strong.confidence.dispose(); }
    }
  }

  /**
   * One pretraining step (masked reconstruction): the amplitude of the pixels `mask` marks (1) is hidden (set to 0, the
   * normalised median) and the reconstruction decoder is trained to rebuild it there; no label is used. Returns the loss
   * as the `recon` term.
   */
  async pretrainStep(x: Float32Array, n: number, h: number, w: number, mask: Uint8Array): Promise<NetLosses> {
    const pixels = n * h * w;
    const c = this.spec.inChannels;
    if (x.length !== pixels * c || mask.length !== pixels) {
      throw new SeisGrowError('protocol', `pretraining batch of ${n}×${h}×${w} does not match its buffers (${x.length} inputs, ${mask.length} mask pixels)`);
    }
    if (!this.spec.reconstruction) throw new SeisGrowError('protocol', 'pretraining needs the network\'s reconstruction decoder');
    const hidden = x.slice();
    for (let p = 0; p < pixels; p++) if (mask[p]) hidden[p * c] = 0;
    const input = tf.tensor4d(hidden, [n, h, w, c]);
    const target = tf.tidy(() => tf.tensor4d(x, [n, h, w, c]).slice([0, 0, 0, 0], [-1, -1, -1, 1]));
    const where = tf.tensor4d(mask, [n, h, w, 1], 'int32');
    try {
      const { value, grads } = tf.variableGrads(() => {
        const out = this.net.forward(input, true);
        if (!out.reconstruction) throw new SeisGrowError('protocol', 'pretraining needs the network\'s reconstruction decoder');
        return mseLoss(out.reconstruction, target, where);
      }, this.net.trainableVariables);
      this.applyGradients(grads);
      const recon = (await value.data())[0];
      value.dispose();
      for (const g of Object.values(grads)) g.dispose();
      if (!Number.isFinite(recon)) throw new SeisGrowError('diverged', `pretraining diverged (loss ${recon}); lower the learning rate`);
      return { sup: 0, pseudo: 0, recon, total: recon };
    } finally {
      input.dispose(); target.dispose(); where.dispose();
    }
  }

  /**
   * One optimizer step over every trainable variable, in the network's order, with zeros for those the loss did not
   * reach: tfjs's Adam keeps its moments by position in the list, so the list must be the same at every step (the
   * pretext trains the reconstruction decoder, the stages the segmentation one).
   */
  private applyGradients(grads: tf.NamedTensorMap): void {
    const zeros: tf.Tensor[] = [];
    const list = this.net.trainableVariables.map((v) => {
      const g = grads[v.name];
      if (g) return { name: v.name, tensor: g };
      const z = tf.zerosLike(v);
      zeros.push(z);
      return { name: v.name, tensor: z };
    });
    this.optimizer.applyGradients(list);
    for (const z of zeros) z.dispose();
  }

  /** Hold normalised sections for whole-section inference (region growing, validation, prediction). */
  setSections(sections: WorkerSection[]): void {
    this.sections = sections;
  }

  /**
   * Softmax probabilities (h·w·classes, pixel-major) of held or given sections: large sections by overlap-tiled
   * inference, runs of equally shaped sections no larger than a patch (e.g. TGS images) whole, in batches.
   */
  async predict(which: (number | WorkerSection)[], patch: number, overlap: number, batchSize: number, flip = false): Promise<{ height: number; width: number; probs: Float32Array }[]> {
    const c = this.spec.inChannels;
    const list = which.map((i) => {
      const s = typeof i === 'number' ? this.sections[i] : i;
      if (!s) throw new SeisGrowError('protocol', `no section ${String(i)} (worker holds ${this.sections.length})`);
      if (s.data.length !== s.height * s.width * c) throw new SeisGrowError('protocol', `section of ${s.height}×${s.width} holds ${s.data.length} values`);
      return s;
    });
    const out: { height: number; width: number; probs: Float32Array }[] = [];
    let i = 0;
    while (i < list.length) {
      const s = list[i];
      if (s.height > patch || s.width > patch) {
        out.push({ height: s.height, width: s.width, probs: await this.predictSection(s, patch, overlap, batchSize, flip) });
        i++;
        continue;
      }
      let j = i;
      while (j < list.length && j - i < batchSize && list[j].height === s.height && list[j].width === s.width) j++;
      const n = j - i;
      const px = s.height * s.width;
      const batch = new Float32Array(n * px * c);
      for (let k = 0; k < n; k++) batch.set(list[i + k].data, k * px * c);
      const probs = await this.forwardProbabilities(batch, n, s.height, s.width, flip);
      const per = px * this.spec.classes;
      for (let k = 0; k < n; k++) out.push({ height: s.height, width: s.width, probs: probs.slice(k * per, (k + 1) * per) });
      i = j;
    }
    return out;
  }

  /**
   * Softmax probabilities of an NHWC batch in inference mode; `flip` averages them with those of the left-right mirrored
   * batch, mirrored back (test-time augmentation: training flips patches the same way, and depth is never flipped).
   */
  async forwardProbabilities(batch: Float32Array, n: number, h: number, w: number, flip = false): Promise<Float32Array> {
    const c = this.spec.inChannels;
    const probs = tf.tidy(() => {
      const x = tf.tensor4d(batch, [n, h, w, c]);
      const p = tf.softmax(this.net.forward(x, false, false).logits, -1);
      if (!flip) return p;
      const mirrored = tf.reverse(tf.softmax(this.net.forward(tf.reverse(x, 2), false, false).logits, -1), 2);
      return tf.mul(tf.add(p, mirrored), 0.5);
    });
    try {
      return (await probs.data()) as Float32Array;
    } finally {
      probs.dispose();
    }
  }

  /** Probabilities of one section by overlap-tiled inference (each tile mirrored too when `flip`). */
  async predictSection(s: WorkerSection, patch: number, overlap: number, batchSize: number, flip = false): Promise<Float32Array> {
    return tiledProbabilities(s.data, s.height, s.width, this.spec.inChannels, this.spec.classes, patch, overlap, batchSize,
      (batch, n, h, w) => this.forwardProbabilities(batch, n, h, w, flip));
  }

  /** Free the network and optimizer. */
  dispose(): void {
    this.net.dispose();
    this.optimizer.dispose();
  }
}
