// The WebGPU backend (tfjs-backend-webgpu over Dawn for Node) against the wasm backend: the same training step gives
// the same losses, gradients and weights. `npm test` runs this stage with a software Vulkan driver (lavapipe) added
// when the machine has no GPU; without any adapter the numeric tests skip, saying why, and the fallback tests run.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/ml/backend';
import { NetTrainer } from '../../src/ml/cps';
import { makeConfig } from '../../src/ml/config';
import { UNet } from '../../src/ml/unet';
import { focalLoss } from '../../src/ml/losses';
import { adapterLabel, probeWebGpu, type WebGpuProbe } from '../../src/ml/webgpu';
import { WorkerClient } from '../../src/threads/workerClient';
import { buildWorker } from '../support/trainerFixtures';
import { relativeError } from '../support/relativeError';

const root = path.resolve(__dirname, '../..');

/**
 * Float32 on a GPU sums in another order than wasm: agreement to 1e-3 of each tensor's scale is what a correct kernel
 * gives (measured here on lavapipe: 1e-5 to 2e-5), and a wrong index or a missing term is off by far more.
 */
const TOLERANCE = 1e-3;

/** Run `f` on a backend and read its outputs back (asynchronously: webgpu cannot read synchronously in Node). */
async function on(backend: 'wasm' | 'webgpu', f: () => tf.Tensor[]): Promise<Float32Array[]> {
  await initBackend(backend);
  const outs = tf.tidy(f);
  const values = await Promise.all(outs.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose(outs);
  return values;
}

/** Deterministic inputs, made in plain arrays so both backends see the same values. */
function wave(length: number, period: number): Float32Array {
  return Float32Array.from({ length }, (_, i) => Math.sin(i / period) + 0.3 * Math.cos(i / (period * 2.7)));
}

let probe: WebGpuProbe;

describe('webgpu backend on a Dawn adapter', function () {
  this.timeout(300_000);
  before(async function () {
    probe = await probeWebGpu();
    if (!probe.ok) {
      console.log(`    skipped: ${probe.reason}${process.env.SEISGROW_WEBGPU_NOTE ? ` (${process.env.SEISGROW_WEBGPU_NOTE})` : ''}`);
      this.skip();
    }
    console.log(`    adapter: ${adapterLabel(probe.adapter)}${probe.adapter.software ? ' (software)' : ''}`);
  });
  after(async () => { await initBackend('wasm'); });

  it('an explicit webgpu request runs on the adapter and names it', async () => {
    const logs: string[] = [];
    const info = await initBackend('webgpu', { log: (m) => logs.push(m) });
    assert.ok(probe.ok);
    assert.equal(info.name, 'webgpu');
    assert.equal(tf.getBackend(), 'webgpu');
    assert.equal(info.device, adapterLabel(probe.adapter));
    assert.equal(info.fallbackReason, undefined);
    assert.ok(logs.some((l) => l.includes(`webgpu on ${info.device}`)), logs.join('\n'));
  });

  it('auto takes a real GPU adapter, and steps down to wasm from a software one, logging why', async function () {
    assert.ok(probe.ok);
    try { require.resolve('@tensorflow/tfjs-node-gpu'); this.skip(); } catch { /* not installed: auto reaches webgpu */ }
    const logs: string[] = [];
    const info = await initBackend('auto', { log: (m) => logs.push(m) });
    if (probe.adapter.software) {
      assert.equal(info.name, 'wasm');
      assert.match(info.fallbackReason ?? '', /webgpu: only a software adapter .*slower than wasm/);
      assert.ok(logs.some((l) => /no GPU adapter/.test(l)), logs.join('\n'));
    } else {
      assert.equal(info.name, 'webgpu');
      assert.equal(info.device, adapterLabel(probe.adapter));
    }
  });

  it('every weight gradient of a U-Net (batch norm, recon head) under the focal loss matches wasm', async () => {
    const config = { inChannels: 1, classes: 4, depth: 2, baseFilters: 8, dropout: 0, reconstruction: true };
    const n = 2, h = 24, w = 20;
    const xs = wave(n * h * w, 3.1);
    const ys = Int32Array.from({ length: n * h * w }, (_, i) => (i % 7 === 0 ? (i * 5) % 4 : 255));
    const f = () => {
      const x = tf.tensor4d(xs, [n, h, w, 1]);
      const labels = tf.tensor3d(ys, [n, h, w], 'int32');
      const net = new UNet(config, 7);
      const { value, grads } = tf.variableGrads(() => {
        const { logits, reconstruction } = net.forward(x, true);
        return tf.add(focalLoss(logits, labels, { gamma: 2 }), tf.mean(tf.square(tf.sub(reconstruction!, x)))) as tf.Scalar;
      }, net.trainableVariables);
      const out = [value, ...net.trainableVariables.map((v) => grads[v.name])];
      net.dispose();
      return out;
    };
    const gpu = await on('webgpu', f);
    const wasm = await on('wasm', f);
    assert.equal(gpu.length, wasm.length);
    assert.ok(gpu.length > 20, `${gpu.length} tensors`);
    let worst = 0;
    gpu.forEach((v, k) => { worst = Math.max(worst, relativeError(v, wasm[k])); });
    console.log(`      worst relative gradient error ${worst.toExponential(2)}`);
    assert.ok(worst < TOLERANCE, `worst relative error ${worst.toExponential(2)} (loss ${gpu[0][0]} vs ${wasm[0][0]})`);
  });

  it('three training steps of the product trainer (focal + CPS pseudo + recon, Adam) give wasm\'s losses and weights, leaking nothing', async () => {
    const spec = { inChannels: 1, classes: 3, depth: 2, baseFilters: 4, dropout: 0, reconstruction: true };
    const training = { config: makeConfig({ learningRate: 1e-2, focalGamma: 2, cps: { confidenceThreshold: 0, pseudoGamma: 2 }, reconWeight: 1 }), classWeights: null };
    const n = 2, h = 16, w = 24;
    const x = wave(n * h * w, 2.3);
    const labels = Uint8Array.from({ length: n * h * w }, (_, i) => (i % 5 === 0 ? Math.floor((i % (h * w)) / (h * w / 3)) : 255));
    const run = async (backend: 'wasm' | 'webgpu') => {
      await initBackend(backend);
      const t = new NetTrainer(spec, training, 3);
      const partner = await t.pseudoLabels(x, n, h, w);
      const losses = [await t.trainStep(x, n, h, w, labels, partner, 1)];
      const before = tf.memory().numTensors;
      for (let i = 0; i < 2; i++) losses.push(await t.trainStep(x, n, h, w, labels, partner, 1));
      const leaked = tf.memory().numTensors - before;
      const { weights } = await t.getState();
      t.dispose();
      return { losses, weights, leaked, partner };
    };
    const gpu = await run('webgpu');
    const wasm = await run('wasm');
    assert.equal(gpu.leaked, 0, 'tensors leaked on webgpu');
    assert.deepEqual(gpu.partner.argmax, wasm.partner.argmax);
    gpu.losses.forEach((l, k) => {
      for (const term of ['sup', 'pseudo', 'recon', 'total'] as const) {
        assert.ok(Math.abs(l[term] - wasm.losses[k][term]) <= TOLERANCE * Math.max(1, Math.abs(wasm.losses[k][term])),
          `step ${k} ${term}: webgpu ${l[term]} vs wasm ${wasm.losses[k][term]}`);
      }
    });
    assert.equal(gpu.weights.length, wasm.weights.length);
    let worst = 0;
    gpu.weights.forEach((wt, k) => { assert.equal(wt.name, wasm.weights[k].name); worst = Math.max(worst, relativeError(wt.data, wasm.weights[k].data)); });
    console.log(`      worst relative weight error after 3 steps ${worst.toExponential(2)}`);
    assert.ok(worst < TOLERANCE, `worst relative weight error after 3 steps ${worst.toExponential(2)}`);
  });

  it('a training worker thread loads Dawn, reports the adapter and trains a step on it', async () => {
    assert.ok(probe.ok);
    const client = new WorkerClient(buildWorker(), 'test-worker-webgpu');
    try {
      const ready = await client.request({
        type: 'init', role: 'a', backend: 'webgpu', seed: 4,
        network: { inChannels: 1, classes: 2, depth: 1, baseFilters: 4, dropout: 0, reconstruction: false },
        training: { config: makeConfig({ learningRate: 1e-3 }), classWeights: null },
      });
      assert.ok(ready.type === 'ready', ready.type);
      assert.equal(ready.backend.name, 'webgpu');
      assert.equal(ready.backend.device, adapterLabel(probe.adapter));
      const x = new Float32Array(2 * 16 * 16).map((_, i) => Math.sin(i / 4));
      const labels = new Uint8Array(2 * 16 * 16).map((_, i) => (i % 9 === 0 ? i % 2 : 255));
      const done = await client.request({ type: 'trainStep', x, labels, n: 2, h: 16, w: 16, lambda: 0 });
      assert.ok(done.type === 'stepDone' && Number.isFinite(done.losses.sup) && done.losses.sup > 0, JSON.stringify(done));
    } finally {
      await client.close();
    }
  });
});

describe('webgpu backend without an adapter', function () {
  this.timeout(60_000);

  /** Select a backend in a fresh process where the Vulkan loader sees no driver at all, so Dawn has no adapter. */
  function selectWithoutDriver(pref: string): { name?: string; fallbackReason?: string; code?: string; message?: string; logs: string[] } {
    const script = `
      const { initBackend } = require('./src/ml/backend');
      const logs = [];
      initBackend(${JSON.stringify(pref)}, { log: (m) => logs.push(m) })
        .then((i) => console.log(JSON.stringify({ ...i, logs })), (e) => console.log(JSON.stringify({ code: e.code, message: e.message, logs })));`;
    const env: NodeJS.ProcessEnv = { ...process.env, VK_ICD_FILENAMES: path.join(root, 'no-such-driver.json'), VK_DRIVER_FILES: path.join(root, 'no-such-driver.json') };
    delete env.VK_ADD_DRIVER_FILES;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: root, env, encoding: 'utf8' });
    return JSON.parse(out.trim().split('\n').pop()!);
  }

  it('auto falls back to wasm and gives the reason', function () {
    const r = selectWithoutDriver('auto');
    assert.equal(r.name, 'wasm', JSON.stringify(r));
    assert.match(r.fallbackReason ?? '', /webgpu: (Dawn found no WebGPU adapter|the webgpu package)/);
    assert.ok(r.logs.some((l) => l.includes('using wasm') && l.includes('webgpu:')), r.logs.join('\n'));
  });

  it('an explicit webgpu request is a clear backend-unavailable error that names the way out', () => {
    const r = selectWithoutDriver('webgpu');
    assert.equal(r.code, 'backend-unavailable', JSON.stringify(r));
    assert.match(r.message ?? '', /WebGPU backend is not available: .*Choose 'auto' or 'wasm'/);
  });
});
