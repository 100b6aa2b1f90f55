// `seisgrow evaluate`: the design.md metrics of a prediction against truth (per-class IoU, mean IoU over classes
// present, pixel accuracy, mean class accuracy, FWIU), plus the TGS score for a stack of binary masks.
import { readNpy } from '../io/npy';
import { formatIoUTable } from '../ml/metrics';
import { evaluateArrays } from '../training/ops/evaluate';
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
  const { classes, scores, tgs } = evaluateArrays(pred, truth, { pred: predFile, truth: truthFile }, ignore, p.integer('classes'));
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
