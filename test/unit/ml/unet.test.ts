import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/ml/backend';
import { SeisGrowError } from '../../../src/shared/errors';
import { createAdam } from '../../../src/ml/kernels/adam';
import { UNet, padReflect } from '../../../src/ml/unet';
import type { NetworkDescription } from '../../../src/shared/trainingConfig';

const tiny: NetworkDescription = { inChannels: 1, classes: 3, depth: 2, baseFilters: 4, dropout: 0, reconstruction: false };

function image(shape: number[], seed: number): tf.Tensor4D {
  return tf.randomNormal(shape, 0, 1, 'float32', seed) as unknown as tf.Tensor4D;
}

/** Cross-entropy against a fixed label map, one Adam step per call; returns the loss before the step. */
function trainer(net: UNet, x: tf.Tensor4D, labels: tf.Tensor, lr = 1e-2) {
  const optimizer = createAdam(lr);
  return {
    step(): number {
      return tf.tidy(() => {
        const loss = optimizer.minimize(() => {
          const { logits, reconstruction } = net.forward(x, true);
          let l = tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), -1)));
          if (reconstruction) l = tf.add(l, tf.mean(tf.square(tf.sub(reconstruction, x))));
          return l as tf.Scalar;
        }, true, net.trainableVariables)!;
        return loss.dataSync()[0];
      });
    },
    dispose: () => optimizer.dispose(),
  };
}

function stripes(n: number, h: number, w: number, classes: number): tf.Tensor {
  return tf.oneHot(tf.tensor(Array.from({ length: n * h * w }, (_, i) => Math.floor((i % (h * w)) / w / (h / classes)) % classes), [n, h, w], 'int32'), classes);
}

