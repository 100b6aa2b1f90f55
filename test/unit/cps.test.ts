import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../src/ml/backend';
import { NetTrainer, pseudoLabelsFromLogits, pseudoTargets } from '../../src/ml/cps';

describe('cps: pseudo labels', () => {
  before(async () => { await initBackend('cpu'); });

  it('takes argmax and max softmax probability per pixel', () => {
    const logits = tf.tensor4d([0, 2, 0, 5, 1, 1], [1, 1, 2, 3]);
    const p = pseudoLabelsFromLogits(logits);
    logits.dispose();
    assert.deepEqual(p.argmax, Uint8Array.from([1, 0]));
    const e = Math.exp(2) / (2 + Math.exp(2));
    assert.ok(Math.abs(p.confidence[0] - e) < 1e-6);
  });

  it('pseudo targets cover only unlabelled pixels', () => {
    const t = pseudoTargets({ argmax: Uint8Array.from([3, 4, 5]), confidence: new Float32Array(3) }, Uint8Array.from([255, 1, 255]));
    assert.deepEqual(t, Int32Array.from([3, 255, 5]));
  });
});

describe('cps: one network of the pair (wasm backend)', function () {
  this.timeout(120_000);
  before(async () => { await initBackend('wasm'); });
  const spec = { inChannels: 1, classes: 3, depth: 1, baseFilters: 4, dropout: 0, reconstruction: true };
  const training = { learningRate: 1e-2, focalGamma: 2, classWeights: null, pseudoThreshold: 0, reconWeight: 1 };

  it('lowers its loss on a batch, reports every loss term, and leaks no tensors', () => {
    const t = new NetTrainer(spec, training, 1);
    const n = 2, h = 16, w = 16;
    const x = new Float32Array(n * h * w).map((_, i) => Math.sin(i / 3));
    const labels = new Uint8Array(n * h * w).map((_, i) => (i % 4 === 0 ? Math.floor((i % (h * w)) / (h * w / 3)) : 255));
    const partner = t.pseudoLabels(x, n, h, w);
    const first = t.trainStep(x, n, h, w, labels, partner, 1);
    assert.ok(first.sup > 0 && first.pseudo > 0 && first.recon > 0);
    assert.ok(Math.abs(first.total - (first.sup + first.pseudo + first.recon)) < 1e-4);
    const before = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 8; i++) last = t.trainStep(x, n, h, w, labels, null, 0);
    assert.equal(tf.memory().numTensors, before);
    assert.ok(last.sup < first.sup, `${last.sup} < ${first.sup}`);
    t.dispose();
  });

  it('restores weights and optimizer state exactly', async () => {
    const a = new NetTrainer(spec, training, 1);
    const n = 1, h = 16, w = 16;
    const x = new Float32Array(n * h * w).map((_, i) => Math.cos(i / 5));
    const labels = new Uint8Array(n * h * w).map((_, i) => i % 3);
    a.trainStep(x, n, h, w, labels, null, 0);
    const state = await a.getState();
    const b = new NetTrainer(spec, training, 99);
    await b.setState(state.weights, state.optimizer);
    assert.deepEqual(await b.forwardProbabilities(x, n, h, w), await a.forwardProbabilities(x, n, h, w));
    const la = a.trainStep(x, n, h, w, labels, null, 0);
    const lb = b.trainStep(x, n, h, w, labels, null, 0);
    assert.equal(la.total, lb.total);
    a.dispose(); b.dispose();
  });
});
