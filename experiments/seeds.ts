// Mean and spread over seeds of the F3 runs: the semi-supervised run's three stages beside the supervised run of equal
// budget, per seed and averaged (one seed cannot separate a 0.01 mIoU effect from seed noise).
// Usage: node --import tsx experiments/seeds.ts RUNS_DIR 1234,7,1,2   (reads RUNS_DIR/ssl-s<seed> and RUNS_DIR/sup-s<seed>)
import * as fs from 'node:fs';
import * as path from 'node:path';

const [dir, seedList] = process.argv.slice(2);
if (!dir || !seedList) { console.error('usage: seeds.ts RUNS_DIR SEED,SEED,...'); process.exit(2); }
type Row = { stagesThrough: number; predictionMIoU: number; completedMIoU?: number; grownCoverage: number; grownMIoUCovered: number };
const read = (name: string): Row[] | null => {
  const p = path.join(dir, name, 'results.json');
  return fs.existsSync(p) ? (JSON.parse(fs.readFileSync(p, 'utf8')) as { results: Row[] }).results : null;
};
const columns = ['stage 1 (640 steps)', 'stages 1+2 (1120)', 'stages 1+2+3 (1312)', 'grown + prediction (1312)', 'supervised only (1312)'];
const values: number[][] = columns.map(() => []);
const f = (v: number | undefined): string => (v === undefined ? '—' : v.toFixed(3));
console.log(`| seed | ${columns.join(' | ')} |`);
console.log(`|---|${'---|'.repeat(columns.length)}`);
for (const seed of seedList.split(',')) {
  const ssl = read(`ssl-s${seed}`) ?? [];
  const sup = read(`sup-s${seed}`) ?? [];
  const row = [
    ssl.find((r) => r.stagesThrough === 1)?.predictionMIoU, ssl.find((r) => r.stagesThrough === 2)?.predictionMIoU,
    ssl.find((r) => r.stagesThrough === 3)?.predictionMIoU, ssl.find((r) => r.stagesThrough === 3)?.completedMIoU, sup[0]?.predictionMIoU,
  ];
  row.forEach((v, i) => { if (v !== undefined) values[i].push(v); });
  console.log(`| ${seed} | ${row.map(f).join(' | ')} |`);
}
const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]): number => Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / Math.max(1, v.length - 1));
console.log(`| mean ± sd | ${values.map((v) => (v.length ? `${mean(v).toFixed(3)} ± ${sd(v).toFixed(3)} (n=${v.length})` : '—')).join(' | ')} |`);
