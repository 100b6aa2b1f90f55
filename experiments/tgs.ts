// TGS salt experiment: 10 % of the labelled images as labels plus the unlabelled pool; stage 1 (supervised only),
// then stage 2 (cross pseudo supervision on the pool) resumed from it; TGS score and mIoU on held-out labelled images.
// Usage: node --import tsx experiments/tgs.ts --out DIR [--eval 1000] [--pool 4000] [--epochs 6,6] [--steps 15] [--base 8] [--stages 1,2] [--resume DIR/stage1]
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readNpy } from '../src/io/npy';
import { predictSections, startTraining } from '../src/ml/engine';
import { tgsScore } from '../src/ml/metrics';
import { Rng } from '../src/ml/random';
import type { StageNumber } from '../src/shared/trainingProtocol';
import { DATA, score, requireFreshBundle } from './common';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
}

async function main(): Promise<void> {
  requireFreshBundle();
  const out = arg('out', 'experiments/runs/tgs');
  const evalCount = Number(arg('eval', '1000'));
  const poolCount = Number(arg('pool', '4000'));
  const [e1, e2] = arg('epochs', '6,6').split(',').map(Number);
  const steps = Number(arg('steps', '15'));
  const base = Number(arg('base', '8'));
  const batch = Number(arg('batch', '8'));
  const seed = Number(arg('seed', '1234'));
  const images = await readNpy(`${DATA}/tgs-salt/train_images.npy`);
  const masks = await readNpy(`${DATA}/tgs-salt/train_masks.npy`);
  const pool = await readNpy(`${DATA}/tgs-salt/unlabeled_images.npy`);
  const [n, h, w] = images.shape;
  const px = h * w;
  const order = new Rng(seed).fork('tgs-split').shuffle(Array.from({ length: n }, (_, i) => i));
  const labelledIdx = order.slice(0, Math.round(n * 0.1));
  const evalIdx = order.slice(Math.round(n * 0.1)).slice(0, evalCount);
  const image = (a: typeof images, i: number): Float32Array => Float32Array.from(a.data.subarray(i * px, (i + 1) * px));
  const mask = (i: number): Uint8Array => Uint8Array.from(masks.data.subarray(i * px, (i + 1) * px), (v) => (v ? 1 : 0));
  const sections = [
    ...labelledIdx.map((i) => ({ name: `train_${i}`, seismic: image(images, i), labels: mask(i), height: h, width: w, predict: false })),
    ...Array.from({ length: Math.min(poolCount, pool.shape[0]) }, (_, i) => ({ name: `pool_${i}`, seismic: image(pool, i), labels: null, height: h, width: w, predict: false })),
  ];
  await fs.mkdir(out, { recursive: true });
  const log = (o: unknown): void => { console.log(JSON.stringify(o)); };
  log({ experiment: 'tgs', labelled: labelledIdx.length, pool: sections.length - labelledIdx.length, evaluated: evalIdx.length, epochs: [e1, e2], steps, base, batch });
  const truth = evalIdx.map(mask);
  const results: unknown[] = [];
  // --resume continues from a stage checkpoint (e.g. more supervised epochs from stage 1: an equal-budget baseline).
  let previous: string | undefined = arg('resume', '') || undefined;
  const stages = arg('stages', '1,2').split(',').map(Number) as StageNumber[];
  for (const stage of stages) {
    const runDir = path.join(out, `stage${stage}`);
    const t0 = Date.now();
    const handle = startTraining({
      sections, classes: 2, stages: [stage], runDir, ...(previous ? { resumeFrom: previous } : {}), finalPrediction: false,
      config: { seed, epochs: { 1: e1, 2: e2, 3: 0 }, stepsPerEpoch: steps, batchSize: batch, network: { baseFilters: base }, validationBlock: 8 },
    }, (e) => {
      if (e.type === 'epoch') log({ stage: e.record.stage, epoch: e.record.epoch, lossA: e.record.losses.a, valMIoU: e.record.validation?.meanIoU, s: e.record.seconds, eta: e.record.etaSeconds });
      else if (e.type === 'backend') log({ backend: e.backend });
    });
    await handle.done;
    previous = runDir;
    const pred = await predictSections(runDir, evalIdx.map((i) => ({ name: `eval_${i}`, seismic: image(images, i), height: h, width: w })));
    const s = score(2, truth.map((t, k) => ({ truth: t, pred: pred[k].classes })));
    const tgs = tgsScore(truth, pred.map((p) => p.classes));
    const row = { stagesThrough: stage, mode: stage === 1 ? 'supervised only' : 'semi-supervised (CPS)', tgsScore: tgs, meanIoU: s.meanIoU, saltIoU: s.perClassIoU[1], pixelAccuracy: s.pixelAccuracy, seconds: (Date.now() - t0) / 1000 };
    log({ result: row });
    results.push(row);
    await fs.writeFile(path.join(out, 'results.json'), JSON.stringify({ labelled: labelledIdx.length, pool: sections.length - labelledIdx.length, evaluated: evalIdx.length, epochs: [e1, e2], steps, base, batch, seed, results }, null, 1));
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
