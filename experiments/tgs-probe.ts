// Why did TGS collapse to "no salt"? Looks inside trained TGS runs: the salt probability the networks give to truly
// salt and truly sediment pixels of held-out images, how much salt the argmax predicts, and scores at other thresholds.
// Usage: node --import tsx experiments/tgs-probe.ts RUN_DIR [RUN_DIR...] [--eval 200] [--seed 1234]
import { readNpy } from '../src/io/npy';
import { predictSections } from '../src/ml/engine';
import { tgsScore } from '../src/ml/metrics';
import { Rng } from '../src/ml/random';
import { DATA, score, requireFreshBundle } from './common';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
}

async function main(): Promise<void> {
  requireFreshBundle();
  const runs = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !(i > 0 && all[i - 1].startsWith('--')));
  const evalCount = Number(arg('eval', '200'));
  const seed = Number(arg('seed', '1234'));
  const images = await readNpy(`${DATA}/tgs-salt/train_images.npy`);
  const masks = await readNpy(`${DATA}/tgs-salt/train_masks.npy`);
  const [n, h, w] = images.shape;
  const px = h * w;
  // The same split as experiments/tgs.ts: these images were never trained on.
  const order = new Rng(seed).fork('tgs-split').shuffle(Array.from({ length: n }, (_, i) => i));
  const evalIdx = order.slice(Math.round(n * 0.1)).slice(0, evalCount);
  const truth = evalIdx.map((i) => Uint8Array.from(masks.data.subarray(i * px, (i + 1) * px), (v) => (v ? 1 : 0)));
  for (const run of runs) {
    const pred = await predictSections(run, evalIdx.map((i) => ({ name: `eval_${i}`, seismic: Float32Array.from(images.data.subarray(i * px, (i + 1) * px)), height: h, width: w })));
    let saltSum = 0, saltN = 0, sedSum = 0, sedN = 0, maxSalt = 0;
    const hist = new Array<number>(10).fill(0);
    pred.forEach((p, k) => {
      for (let j = 0; j < px; j++) {
        const ps = p.probabilities[2 * j + 1];
        if (truth[k][j] === 1) { saltSum += ps; saltN++; } else { sedSum += ps; sedN++; }
        if (ps > maxSalt) maxSalt = ps;
        hist[Math.min(9, Math.floor(ps * 10))]++;
      }
    });
    const at = (t: number): Uint8Array[] => pred.map((p) => Uint8Array.from({ length: px }, (_, j) => (p.probabilities[2 * j + 1] >= t ? 1 : 0)));
    const thresholds = [0.5, 0.4, 0.3, 0.25, 0.2].map((t) => {
      const m = at(t);
      const s = score(2, truth.map((tr, k) => ({ truth: tr, pred: m[k] })));
      return { t, tgs: tgsScore(truth, m), saltIoU: s.perClassIoU[1], predictedSaltShare: m.reduce((a, x) => a + x.reduce((b, v) => b + v, 0), 0) / (m.length * px) };
    });
    console.log(JSON.stringify({
      run, evaluated: evalIdx.length, truthSaltShare: saltN / (saltN + sedN),
      meanSaltProbOnSalt: saltSum / saltN, meanSaltProbOnSediment: sedSum / sedN, maxSaltProb: maxSalt,
      saltProbHistogramTenths: hist.map((v) => +(v / (saltN + sedN)).toFixed(4)), thresholds,
    }));
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
