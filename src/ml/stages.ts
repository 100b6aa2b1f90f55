// The pieces of the three training stages that run on the host between worker steps: the stage plan, the network's
// input channels, the validation split of the labelled pixels, combining the two networks' probabilities, and the
// stage-3 growing of one section. The data pipeline (normalisation, batch sampling, tiling) lives in ./data/.
import { SeisGrowError } from '../shared/errors';
import type { StageNumber } from '../shared/trainingProtocol';
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
  if (stages.some((s) => Number.isNaN(s))) throw new SeisGrowError('usage', `--stages must be a comma-separated list of 1, 2, 3, got "${text}"`);
  validateStages(stages);
  return stages;
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
  if (seeds.length !== grown.length) throw new SeisGrowError('shape-mismatch', `labels of ${seeds.length} pixels cannot merge with ${grown.length}`);
  const out = grown.slice();
  for (let i = 0; i < seeds.length; i++) if (seeds[i] !== 255) out[i] = seeds[i];
  return out;
}

/** Element-wise mean of two probability maps. */
export function meanProbabilities(a: Float32Array, b: Float32Array): Float32Array {
  if (a.length !== b.length) throw new SeisGrowError('shape-mismatch', `probability maps differ in size (${a.length} vs ${b.length})`);
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = 0.5 * (a[i] + b[i]);
  return out;
}

/** Argmax class and its probability per pixel of a pixel-major probability map. */
export function argmaxProbabilities(probs: Float32Array, classes: number): { classes: Uint8Array; confidence: Float32Array } {
  const n = probs.length / classes;
  if (!Number.isInteger(n)) throw new SeisGrowError('bad-shape', `${probs.length} probabilities are not a multiple of ${classes} classes`);
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
