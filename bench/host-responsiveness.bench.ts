// How long the calling thread stalls while a run works through region growing and validation on a large section:
// the engine run on the calling thread (what the extension host did before) beside the engine thread the extension
// now uses (src/worker/engineClient.ts), in the same run. Measured with perf_hooks' event-loop delay histogram while
// stage 3 (whole-section prediction, class thresholds, growing, validation, checkpoint) runs on a 1500×1500 section.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { startTraining, type TrainingHandle, type TrainingRequest } from '../src/ml/engine';
import type { ConfigOverrides } from '../src/ml/config';
import { startTrainingInWorker } from '../src/worker/engineClient';

const H = 1500;
const W = 1500;
const CLASSES = 6;
const dist = join(__dirname, '..', 'dist');

/** Dipping layers with a wavelet per unit; labels on 8 vertical traces. */
function section(): { seismic: Float32Array; labels: Uint8Array } {
  const seismic = new Float32Array(H * W);
  const labels = new Uint8Array(H * W).fill(255);
  const columns = new Set(Array.from({ length: 8 }, (_, k) => Math.floor(((k + 0.5) * W) / 8)));
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    const depth = y + 20 * Math.sin(x / 70);
    const c = Math.min(CLASSES - 1, Math.max(0, Math.floor((depth / H) * CLASSES)));
    seismic[y * W + x] = (1 + c) * Math.sin(depth * (0.2 + 0.05 * c));
    if (columns.has(x)) labels[y * W + x] = c;
  }
  return { seismic, labels };
}

const config: ConfigOverrides = {
  backend: 'wasm', network: { depth: 2, baseFilters: 4, dropout: 0, reconstruction: false },
  epochs: { 1: 1, 2: 0, 3: 1 }, stepsPerEpoch: 2, batchSize: 2, patchSize: 128, inferenceOverlap: 16,
};

async function measure(start: (req: TrainingRequest) => TrainingHandle, req: TrainingRequest): Promise<{ maxMs: number; p99Ms: number; seconds: number }> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const t0 = Date.now();
  await start(req).done;
  h.disable();
  return { maxMs: h.max / 1e6, p99Ms: h.percentile(99) / 1e6, seconds: (Date.now() - t0) / 1000 };
}

async function main(): Promise<void> {
  const { seismic, labels } = section();
  const base = mkdtempSync(join(tmpdir(), 'seisgrow-host-bench-'));
  try {
    const sections = [{ name: 'synthetic 1500x1500', seismic, labels, height: H, width: W }];
    const common = { sections, classes: CLASSES, config, workerScript: join(dist, 'worker.js'), wasmDir: dist };
    // Stages 1 and 2 (zero epochs) once; both variants then run the same stage 3 from that checkpoint.
    await startTraining({ ...common, stages: [1, 2], runDir: join(base, 'stage1') }).done;
    const stage3 = (dir: string): TrainingRequest => ({ ...common, stages: [3], runDir: join(base, dir), resumeFrom: join(base, 'stage1') });
    const worker = await measure((r) => startTrainingInWorker(r, () => undefined, join(dist, 'engine.js')), stage3('threaded'));
    const inline = await measure((r) => startTraining(r), stage3('inline'));
    console.log(`Stage 3 (1 epoch, 2 steps) on a ${H}×${W} section, ${CLASSES} classes: the calling thread's event-loop delay`);
    console.log('');
    console.log('| engine | longest stall, ms | p99 stall, ms | run, s |');
    console.log('|---|---|---|---|');
    console.log(`| own thread (extension today) | ${worker.maxMs.toFixed(0)} | ${worker.p99Ms.toFixed(0)} | ${worker.seconds.toFixed(1)} |`);
    console.log(`| calling thread (before) | ${inline.maxMs.toFixed(0)} | ${inline.p99Ms.toFixed(0)} | ${inline.seconds.toFixed(1)} |`);
    console.log(`\nratio of longest stalls: ${(worker.maxMs / inline.maxMs).toFixed(3)}`);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
