// Whole-volume prediction with views 'inline' against 'inline+crossline' (issue 11) on a real SEG-Y volume. There are
// no labels for a 3D cube here, so it measures time and consistency, not accuracy: the share of voxels whose class
// differs from the same voxel on the next inline and on the next crossline, and how far the views agree. The
// crossline-only prediction goes through the same code path: predictVolume on the volume seen transposed, whose
// inlines are the crosslines.
// Usage: node --import tsx experiments/volume-views.ts [--run CHECKPOINT_OR_RUN_DIR] [--segy FILE] [--repeat 2]  (after node esbuild.mjs)
import * as path from 'node:path';
import type { Volume } from '../src/io/types';
import { openPredictor, type PredictorOptions } from '../src/ml/engine';
import { openVolume } from '../src/io/volume';
import type { VolumeShape } from '../src/io/voxelOrder';
import { predictVolume, type VolumeViews } from '../src/training/volumePrediction';
import { DATA, requireFreshBundle } from './common';

const ROOT = path.resolve(__dirname, '..');

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : process.argv[i + 1];
}

/** The volume seen with inlines and crosslines swapped: its inline n is the crossline n (samples × inlines, an inline's layout). */
function transposed(volume: Volume): Volume {
  const [ni, nx, ns] = volume.info.shape;
  return {
    ...volume,
    info: { ...volume.info, shape: [nx, ni, ns], inlines: volume.info.crosslines, crosslines: volume.info.inlines },
    inline: (n) => volume.crossline(n),
    crossline: (n) => volume.inline(n),
  };
}

/** A transposed prediction (crossline, inline, sample) back in voxel order (inline, crossline, sample). */
function untranspose(shape: VolumeShape, t: Uint8Array): Uint8Array {
  const [ni, nx, ns] = shape;
  const out = new Uint8Array(t.length);
  for (let i = 0; i < ni; i++) for (let x = 0; x < nx; x++) out.set(t.subarray((x * ni + i) * ns, (x * ni + i + 1) * ns), (i * nx + x) * ns);
  return out;
}

/** Share of neighbouring voxel pairs along an axis (0 inline, 1 crossline) whose classes differ. */
function changeRate(shape: VolumeShape, classes: Uint8Array, axis: 0 | 1): number {
  const [ni, nx, ns] = shape;
  let changed = 0;
  let pairs = 0;
  for (let i = 0; i < ni - (axis === 0 ? 1 : 0); i++) for (let x = 0; x < nx - (axis === 1 ? 1 : 0); x++) {
    const a = (i * nx + x) * ns;
    const b = axis === 0 ? a + nx * ns : a + ns;
    for (let s = 0; s < ns; s++) if (classes[a + s] !== classes[b + s]) changed++;
    pairs += ns;
  }
  return changed / pairs;
}

/** Share of voxels with the same class in two predictions. */
function agreement(a: Uint8Array, b: Uint8Array): number {
  let same = 0;
  for (let v = 0; v < a.length; v++) if (a[v] === b[v]) same++;
  return same / a.length;
}

async function main(): Promise<void> {
  requireFreshBundle();
  const run = path.resolve(ROOT, arg('run', '../main/experiments/runs/protocol-a/p128b2-ssl-t-across-1234/stage3'));
  const segy = path.resolve(ROOT, arg('segy', path.join(DATA, 'segy', 'f3.sgy')));
  const repeat = Math.max(1, Number(arg('repeat', '2')));
  const volume = await openVolume(segy);
  const shape = volume.info.shape;
  const opts = { backend: 'wasm' as const, wasmDir: path.join(ROOT, 'dist'), workerScript: path.join(ROOT, 'dist', 'worker.js') };
  // Opening the networks (two workers, the checkpoint) is timed apart: on a small volume it is most of the wait.
  let opening = 0;
  const open = async (r: string, o: PredictorOptions) => {
    const t0 = performance.now();
    const predictor = await openPredictor(r, o);
    opening = (performance.now() - t0) / 1000;
    return predictor;
  };
  /** The fastest of `repeat` predictions (each opens the networks afresh, as a user's Predict Volume does) and its classes. */
  const timed = async (what: string, predict: () => Promise<Uint8Array>): Promise<{ what: string; seconds: number; opening: number; classes: Uint8Array }> => {
    let best = { seconds: Infinity, opening: 0 };
    let classes: Uint8Array = new Uint8Array(0);
    for (let k = 0; k < repeat; k++) {
      const t0 = performance.now();
      classes = await predict();
      const seconds = (performance.now() - t0) / 1000;
      if (seconds < best.seconds) best = { seconds, opening };
    }
    return { what, ...best, classes };
  };
  const withViews = (views: VolumeViews) => async (): Promise<Uint8Array> => (await predictVolume(volume, run, { ...opts, open, views }))!.prediction;
  try {
    const inline = await timed('inline', withViews('inline'));
    const fused = await timed('inline+crossline', withViews('inline+crossline'));
    const crossline = await timed('crossline only (transposed volume, same code path)', async () => untranspose(shape, (await predictVolume(transposed(volume), run, { ...opts, open, views: 'inline' }))!.prediction));
    console.log(`${path.relative(ROOT, segy)}: ${shape.join(' × ')} (inlines × crosslines × samples); run ${path.relative(ROOT, run)}; wasm backend, fastest of ${repeat}, networks loaded in each\n`);
    console.log('| views | seconds | of which opening the networks | inline-to-inline change | crossline-to-crossline change | agrees with inline | agrees with crossline only |');
    console.log('|---|---|---|---|---|---|---|');
    for (const r of [inline, fused, crossline]) {
      console.log(`| ${r.what} | ${r.seconds.toFixed(2)} | ${r.opening.toFixed(2)} | ${changeRate(shape, r.classes, 0).toFixed(4)} | ${changeRate(shape, r.classes, 1).toFixed(4)} | ` +
        `${agreement(r.classes, inline.classes).toFixed(4)} | ${agreement(r.classes, crossline.classes).toFixed(4)} |`);
    }
  } finally {
    await volume.close();
  }
}

main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
