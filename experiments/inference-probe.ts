// Probe of the inference options on trained checkpoints, with no retraining: the same networks predict the F3
// sections through the engine's own Predictor (a) as the run did, per-pixel argmax; (b) mirror-averaged
// (`inferenceFlip`); (c) decoded along each trace in the depth order of the units that the run's labels imply
// (`orderedUnits`); (d) both. The order comes from the labels the run trained on, 8 full traces on each of the labelled
// sections (Protocol A, as experiments/f3.ts makes them), through the engine's `inferUnitOrder`. Held-out sections are
// those never labelled (inline 608 and crossline 778); "recorded" is the held-out mIoU the run wrote in its results.json.
// With --score NAME[,NAME] the scored ("held-out") sections are those instead, and the labels come from them: Protocol B,
// one section trained on its own 8 traces and scored on all its pixels ("recorded" is then the run's prediction mIoU).
// Usage: node --import tsx experiments/inference-probe.ts [--step 3] [--traces 8] [--score NAMES] STAGE_DIR...  (after node esbuild.mjs)
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { openPredictor } from '../src/ml/engine';
import { inferUnitOrder } from '../src/ml/unitOrder';
import { loadF3, PROTOCOL_A_HELD_OUT, score, traceLabels, type LabelledSection, requireFreshBundle } from './common';

/** Held-out mIoU the run recorded for this stage folder (DIR/stageN inside a run with results.json), if any. */
async function recorded(dir: string, field: 'heldOutMIoU' | 'predictionMIoU'): Promise<number | undefined> {
  const file = path.join(path.dirname(path.resolve(dir)), 'results.json');
  const stage = Number(/stage(\d)$/.exec(path.resolve(dir))?.[1]);
  if (!existsSync(file) || !stage) return undefined;
  const rows = (JSON.parse(await fs.readFile(file, 'utf8')) as { results: ({ stagesThrough: number } & Partial<Record<typeof field, number>>)[] }).results;
  return rows.find((r) => r.stagesThrough === stage)?.[field];
}

/** Held-out mIoU and pixel accuracy, the other sections' mIoU, and seconds of one inference mode. */
async function probe(dir: string, sections: LabelledSection[], scored: readonly string[], flip: boolean, unitOrder: number[] | null): Promise<{ held: number; heldAcc: number; rest: number; seconds: number }> {
  const predictor = await openPredictor(dir, { backend: 'wasm', wasmDir: 'dist', flip, unitOrder });
  try {
    const t0 = Date.now();
    const out = await predictor.predict(sections);
    const seconds = (Date.now() - t0) / 1000;
    const part = (held: boolean) => sections.map((s, k) => ({ s, pred: out[k].classes })).filter(({ s }) => scored.includes(s.name) === held).map(({ s, pred }) => ({ truth: s.truth, pred }));
    const h = score(predictor.classes, part(true));
    return { held: h.meanIoU, heldAcc: h.pixelAccuracy, rest: score(predictor.classes, part(false)).meanIoU, seconds };
  } finally {
    await predictor.close();
  }
}

function option(args: string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
}

async function main(): Promise<void> {
  requireFreshBundle();
  const args = process.argv.slice(2);
  const step = option(args, 'step', 3);
  const traces = option(args, 'traces', 8);
  const dirs = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
  const scoreAt = args.indexOf('--score');
  const protocolB = scoreAt >= 0;
  const scored = protocolB ? args[scoreAt + 1].split(',') : PROTOCOL_A_HELD_OUT;
  const sections = await loadF3(step);
  if (scored.some((n) => !sections.some((s) => s.name === n))) throw new Error(`--score names sections of ${sections.map((s) => s.name).join(', ')}`);
  const labelled = sections.filter((s) => scored.includes(s.name) === protocolB).map((s) => ({ labels: traceLabels(s.truth, s.height, s.width, traces), height: s.height, width: s.width }));
  const order = inferUnitOrder(labelled, 10);
  console.log(`unit order implied by ${traces} traces on each labelled section: ${order ? order.join(' < ') : 'none'}`);
  const modes = [['argmax', false, null], ['mirror-averaged', true, null], ['ordered units', false, order], ['both', true, order]] as const;
  console.log(`| checkpoint | recorded | ${modes.map((m) => `held-out mIoU, ${m[0]}`).join(' | ')} | held-out acc., ${modes.map((m) => m[0]).join(' / ')} | other sections mIoU, ${modes.map((m) => m[0]).join(' / ')} | s, ${modes.map((m) => m[0]).join(' / ')} |`);
  console.log(`|---|---|${modes.map(() => '---|').join('')}---|---|---|`);
  for (const dir of dirs) {
    const r: Awaited<ReturnType<typeof probe>>[] = [];
    for (const [, flip, o] of modes) r.push(await probe(dir, sections, scored, flip, o ? [...o] : null));
    const rec = await recorded(dir, protocolB ? 'predictionMIoU' : 'heldOutMIoU');
    const f = (k: 'held' | 'heldAcc' | 'rest' | 'seconds', d = 3): string => r.map((x) => x[k].toFixed(d)).join(' / ');
    console.log(`| ${dir} | ${rec === undefined ? '' : rec.toFixed(3)} | ${r.map((x) => x.held.toFixed(3)).join(' | ')} | ${f('heldAcc')} | ${f('rest')} | ${f('seconds', 1)} |`);
  }
}

main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
