// The pieces of the three training stages that run on the host between worker steps: input normalisation, the
// validation split of the labelled pixels, batch sampling (patches around labels for the supervised term, anywhere
// for the unlabelled terms), combining the two networks' probabilities, and the stage-3 growing of one section.
import { SeisGrowError } from '../io/errors';
import type { StageNumber } from '../shared/trainingProtocol';
import type { Normalisation } from './checkpoint';
import type { FrozenConfig } from './config';
import type { Rng } from './random';
import { growLabels, type GrowResult } from './regionGrowing';

/** Stages must be distinct, ascending and in 1..3. */
export function validateStages(stages: readonly number[]): asserts stages is StageNumber[] {
  if (stages.length === 0) throw new SeisGrowError('bad-request', 'no stage to run (choose from 1, 2, 3)');
  for (let i = 0; i < stages.length; i++) {
    const s = stages[i];
    if (s !== 1 && s !== 2 && s !== 3) throw new SeisGrowError('bad-request', `unknown stage ${s} (stages are 1 supervised, 2 cross pseudo supervision, 3 region growing)`);
    if (i > 0 && s <= stages[i - 1]) throw new SeisGrowError('bad-request', `stages must be distinct and ascending, got ${stages.join(',')}`);
    if (i > 0 && s !== stages[i - 1] + 1) throw new SeisGrowError('bad-request', `stages must follow each other without gaps, got ${stages.join(',')}`);
  }
}

/** Parse "1,2,3" / "2" into stage numbers. */
export function parseStages(text: string): StageNumber[] {
  const parts = text.split(',').map((p) => p.trim()).filter((p) => p.length > 0);
  const stages = parts.map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
  if (stages.some((s) => Number.isNaN(s))) throw new SeisGrowError('bad-argument', `--stages must be a comma-separated list of 1, 2, 3, got "${text}"`);
  validateStages(stages);
  return stages;
}

/**
 * Robust input scaling from percentiles of (a strided sample of) all inputs: centre at the median, divide by half the
 * low–high percentile range, clip at ±3 so single spikes cannot dominate; stored in checkpoints for prediction.
 */
export function computeNormalisation(inputs: Float32Array[], percentiles: readonly [number, number] | readonly number[]): Normalisation {
  const total = inputs.reduce((a, b) => a + b.length, 0);
  const stride = Math.max(1, Math.floor(total / 1_000_000));
  const sample: number[] = [];
  let k = 0;
  for (const a of inputs) for (let i = 0; i < a.length; i++, k++) if (k % stride === 0) sample.push(a[i]);
  const sorted = Float64Array.from(sample).sort();
  const at = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round((p / 100) * (sorted.length - 1))))];
  const lo = at(percentiles[0]);
  const hi = at(percentiles[1]);
  const center = at(50);
  let scale = (hi - lo) / 2;
  if (!(scale > 0)) scale = Math.max(1e-12, Math.abs(center));
  return { center, scale, clip: 3 };
}

/** Apply a normalisation to a section (a new array). */
export function normalise(data: Float32Array, n: Normalisation): Float32Array {
  const out = new Float32Array(data.length);
  const inv = 1 / n.scale;
  for (let i = 0; i < data.length; i++) {
    const v = (data[i] - n.center) * inv;
    out[i] = v > n.clip ? n.clip : v < -n.clip ? -n.clip : v;
  }
  return out;
}

/** The network's input for a normalised section: the amplitude alone, or interleaved with the relative depth in [-1, 1]. */
export function networkInput(normalised: Float32Array, height: number, width: number, depthChannel: boolean): Float32Array {
  if (!depthChannel) return normalised;
  const out = new Float32Array(height * width * 2);
  for (let y = 0; y < height; y++) {
    const d = height > 1 ? (2 * y) / (height - 1) - 1 : 0;
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      out[2 * p] = normalised[p];
      out[2 * p + 1] = d;
    }
  }
  return out;
}

/** Labels split into a training part and a held-out validation part (255 elsewhere in each). */
export interface ValidationSplit {
  train: Uint8Array;
  validation: Uint8Array;
  validationCount: number;
}

/**
 * Hold out labelled pixels by square blocks (not single pixels: a neighbour of a training pixel is too easy a test).
 * Each block with labels goes to validation with probability `fraction`; at least one training block is kept
 * per section that has labels.
 */
export function splitValidation(labels: Uint8Array, height: number, width: number, fraction: number, block: number, rng: Rng): ValidationSplit {
  const train = labels.slice();
  const validation = new Uint8Array(labels.length).fill(255);
  const bx = Math.ceil(width / block);
  const by = Math.ceil(height / block);
  const has = new Uint8Array(bx * by);
  for (let i = 0; i < labels.length; i++) if (labels[i] !== 255) has[Math.floor(Math.floor(i / width) / block) * bx + Math.floor((i % width) / block)] = 1;
  const held = new Uint8Array(bx * by);
  let heldCount = 0;
  let labelledBlocks = 0;
  for (let b = 0; b < has.length; b++) {
    const r = rng.next();
    if (!has[b]) continue;
    labelledBlocks++;
    if (r < fraction) { held[b] = 1; heldCount++; }
  }
  if (labelledBlocks > 0 && heldCount === labelledBlocks) {
    // Never hold out everything: the networks must see some labels of this section.
    for (let b = 0; b < has.length; b++) if (held[b]) { held[b] = 0; break; }
  }
  let count = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] === 255) continue;
    if (held[Math.floor(Math.floor(i / width) / block) * bx + Math.floor((i % width) / block)]) {
      validation[i] = labels[i];
      train[i] = 255;
      count++;
    }
  }
  return { train, validation, validationCount: count };
}

