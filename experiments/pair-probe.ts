// Probe of an F3 run's two networks: mIoU over all pixels of network A alone, network B alone and of their mean
// probabilities (what the engine predicts), and the share of pixels where A and B agree. It separates what a method
// does to each network from what the two-network ensemble adds on top.
// Usage: node --import tsx experiments/pair-probe.ts [--step 3] [--per-class] CHECKPOINT_OR_RUN_DIR...
import { initBackend } from '../src/ml/backend';
import { readCheckpoint } from '../src/ml/checkpoint';
import { NetTrainer } from '../src/ml/cps';
import { normalise } from '../src/ml/data/normalisation';
import { argmaxProbabilities, meanProbabilities, networkInput } from '../src/ml/stages';
import { loadF3, score } from './common';

/** Predictions of one network (or of the mean) beside the truth, one entry per section. */
type Scored = { truth: Uint8Array; pred: Uint8Array }[];

async function main(): Promise<void> {
  const perClass = process.argv.includes('--per-class');
  const args = process.argv.slice(2).filter((a) => a !== '--per-class');
  const stepAt = args.indexOf('--step');
  const step = stepAt >= 0 ? Number(args[stepAt + 1]) : 3;
  const dirs = stepAt >= 0 ? args.filter((_, i) => i !== stepAt && i !== stepAt + 1) : args;
  await initBackend('wasm', { wasmDir: 'dist' });
  const sections = await loadF3(step);
  console.log('| checkpoint | A | B | mean of A and B | A and B agree |\n|---|---|---|---|---|');
  for (const dir of dirs) {
    const ck = await readCheckpoint(dir, { inChannels: 1 });
    const classes = ck.network.classes;
    // Inference only: the training settings are never used.
    const training = { config: ck.config, classWeights: null };
    const nets = [new NetTrainer(ck.network, training, ck.config.seed), new NetTrainer(ck.network, training, ck.config.seed)];
    await nets[0].setState(ck.nets.a.weights);
    await nets[1].setState(ck.nets.b.weights);
    const patch = Math.min(ck.config.patchSize, Math.max(...sections.map((s) => Math.max(s.height, s.width))));
    const pairs: { a: Scored; b: Scored; mean: Scored } = { a: [], b: [], mean: [] };
    let agree = 0;
    let pixels = 0;
    for (const s of sections) {
      const input = { height: s.height, width: s.width, data: networkInput(normalise(s.seismic, ck.normalisation), s.height, s.width, ck.network.depthChannel === true) };
      const [pa] = await nets[0].predict([input], patch, ck.config.inferenceOverlap, ck.config.batchSize);
      const [pb] = await nets[1].predict([input], patch, ck.config.inferenceOverlap, ck.config.batchSize);
      const a = argmaxProbabilities(pa.probs, classes).classes;
      const b = argmaxProbabilities(pb.probs, classes).classes;
      for (let i = 0; i < a.length; i++) if (a[i] === b[i]) agree++;
      pixels += a.length;
      pairs.a.push({ truth: s.truth, pred: a });
      pairs.b.push({ truth: s.truth, pred: b });
      pairs.mean.push({ truth: s.truth, pred: argmaxProbabilities(meanProbabilities(pa.probs, pb.probs), classes).classes });
    }
    const m = (p: Scored): string => score(classes, p).meanIoU.toFixed(3);
    console.log(`| ${dir} | ${m(pairs.a)} | ${m(pairs.b)} | ${m(pairs.mean)} | ${(agree / pixels).toFixed(3)} |`);
    if (perClass) for (const [k, v] of Object.entries(pairs)) console.log(`  per-class IoU, ${k}: ${score(classes, v).perClassIoU.map((x) => (x === null ? '-' : x.toFixed(2))).join(' ')}`);
    for (const n of nets) n.dispose();
  }
}

main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
