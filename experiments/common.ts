// Shared helpers of the experiment scripts: load the real data, make sparse "well-tie" labels, score predictions.
import { promises as fs, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { ConfigOverrides } from '../src/ml/config';
import { readNpy } from '../src/io/npy';
import type { SectionPlace } from '../src/ml/crossSectionGrowth';
import { ConfusionMatrix, type SegmentationScores } from '../src/ml/metrics';

/** The shared real-data folder (../shared/data from the repository root). */
export const DATA = process.env.SEISGROW_DATA ?? path.resolve(__dirname, '..', '..', 'shared', 'data');

/** A 2D section with its full truth. */
export interface LabelledSection { name: string; seismic: Float32Array; truth: Uint8Array; height: number; width: number; place?: SectionPlace }

/** Every `step`-th sample and trace (plain decimation, no filtering), so the run fits a shared 2-core machine. */
export function decimate(s: LabelledSection, step: number): LabelledSection {
  if (step === 1) return s;
  const h = Math.ceil(s.height / step);
  const w = Math.ceil(s.width / step);
  const seismic = new Float32Array(h * w);
  const truth = new Uint8Array(h * w);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    seismic[y * w + x] = s.seismic[y * step * s.width + x * step];
    truth[y * w + x] = s.truth[y * step * s.width + x * step];
  }
  // A line's position is the column where the crossing lines meet it: the nearest column left after decimation.
  return { name: s.name, seismic, truth, height: h, width: w, ...(s.place ? { place: { axis: s.place.axis, position: Math.round(s.place.position / step) } } : {}) };
}

/** The F3 survey's first inline and crossline numbers: crossline sections have a column per inline from 100, inlines one per crossline from 300 (checked: the crossing traces are identical). */
const F3_FIRST = { inline: 100, crossline: 300 } as const;

/** The lines Protocol A never labels and scores (issue 11): protocol-a.sh trains on the other four. */
export const PROTOCOL_A_HELD_OUT: readonly string[] = ['inline_608', 'crossline_778'];

/** The six F3 sections (inlines 130, 241, 608; crosslines 327, 575, 778). */
export async function loadF3(step: number): Promise<LabelledSection[]> {
  const names = ['inline_130', 'inline_241', 'inline_608', 'crossline_327', 'crossline_575', 'crossline_778'];
  const out: LabelledSection[] = [];
  for (const n of names) {
    const s = await readNpy(`${DATA}/f3-sections/${n}_seismic_f32.npy`);
    const l = await readNpy(`${DATA}/f3-sections/${n}_labels.npy`);
    const [axis, line] = n.split('_') as ['inline' | 'crossline', string];
    const place = { axis, position: Number(line) - F3_FIRST[axis] };
    out.push(decimate({ name: n, seismic: Float32Array.from(s.data), truth: Uint8Array.from(l.data), height: s.shape[0], width: s.shape[1], place }, step));
  }
  return out;
}

/** Keep `traces` full vertical traces, evenly spaced (like wells), the rest 255. */
export function traceLabels(truth: Uint8Array, height: number, width: number, traces: number): Uint8Array {
  const out = new Uint8Array(truth.length).fill(255);
  for (let k = 0; k < traces; k++) {
    const x = Math.min(width - 1, Math.floor(((k + 0.5) * width) / traces));
    for (let y = 0; y < height; y++) out[y * width + x] = truth[y * width + x];
  }
  return out;
}

/** Scores of predictions against full truth over all pixels. */
export function score(classes: number, pairs: { truth: Uint8Array; pred: Uint8Array }[]): SegmentationScores {
  const cm = new ConfusionMatrix(classes);
  for (const p of pairs) cm.update(p.truth, p.pred);
  return cm.scores();
}

/** Grown labels: coverage, and scores over the covered pixels. */
export function scoreGrown(classes: number, pairs: { truth: Uint8Array; grown: Uint8Array }[]): { coverage: number; scores: SegmentationScores } {
  const cm = new ConfusionMatrix(classes);
  let covered = 0;
  let all = 0;
  for (const p of pairs) {
    const t = p.truth.slice();
    const g = p.grown.slice();
    for (let i = 0; i < t.length; i++) {
      all++;
      if (g[i] === 255) { t[i] = 255; g[i] = 0; } else covered++;
    }
    cm.update(t, g);
  }
  return { coverage: covered / all, scores: cm.scores() };
}

/** A variant's training overrides: a JSON file in the format of `seisgrow train --config` (experiments/configs/). */
export async function readOverrides(file: string): Promise<ConfigOverrides> {
  return JSON.parse(await fs.readFile(file, 'utf8')) as ConfigOverrides;
}

/** `over` applied on `base`, one level deep like the config's blocks (a variant changes one setting of a block, not the block). */
export function mergeOverrides(base: ConfigOverrides, over: ConfigOverrides): ConfigOverrides {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = typeof v === 'object' && v !== null && !Array.isArray(v) && typeof b === 'object' && b !== null && !Array.isArray(b) ? { ...b, ...v } : v;
  }
  return out as ConfigOverrides;
}

/** Newest modification time of the files under a folder (0 when there are none). */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Refuse to run on a stale bundle: the networks train and predict in dist/worker.js, so a change to src/ that was not
 * rebuilt runs the old worker code silently (a run of RESULTS.md run 7 matched its baseline to the last digit that way).
 */
export function requireFreshBundle(): void {
  const root = path.resolve(__dirname, '..');
  const worker = path.join(root, 'dist', 'worker.js');
  let built: number;
  try {
    built = statSync(worker).mtimeMs;
  } catch {
    throw new Error(`${worker} is missing: run "node esbuild.mjs" first`);
  }
  if (newestMtime(path.join(root, 'src')) > built) throw new Error(`${worker} is older than src/: run "node esbuild.mjs" first, or the networks run the old code`);
}
