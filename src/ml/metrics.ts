// Segmentation metrics exactly as design.md defines them: a running confusion matrix over pixels whose truth
// is not the ignore value, and the TGS salt competition score for binary masks.

/** Scores derived from a confusion matrix. */
export interface SegmentationScores {
  /** IoU per class; null for a class absent from both truth and prediction (its IoU is undefined). */
  perClassIoU: (number | null)[];
  /** Recall per class (correct / truth pixels of that class); null for a class absent from the truth. */
  perClassAccuracy: (number | null)[];
  /** Mean IoU over the classes present in truth OR prediction; NaN when no pixel was counted. */
  meanIoU: number;
  /** Correct pixels / counted pixels; NaN when no pixel was counted. */
  pixelAccuracy: number;
  /** Mean of per-class accuracy over the classes present in the truth; NaN when no pixel was counted. */
  meanClassAccuracy: number;
  /** Sum over classes of (truth frequency × IoU); NaN when no pixel was counted. */
  frequencyWeightedIoU: number;
  /** Classes present in truth or prediction, ascending. */
  classesPresent: number[];
  /** Counted pixels (truth not ignored). */
  pixels: number;
  /** matrix[truth][predicted] pixel counts. */
  matrix: number[][];
}

/** A running confusion matrix (update / scores / reset), as in the facies benchmark, with an ignore value for unlabelled truth. */
export class ConfusionMatrix {
  /** Number of classes; valid labels are 0..classes-1. */
  readonly classes: number;
  /** Truth value that is skipped (unlabelled). */
  readonly ignore: number;
  // Float64 counts stay exact up to 2^53 pixels, far beyond any volume we hold.
  private readonly counts: Float64Array;

  constructor(classes: number, ignore = 255) {
    if (!Number.isInteger(classes) || classes < 1 || classes > 65536) throw new RangeError(`ConfusionMatrix needs 1..65536 classes, got ${classes}`);
    this.classes = classes;
    this.ignore = ignore;
    this.counts = new Float64Array(classes * classes);
  }

  /** Count pixels: truth equal to `ignore` is skipped; any other truth or prediction outside 0..classes-1 is an error. */
  update(truth: ArrayLike<number>, pred: ArrayLike<number>): void {
    if (truth.length !== pred.length) throw new RangeError(`ConfusionMatrix.update: truth has ${truth.length} pixels but prediction has ${pred.length}`);
    const k = this.classes;
    const ignore = this.ignore;
    const counts = this.counts;
    for (let i = 0; i < truth.length; i++) {
      const t = truth[i];
      if (t === ignore) continue;
      const p = pred[i];
      if (!(t >= 0 && t < k && Number.isInteger(t)) || !(p >= 0 && p < k && Number.isInteger(p))) {
        // Undo this call's counts so a rejected update leaves the matrix as it was.
        for (let j = 0; j < i; j++) if (truth[j] !== ignore) counts[truth[j] * k + pred[j]]--;
        if (!(t >= 0 && t < k && Number.isInteger(t))) throw new RangeError(`ConfusionMatrix.update: truth label ${t} at pixel ${i} is not a class 0..${k - 1} nor the ignore value ${ignore}`);
        throw new RangeError(`ConfusionMatrix.update: predicted class ${p} at pixel ${i} is not a class 0..${k - 1}`);
      }
      counts[t * k + p]++;
    }
  }

  /** Forget every count. */
  reset(): void {
    this.counts.fill(0);
  }

  /** Add another matrix's counts (e.g. from another section or worker). */
  merge(other: ConfusionMatrix): void {
    if (other.classes !== this.classes) throw new RangeError(`ConfusionMatrix.merge: ${other.classes} classes into ${this.classes}`);
    for (let i = 0; i < this.counts.length; i++) this.counts[i] += other.counts[i];
  }

  /** Count of pixels with this truth and this prediction. */
  count(truth: number, pred: number): number {
    return this.counts[truth * this.classes + pred];
  }

  /** The counts as a plain matrix[truth][pred] (serialisable). */
  toMatrix(): number[][] {
    const k = this.classes;
    return Array.from({ length: k }, (_, t) => Array.from(this.counts.subarray(t * k, (t + 1) * k)));
  }

