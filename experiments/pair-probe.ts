// Probe of an F3 run's two networks: mIoU over all pixels of network A alone, network B alone and of their mean
// probabilities (what the engine predicts), and the share of pixels where A and B agree. It separates what a method
// does to each network from what the two-network ensemble adds on top.
// It predicts through the engine's own Predictor (same tiling, overlap and normalisation as the run's prediction).
// Usage: node --import tsx experiments/pair-probe.ts [--step 3] [--per-class] CHECKPOINT_OR_RUN_DIR...  (after node esbuild.mjs)
import { openPredictor } from '../src/ml/engine';
import { argmaxProbabilities } from '../src/ml/stages';
import { loadF3, score, requireFreshBundle } from './common';

/** Predictions of one network (or of the mean) beside the truth, one entry per section. */
type Scored = { truth: Uint8Array; pred: Uint8Array }[];

async function main(): Promise<void> {
  requireFreshBundle();
  const perClass = process.argv.includes('--per-class');
  const args = process.argv.slice(2).filter((a) => a !== '--per-class');
  const stepAt = args.indexOf('--step');
  const step = stepAt >= 0 ? Number(args[stepAt + 1]) : 3;
  const dirs = stepAt >= 0 ? args.filter((_, i) => i !== stepAt && i !== stepAt + 1) : args;
  const sections = await loadF3(step);
  console.log('| checkpoint | A | B | mean of A and B | A and B agree |\n|---|---|---|---|---|');
  for (const dir of dirs) {
    const predictor = await openPredictor(dir, { backend: 'wasm', wasmDir: 'dist' });
    const classes = predictor.classes;
    const pairs: { a: Scored; b: Scored; mean: Scored } = { a: [], b: [], mean: [] };
    let agree = 0;
    let pixels = 0;
    try {
      const probs = await predictor.predictNetworks(sections);
      sections.forEach((s, k) => {
        const a = argmaxProbabilities(probs[k].a, classes).classes;
        const b = argmaxProbabilities(probs[k].b, classes).classes;
        for (let i = 0; i < a.length; i++) if (a[i] === b[i]) agree++;
        pixels += a.length;
        pairs.a.push({ truth: s.truth, pred: a });
        pairs.b.push({ truth: s.truth, pred: b });
        pairs.mean.push({ truth: s.truth, pred: argmaxProbabilities(probs[k].mean, classes).classes });
      });
    } finally {
      await predictor.close();
    }
    const m = (p: Scored): string => score(classes, p).meanIoU.toFixed(3);
    console.log(`| ${dir} | ${m(pairs.a)} | ${m(pairs.b)} | ${m(pairs.mean)} | ${(agree / pixels).toFixed(3)} |`);
    if (perClass) for (const [k, v] of Object.entries(pairs)) console.log(`  per-class IoU, ${k}: ${score(classes, v).perClassIoU.map((x) => (x === null ? '-' : x.toFixed(2))).join(' ')}`);
  }
}

main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