/** Seeds win over grown labels; grown labels fill the rest. */
export function mergeLabels(seeds: Uint8Array, grown: Uint8Array): Uint8Array {
  if (seeds.length !== grown.length) throw new SeisGrowError('mismatch', `labels of ${seeds.length} pixels cannot merge with ${grown.length}`);
  const out = grown.slice();
  for (let i = 0; i < seeds.length; i++) if (seeds[i] !== 255) out[i] = seeds[i];
  return out;
}

/** Element-wise mean of two probability maps. */
export function meanProbabilities(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length !== b.length) throw new SeisGrowError('mismatch', `probability maps differ in size (${a.length} vs ${b.length})`);
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = 0.5 * (a[i] + b[i]);
  return out;
}

/** Argmax class and its probability per pixel of a pixel-major probability map. */
export function argmaxProbabilities(probs: Float32Array, classes: number): { classes: Uint8Array; confidence: Float32Array } {
  const n = probs.length / classes;
  if (!Number.isInteger(n)) throw new SeisGrowError('mismatch', `${probs.length} probabilities are not a multiple of ${classes} classes`);
  const out = new Uint8Array(n);
  const conf = new Float32Array(n);
  for (let i = 0, o = 0; i < n; i++, o += classes) {
    let best = 0;
    let bp = probs[o];
    for (let c = 1; c < classes; c++) if (probs[o + c] > bp) { bp = probs[o + c]; best = c; }
    out[i] = best;
    conf[i] = bp;
  }
  return { classes: out, confidence: conf };
}

/**
 * Stage 3 on one section: grow the seeds where both networks are confident (and agree), within the label neighbourhood;
 * `thresholds` (one per class, e.g. from `classAdaptiveThresholds`) replace the global threshold when given.
 */
export function growSection(seeds: Uint8Array, height: number, width: number, probsA: Float32Array, probsB: Float32Array | null, classes: number, growth: FrozenConfig['growth'], thresholds?: readonly number[]): GrowResult {
  return growLabels(seeds, height, width, probsA, probsB, classes, {
    radius: growth.radius, threshold: thresholds ?? growth.threshold, requireAgreement: growth.requireAgreement, sameClassOnly: growth.sameClassOnly,
  });
}

/** A training batch, NHWC with one channel, and its labels (255 = unlabelled). */
export interface Batch {
  x: Float32Array;
  labels: Uint8Array;
  n: number;
  h: number;
  w: number;
}

/**
 * Draws training batches from normalised sections: a share of the patches around labelled pixels (sparse trace labels
 * cover ~1 % of a section, so uniform patches would mostly carry no label), the rest uniformly (they feed the pseudo
 * and reconstruction terms). Sections smaller than the patch are reflect-padded, with labels 255 in the padding.
 * Augmentations that respect geology: horizontal flips (never vertical: depth order is the signal), amplitude
 * scaling, additive noise, small vertical shifts.
 */
export class BatchSampler {
  private labelled: Int32Array[] = [];
  private labelledTotal = 0;
  /** Per class with labels: global pixel indices (section offset + pixel) of its labelled pixels. */
  private byClass: Int32Array[] = [];
  private readonly offsets: number[] = [];
  private readonly pixelsTotal: number;

  constructor(
    private readonly inputs: Float32Array[],
    private readonly shapes: readonly (readonly [number, number])[],
    labels: Uint8Array[],
    private readonly config: FrozenConfig,
    private readonly patch: number,
    private readonly rng: Rng,
  ) {
    let offset = 0;
    for (const [h, w] of shapes) { this.offsets.push(offset); offset += h * w; }
    this.pixelsTotal = offset;
    this.setLabels(labels);
  }

  /** Replace the training labels (after growing). */
  setLabels(labels: Uint8Array[]): void {
    this.labels = labels;
    this.labelled = labels.map((l) => {
      let n = 0;
      for (const v of l) if (v !== 255) n++;
      const idx = new Int32Array(n);
      let k = 0;
      for (let i = 0; i < l.length; i++) if (l[i] !== 255) idx[k++] = i;
      return idx;
    });
    this.labelledTotal = this.labelled.reduce((a, b) => a + b.length, 0);
    if (this.config.labelSampling === 'class-balanced') this.byClass = classIndex(labels, this.offsets);
  }