  /** A matrix rebuilt from `toMatrix()` output. */
  static fromMatrix(matrix: number[][], ignore = 255): ConfusionMatrix {
    const cm = new ConfusionMatrix(matrix.length, ignore);
    matrix.forEach((row, t) => {
      if (row.length !== matrix.length) throw new RangeError(`ConfusionMatrix.fromMatrix: row ${t} has ${row.length} entries, expected ${matrix.length}`);
      row.forEach((v, p) => { cm.counts[t * matrix.length + p] = v; });
    });
    return cm;
  }

  /** Per-class IoU, mean IoU, pixel accuracy, mean class accuracy and frequency-weighted IoU. */
  scores(): SegmentationScores {
    const k = this.classes;
    const c = this.counts;
    const truthTotals = new Float64Array(k);
    const predTotals = new Float64Array(k);
    let total = 0;
    let correct = 0;
    for (let t = 0; t < k; t++) {
      for (let p = 0; p < k; p++) {
        const v = c[t * k + p];
        truthTotals[t] += v;
        predTotals[p] += v;
        total += v;
      }
      correct += c[t * k + t];
    }
    const perClassIoU: (number | null)[] = [];
    const perClassAccuracy: (number | null)[] = [];
    const classesPresent: number[] = [];
    let iouSum = 0;
    let accSum = 0;
    let accCount = 0;
    let fwiu = 0;
    for (let i = 0; i < k; i++) {
      const tp = c[i * k + i];
      const union = truthTotals[i] + predTotals[i] - tp;
      const iou = union > 0 ? tp / union : null;
      perClassIoU.push(iou);
      if (iou !== null) {
        classesPresent.push(i);
        iouSum += iou;
      }
      if (truthTotals[i] > 0) {
        const acc = tp / truthTotals[i];
        perClassAccuracy.push(acc);
        accSum += acc;
        accCount++;
        fwiu += (truthTotals[i] / total) * (iou as number);
      } else {
        perClassAccuracy.push(null);
      }
    }
    const empty = total === 0;
    return {
      perClassIoU,
      perClassAccuracy,
      meanIoU: empty ? NaN : iouSum / classesPresent.length,
      pixelAccuracy: empty ? NaN : correct / total,
      meanClassAccuracy: empty ? NaN : accSum / accCount,
      frequencyWeightedIoU: empty ? NaN : fwiu,
      classesPresent,
      pixels: total,
      matrix: this.toMatrix(),
    };
  }
}

/** A stack of equally sized binary masks: `count` images of h×w, image-major; nonzero = positive (salt). */
export interface MaskStack {
  data: ArrayLike<number>;
  count: number;
  h: number;
  w: number;
}

/** The IoU thresholds of the TGS competition: 0.50, 0.55, …, 0.95. */
export const TGS_THRESHOLDS: readonly number[] = Array.from({ length: 10 }, (_, i) => (50 + 5 * i) / 100);

/** Normalise the two accepted mask forms into a list of per-image views. */
function maskImages(masks: ArrayLike<number>[] | MaskStack, what: string): ArrayLike<number>[] {
  if (Array.isArray(masks)) return masks;
  const m = masks as MaskStack;
  const size = m.h * m.w;
  if (m.data.length !== m.count * size) throw new RangeError(`tgsScore: ${what} holds ${m.data.length} values, expected ${m.count}×${m.h}×${m.w}`);
  const out: ArrayLike<number>[] = [];
  for (let i = 0; i < m.count; i++) {
    const d = m.data as unknown as { subarray?: (a: number, b: number) => ArrayLike<number>; slice: (a: number, b: number) => ArrayLike<number> };
    out.push(d.subarray ? d.subarray(i * size, (i + 1) * size) : d.slice(i * size, (i + 1) * size));
  }
  return out;
}

/** Per-image TGS hit fraction: share of thresholds at which the image's IoU exceeds the threshold (empty vs empty = 1). */
export function tgsImageScore(truth: ArrayLike<number>, pred: ArrayLike<number>): number {
  if (truth.length !== pred.length) throw new RangeError(`tgsScore: truth mask has ${truth.length} pixels but prediction has ${pred.length}`);
  let inter = 0;
  let union = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i] !== 0;
    const p = pred[i] !== 0;
    if (t && p) inter++;
    if (t || p) union++;
  }
  if (union === 0) return 1;
  const iou = inter / union;
  let hits = 0;
  for (const th of TGS_THRESHOLDS) if (iou > th) hits++;
  return hits / TGS_THRESHOLDS.length;
}

