// Score a prediction against truth with the design.md metrics: the array form behind `seisgrow evaluate` and the
// volume form behind the extension's Evaluate Against Labels. No vscode import.
import { SeisGrowError } from '../../shared/errors';
import { readNpy, type NpyArray } from '../../io/npy';
import { layoutToVoxels, voxelCount, type VolumeShape } from '../../io/voxelOrder';
import { ConfusionMatrix, tgsScore, type SegmentationScores } from '../../ml/metrics';
import { UNLABELLED } from '../../shared/editorProtocol';
import type { InlineChunks } from './volumeArrays';

/** Scores of two arrays, the class count they were scored with, and the TGS score for a binary (N, H, W) stack. */
export interface ArrayEvaluation {
  readonly classes: number;
  readonly scores: SegmentationScores;
  readonly tgs?: number;
}

/** A prediction array against a truth array of one shape; `classes` defaults to the largest value + 1 (at least 2). */
export function evaluateArrays(pred: NpyArray, truth: NpyArray, files: { pred: string; truth: string }, ignore = UNLABELLED, classesAsked?: number): ArrayEvaluation {
  if (pred.shape.length !== truth.shape.length || pred.shape.some((d, i) => d !== truth.shape[i])) {
    throw new SeisGrowError('shape-mismatch', `prediction has shape (${pred.shape.join(', ')}) but the truth ${files.truth} has (${truth.shape.join(', ')})`, files.pred);
  }
  let maxValue = -1;
  const check = (a: ArrayLike<number>, file: string, isTruth: boolean): void => {
    for (let i = 0; i < a.length; i++) {
      const v = a[i];
      if (isTruth && v === ignore) continue;
      if (!Number.isInteger(v) || v < 0) throw new SeisGrowError('bad-label', `value ${v} at index ${i} is not a class (a non-negative integer)`, file);
      if (v > maxValue) maxValue = v;
    }
  };
  check(truth.data, files.truth, true);
  check(pred.data, files.pred, false);
  const classes = classesAsked ?? Math.max(2, maxValue + 1);
  if (maxValue >= classes) throw new SeisGrowError('bad-label', `class ${maxValue} found but --classes is ${classes}`, maxValue === -1 ? files.truth : files.pred);
  const cm = new ConfusionMatrix(classes, ignore);
  cm.update(truth.data, pred.data);
  const scores = cm.scores();
  if (classes === 2 && truth.shape.length === 3) {
    const [count, h, w] = truth.shape;
    return { classes, scores, tgs: tgsScore({ data: truth.data, count, h, w }, { data: pred.data, count, h, w }) };
  }
  return { classes, scores };
}

/** A truth label file for a volume, checked (shape, class ids) and in voxel order; a 2D (samples, traces) file fits a one-inline volume. */
export async function readTruthLabels(file: string, shape: VolumeShape): Promise<Uint8Array> {
  const truth = await readNpy(file);
  const [ni, nx, ns] = shape;
  const n = voxelCount(shape);
  const twoD = ni === 1 && truth.shape.length === 2 && truth.shape[0] === ns && truth.shape[1] === nx;
  if (truth.data.length !== n || (!twoD && (truth.shape.length !== 3 || truth.shape.some((d, k) => d !== shape[k])))) {
    throw new SeisGrowError('shape-mismatch', `labels of shape (${truth.shape.join(', ')}) do not match the volume (${shape.join(', ')})`, file);
  }
  for (let v = 0; v < truth.data.length; v++) {
    const t = truth.data[v];
    if (t !== UNLABELLED && (!Number.isInteger(t) || t < 0 || t >= 255)) throw new SeisGrowError('bad-label', `value ${t} at element ${v} is not a class id (0..254) or 255`, file);
  }
  // A 2D (samples, traces) file is the single inline's section; reorder it to voxel order.
  return layoutToVoxels(shape, twoD ? 'section' : 'cube', truth.data, new Uint8Array(n));
}

/** A volume prediction (voxel order) against dense truth or a label store read inline by inline. */
export function evaluateVolumePrediction(prediction: Uint8Array, classes: number, truth: Uint8Array | InlineChunks): SegmentationScores {
  const cm = new ConfusionMatrix(classes);
  if (truth instanceof Uint8Array) {
    cm.update(clampClasses(truth, classes), prediction);
  } else {
    const [ni, nx, ns] = truth.shape;
    for (let i = 0; i < ni; i++) {
      const chunk = truth.readChunk(i);
      if (!chunk) continue;
      cm.update(clampClasses(chunk, classes), prediction.subarray(i * nx * ns, (i + 1) * nx * ns));
    }
  }
  return cm.scores();
}

/** Labels outside the run's classes count as unlabelled (a class added after training has no prediction to match). */
export function clampClasses(labels: Uint8Array, classes: number): Uint8Array {
  let ok = true;
  for (let k = 0; k < labels.length; k++) if (labels[k] !== UNLABELLED && labels[k] >= classes) { ok = false; break; }
  if (ok) return labels;
  const out = labels.slice();
  for (let k = 0; k < out.length; k++) if (out[k] !== UNLABELLED && out[k] >= classes) out[k] = UNLABELLED;
  return out;
}
