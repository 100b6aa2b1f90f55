// Segmentation losses over logits (N,H,W,C) and integer labels (N,H,W) with an ignore value (255 = unlabelled).
// All are numerically stable (log-softmax, never log of a softmax) and return 0, not NaN, when no pixel counts.
import * as tf from '@tensorflow/tfjs';
import { focalPerPixel } from './kernels/focal';

/** Identity whose gradient is zero: tfjs has no stop_gradient op, and targets/confidences must not be trained. */
const stopGradient = tf.customGrad((...inputs) => {
  const x = inputs[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
}) as <T extends tf.Tensor>(x: T) => T;

/** The label value that marks an unlabelled pixel. */
const IGNORE_LABEL = 255;

/** Options shared by the per-pixel classification losses. */
export interface ClassificationLossOptions {
  /** Per-class weights w_c (length C), e.g. from `classWeightsFromCounts`. */
  classWeights?: readonly number[] | tf.Tensor1D;
  /** Per-pixel weights (N,H,W), multiplied into each pixel's term. */
  pixelWeights?: tf.Tensor;
  /** Label value skipped entirely (default 255). */
  ignore?: number;
}

/** Options of the focal loss. */
export interface FocalLossOptions extends ClassificationLossOptions {
  /** Focusing parameter γ ≥ 0; γ = 0 is weighted cross-entropy. */
  gamma: number;
}

/** Options of the confidence-aware pseudo-label loss. */
export interface PseudoLossOptions {
  /** Focusing parameter γ ≥ 0. */
  gamma: number;
  /** Pixels whose supervising confidence is below this are dropped (weight 0). */
  threshold: number;
  /** Per-class weights w_c (length C). */
  classWeights?: readonly number[] | tf.Tensor1D;
  /**
   * Denominator of the mean: 'labelled' (default) divides by all pixels with a pseudo-label, so a few confident
   * pixels give a small loss (FixMatch style, self-ramping as confidence grows); 'kept' divides by the pixels
   * above the threshold only.
   */
  normalize?: 'labelled' | 'kept';
}

function checkShapes(logits: tf.Tensor, labels: tf.Tensor, what: string): void {
  if (logits.rank !== 4) throw new RangeError(`${what}: logits must be (N,H,W,C), got shape [${logits.shape}]`);
  if (labels.rank !== 3 || labels.shape.some((d, i) => d !== logits.shape[i])) {
    throw new RangeError(`${what}: labels must be (N,H,W) = [${logits.shape.slice(0, 3)}], got [${labels.shape}]`);
  }
}

function classWeightTensor(w: readonly number[] | tf.Tensor1D, classes: number, what: string): tf.Tensor1D {
  const t = w instanceof tf.Tensor ? w : tf.tensor1d(w as number[], 'float32');
  if (t.size !== classes) throw new RangeError(`${what}: ${t.size} class weights for ${classes} classes`);
  return t;
}

/**
 * The shared core: mean over `denominator` of −w·(1−p_t)^γ·log p_t, where w = valid × class weight × pixel weight.
 * Returns the scalar loss; `countMask` (float 0/1, N,H,W) says which pixels are counted in the denominator.
 */
function weightedFocal(
  logits: tf.Tensor,
  labels: tf.Tensor,
  gamma: number,
  valid: tf.Tensor,
  countMask: tf.Tensor,
  classWeights: readonly number[] | tf.Tensor1D | undefined,
  pixelWeights: tf.Tensor | undefined,
  what: string,
): tf.Scalar {
  if (!(gamma >= 0) || !Number.isFinite(gamma)) throw new RangeError(`${what}: gamma must be a finite number ≥ 0, got ${gamma}`);
  const classes = logits.shape[3] as number;
  const safeLabels = tf.where(valid, labels.toInt(), tf.zerosLike(labels).toInt()) as tf.Tensor;
  // −(1−p_t)^γ·log p_t, clamped as focalPerPixel says (rounding can put p_t a hair above 1); fused on wasm.
  const perPixel = focalPerPixel(logits, safeLabels, gamma);
  let weight: tf.Tensor = tf.cast(valid, 'float32');
  if (classWeights !== undefined) weight = tf.mul(weight, tf.gather(classWeightTensor(classWeights, classes, what), safeLabels));
  if (pixelWeights !== undefined) {
    if (pixelWeights.shape.length !== 3 || pixelWeights.shape.some((d, i) => d !== logits.shape[i])) {
      throw new RangeError(`${what}: pixel weights must be (N,H,W) = [${logits.shape.slice(0, 3)}], got [${pixelWeights.shape}]`);
    }
    weight = tf.mul(weight, pixelWeights);
  }
  // max(count, 1): with no counted pixel the numerator is 0 too, so the loss is 0 and its gradient is 0.
  const denominator = tf.maximum(tf.sum(countMask), 1);
  return tf.div(tf.sum(tf.mul(perPixel, weight)), denominator) as tf.Scalar;
}

/** Focal loss: mean over non-ignored pixels of −w_c·(1−p_t)^γ·log p_t (times pixel weights when given). */
export function focalLoss(logits: tf.Tensor, labels: tf.Tensor, opts: FocalLossOptions): tf.Scalar {
  checkShapes(logits, labels, 'focalLoss');
  return tf.tidy(() => {
    const valid = tf.notEqual(labels, opts.ignore ?? IGNORE_LABEL);
    return weightedFocal(logits, labels, opts.gamma, valid, tf.cast(valid, 'float32'), opts.classWeights, opts.pixelWeights, 'focalLoss');
  });
}

/** Cross-entropy: mean over non-ignored pixels of −w_c·log p_t (focal loss with γ = 0). */
export function crossEntropyLoss(logits: tf.Tensor, labels: tf.Tensor, opts: ClassificationLossOptions = {}): tf.Scalar {
  checkShapes(logits, labels, 'crossEntropyLoss');
  return focalLoss(logits, labels, { ...opts, gamma: 0 });
}

/**
 * Confidence-aware focal loss on pseudo-labels (CPS): each pixel is weighted by the supervising network's
 * confidence and dropped below `threshold`; pseudo-label 255 is ignored. Pass pseudo-labels and confidence
 * as plain tensors (no gradient flows into them).
 */
export function confidenceAwarePseudoLoss(logits: tf.Tensor, pseudoLabels: tf.Tensor, confidence: tf.Tensor, opts: PseudoLossOptions): tf.Scalar {
  checkShapes(logits, pseudoLabels, 'confidenceAwarePseudoLoss');
  if (confidence.rank !== 3 || confidence.shape.some((d, i) => d !== logits.shape[i])) {
    throw new RangeError(`confidenceAwarePseudoLoss: confidence must be (N,H,W) = [${logits.shape.slice(0, 3)}], got [${confidence.shape}]`);
  }
  return tf.tidy(() => {
    const conf = stopGradient(tf.cast(confidence, 'float32'));
    const labelled = tf.notEqual(pseudoLabels, IGNORE_LABEL);
    // Comparisons have no gradient function; computing the mask under customGrad keeps them off the tape.
    const keptMask = tf.customGrad((...inputs) => {
      const c = inputs[0] as tf.Tensor;
      return { value: tf.logicalAnd(labelled, tf.greaterEqual(c, opts.threshold)), gradFunc: () => tf.zerosLike(c) };
    });
    const kept = keptMask(conf);
    const countMask = tf.cast(opts.normalize === 'kept' ? kept : labelled, 'float32');
    return weightedFocal(logits, pseudoLabels, opts.gamma, kept, countMask, opts.classWeights, conf, 'confidenceAwarePseudoLoss');
  });
}

/** Mean squared error over the elements where `mask` (broadcastable to pred, nonzero = counted) is set; 0 when none. */
export function mseLoss(pred: tf.Tensor, target: tf.Tensor, mask?: tf.Tensor): tf.Scalar {
  if (pred.shape.length !== target.shape.length || pred.shape.some((d, i) => d !== target.shape[i])) {
    throw new RangeError(`mseLoss: prediction [${pred.shape}] and target [${target.shape}] differ in shape`);
  }
  return tf.tidy(() => {
    const sq = tf.squaredDifference(pred, stopGradient(target));
    if (mask === undefined) return tf.mean(sq) as tf.Scalar;
    const m = tf.broadcastTo(tf.cast(tf.notEqual(mask, 0), 'float32'), pred.shape);
    return tf.div(tf.sum(tf.mul(sq, m)), tf.maximum(tf.sum(m), 1)) as tf.Scalar;
  });
}

/**
 * Class weights from pixel counts: (total / (classes × count_c))^power, normalised to mean 1 over classes with
 * pixels; classes with no pixel get weight 0. power 0.5 (default) softens plain inverse frequency.
 */
export function classWeightsFromCounts(counts: ArrayLike<number>, power = 0.5): number[] {
  const present = Array.from(counts).filter((c) => c > 0);
  if (present.length === 0) return Array.from(counts, () => 1);
  const total = present.reduce((a, b) => a + b, 0);
  const raw = Array.from(counts, (c) => (c > 0 ? (total / (present.length * c)) ** power : 0));
  const mean = raw.reduce((a, b) => a + b, 0) / present.length;
  return raw.map((w) => w / mean);
}

/** Pixel counts per class of a label array (ignored values and values ≥ classes are skipped). */
export function labelCounts(labels: ArrayLike<number>, classes: number, ignore = IGNORE_LABEL): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (v !== ignore && v >= 0 && v < classes) counts[v]++;
  }
  return counts;
}
