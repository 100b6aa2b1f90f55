// Protocol A (issue 11) tables for RESULTS.md: mIoU and pixel accuracy on the never-labelled sections after each stage,
// per variant, seed by seed and mean ± sd, with the run times. Reads experiments/runs/protocol-a/NAME-SEED/results.json
// as experiments/protocol-a.sh writes them.
// Usage: node --import tsx experiments/protocol-a-report.ts [variant ...]   (default: every variant found)
import * as fs from 'node:fs';
import * as path from 'node:path';

interface Row { stagesThrough: number; seconds: number; predictionMIoU: number; heldOutMIoU: number; heldOutPixelAccuracy: number }
interface Results { seed: number; epochs: number[]; steps: number; labelledFraction: number; results: Row[] }

const root = path.join(__dirname, 'runs', 'protocol-a');
const runs = fs.existsSync(root) ? fs.readdirSync(root) : [];
const variants = process.argv.length > 2 ? process.argv.slice(2) : [...new Set(runs.map((r) => r.replace(/-\d+$/, '')))].sort();
const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]): number => (v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1)));
const pm = (v: number[]): string => `${mean(v).toFixed(3)} ± ${sd(v).toFixed(3)}`;
const stageName = ['', 'stage 1', 'stages 1+2', 'stages 1+2+3'];

for (const variant of variants) {
  const seeds = runs.filter((r) => r.replace(/-\d+$/, '') === variant).map((r) => JSON.parse(fs.readFileSync(path.join(root, r, 'results.json'), 'utf8')) as Results)
    .sort((a, b) => a.seed - b.seed);
  if (seeds.length === 0) continue;
  const [e1, e2, e3] = seeds[0].epochs;
  console.log(`### ${variant}: epochs ${e1}/${e2}/${e3} × ${seeds[0].steps} steps = ${(e1 + e2 + e3) * seeds[0].steps} steps per network, ${(100 * seeds[0].labelledFraction).toFixed(1)} % of the training sections' pixels labelled\n`);
  console.log(`| after | ${seeds.map((s) => `seed ${s.seed}`).join(' | ')} | held-out mIoU | held-out pixel acc. | training sections mIoU | seconds |`);
  console.log(`|---|${seeds.map(() => '---|').join('')}---|---|---|---|`);
  const stages = [...new Set(seeds.flatMap((s) => s.results.map((r) => r.stagesThrough)))].sort();
  for (const st of stages) {
    const rows = seeds.map((s) => s.results.find((r) => r.stagesThrough === st)).filter((r): r is Row => r !== undefined);
    console.log(`| ${stageName[st]} | ${rows.map((r) => r.heldOutMIoU.toFixed(3)).join(' | ')} | ${pm(rows.map((r) => r.heldOutMIoU))} | ${pm(rows.map((r) => r.heldOutPixelAccuracy))} | ${pm(rows.map((r) => r.predictionMIoU))} | ${mean(rows.map((r) => r.seconds)).toFixed(0)} |`);
  }
  console.log('');
}
