// Turns the experiments' results.json files into the Markdown tables of RESULTS.md (printed to stdout).
// Usage: node --import tsx experiments/report.ts [runs folder] [--f3 r1,r2-sup,r3-recon] [--general r4-gen] [--tgs tgs2,tgs2-sup]
import * as fs from 'node:fs';
import * as path from 'node:path';

const option = (name: string, fallback: string): string[] => {
  const i = process.argv.indexOf(`--${name}`);
  return (i >= 0 ? process.argv[i + 1] : fallback).split(',');
};
const f3Names = option('f3', 'f3-norecon,f3-recon');
const runs = process.argv[2] !== undefined && !process.argv[2].startsWith('--') ? process.argv[2] : 'experiments/runs';
const f = (v: unknown): string => (typeof v === 'number' ? v.toFixed(3) : '—');
const read = (name: string): Record<string, unknown> | null => {
  const p = path.join(runs, name, 'results.json');
  return fs.existsSync(p) ? JSON.parse(fs.readFileSync(p, 'utf8')) as Record<string, unknown> : null;
};
const stageName = ['', 'stage 1 (supervised)', 'stages 1+2 (+ CPS)', 'stages 1+2+3 (+ region growing)'];
/** A row's name: a stage-1-only run as long as a whole three-stage run is the equal-budget supervised baseline. */
const rowName = (r: Record<string, unknown>, row: Record<string, unknown>): string => {
  const [e1, e2, e3] = r.epochs as number[];
  return row.stagesThrough === 1 && e2 === 0 && e3 === 0 ? `stage 1 only, ${e1 * (r.steps as number)} steps (supervised, equal budget)` : stageName[row.stagesThrough as number];
};
const out: string[] = [];

const f3 = f3Names.map(read).filter((x): x is Record<string, unknown> => x !== null);
if (f3.length) {
  out.push('### F3, 6 sections, 8 labelled traces per section', '');
  for (const r of f3) {
    const [e1, e2, e3] = r.epochs as number[];
    out.push(`- recon ${r.recon ? 'yes' : 'no'}, seed ${r.seed as number}: decimation ${r.step as number} (one sample and one trace in ${r.step as number}), base ${r.base as number} filters, patch ${r.patch as number}, batch ${r.batch as number}, epochs ${e1}/${e2}/${e3} × ${r.steps as number} steps = ${(e1 + e2 + e3) * (r.steps as number)} optimizer steps per network (stage 1: ${e1 * (r.steps as number)}).`);
  }
  out.push('');
  out.push('| run | seed | recon | prediction mIoU (all pixels) | pixel acc. | grown labels: coverage | grown labels: mIoU on covered pixels | grown + prediction: mIoU (all pixels) | seconds |', '|---|---|---|---|---|---|---|---|---|');
  for (const r of f3) {
    for (const row of r.results as Record<string, unknown>[]) {
      out.push(`| ${rowName(r, row)} | ${r.seed as number} | ${row.recon ? 'yes' : 'no'} | ${f(row.predictionMIoU)} | ${f(row.predictionPixelAccuracy)} | ${f(row.grownCoverage)} | ${f(row.grownMIoUCovered)} | ${f(row.completedMIoU)} | ${Math.round(row.seconds as number)} |`);
    }
  }
  out.push('');
  out.push('Per-class IoU of the final prediction:', '', '| run | seed | recon | ' + Array.from({ length: 10 }, (_, i) => `c${i}`).join(' | ') + ' |', '|---|---|---|' + '---|'.repeat(10));
  for (const r of f3) for (const row of r.results as Record<string, unknown>[]) {
    out.push(`| ${rowName(r, row)} | ${r.seed as number} | ${row.recon ? 'yes' : 'no'} | ${(row.predictionPerClassIoU as (number | null)[]).map(f).join(' | ')} |`);
  }
  out.push('');
}
for (const g of option('general', 'f3-general').map(read)) {
  if (!g) continue;
  out.push(`### F3 generalisation: trained on ${(g.train as string[]).join(', ')}; predicted ${(g.heldOut as string[]).join(', ')}`, '');
  out.push('| run | training sections: prediction mIoU | held-out sections: mIoU | held-out pixel acc. |', '|---|---|---|---|');
  for (const row of g.results as Record<string, unknown>[]) out.push(`| ${stageName[row.stagesThrough as number]} | ${f(row.predictionMIoU)} | ${f(row.heldOutMIoU)} | ${f(row.heldOutPixelAccuracy)} |`);
  out.push('');
}
const tgs = option('tgs', 'tgs').map(read).filter((x): x is Record<string, unknown> => x !== null);
if (tgs.length) {
  const t = tgs[0];
  out.push(`### TGS salt: ${t.labelled} labelled images (10 %), ${t.pool} unlabelled, scored on ${t.evaluated} held-out labelled images`, '');
  out.push('| run | optimizer steps per network | TGS score | mIoU | salt IoU | pixel acc. | seconds |', '|---|---|---|---|---|---|---|');
  for (const r of tgs) {
    const [e1, e2] = r.epochs as number[];
    for (const row of r.results as Record<string, unknown>[]) {
      const steps = (row.stagesThrough === 1 ? e1 : e1 + e2) * (r.steps as number);
      out.push(`| ${row.mode} | ${steps} | ${f(row.tgsScore)} | ${f(row.meanIoU)} | ${f(row.saltIoU)} | ${f(row.pixelAccuracy)} | ${Math.round(row.seconds as number)} |`);
    }
  }
  out.push('');
}
console.log(out.join('\n'));
