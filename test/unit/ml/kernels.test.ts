import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/ml/backend';
import { createAdam } from '../../../src/ml/kernels/adam';
import { batchNormRelu } from '../../../src/ml/kernels/batchNorm';
import { setWinogradTile } from '../../../src/ml/kernels/conv2d';
import { setNativeKernelsEnabled } from '../../../src/ml/kernels/native';
import { UNet } from '../../../src/ml/unet';
import { relativeError } from '../../support/relativeError';

/** Run `f` on a backend and return its outputs' values (the backend is restored to wasm afterwards). */
async function on(backend: 'wasm' | 'cpu', f: () => tf.Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  try {
    const outs = tf.tidy(f);
    const values = outs.map((t) => t.dataSync() as Float32Array);
    tf.dispose(outs);
    return values;
  } finally {
    await tf.setBackend('wasm');
  }
}

/** A deterministic random tensor, created on the CPU so both backends see the same values. */
function rand(shape: number[], seed: number): tf.Tensor {
  return tf.tensor(tf.randomNormal(shape, 0, 1, 'float32', seed).dataSync(), shape);
}

interface ConvCase { n: number; h: number; w: number; ci: number; co: number; k: [number, number]; s: [number, number]; pad: 'same' | 'valid' | number }

const CASES: ConvCase[] = [
  { n: 2, h: 9, w: 11, ci: 3, co: 5, k: [3, 3], s: [1, 1], pad: 'same' },
  { n: 2, h: 9, w: 11, ci: 3, co: 5, k: [3, 3], s: [1, 1], pad: 'valid' },
  { n: 3, h: 13, w: 7, ci: 2, co: 4, k: [3, 3], s: [2, 2], pad: 'same' },
  { n: 3, h: 13, w: 7, ci: 2, co: 4, k: [3, 3], s: [2, 2], pad: 'valid' },
  { n: 1, h: 10, w: 12, ci: 1, co: 6, k: [3, 3], s: [2, 2], pad: 'same' },
  { n: 2, h: 8, w: 8, ci: 4, co: 3, k: [2, 2], s: [2, 2], pad: 'same' },
  { n: 2, h: 7, w: 9, ci: 4, co: 3, k: [2, 2], s: [2, 2], pad: 'valid' },
  { n: 2, h: 15, w: 14, ci: 5, co: 7, k: [5, 3], s: [1, 2], pad: 'same' },
  { n: 2, h: 12, w: 13, ci: 3, co: 2, k: [1, 1], s: [1, 1], pad: 'valid' },
  { n: 2, h: 17, w: 16, ci: 2, co: 3, k: [4, 4], s: [3, 3], pad: 'valid' },
  { n: 2, h: 11, w: 10, ci: 3, co: 4, k: [3, 3], s: [1, 1], pad: 1 },
  // Channel counts on the SIMD paths (multiples of 16) and the wide-layer XNNPACK path.
  { n: 2, h: 9, w: 7, ci: 5, co: 16, k: [3, 3], s: [1, 1], pad: 'same' },
  { n: 2, h: 10, w: 9, ci: 16, co: 32, k: [3, 3], s: [2, 2], pad: 'same' },
  { n: 1, h: 5, w: 6, ci: 128, co: 128, k: [3, 3], s: [1, 1], pad: 'same' },
  // Winograd F(2x2, 3x3) (3x3, stride 1, channels divisible by 4): odd sizes (partial edge tiles), both paddings,
  // 16/8/4-channel product blocks, and more tiles than one block holds.
  { n: 2, h: 9, w: 11, ci: 8, co: 8, k: [3, 3], s: [1, 1], pad: 'same' },
  { n: 3, h: 7, w: 6, ci: 4, co: 12, k: [3, 3], s: [1, 1], pad: 'valid' },
  { n: 1, h: 13, w: 10, ci: 20, co: 36, k: [3, 3], s: [1, 1], pad: 'same' },
  { n: 2, h: 6, w: 5, ci: 16, co: 8, k: [3, 3], s: [1, 1], pad: 1 },
  { n: 2, h: 40, w: 37, ci: 16, co: 16, k: [3, 3], s: [1, 1], pad: 'same' },
  { n: 1, h: 3, w: 4, ci: 12, co: 4, k: [3, 3], s: [1, 1], pad: 'valid' },
  // Direct SIMD loops with 8- and 4-channel blocks plus a scalar remainder (no Winograd: stride 2 or co % 4 ≠ 0).
  { n: 2, h: 9, w: 10, ci: 3, co: 12, k: [3, 3], s: [2, 2], pad: 'same' },
  { n: 2, h: 8, w: 7, ci: 4, co: 10, k: [3, 3], s: [1, 1], pad: 'same' },
  { n: 2, h: 11, w: 9, ci: 1, co: 8, k: [3, 3], s: [1, 1], pad: 'same' },
];