describe('UNet', function () {
  this.timeout(120_000);
  before(async () => { await initBackend('wasm'); });

  it('the probe network (depth 3, 16 base filters, 6 classes) has 483,942 parameters like the PyTorch peer', () => {
    const net = new UNet({ inChannels: 1, classes: 6, depth: 3, baseFilters: 16, dropout: 0, reconstruction: false }, 1);
    try {
      assert.equal(net.parameterCount, 483_942);
      // BN moving statistics are counted but not trained: 2 × (16+32+64+128+64+32+16) × 2 values.
      const trainable = net.trainableVariables.reduce((n, v) => n + v.size, 0);
      assert.equal(net.parameterCount - trainable, 2 * 2 * 352);
    } finally { net.dispose(); }
  });

  it('keeps any input size: odd, tiny and one-pixel sections come back at their own size', () => {
    const net = new UNet({ ...tiny, depth: 3, reconstruction: true }, 2);
    try {
      for (const [h, w] of [[37, 53], [3, 5], [1, 9], [16, 16], [1, 1]]) {
        tf.tidy(() => {
          for (const training of [false, true]) {
            const { logits, reconstruction } = net.forward(image([2, h, w, 1], h * w), training);
            assert.deepEqual(logits.shape, [2, h, w, 3], `${h}×${w}`);
            assert.deepEqual(reconstruction!.shape, [2, h, w, 1], `${h}×${w}`);
            assert.ok(Array.from(logits.dataSync()).every(Number.isFinite), `${h}×${w} finite`);
          }
        });
      }
    } finally { net.dispose(); }
  });

  it('reflect padding mirrors without repeating the edge, and crops back exactly', () => {
    const x = tf.tensor4d([1, 2, 3], [1, 1, 3, 1]);
    assert.deepEqual(Array.from(padReflect(x, 0, 0, 2, 3).dataSync()), [3, 2, 1, 2, 3, 2, 1, 2]);
  });

  it('rejects input with the wrong channel count and bad configurations with SeisGrowError', () => {
    const net = new UNet(tiny, 1);
    try {
      assert.throws(() => net.forward(image([1, 8, 8, 2], 1), false), (e: unknown) => e instanceof SeisGrowError && e.code === 'bad-shape');
    } finally { net.dispose(); }
    assert.throws(() => new UNet({ ...tiny, depth: 0 }, 1), SeisGrowError);
    assert.throws(() => new UNet({ ...tiny, dropout: 1 }, 1), SeisGrowError);
  });

  it('is deterministic for a seed: same weights, and identical training (with dropout) on wasm', async () => {
    const config = { ...tiny, dropout: 0.3, reconstruction: true };
    const a = new UNet(config, 42);
    const b = new UNet(config, 42);
    const c = new UNet(config, 43);
    const x = image([2, 12, 20, 1], 5);
    const labels = stripes(2, 12, 20, 3);
    try {
      const wa = await a.getWeights();
      const wb = await b.getWeights();
      const wc = await c.getWeights();
      for (const k of Object.keys(wa)) assert.deepEqual(wa[k].data, wb[k].data, k);
      assert.notDeepEqual(wa['enc0.conv0.kernel'].data, wc['enc0.conv0.kernel'].data);
      const ta = trainer(a, x, labels);
      const tb = trainer(b, x, labels);
      const la = [ta.step(), ta.step(), ta.step()];
      const lb = [tb.step(), tb.step(), tb.step()];
      assert.deepEqual(la, lb);
      const after = [await a.getWeights(), await b.getWeights()];
      for (const k of Object.keys(wa)) assert.deepEqual(after[0][k].data, after[1][k].data, k);
      ta.dispose(); tb.dispose();
    } finally { a.dispose(); b.dispose(); c.dispose(); tf.dispose([x, labels]); }
  });

  it('weights round trip through getWeights/setWeights (including BN moving statistics)', async () => {
    const config = { ...tiny, reconstruction: true };
    const a = new UNet(config, 1);
    const b = new UNet(config, 2);
    const x = image([2, 10, 14, 1], 9);
    const labels = stripes(2, 10, 14, 3);
    try {
      const t = trainer(a, x, labels);
      t.step(); t.step(); t.dispose();
      const saved = await a.getWeights();
      assert.ok(saved['enc0.bn0.movingMean'].data.some((v) => v !== 0), 'moving mean was updated by training');
      b.setWeights(saved);
      tf.tidy(() => {
        const ya = a.forward(x, false);
        const yb = b.forward(x, false);
        assert.deepEqual(ya.logits.dataSync(), yb.logits.dataSync());
        assert.deepEqual(ya.reconstruction!.dataSync(), yb.reconstruction!.dataSync());
      });
    } finally { a.dispose(); b.dispose(); tf.dispose([x, labels]); }
  });

  it('setWeights names the mismatch: other class count, missing decoder, wrong shape', async () => {
    const net = new UNet(tiny, 1);
    const six = new UNet({ ...tiny, classes: 6 }, 1);
    const recon = new UNet({ ...tiny, reconstruction: true }, 1);
    try {
      const sixWeights = await six.getWeights();
      const reconWeights = await recon.getWeights();
      const netWeights = await net.getWeights();
      assert.throws(() => net.setWeights(sixWeights), (e: unknown) =>
        e instanceof SeisGrowError && e.code === 'weights-mismatch' && /dec\.head\.kernel/.test(e.message) && /1×1×4×6/.test(e.message));
      assert.throws(() => net.setWeights(reconWeights), (e: unknown) =>
        e instanceof SeisGrowError && /unexpected rec/.test(e.message));
      assert.throws(() => recon.setWeights(netWeights), (e: unknown) =>
        e instanceof SeisGrowError && /missing rec/.test(e.message));
      const w = netWeights;
      w['enc0.bn0.gamma'] = { shape: [4], data: new Float32Array(3) };
      assert.throws(() => net.setWeights(w), /enc0\.bn0\.gamma/);
    } finally { net.dispose(); six.dispose(); recon.dispose(); }
  });

  it('inference uses moving statistics: an image gives the same output alone or within a batch', () => {
    const net = new UNet(tiny, 4);
    const x = image([3, 8, 8, 1], 11);
    const labels = stripes(3, 8, 8, 3);
    try {
      const t = trainer(net, x, labels);
      t.step(); t.dispose();
      tf.tidy(() => {
        const batch = net.forward(x, false).logits.slice([1, 0, 0, 0], [1, -1, -1, -1]).dataSync();
        const alone = net.forward(x.slice([1, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D, false).logits.dataSync();
        const err = Math.max(...Array.from(batch, (v, i) => Math.abs(v - alone[i])));
        assert.ok(err < 1e-5, `difference ${err}`);
        // Training mode normalises with the batch's own statistics, so the same image differs.
        const trainBatch = net.forward(x, true).logits.slice([1, 0, 0, 0], [1, -1, -1, -1]).dataSync();
        const trainAlone = net.forward(x.slice([1, 0, 0, 0], [1, -1, -1, -1]) as tf.Tensor4D, true).logits.dataSync();
        assert.ok(Math.max(...Array.from(trainBatch, (v, i) => Math.abs(v - trainAlone[i]))) > 1e-3);
      });
    } finally { net.dispose(); tf.dispose([x, labels]); }
  });

  it('a tiny net overfits one image: the loss falls below a third of its start', () => {
    const net = new UNet(tiny, 3);
    const x = image([1, 16, 16, 1], 21);
    const labels = stripes(1, 16, 16, 3);
    try {
      const t = trainer(net, x, labels, 2e-2);
      const first = t.step();
      let last = first;
      for (let i = 0; i < 40; i++) last = t.step();
      t.dispose();
      assert.ok(last < first / 3, `loss ${first} → ${last}`);
    } finally { net.dispose(); tf.dispose([x, labels]); }
  });

  it('dispose releases every variable', async () => {
    const before = tf.memory().numTensors;
    const net = new UNet({ ...tiny, reconstruction: true }, 1);
    assert.ok(tf.memory().numTensors > before);
    net.dispose();
    assert.equal(tf.memory().numTensors, before);
    await assert.rejects(net.getWeights(), /dispose/);
  });
});