  /** A labelled pixel as [section, pixel]: per the config, a class uniformly then one of its pixels, or any labelled pixel. */
  private labelledPixel(): [number, number] {
    if (this.config.labelSampling === 'class-balanced') {
      const list = this.byClass[this.rng.int(this.byClass.length)];
      const g = list[this.rng.int(list.length)];
      // The last section starting at or before g (binary search: a pool may hold thousands of sections).
      let lo = 0;
      let hi = this.offsets.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (this.offsets[mid] <= g) lo = mid; else hi = mid - 1;
      }
      return [lo, g - this.offsets[lo]];
    }
    let r = this.rng.int(this.labelledTotal);
    let section = 0;
    while (r >= this.labelled[section].length) { r -= this.labelled[section].length; section++; }
    return [section, this.labelled[section][r]];
  }

  private labels: Uint8Array[] = [];

  /** Patch height and width: the configured size, shrunk to the largest section so tiny inputs are not mostly padding. */
  get patchSize(): [number, number] {
    const maxH = Math.max(...this.shapes.map((s) => s[0]));
    const maxW = Math.max(...this.shapes.map((s) => s[1]));
    return [Math.min(this.patch, maxH), Math.min(this.patch, maxW)];
  }

  /** The next batch; `labelledShare` of its patches are centred near a labelled pixel. */
  next(labelledShare: number): Batch {
    const n = this.config.batchSize;
    const [h, w] = this.patchSize;
    // Channel 0 is the amplitude; a second channel (relative depth) is copied as is, never scaled or noised.
    const channels = this.inputs[0].length / (this.shapes[0][0] * this.shapes[0][1]);
    const x = new Float32Array(n * h * w * channels);
    const labels = new Uint8Array(n * h * w).fill(255);
    for (let b = 0; b < n; b++) {
      let section: number;
      let top: number;
      let left: number;
      const aroundLabel = this.labelledTotal > 0 && (b < Math.round(labelledShare * n));
      if (aroundLabel) {
        // A labelled pixel (see labelSampling), placed at a random position inside the patch.
        const [s, p] = this.labelledPixel();
        section = s;
        const sw = this.shapes[section][1];
        const py = Math.floor(p / sw);
        const px = p % sw;
        top = py - this.rng.int(h);
        left = px - this.rng.int(w);
      } else {
        let r = this.rng.int(this.pixelsTotal);
        section = 0;
        while (r >= this.shapes[section][0] * this.shapes[section][1]) { r -= this.shapes[section][0] * this.shapes[section][1]; section++; }
        const [sh, sw] = this.shapes[section];
        top = this.rng.int(Math.max(1, sh - h + 1));
        left = this.rng.int(Math.max(1, sw - w + 1));
      }
      const [sh, sw] = this.shapes[section];
      // Keep the patch inside the section where it fits; smaller sections are reflect-padded.
      top = sh >= h ? Math.min(Math.max(0, top), sh - h) : -Math.floor((h - sh) / 2);
      left = sw >= w ? Math.min(Math.max(0, left), sw - w) : -Math.floor((w - sw) / 2);
      if (this.config.augment.shift > 0 && sh > h) {
        top = Math.min(Math.max(0, top + this.rng.int(2 * this.config.augment.shift + 1) - this.config.augment.shift), sh - h);
      }
      const flip = this.config.augment.flip && this.rng.bool(0.5);
      const scale = 1 + this.config.augment.amplitudeScale * (2 * this.rng.next() - 1);
      const noise = this.config.augment.noise;
      const src = this.inputs[section];
      const lab = this.labels[section];
      const o = b * h * w;
      for (let y = 0; y < h; y++) {
        const sy = reflect(top + y, sh);
        const inside = top + y >= 0 && top + y < sh;
        for (let xx = 0; xx < w; xx++) {
          const dx = flip ? w - 1 - xx : xx;
          const sx = reflect(left + xx, sw);
          const si = (sy * sw + sx) * channels;
          const di = (o + y * w + dx) * channels;
          x[di] = src[si] * scale + (noise > 0 ? noise * this.rng.normal() : 0);
          for (let c = 1; c < channels; c++) x[di + c] = src[si + c];
          if (inside && left + xx >= 0 && left + xx < sw) labels[o + y * w + dx] = lab[sy * sw + sx];
        }
      }
    }
    return { x, labels, n, h, w };
  }
}

/** Global indices (section offset + pixel) of the labelled pixels of each class that has any, classes ascending. */
export function classIndex(labels: readonly Uint8Array[], offsets: readonly number[]): Int32Array[] {
  const counts = new Array<number>(256).fill(0);
  for (const l of labels) for (let i = 0; i < l.length; i++) if (l[i] !== 255) counts[l[i]]++;
  const lists: (Int32Array | null)[] = counts.map((n) => (n > 0 ? new Int32Array(n) : null));
  const fill = new Array<number>(256).fill(0);
  labels.forEach((l, s) => {
    const o = offsets[s];
    for (let i = 0; i < l.length; i++) {
      const v = l[i];
      if (v !== 255) (lists[v] as Int32Array)[fill[v]++] = o + i;
    }
  });
  return lists.filter((x): x is Int32Array => x !== null);
}

/** Reflect an index into [0, n) (…2 1 0 1 2…), as numpy's 'reflect' padding. */
export function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let m = ((i % period) + period) % period;
  if (m >= n) m = period - m;
  return m;
}
