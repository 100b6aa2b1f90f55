import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { classWeightsFromCounts, confidenceAwarePseudoLoss, crossEntropyLoss, focalLoss, labelCounts, mseLoss } from '../../../src/ml/losses';
import { Rng } from '../../../src/ml/random';
import { initBackend } from '../../../src/ml/backend';
import { setNativeKernelsEnabled } from '../../../src/ml/kernels/native';

const close = (a: number, b: number, eps = 1e-5) => assert.ok(Math.abs(a - b) <= eps * Math.max(1, Math.abs(b)), `${a} ≠ ${b}`);

/** Softmax of one row, in float64, for hand computation. */
function softmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

// 1 image, 1×3 pixels, 3 classes; the third pixel is unlabelled.
const LOGITS = [[2, 0, -1], [0.5, 0.5, 3], [1, 2, 3]];
const LABELS = [0, 1, 255];
const logitsT = () => tf.tensor4d(LOGITS.flat(), [1, 1, 3, 3]);
const labelsT = () => tf.tensor3d(LABELS, [1, 1, 3], 'int32');
const p0 = softmax(LOGITS[0])[0];
const p1 = softmax(LOGITS[1])[1];

describe('losses', () => {
  before(async () => { await tf.setBackend('cpu'); });

  it('cross-entropy is the mean of −log p_t over labelled pixels', async () => {
    const v = (await crossEntropyLoss(logitsT(), labelsT()).data())[0];
    close(v, (-Math.log(p0) - Math.log(p1)) / 2);
  });

  it('focal loss matches a hand computation, with class and pixel weights', async () => {
    const g = 2;
    const f = (p: number) => -((1 - p) ** g) * Math.log(p);
    close((await focalLoss(logitsT(), labelsT(), { gamma: g }).data())[0], (f(p0) + f(p1)) / 2);
    const cw = [0.5, 3, 7];
    close((await focalLoss(logitsT(), labelsT(), { gamma: g, classWeights: cw }).data())[0], (0.5 * f(p0) + 3 * f(p1)) / 2);
    const pw = tf.tensor3d([2, 0.25, 100], [1, 1, 3]);
    close((await focalLoss(logitsT(), labelsT(), { gamma: g, classWeights: cw, pixelWeights: pw }).data())[0], (2 * 0.5 * f(p0) + 0.25 * 3 * f(p1)) / 2);
  });

  it('focal loss with γ = 0 equals cross-entropy on random inputs', async () => {
    const rng = new Rng(1);
    const shape: [number, number, number, number] = [2, 5, 7, 4];
    const logits = tf.tensor4d(Array.from({ length: 280 }, () => rng.normal() * 3), shape);
    const labels = tf.tensor3d(Array.from({ length: 70 }, () => (rng.bool(0.3) ? 255 : rng.int(4))), [2, 5, 7], 'int32');
    const a = (await focalLoss(logits, labels, { gamma: 0 }).data())[0];
    const b = (await crossEntropyLoss(logits, labels).data())[0];
    close(a, b, 1e-7);
    // and focal with γ > 0 is strictly smaller (every (1−p_t)^γ < 1)
    assert.ok((await focalLoss(logits, labels, { gamma: 2 }).data())[0] < b);
  });

  it('stays finite for extreme logits (stable log-softmax)', async () => {
    const logits = tf.tensor4d([1000, -1000, 0, -1000, 1000, 0], [1, 1, 2, 3]);
    const labels = tf.tensor3d([1, 1], [1, 1, 2], 'int32');
    const v = (await crossEntropyLoss(logits, labels).data())[0];
    close(v, 1000, 1e-4); // first pixel: −log p = 2000, second ≈ 0 → mean 1000
    for (const gamma of [0, 0.5, 2]) assert.ok(Number.isFinite((await focalLoss(logits, labels, { gamma }).data())[0]));
  });

  it('returns 0 (not NaN) with zero gradient when no pixel is labelled', async () => {
    const logits = tf.variable(tf.randomNormal([1, 2, 2, 3], 0, 1, 'float32', 5));
    const labels = tf.fill([1, 2, 2], 255, 'int32') as tf.Tensor3D;
    const { value, grads } = tf.variableGrads(() => focalLoss(logits, labels, { gamma: 2 }), [logits]);
    assert.equal((await value.data())[0], 0);
    for (const g of await grads[logits.name].data()) assert.ok(g === 0, `gradient ${g}`);
    const conf = tf.ones([1, 2, 2]);
    assert.equal((await confidenceAwarePseudoLoss(logits, labels, conf, { gamma: 2, threshold: 0 }).data())[0], 0);
    assert.equal((await mseLoss(tf.ones([2, 2]), tf.zeros([2, 2]), tf.zeros([2, 2])).data())[0], 0);
    logits.dispose();
  });

  it('gradients are finite for γ in {0, 0.5, 1, 2} including saturated pixels, and match finite differences', async () => {
    const rng = new Rng(4);
    const base = Array.from({ length: 2 * 3 * 3 * 3 }, () => rng.normal() * 2);
    base[0] = 60; // a saturated pixel: p_t rounds to 1 in float32
    const labelsArr = Array.from({ length: 18 }, () => (rng.bool(0.2) ? 255 : rng.int(3)));
    labelsArr[0] = 0;
    const labels = tf.tensor3d(labelsArr, [2, 3, 3], 'int32');
    for (const gamma of [0, 0.5, 1, 2]) {
      const x = tf.variable(tf.tensor4d(base, [2, 3, 3, 3]));
      const { grads } = tf.variableGrads(() => focalLoss(x, labels, { gamma, classWeights: [1, 2, 0.5] }), [x]);
      const g = await grads[x.name].data();
      for (const v of g) assert.ok(Number.isFinite(v), `gamma ${gamma}: gradient ${v}`);
      // central differences on a few unsaturated coordinates
      for (const idx of [5, 13, 30]) {
        const h = 1e-2;
        const plus = [...base]; plus[idx] += h;
        const minus = [...base]; minus[idx] -= h;
        const lp = (await focalLoss(tf.tensor4d(plus, [2, 3, 3, 3]), labels, { gamma, classWeights: [1, 2, 0.5] }).data())[0];
        const lm = (await focalLoss(tf.tensor4d(minus, [2, 3, 3, 3]), labels, { gamma, classWeights: [1, 2, 0.5] }).data())[0];
        assert.ok(Math.abs((lp - lm) / (2 * h) - g[idx]) < 2e-3, `gamma ${gamma} idx ${idx}: fd ${(lp - lm) / (2 * h)} vs ${g[idx]}`);
      }
      x.dispose();
    }
  });

  it('confidence-aware pseudo loss weights by confidence, drops low-confidence pixels and ignores 255', async () => {
    const g = 1;
    const f = (p: number) => -((1 - p) ** g) * Math.log(p);
    const pseudo = tf.tensor3d([0, 1, 255], [1, 1, 3], 'int32');
    const conf = tf.tensor3d([0.9, 0.4, 0.99], [1, 1, 3]);
    // threshold 0.5 drops pixel 1; pixel 2 is unlabelled. 'labelled' normalisation divides by 2 labelled pixels.
    close((await confidenceAwarePseudoLoss(logitsT(), pseudo, conf, { gamma: g, threshold: 0.5 }).data())[0], (0.9 * f(p0)) / 2);
    close((await confidenceAwarePseudoLoss(logitsT(), pseudo, conf, { gamma: g, threshold: 0.5, normalize: 'kept' }).data())[0], 0.9 * f(p0));
    close((await confidenceAwarePseudoLoss(logitsT(), pseudo, conf, { gamma: g, threshold: 0.3 }).data())[0], (0.9 * f(p0) + 0.4 * f(p1)) / 2);
    close((await confidenceAwarePseudoLoss(logitsT(), pseudo, conf, { gamma: g, threshold: 0.3, classWeights: [2, 1, 1] }).data())[0], (2 * 0.9 * f(p0) + 0.4 * f(p1)) / 2);
  });

  it('sends no gradient into the confidence', async () => {
    const logits = tf.variable(tf.tensor4d(LOGITS.flat(), [1, 1, 3, 3]));
    const conf = tf.variable(tf.tensor3d([0.9, 0.8, 0.7], [1, 1, 3]));
    const { grads } = tf.variableGrads(() => confidenceAwarePseudoLoss(logits, tf.tensor3d([0, 1, 2], [1, 1, 3], 'int32'), conf, { gamma: 2, threshold: 0.1 }), [logits, conf]);
    for (const v of await grads[conf.name].data()) assert.ok(v === 0, `gradient ${v}`);
    assert.ok((await grads[logits.name].data()).some((v) => v !== 0));
    logits.dispose(); conf.dispose();
  });

  it('mse averages over the mask (broadcast over channels) and over everything without one', async () => {
    const pred = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
    const target = tf.tensor4d([0, 0, 0, 0], [1, 2, 2, 1]);
    close((await mseLoss(pred, target).data())[0], (1 + 4 + 9 + 16) / 4);
    close((await mseLoss(pred, target, tf.tensor4d([1, 0, 0, 1], [1, 2, 2, 1])).data())[0], (1 + 16) / 2);
    close((await mseLoss(pred, target, tf.tensor4d([1, 0], [1, 1, 2, 1])).data())[0], (1 + 9) / 2);
    assert.throws(() => mseLoss(pred, tf.zeros([1, 2, 2])), /differ in shape/);
  });

  it('rejects mismatched shapes, class-weight counts and negative γ', () => {
    assert.throws(() => crossEntropyLoss(logitsT(), tf.zeros([1, 3, 1], 'int32')), /labels must be/);
    assert.throws(() => focalLoss(logitsT(), labelsT(), { gamma: 1, classWeights: [1, 2] }), /2 class weights for 3 classes/);
    assert.throws(() => focalLoss(logitsT(), labelsT(), { gamma: -1 }), /gamma/);
  });

  it('leaks no tensors', () => {
    const logits = logitsT(), labels = labelsT(), conf = tf.ones([1, 1, 3]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      tf.dispose([
        focalLoss(logits, labels, { gamma: 2, classWeights: [1, 2, 3] }),
        crossEntropyLoss(logits, labels),
        confidenceAwarePseudoLoss(logits, labels, conf, { gamma: 2, threshold: 0.5, classWeights: [1, 1, 1] }),
        mseLoss(logits, logits, tf.ones([1, 1, 3, 1])),
      ]);
    }
    // the mask passed to mseLoss above is the only tensor created outside the losses
    assert.ok(tf.memory().numTensors - before <= 3, `${tf.memory().numTensors - before} tensors leaked`);
  });

  it('class weights from counts: inverse-frequency power, mean 1 over present classes, 0 for absent', () => {
    const w = classWeightsFromCounts([100, 25, 0], 1);
    // total 125 over 2 present classes: raw 0.625 and 2.5, mean 1.5625
    close(w[0], 0.625 / 1.5625);
    close(w[1], 2.5 / 1.5625);
    assert.equal(w[2], 0);
    assert.deepEqual(labelCounts(Uint8Array.of(0, 1, 1, 255, 2, 9), 3), [1, 2, 1]);
  });

  it('gives the same loss and gradients on the wasm backend (the default) as on cpu', async () => {
    const rng = new Rng(3);
    const L = Array.from({ length: 2 * 8 * 9 * 4 }, () => rng.normal() * 3);
    const lab = Array.from({ length: 144 }, () => (rng.bool(0.3) ? 255 : rng.int(4)));
    const conf = Array.from({ length: 144 }, () => rng.next());
    const run = async () => {
      const x = tf.variable(tf.tensor4d(L, [2, 8, 9, 4]));
      const labels = tf.tensor3d(lab, [2, 8, 9], 'int32');
      const c = tf.tensor3d(conf, [2, 8, 9]);
      const { value, grads } = tf.variableGrads(() => tf.addN([
        focalLoss(x, labels, { gamma: 2, classWeights: [1, 2, 0.5, 1] }),
        crossEntropyLoss(x, labels),
        confidenceAwarePseudoLoss(x, labels, c, { gamma: 2, threshold: 0.4 }),
        mseLoss(x, tf.zerosLike(x), tf.ones([2, 8, 9, 1])),
      ]) as tf.Scalar, [x]);
      const out = [(await value.data())[0], ...(await grads[x.name].data())];
      tf.dispose([x, labels, c, value, grads[x.name]]);
      return out;
    };
    const previous = tf.getBackend();
    const onCpu = await run();
    try {
      await initBackend('wasm');
      assert.equal(tf.getBackend(), 'wasm');
      const onWasm = await run();
      onCpu.forEach((v, i) => assert.ok(Math.abs(v - onWasm[i]) <= 1e-5 * Math.max(1e-2, Math.abs(v)), `entry ${i}: cpu ${v}, wasm ${onWasm[i]}`));
    } finally {
      await tf.setBackend(previous);
    }
  });

  // The fused kernel's exponentials run in our SIMD module, or in JS when it is off.
  for (const native of [true, false]) it(`the fused focal kernel on wasm (${native ? 'SIMD' : 'JS'} exponentials) matches the composed ops on cpu for γ in {0, 0.5, 1, 2}, saturated logits included, without leaks`, async () => {
    const rng = new Rng(11);
    const shape: [number, number, number, number] = [2, 5, 7, 6];
    const L = Array.from({ length: 2 * 5 * 7 * 6 }, (_, i) => (i % 17 === 0 ? 60 : rng.normal() * 4));
    const lab = Array.from({ length: 70 }, (_, i) => (i % 9 === 0 ? 255 : rng.int(6)));
    const w = Array.from({ length: 70 }, () => rng.next());
    const run = async (gamma: number) => {
      const x = tf.variable(tf.tensor4d(L, shape));
      const labels = tf.tensor3d(lab, [2, 5, 7], 'int32');
      const pixelWeights = tf.tensor3d(w, [2, 5, 7]);
      const before = tf.memory().numTensors;
      const { value, grads } = tf.variableGrads(() => focalLoss(x, labels, { gamma, pixelWeights, classWeights: [1, 2, 0.5, 1, 3, 1] }), [x]);
      const out = [(await value.data())[0], ...(await grads[x.name].data())];
      tf.dispose([value, grads[x.name]]);
      assert.equal(tf.memory().numTensors, before, `tensors leaked on ${tf.getBackend()} (γ = ${gamma})`);
      tf.dispose([x, labels, pixelWeights]);
      return out;
    };
    const previous = tf.getBackend();
    setNativeKernelsEnabled(native);
    try {
      for (const gamma of [0, 0.5, 1, 2]) {
        await tf.setBackend('cpu');
        const onCpu = await run(gamma);
        await initBackend('wasm');
        const onWasm = await run(gamma);
        assert.ok(onWasm.every(Number.isFinite), `γ = ${gamma}: non-finite value on wasm`);
        const scale = Math.max(...onCpu.map(Math.abs));
        onCpu.forEach((v, i) => assert.ok(Math.abs(v - onWasm[i]) <= 1e-5 * scale, `γ = ${gamma}, entry ${i}: cpu ${v}, wasm ${onWasm[i]}`));
      }
    } finally {
      setNativeKernelsEnabled(true);
      await tf.setBackend(previous);
    }
  });
});
