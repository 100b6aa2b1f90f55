// F3 experiment: sparse well-tie labels (N full traces per section), stages 1 → 2 → 3, each resumed from the previous
// stage's checkpoint; mIoU of the final prediction and of the grown labels over ALL pixels after every stage.
// Usage: node --import tsx experiments/f3.ts --out DIR [--step 2] [--traces 8] [--recon] [--epochs 8,8,4]
//        [--steps 20] [--train 0,1,2,3] (sections trained on; the others are predicted for generalisation)
//        [--stages 3 --resume DIR/stage2] (continue a run from a stage's checkpoint; rows are appended to DIR's results)
//        [--transductive] (the held-out sections join training unlabelled, feeding the semi-supervised terms)
//        [--config experiments/configs/VARIANT.json] (a variant: training overrides in the format of
//        `seisgrow train --config`, applied over this script's base settings; see experiments/configs/)
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { startTraining, predictSections } from '../src/ml/engine';
import type { StageNumber } from '../src/shared/trainingProtocol';
import { loadF3, mergeOverrides, readOverrides, score, scoreGrown, traceLabels, requireFreshBundle } from './common';

function arg(name: string, fallback?: string): string | undefined {
  const i = process.argv.lastIndexOf(`--${name}`); // the last wins, so a flag after protocol-a.sh's own overrides it
  if (i < 0) return fallback;
  const v = process.argv[i + 1];
  return v === undefined || v.startsWith('--') ? 'true' : v;
}

async function main(): Promise<void> {
  requireFreshBundle();
  const out = arg('out') ?? 'experiments/runs/f3';
  const step = Number(arg('step', '2'));
  const traces = Number(arg('traces', '8'));
  const recon = arg('recon') === 'true';
  const [e1, e2, e3] = (arg('epochs', '8,8,4') ?? '').split(',').map(Number);
  const steps = Number(arg('steps', '20'));
  const base = Number(arg('base', '16'));
  const seed = Number(arg('seed', '1234'));
  const patch = Number(arg('patch', '128'));
  const batch = Number(arg('batch', '8'));
  const transductive = arg('transductive') === 'true';
  const configFile = arg('config');
  const variant = configFile ? await readOverrides(configFile) : {};
  const stagesToRun = (arg('stages', '1,2,3') ?? '').split(',').map(Number) as StageNumber[];
  const all = await loadF3(step);
  const trainIdx = (arg('train') ?? all.map((_, i) => i).join(',')).split(',').map(Number);
  const heldOut = all.map((_, i) => i).filter((i) => !trainIdx.includes(i));
  const classes = 10;
  const train = trainIdx.map((i) => all[i]);
  const sparse = train.map((s) => traceLabels(s.truth, s.height, s.width, traces));
  const labelledFraction = sparse.reduce((a, l) => a + l.filter((v) => v !== 255).length, 0) / sparse.reduce((a, l) => a + l.length, 0);
  await fs.mkdir(out, { recursive: true });
  const resumeFrom = arg('resume');
  const resultsPath = path.join(out, 'results.json');
  // Resuming appends to the rows the earlier stages of the same run already wrote.
  const results: unknown[] = resumeFrom && existsSync(resultsPath) ? (JSON.parse(await fs.readFile(resultsPath, 'utf8')) as { results: unknown[] }).results : [];
  const log = (o: unknown): void => { console.log(JSON.stringify(o)); };
  log({ experiment: 'f3', ...(configFile ? { config: configFile, variant } : {}), step, traces, recon, transductive, epochs: [e1, e2, e3], steps, base, patch, batch, train: train.map((s) => s.name), heldOut: heldOut.map((i) => all[i].name), shape: train.map((s) => [s.height, s.width]), labelledFraction });
  let previous: string | undefined = resumeFrom;
  for (const stage of stagesToRun) {
    const runDir = path.join(out, `stage${stage}`);
    const t0 = Date.now();
    const handle = startTraining({
      sections: [
        ...train.map((s, i) => ({ name: s.name, seismic: s.seismic, labels: sparse[i], height: s.height, width: s.width, ...(s.place ? { place: s.place } : {}) })),
        // Transductive: the held-out sections join without labels, as the unlabelled data of the semi-supervised terms.
        ...(transductive ? heldOut.map((i) => ({ name: all[i].name, seismic: all[i].seismic, labels: null, height: all[i].height, width: all[i].width, ...(all[i].place ? { place: all[i].place } : {}) })) : []),
      ],
      classes, stages: [stage], runDir, ...(previous ? { resumeFrom: previous } : {}),
      config: mergeOverrides({ seed, patchSize: patch, batchSize: batch, epochs: { 1: e1, 2: e2, 3: e3 }, stepsPerEpoch: steps, network: { baseFilters: base, reconstruction: recon } }, variant),
    }, (e) => {
      if (e.type === 'epoch') log({ stage: e.record.stage, epoch: e.record.epoch, lossA: e.record.losses.a, valMIoU: e.record.validation?.meanIoU, labelled: e.record.labelledPixels, s: e.record.seconds, eta: e.record.etaSeconds });
      else if (e.type === 'growth') log({ growth: e.record.addedTotal, carried: e.record.carriedAcross, waves: e.record.iterations.length, fraction: e.record.labelledFraction });
      else if (e.type === 'backend') log({ backend: e.backend });
      else if (e.type === 'log') log({ log: e.message });
    });
    const r = await handle.done;
    previous = runDir;
    const pred = score(classes, train.map((s, i) => ({ truth: s.truth, pred: r.sections[i]!.prediction })));
    const grown = scoreGrown(classes, train.map((s, i) => ({ truth: s.truth, grown: r.sections[i]!.grownLabels })));
    // The interpretation a user is left with: the grown labels where there are some, the prediction elsewhere.
    const completed = score(classes, train.map((s, i) => ({ truth: s.truth, pred: r.sections[i]!.grownLabels.map((g, p) => (g === 255 ? r.sections[i]!.prediction[p] : g)) })));
    const row: Record<string, unknown> = {
      stagesThrough: stage, recon, seconds: (Date.now() - t0) / 1000,
      predictionMIoU: pred.meanIoU, predictionPixelAccuracy: pred.pixelAccuracy, predictionPerClassIoU: pred.perClassIoU,
      completedMIoU: completed.meanIoU, completedPixelAccuracy: completed.pixelAccuracy,
      grownCoverage: grown.coverage, grownMIoUCovered: grown.scores.meanIoU, grownPixelAccuracyCovered: grown.scores.pixelAccuracy,
    };
    if (heldOut.length > 0) {
      const p = transductive
        ? heldOut.map((_, k) => ({ classes: r.sections[train.length + k]!.prediction }))
        : await predictSections(runDir, heldOut.map((i) => ({ name: all[i].name, seismic: all[i].seismic, height: all[i].height, width: all[i].width })));
      const g = score(classes, heldOut.map((i, k) => ({ truth: all[i].truth, pred: p[k].classes })));
      row.heldOutMIoU = g.meanIoU;
      row.heldOutPixelAccuracy = g.pixelAccuracy;
      row.heldOutPerClassIoU = g.perClassIoU;
    }
    log({ result: row });
    results.push(row);
    await fs.writeFile(resultsPath, JSON.stringify({ step, traces, recon, transductive, epochs: [e1, e2, e3], steps, base, patch, batch, seed, labelledFraction, train: train.map((s) => s.name), heldOut: heldOut.map((i) => all[i].name), results }, null, 1));
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