/** The TGS salt competition score: mean over images of the mean over IoU thresholds 0.50:0.05:0.95 of per-image hits. */
export function tgsScore(truthMasks: ArrayLike<number>[] | MaskStack, predMasks: ArrayLike<number>[] | MaskStack): number {
  const truths = maskImages(truthMasks, 'truth');
  const preds = maskImages(predMasks, 'prediction');
  if (truths.length !== preds.length) throw new RangeError(`tgsScore: ${truths.length} truth masks but ${preds.length} predictions`);
  if (truths.length === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < truths.length; i++) sum += tgsImageScore(truths[i], preds[i]);
  return sum / truths.length;
}

/** Format a number in [0,1] for a table, or '—' when undefined. */
function fmt(v: number | null | undefined): string {
  return v === null || v === undefined || Number.isNaN(v) ? '—' : v.toFixed(4);
}

/** A plain-text per-class IoU table with the summary scores beneath, for the CLI and logs. */
export function formatIoUTable(scores: SegmentationScores, classNames?: readonly string[]): string {
  const k = scores.perClassIoU.length;
  const names = Array.from({ length: k }, (_, i) => classNames?.[i] ?? `class ${i}`);
  const truthPixels = scores.matrix.map((row) => row.reduce((a, b) => a + b, 0));
  const predPixels = Array.from({ length: k }, (_, p) => scores.matrix.reduce((a, row) => a + row[p], 0));
  const header = ['class', 'IoU', 'accuracy', 'truth px', 'pred px'];
  const rows = names.map((n, i) => [n, fmt(scores.perClassIoU[i]), fmt(scores.perClassAccuracy?.[i]), String(truthPixels[i]), String(predPixels[i])]);
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  const line = (cells: string[]) => cells.map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j]))).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  const summary: [string, string][] = [
    [`mean IoU (${scores.classesPresent.length} classes present)`, fmt(scores.meanIoU)],
    ['pixel accuracy', fmt(scores.pixelAccuracy)],
    ['mean class accuracy', fmt(scores.meanClassAccuracy)],
    ['frequency-weighted IoU', fmt(scores.frequencyWeightedIoU)],
    ['pixels counted', String(scores.pixels)],
  ];
  const labelWidth = Math.max(...summary.map(([l]) => l.length));
  out.push('', ...summary.map(([l, v]) => `${l.padEnd(labelWidth)}  ${v}`));
  return out.join('\n');
}

/** Result of `searchBinaryThreshold`. */
export interface ThresholdSearch {
  /** The probability threshold with the best TGS score (the lowest one among ties). */
  threshold: number;
  /** Its TGS score. */
  score: number;
  /** Every candidate threshold with its score, in the order tried. */
  scores: { threshold: number; score: number }[];
}

/**
 * Threshold search for binary tasks (salt): the probability cut (pred = prob ≥ t) that maximises the TGS score on
 * a validation set. `probs` holds one foreground probability per pixel, image-major like `truth`.
 */
export function searchBinaryThreshold(truth: MaskStack, probs: ArrayLike<number>, candidates: readonly number[] = Array.from({ length: 19 }, (_, i) => (i + 1) / 20)): ThresholdSearch {
  const size = truth.h * truth.w;
  if (truth.data.length !== truth.count * size) throw new RangeError(`searchBinaryThreshold: truth holds ${truth.data.length} values, expected ${truth.count}×${truth.h}×${truth.w}`);
  if (probs.length !== truth.data.length) throw new RangeError(`searchBinaryThreshold: ${probs.length} probabilities for ${truth.data.length} pixels`);
  if (candidates.length === 0) throw new RangeError('searchBinaryThreshold: no candidate threshold');
  const scores = candidates.map((t) => {
    let sum = 0;
    for (let m = 0; m < truth.count; m++) {
      let inter = 0;
      let union = 0;
      for (let i = m * size; i < (m + 1) * size; i++) {
        const a = truth.data[i] !== 0;
        const b = probs[i] >= t;
        if (a && b) inter++;
        if (a || b) union++;
      }
      if (union === 0) { sum += 1; continue; }
      const iou = inter / union;
      let hits = 0;
      for (const th of TGS_THRESHOLDS) if (iou > th) hits++;
      sum += hits / TGS_THRESHOLDS.length;
    }
    return { threshold: t, score: truth.count > 0 ? sum / truth.count : NaN };
  });
  let best = scores[0];
  for (const s of scores) if (s.score > best.score) best = s;
  return { threshold: best.threshold, score: best.score, scores };
}