const label = (c: ConvCase) => `${c.n}×${c.h}×${c.w}×${c.ci}→${c.co}, kernel ${c.k.join('×')}, stride ${c.s.join('×')}, pad ${c.pad}`;

// Every kernel has a SIMD path (our kernels.c module) and a portable one (XNNPACK compositions and JS loops).
for (const native of [true, false]) describe(`wasm kernels (${native ? 'SIMD module' : 'portable fallbacks'}) against the CPU backend`, function () {
  this.timeout(120_000);
  before(async () => { await initBackend('wasm'); setNativeKernelsEnabled(native); });
  after(async () => { setNativeKernelsEnabled(true); await tf.setBackend('wasm'); });

  CASES.forEach((c, i) => {
    it(`Conv2D, Conv2DBackpropFilter and Conv2DBackpropInput: ${label(c)}`, async () => {
      const x = rand([c.n, c.h, c.w, c.ci], 10 + i);
      const filter = rand([c.k[0], c.k[1], c.ci, c.co], 20 + i);
      const out = tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, c.s, c.pad);
      const dy = rand(out.shape, 30 + i);
      const attrs = { strides: c.s, pad: c.pad, dataFormat: 'NHWC' };
      const grads = () => [
        tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, c.s, c.pad),
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { ...attrs, filterShape: filter.shape }) as tf.Tensor,
        tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: x.shape }) as tf.Tensor,
      ];
      const [wasmOut, wasmFilter, wasmInput] = await on('wasm', grads);
      const [cpuOut, cpuFilter, cpuInput] = await on('cpu', grads);
      assert.ok(relativeError(wasmOut, cpuOut) < 1e-5, `forward error ${relativeError(wasmOut, cpuOut)}`);
      assert.ok(relativeError(wasmFilter, cpuFilter) < 1e-5, `filter gradient error ${relativeError(wasmFilter, cpuFilter)}`);
      assert.ok(relativeError(wasmInput, cpuInput) < 1e-5, `input gradient error ${relativeError(wasmInput, cpuInput)}`);
      tf.dispose([x, filter, out, dy]);
    });
  });

  // 'auto' picks by channel count; each Winograd tile is also forced on every 3x3 stride-1 case.
  for (const tile of [2, 4] as const) it(`Winograd F(${tile}x${tile}, 3x3) forced: forward, input gradient and FusedConv2D on every 3x3 stride-1 case`, async () => {
    setWinogradTile(tile);
    try {
      for (const [i, c] of CASES.entries()) {
        if (c.k[0] !== 3 || c.k[1] !== 3 || c.s[0] !== 1 || c.s[1] !== 1 || c.ci % 4 || c.co % 4 || c.ci > 64) continue;
        const x = rand([c.n, c.h, c.w, c.ci], 10 + i);
        const filter = rand([3, 3, c.ci, c.co], 20 + i);
        const bias = rand([c.co], 40 + i);
        const dy = rand(tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, 1, c.pad).shape, 30 + i);
        const f = () => [
          tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, 1, c.pad),
          tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { strides: 1, pad: c.pad, dataFormat: 'NHWC', inputShape: x.shape }) as tf.Tensor,
          tf.fused.conv2d({ x: x as tf.Tensor4D, filter: filter as tf.Tensor4D, strides: 1, pad: c.pad, bias, activation: 'relu' }),
        ];
        const a = await on('wasm', f);
        const b = await on('cpu', f);
        a.forEach((v, k) => assert.ok(relativeError(v, b[k]) < 1e-5, `${label(c)} output ${k}: ${relativeError(v, b[k])}`));
        tf.dispose([x, filter, bias, dy]);
      }
    } finally {
      setWinogradTile('auto');
    }
  });

  it('FusedConv2D (folded BatchNorm: bias + ReLU, or linear without bias) matches', async () => {
    for (const [ci, co] of [[5, 16], [3, 6], [128, 128], [8, 12], [4, 10]]) {
      const x = rand([2, 9, 10, ci], 93);
      const filter = rand([3, 3, ci, co], 94);
      const bias = rand([co], 95);
      const f = () => [
        tf.fused.conv2d({ x: x as tf.Tensor4D, filter: filter as tf.Tensor4D, strides: 1, pad: 'same', bias, activation: 'relu' }),
        tf.fused.conv2d({ x: x as tf.Tensor4D, filter: filter as tf.Tensor4D, strides: 2, pad: 'valid' }),
      ];
      const a = await on('wasm', f);
      const b = await on('cpu', f);
      a.forEach((v, k) => assert.ok(relativeError(v, b[k]) < 1e-5, `${ci}→${co} output ${k}: ${relativeError(v, b[k])}`));
    }
  });

  it('dilated conv2d forward (stock XNNPACK path) matches', async () => {
    const x = rand([2, 12, 11, 3], 91);
    const filter = rand([3, 3, 3, 16], 92);
    const f = () => [tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, 1, 'same', 'NHWC', 2)];
    const [a] = await on('wasm', f);
    const [b] = await on('cpu', f);
    assert.ok(relativeError(a, b) < 1e-5, `error ${relativeError(a, b)}`);
  });

  it('conv2dTranspose (upsampling) forward and gradients, odd output sizes', async () => {
    for (const [h, w, outH, outW] of [[4, 5, 8, 10], [3, 4, 5, 7], [5, 5, 10, 9]]) {
      const x = rand([2, h, w, 6], h * 7 + w);
      const filter = rand([2, 2, 3, 6], 99);
      const f = () => {
        const g = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.sum(tf.mul(tf.conv2dTranspose(a as tf.Tensor4D, b as tf.Tensor4D, [2, outH, outW, 3], 2, 'same'), tf.range(0, 2 * outH * outW * 3).reshape([2, outH, outW, 3]).mod(7))));
        const y = tf.conv2dTranspose(x as tf.Tensor4D, filter as tf.Tensor4D, [2, outH, outW, 3], 2, 'same');
        return [y, ...g([x, filter])];
      };
      const wasm = await on('wasm', f);
      const cpu = await on('cpu', f);
      wasm.forEach((v, k) => assert.ok(relativeError(v, cpu[k]) < 1e-5, `output ${k} for ${h}×${w}→${outH}×${outW}: ${relativeError(v, cpu[k])}`));
      tf.dispose([x, filter]);
    }
  });

  it('conv2d gradients through tf.grads match for a dilated-free chain with batch > 1', async () => {
    const x = rand([3, 10, 9, 2], 5);
    const w1 = rand([3, 3, 2, 4], 6);
    const w2 = rand([3, 3, 4, 3], 7);
    const f = () => tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
      tf.sum(tf.square(tf.conv2d(tf.relu(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')), c as tf.Tensor4D, 1, 'valid'))))([x, w1, w2]);
    const wasm = await on('wasm', f);
    const cpu = await on('cpu', f);
    wasm.forEach((v, k) => assert.ok(relativeError(v, cpu[k]) < 1e-5, `gradient ${k}: ${relativeError(v, cpu[k])}`));
  });

  it('Concat and SplitV (its gradient) on several axes, short and long runs', async () => {
    for (const [shapes, axis] of [
      [[[2, 5, 7, 3], [2, 5, 7, 4]], 3], [[[2, 5, 7, 3], [2, 5, 7, 3], [2, 5, 7, 1]], -1], [[[2, 3, 7, 6], [2, 4, 7, 6]], 1],
      [[[3, 40, 30], [2, 40, 30]], 0], [[[2, 300], [2, 5]], 1],
    ] as [number[][], number][]) {
      const xs = shapes.map((s, k) => rand(s, 70 + k));
      const f = () => {
        const weights = rand(tf.concat(xs, axis).shape, 79);
        const grads = tf.grads((...a: tf.Tensor[]) => tf.sum(tf.mul(tf.concat(a, axis), weights)))(xs);
        const sizes = shapes.map((s) => s[axis < 0 ? s.length + axis : axis]);
        return [tf.concat(xs, axis), ...grads, ...tf.split(tf.concat(xs, axis), sizes, axis)];
      };
      const wasm = await on('wasm', f);
      const cpu = await on('cpu', f);
      wasm.forEach((v, k) => assert.deepEqual(v, cpu[k], `output ${k} for ${JSON.stringify(shapes)} axis ${axis}`));
    }
  });

  it('MaxPoolGrad: odd sizes, strides, same padding and ties (zeros after a ReLU) route like the CPU backend', async () => {
    for (const [shape, size, stride, pad] of [
      [[2, 8, 10, 3], 2, 2, 'valid'], [[2, 9, 11, 4], 2, 2, 'valid'], [[1, 9, 7, 2], 3, 2, 'same'], [[2, 6, 6, 5], 3, 1, 'same'],
    ] as [number[], number, number, 'same' | 'valid'][]) {
      const x = tf.relu(rand(shape, 81));
      const f = () => tf.grads((a: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(a as tf.Tensor4D, size, stride, pad), tf.range(1, 1 + tf.maxPool(x as tf.Tensor4D, size, stride, pad).size).reshape(tf.maxPool(x as tf.Tensor4D, size, stride, pad).shape))))([x]);
      const wasm = await on('wasm', f);
      const cpu = await on('cpu', f);
      assert.deepEqual(wasm[0], cpu[0], `${shape} pool ${size}/${stride} ${pad}`);
    }
  });

  it('Sum over leading axes (bias gradients), with keepDims, and over other axes (stock path)', async () => {
    const x = tf.add(tf.mul(rand([3, 9, 7, 5], 85), 4), 100); // a large mean: float32 running sums would drift
    const m = rand([6, 10], 86);
    const f = () => [tf.sum(x, [0, 1, 2]), tf.sum(x, [2, 0, 1], true), tf.sum(x, 0), tf.sum(x, [1, 2]), tf.sum(m, 0), tf.sum(m, 1),
      tf.sum(m), tf.grads((a: tf.Tensor) => tf.sum(tf.mul(tf.add(a, tf.ones([5])), x)))([x])[0]];
    const wasm = await on('wasm', f);
    const cpu = await on('cpu', f);
    wasm.forEach((v, k) => assert.ok(relativeError(v, cpu[k]) < 1e-6, `output ${k}: ${relativeError(v, cpu[k])}`));
    assert.deepEqual(tf.sum(x, [2, 0, 1], true).shape, [1, 1, 1, 5]);
  });

  // 3 channels: the JS loops; 4 and 20: the SIMD kernel's 4- and 16-channel groups; a large mean tests cancellation.
  for (const [channels, offset] of [[3, 1.5], [4, 1.5], [20, 40]] as const) it(`batchNormRelu (${channels} channels, mean ≈ ${offset}): forward and gradients equal autodiff through moments()`, async () => {
    const x = tf.add(tf.mul(rand([3, 7, 5, channels], 41), 3), offset);
    const gamma = rand([channels], 42);
    const beta = rand([channels], 43);
    const dyMask = rand([3, 7, 5, channels], 44);
    const ours = () => {
      let stats: tf.Tensor[] = [];
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
        const r = batchNormRelu(a as tf.Tensor4D, b as tf.Tensor1D, c as tf.Tensor1D, 1e-5);
        stats = [r.mean, r.variance];
        return tf.sum(tf.mul(r.y, dyMask));
      })([x, gamma, beta]);
      const y = batchNormRelu(x as tf.Tensor4D, gamma as tf.Tensor1D, beta as tf.Tensor1D, 1e-5);
      const out = [y.y, ...g, ...stats];
      tf.dispose([y.mean, y.variance]);
      return out;
    };
    const reference = () => {
      const bn = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
        const { mean, variance } = tf.moments(a, [0, 1, 2]);
        return tf.relu(tf.add(tf.mul(tf.div(tf.sub(a, mean), tf.sqrt(tf.add(variance, 1e-5))), b), c));
      };
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.sum(tf.mul(bn(a, b, c), dyMask)))([x, gamma, beta]);
      const { mean, variance } = tf.moments(x, [0, 1, 2]);
      return [bn(x, gamma, beta), ...g, mean, variance];
    };
    for (const backend of ['wasm', 'cpu'] as const) {
      const a = await on(backend, ours);
      const b = await on('cpu', reference);
      a.forEach((v, k) => assert.ok(relativeError(v, b[k]) < 1e-5, `${backend} output ${k}: ${relativeError(v, b[k])}`));
    }
  });

  it('fused Adam on wasm follows the stock tf.train.adam on cpu over 4 steps, with the same slot names, and resumes from its state', async () => {
    const shapes = [[3, 3, 4, 8], [8], [5, 7]];
    const init = shapes.map((sh, k) => rand(sh, 110 + k));
    const grads = [0, 1, 2, 3].map((step) => shapes.map((sh, k) => rand(sh, 120 + 10 * step + k)));
    const run = (make: () => tf.AdamOptimizer, steps: number[], from?: { name: string; tensor: tf.Tensor }[], start?: Float32Array[]) => {
      const vars = init.map((t, k) => tf.tidy(() => tf.variable(start ? tf.tensor(start[k], t.shape) : t.clone(), true, `adam-test-${k}-${Math.random()}`)));
      const opt = make();
      return (async () => {
        if (from) {
          // setWeights adopts the moment tensors as variables and only reads the iteration count.
          const copies = from.map((w) => ({ name: w.name, tensor: w.tensor.clone() }));
          await opt.setWeights(copies);
          tf.dispose(copies.map((c) => c.tensor));
        }
        for (const step of steps) opt.applyGradients(vars.map((v, k) => ({ name: v.name, tensor: grads[step][k] })));
        const values = vars.map((v) => v.dataSync() as Float32Array);
        const weights = await opt.getWeights();
        const state = weights.map((w) => ({ name: w.name.replace(/adam-test-(\d)-[0-9.]+/, 'v$1'), tensor: w.tensor.clone() }));
        weights[0].tensor.dispose(); // the iteration count is a fresh scalar; the slots are the optimizer's variables
        opt.dispose();
        vars.forEach((v) => v.dispose());
        return { values, state };
      })();
    };
    await tf.setBackend('cpu');
    const stock = await run(() => tf.train.adam(0.01), [0, 1, 2, 3]);
    await tf.setBackend('wasm');
    const fused = await run(() => createAdam(0.01), [0, 1, 2, 3]);
    const before = tf.memory().numTensors;
    const half = await run(() => createAdam(0.01), [0, 1]);
    const resumed = await run(() => createAdam(0.01), [2, 3], half.state, half.values);
    fused.values.forEach((v, k) => assert.ok(relativeError(v, stock.values[k]) < 1e-5, `variable ${k}: ${relativeError(v, stock.values[k])}`));
    // Resuming recomputes β^t with pow instead of the running product (as the stock Adam does): not bit-identical.
    resumed.values.forEach((v, k) => assert.ok(relativeError(v, fused.values[k]) < 1e-6, `resumed variable ${k}: ${relativeError(v, fused.values[k])}`));
    assert.deepEqual(fused.state.map((w) => [w.name, w.tensor.shape]), stock.state.map((w) => [w.name, w.tensor.shape]));
    fused.state.forEach((w, k) => assert.ok(relativeError(w.tensor.dataSync(), stock.state[k].tensor.dataSync()) < 1e-5, `slot ${w.name}`));
    tf.dispose([...half.state.map((w) => w.tensor), ...resumed.state.map((w) => w.tensor)]);
    assert.equal(tf.memory().numTensors, before, 'tensors leaked');
    tf.dispose([...stock.state.map((w) => w.tensor), ...fused.state.map((w) => w.tensor), ...init, ...grads.flat()]);
  });

  it('whole small U-Net: every weight gradient on wasm matches the CPU backend', async () => {
    const config = { inChannels: 1, classes: 3, depth: 2, baseFilters: 4, dropout: 0, reconstruction: true };
    const x = rand([2, 13, 18, 1], 51);
    const labels = tf.oneHot(tf.tensor(Array.from({ length: 2 * 13 * 18 }, (_, i) => (i * 7) % 3), [2, 13, 18], 'int32'), 3);
    const f = () => {
      const net = new UNet(config, 7);
      const { grads } = tf.variableGrads(() => {
        const { logits, reconstruction } = net.forward(x as tf.Tensor4D, true);
        const ce = tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), -1)));
        return tf.add(ce, tf.mean(tf.square(tf.sub(reconstruction!, x)))) as tf.Scalar;
      }, net.trainableVariables);
      const out = net.trainableVariables.map((v) => grads[v.name]);
      net.dispose();
      return out;
    };
    const wasm = await on('wasm', f);
    const cpu = await on('cpu', f);
    assert.equal(wasm.length, cpu.length);
    let worst = 0;
    wasm.forEach((v, k) => { worst = Math.max(worst, relativeError(v, cpu[k])); });
    assert.ok(worst < 1e-4, `worst relative gradient error ${worst}`);
  });

  it('no tensor leaks: numTensors constant across 5 Adam training steps on wasm', async () => {
    await initBackend('wasm');
    const net = new UNet({ inChannels: 1, classes: 4, depth: 2, baseFilters: 4, dropout: 0.2, reconstruction: true }, 3);
    const optimizer = createAdam(1e-3);
    const x = rand([2, 16, 20, 1], 61);
    const labels = tf.oneHot(tf.tensor(Array.from({ length: 2 * 16 * 20 }, (_, i) => i % 4), [2, 16, 20], 'int32'), 4);
    const step = () => tf.tidy(() => {
      optimizer.minimize(() => {
        const { logits, reconstruction } = net.forward(x as tf.Tensor4D, true);
        const ce = tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), -1)));
        return tf.add(ce, tf.mean(tf.square(tf.sub(reconstruction!, x)))) as tf.Scalar;
      }, false, net.trainableVariables);
    });
    step(); // Adam creates its moment variables on the first step.
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    for (let i = 0; i < 5; i++) { step(); counts.push(tf.memory().numTensors); }
    assert.deepEqual(counts, counts.map(() => before));
    optimizer.dispose();
    net.dispose();
    tf.dispose([x, labels]);
  });
});
