// Turns the experiments' results.json files into the Markdown tables of RESULTS.md (printed to stdout).
// Usage: node --import tsx experiments/report.ts [runs folder] [--f3 f3-norecon,f3-recon] (the F3 runs to tabulate)
import * as fs from 'node:fs';
import * as path from 'node:path';

const flag = process.argv.indexOf('--f3');
const f3Names = (flag >= 0 ? process.argv[flag + 1] : 'f3-norecon,f3-recon').split(',');
const runs = process.argv[2] !== undefined && !process.argv[2].startsWith('--') ? process.argv[2] : 'experiments/runs';
const f = (v: unknown): string => (typeof v === 'number' ? v.toFixed(3) : '—');
const read = (name: string): Record<string, unknown> | null => {
  const p = path.join(runs, name, 'results.json');
  return fs.existsSync(p) ? JSON.parse(fs.readFileSync(p, 'utf8')) as Record<string, unknown> : null;
};
const stageName = ['', 'stage 1 (supervised)', 'stages 1+2 (+ CPS)', 'stages 1+2+3 (+ region growing)'];
const out: string[] = [];

const f3 = f3Names.map(read).filter((x): x is Record<string, unknown> => x !== null);
if (f3.length) {
  out.push('### F3, 6 sections, 8 labelled traces per section', '');
  for (const r of f3) {
    const [e1, e2, e3] = r.epochs as number[];
    out.push(`- recon ${r.recon ? 'yes' : 'no'}, seed ${r.seed as number}: decimation ${r.step as number} (one sample and one trace in ${r.step as number}), base ${r.base as number} filters, patch ${r.patch as number}, batch ${r.batch as number}, epochs ${e1}/${e2}/${e3} × ${r.steps as number} steps = ${(e1 + e2 + e3) * (r.steps as number)} optimizer steps per network (stage 1: ${e1 * (r.steps as number)}).`);
  }
  out.push('');
  out.push('| run | recon | prediction mIoU (all pixels) | pixel acc. | grown labels: coverage | grown labels: mIoU on covered pixels | seconds |', '|---|---|---|---|---|---|---|');
  for (const r of f3) {
    for (const row of r.results as Record<string, unknown>[]) {
      out.push(`| ${stageName[row.stagesThrough as number]} | ${row.recon ? 'yes' : 'no'} | ${f(row.predictionMIoU)} | ${f(row.predictionPixelAccuracy)} | ${f(row.grownCoverage)} | ${f(row.grownMIoUCovered)} | ${Math.round(row.seconds as number)} |`);
    }
  }
  out.push('');
  out.push('Per-class IoU of the final prediction:', '', '| run | recon | ' + Array.from({ length: 10 }, (_, i) => `c${i}`).join(' | ') + ' |', '|---|---|' + '---|'.repeat(10));
  for (const r of f3) for (const row of r.results as Record<string, unknown>[]) {
    out.push(`| ${stageName[row.stagesThrough as number]} | ${row.recon ? 'yes' : 'no'} | ${(row.predictionPerClassIoU as (number | null)[]).map(f).join(' | ')} |`);
  }
  out.push('');
}
const g = read('f3-general');
if (g) {
  out.push(`### F3 generalisation: trained on ${(g.train as string[]).join(', ')}; predicted ${(g.heldOut as string[]).join(', ')}`, '');
  out.push('| run | training sections: prediction mIoU | held-out sections: mIoU | held-out pixel acc. |', '|---|---|---|---|');
  for (const row of g.results as Record<string, unknown>[]) out.push(`| ${stageName[row.stagesThrough as number]} | ${f(row.predictionMIoU)} | ${f(row.heldOutMIoU)} | ${f(row.heldOutPixelAccuracy)} |`);
  out.push('');
}
const t = read('tgs');
if (t) {
  out.push(`### TGS salt: ${t.labelled} labelled images (10 %), ${t.pool} unlabelled, scored on ${t.evaluated} held-out labelled images`, '');
  out.push('| run | TGS score | mIoU | salt IoU | pixel acc. | seconds |', '|---|---|---|---|---|---|');
  for (const row of t.results as Record<string, unknown>[]) out.push(`| ${row.mode} | ${f(row.tgsScore)} | ${f(row.meanIoU)} | ${f(row.saltIoU)} | ${f(row.pixelAccuracy)} | ${Math.round(row.seconds as number)} |`);
  out.push('');
}
console.log(out.join('\n'));
