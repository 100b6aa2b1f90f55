// Where the errors on the never-labelled lines are (Protocol A, issue 11): from a run's stage-3 checkpoint, the labels
// grown on inline 608 and crossline 778 (coverage, pixel accuracy, mIoU on the pixels they cover), and the final
// prediction's pixel accuracy inside and outside them, through the engine's own Predictor and the units' order that
// the run's labels imply (8 full traces on each labelled section, as experiments/f3.ts makes them).
// Usage: node --import tsx experiments/grown-probe.ts RUN_DIR...   (RUN_DIR holds stage3/; after node esbuild.mjs)
import * as path from 'node:path';
import { readCheckpoint } from '../src/ml/checkpoint';
import { openPredictor } from '../src/ml/engine';
import { inferUnitOrder } from '../src/ml/unitOrder';
import { loadF3, PROTOCOL_A_HELD_OUT, requireFreshBundle, score, scoreGrown, traceLabels } from './common';

async function main(): Promise<void> {
  requireFreshBundle();
  const dirs = process.argv.slice(2);
  if (dirs.length === 0) throw new Error('usage: experiments/grown-probe.ts RUN_DIR...');
  const sections = await loadF3(3);
  const held = sections.filter((s) => PROTOCOL_A_HELD_OUT.includes(s.name));
  const order = inferUnitOrder(sections.filter((s) => !PROTOCOL_A_HELD_OUT.includes(s.name)).map((s) => ({ labels: traceLabels(s.truth, s.height, s.width, 8), height: s.height, width: s.width })), 10);
  console.log('| run | grown on held-out lines: coverage | pixel acc. | mIoU | prediction mIoU | prediction acc. inside the grown labels | outside | share of pixels outside |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const dir of dirs) {
    const stage3 = path.join(dir, 'stage3');
    const ck = await readCheckpoint(stage3);
    const grown = held.map((s) => {
      const k = ck.sections.findIndex((c) => c.name === s.name);
      if (k < 0) throw new Error(`${stage3} did not train on ${s.name} (not a transductive Protocol A run)`);
      return ck.grownLabels[k];
    });
    const predictor = await openPredictor(stage3, { backend: 'wasm', wasmDir: 'dist', unitOrder: order });
    const predicted = await predictor.predict(held).finally(() => predictor.close());
    const count = { inside: 0, insideRight: 0, outside: 0, outsideRight: 0 };
    held.forEach((s, k) => {
      const pred = predicted[k].classes;
      for (let i = 0; i < pred.length; i++) {
        const right = pred[i] === s.truth[i] ? 1 : 0;
        if (grown[k][i] !== 255) { count.inside++; count.insideRight += right; } else { count.outside++; count.outsideRight += right; }
      }
    });
    const g = scoreGrown(10, held.map((s, k) => ({ truth: s.truth, grown: grown[k] })));
    const p = score(10, held.map((s, k) => ({ truth: s.truth, pred: predicted[k].classes })));
    const share = count.outside / (count.inside + count.outside);
    console.log(`| ${path.basename(path.resolve(dir))} | ${(100 * g.coverage).toFixed(1)} % | ${g.scores.pixelAccuracy.toFixed(3)} | ${g.scores.meanIoU.toFixed(3)} | ${p.meanIoU.toFixed(3)} | `
      + `${(count.insideRight / Math.max(1, count.inside)).toFixed(3)} | ${(count.outsideRight / Math.max(1, count.outside)).toFixed(3)} | ${(100 * share).toFixed(0)} % |`);
  }
}

main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
