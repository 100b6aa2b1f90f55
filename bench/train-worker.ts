// One benchmark network in a worker_thread (its own wasm or webgpu backend instance): times training steps and
// inference batches of the probe U-Net, each ended by a readback so a GPU's queued work is inside the time. In CPS mode two of these run side by side and swap per-pixel argmax maps through
// a SharedArrayBuffer every step, inside the loss, exactly when cross pseudo supervision needs them.
import * as tf from '@tensorflow/tfjs';
import { parentPort, workerData } from 'node:worker_threads';
import { initBackend } from '../src/ml/backend';
import { createAdam } from '../src/ml/kernels/adam';
import { crossEntropyLoss } from '../src/ml/losses';
import { UNet } from '../src/ml/unet';

/** What the bench sends to a worker. */
export interface TrainWorkerConfig {
  index: 0 | 1;
  /** 'webgpu' needs a Dawn adapter and runs without CPS (its exchange reads synchronously). */
  backend: 'wasm' | 'webgpu';
  /** Two networks exchanging pseudo-labels (needs `shared`). */
  cps: boolean;
  shared?: SharedArrayBuffer;
  batch: number;
  size: number;
  classes: number;
  steps: number;
  inferBatches: number;
}

/** What a worker reports back. */
export interface TrainWorkerResult {
  backend: string;
  /** The WebGPU adapter, on webgpu. */
  device?: string;
  parameters: number;
  stepMs: number[];
  stepCpuMs: number[];
  inferMs: number[];
  wasmHeapMiB: number;
}

const cfg = workerData as TrainWorkerConfig;

async function main(): Promise<TrainWorkerResult> {
  const info = await initBackend(cfg.backend);
  const net = new UNet({ inChannels: 1, classes: cfg.classes, depth: 3, baseFilters: 16, dropout: 0, reconstruction: false }, 1 + cfg.index);
  const optimizer = createAdam(1e-3);
  const pixels = cfg.batch * cfg.size * cfg.size;
  const x = tf.randomNormal([cfg.batch, cfg.size, cfg.size, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
  const labels = tf.randomUniform([cfg.batch, cfg.size, cfg.size], 0, cfg.classes, 'int32', 8) as tf.Tensor3D;
  const flags = cfg.shared ? new Int32Array(cfg.shared, 0, 2) : undefined;
  const maps = cfg.shared ? [0, 1].map((k) => new Uint8Array(cfg.shared!, 8 + k * pixels, pixels)) : [];
  let round = 0;

  /** Publish our argmax, wait (synchronously, we are inside the loss) for the partner's, return it as labels. */
  const exchange = (logits: tf.Tensor4D): tf.Tensor => {
    round++;
    const mine = tf.argMax(logits, -1).dataSync();
    maps[cfg.index].set(mine);
    Atomics.store(flags!, cfg.index, round);
    Atomics.notify(flags!, cfg.index);
    const other = 1 - cfg.index;
    while (Atomics.load(flags!, other) < round) Atomics.wait(flags!, other, Atomics.load(flags!, other), 60_000);
    return tf.tensor(maps[other], [cfg.batch, cfg.size, cfg.size], 'int32');
  };

  const step = async () => {
    const loss = tf.tidy(() => optimizer.minimize(() => {
      const { logits } = net.forward(x, true);
      // The product's cross-entropy (src/ml/losses.ts), as PyTorch's F.cross_entropy on the peer's side.
      let loss: tf.Scalar = crossEntropyLoss(logits, labels);
      if (cfg.cps) loss = tf.add(loss, crossEntropyLoss(logits, exchange(logits)));
      return loss;
    }, true, net.trainableVariables)!);
    await loss.data();
    loss.dispose();
  };
  const infer = async () => {
    const argmax = tf.tidy(() => net.forward(x, false).logits.argMax(-1));
    await argmax.data();
    argmax.dispose();
  };

  await step(); // warm-up: XNNPACK operators or compiled shaders, Adam slots
  const stepMs: number[] = [];
  const stepCpuMs: number[] = [];
  for (let i = 0; i < cfg.steps; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    await step();
    stepMs.push(performance.now() - t);
    const d = process.cpuUsage(c);
    stepCpuMs.push((d.user + d.system) / 1000);
  }
  const inferMs: number[] = [];
  await infer();
  for (let i = 0; i < cfg.inferBatches; i++) {
    const t = performance.now();
    await infer();
    inferMs.push(performance.now() - t);
  }
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } };
  const result: TrainWorkerResult = {
    backend: info.name, ...(info.device ? { device: info.device } : {}), parameters: net.parameterCount, stepMs, stepCpuMs, inferMs,
    wasmHeapMiB: (backend.wasm?.HEAPU8.length ?? 0) / 2 ** 20,
  };
  net.dispose();
  optimizer.dispose();
  return result;
}

main().then((r) => parentPort!.postMessage({ ok: true, result: r }), (e: Error) => parentPort!.postMessage({ ok: false, error: e.stack ?? String(e) }));
