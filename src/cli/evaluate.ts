// `seisgrow evaluate`: the design.md metrics of a prediction against truth (per-class IoU, mean IoU over classes
// present, pixel accuracy, mean class accuracy, FWIU), plus the TGS score for a stack of binary masks.
import { SeisGrowError } from '../shared/errors';
import { readNpy } from '../io/npy';
import { ConfusionMatrix, formatIoUTable, tgsScore } from '../ml/metrics';
import { CommandSpec, parseArgs } from './args';

/** The command-line spec of `evaluate`. */
export const evaluateSpec: CommandSpec = {
  command: 'evaluate',
  summary: 'Score a prediction against the truth: per-class IoU, mIoU, pixel and class accuracy, FWIU (+ TGS score for binary 3D stacks).',
  usage: '--pred P.npy --truth T.npy [--ignore 255] [--classes K] [--json]',
  positionals: [],
  options: [
    { name: 'pred', kind: 'string', metavar: 'P.npy', help: 'predicted classes (integers)' },
    { name: 'truth', kind: 'string', metavar: 'T.npy', help: 'true classes, same shape' },
    { name: 'ignore', kind: 'integer', metavar: 'V', help: 'truth value that is not scored', defaultText: '255' },
    { name: 'classes', kind: 'integer', metavar: 'K', help: 'class count', defaultText: 'largest value in either file + 1' },
    { name: 'json', kind: 'flag', help: 'print the scores as JSON' },
  ],
};

/** `seisgrow evaluate`. */
export default async function evaluate(args: string[]): Promise<number> {
  const p = parseArgs(evaluateSpec, args);
  if (!p) return 0;
  const predFile = p.requireString('pred');
  const truthFile = p.requireString('truth');
  const ignore = p.integer('ignore') ?? 255;
  const pred = await readNpy(predFile);
  const truth = await readNpy(truthFile);
  if (pred.shape.length !== truth.shape.length || pred.shape.some((d, i) => d !== truth.shape[i])) {
    throw new SeisGrowError('shape-mismatch', `prediction has shape (${pred.shape.join(', ')}) but the truth ${truthFile} has (${truth.shape.join(', ')})`, predFile);
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
  check(truth.data, truthFile, true);
  check(pred.data, predFile, false);
  const classes = p.integer('classes') ?? Math.max(2, maxValue + 1);
  if (maxValue >= classes) throw new SeisGrowError('bad-label', `class ${maxValue} found but --classes is ${classes}`, maxValue === -1 ? truthFile : predFile);
  const cm = new ConfusionMatrix(classes, ignore);
  cm.update(truth.data, pred.data);
  const scores = cm.scores();
  let tgs: number | undefined;
  if (classes === 2 && truth.shape.length === 3) {
    const [count, h, w] = truth.shape;
    tgs = tgsScore({ data: truth.data, count, h, w }, { data: pred.data, count, h, w });
  }
  if (p.flag('json')) {
    console.log(JSON.stringify({
      classes, ignore, pixels: scores.pixels, perClassIoU: scores.perClassIoU, perClassAccuracy: scores.perClassAccuracy,
      meanIoU: scores.meanIoU, pixelAccuracy: scores.pixelAccuracy, meanClassAccuracy: scores.meanClassAccuracy,
      frequencyWeightedIoU: scores.frequencyWeightedIoU, classesPresent: scores.classesPresent, confusionMatrix: scores.matrix,
      ...(tgs !== undefined ? { tgsScore: tgs } : {}),
    }));
  } else {
    console.log(formatIoUTable(scores));
    if (tgs !== undefined) console.log(`TGS score (${truth.shape[0]} images)  ${tgs.toFixed(4)}`);
  }
  return 0;
}
