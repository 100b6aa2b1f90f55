import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../../../src/ml/backend';
import { SeisGrowError } from '../../../src/shared/errors';
import { NetTrainer, consistencyTargets, orderedPseudoLabels, pseudoLabelsFromLogits, pseudoTargets, splitGrown, type ConsistencyTerm } from '../../../src/ml/cps';
import { focalLoss } from '../../../src/ml/losses';
import { makeConfig } from '../../../src/ml/config';
import { packGeometry, strongView } from '../../../src/ml/data/augment';
import { cutMixSources, gatherPixels } from '../../../src/ml/data/cutMix';
import { Rng } from '../../../src/ml/random';

describe('cps: pseudo labels', () => {
  before(async () => { await initBackend('cpu'); });

  it('takes argmax and max softmax probability per pixel', async () => {
    const logits = tf.tensor4d([0, 2, 0, 5, 1, 1], [1, 1, 2, 3]);
    const p = await pseudoLabelsFromLogits(logits);
    logits.dispose();
    assert.deepEqual(p.argmax, Uint8Array.from([1, 0]));
    const e = Math.exp(2) / (2 + Math.exp(2));
    assert.ok(Math.abs(p.confidence[0] - e) < 1e-6);
  });

  it('ordered pseudo labels: each column of each patch keeps the units\' order, with the probability of the class kept', async () => {
    // 2 patches of 3 × 1 pixels, 2 classes; patch 0 has an unsure island of class 0 below class 1 (0, 1, 0 by argmax).
    const logits = tf.tensor4d([0, 2, 0.2, 0, 0, 3, /* patch 1 */ 3, 0, 0, 3, 0, 3], [2, 3, 1, 2]);
    const plain = await pseudoLabelsFromLogits(logits);
    assert.deepEqual([...plain.argmax], [1, 0, 1, 0, 1, 1]);
    const ordered = await orderedPseudoLabels(logits, [1, 0]); // class 1 lies above class 0 here
    logits.dispose();
    // Patch 0 stays in unit 1 (the island goes); patch 1 says 0 above 1, against the order: its most probable ordered
    // column is unit 1 all the way down.
    assert.deepEqual([...ordered.argmax], [1, 1, 1, 1, 1, 1]);
    const p10 = 1 / (1 + Math.exp(0.2)); // probability of class 1 at patch 0, row 1 (logits 0.2, 0)
    assert.ok(Math.abs(ordered.confidence[1] - p10) < 1e-6);
  });

  it('pseudo targets cover only unlabelled pixels', () => {
    const t = pseudoTargets({ argmax: Uint8Array.from([3, 4, 5]), confidence: new Float32Array(3) }, Uint8Array.from([255, 1, 255]));
    assert.deepEqual(t, Int32Array.from([3, 255, 5]));
  });

  it('splits a batch\'s labels into the seeds\' and the grown labels\' targets', () => {
    const { seeds, grown } = splitGrown(Uint8Array.from([1, 2, 255, 3]), Uint8Array.from([0, 1, 0, 1]));
    assert.deepEqual(seeds, Int32Array.from([1, 255, 255, 255]));
    assert.deepEqual(grown, Int32Array.from([255, 2, 255, 3]));
  });

  it('consistency targets: the weak view\'s argmax on unlabelled pixels, moved with a shifted (and flipped) strong view', async () => {
    const n = 2, h = 4, w = 5;
    // argmax = 10·row + column of the weak view (one patch each), confidence = its value / 100
    const argmax = Uint8Array.from({ length: n * h * w }, (_, i) => 10 * Math.floor((i % (h * w)) / w) + (i % w));
    const own = { argmax, confidence: Float32Array.from(argmax, (v) => v / 100) };
    const labels = new Uint8Array(n * h * w).fill(255);
    labels[h * w + 0] = 1; // patch 1, pixel (0, 0) is labelled: the supervised term speaks there
    const geometry = packGeometry([{ flip: false, dy: 1, dx: 2 }, { flip: true, dy: -1, dx: 0 }]);
    const { targets, confidence } = consistencyTargets(own, labels, geometry, n, h, w);
    // patch 0: out[y][x] = in[y-1][x-2]; row 0 and columns 0, 1 came from outside
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const want = y >= 1 && x >= 2 ? 10 * (y - 1) + (x - 2) : 255;
      assert.equal(targets[i], want, `patch 0 (${y}, ${x})`);
      assert.ok(Math.abs(confidence[i] - (want === 255 ? 0 : want / 100)) < 1e-7);
    }
    // patch 1: mirrored, then out[y] = in[y+1]; the last row came from outside, the labelled (0, 0) never reaches a target
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const i = h * w + y * w + x;
      const sy = y + 1, sx = w - 1 - x;
      const want = sy < h && !(sy === 0 && sx === 0) ? 10 * sy + sx : 255;
      assert.equal(targets[i], want, `patch 1 (${y}, ${x})`);
    }
    assert.throws(() => consistencyTargets(own, labels, geometry.subarray(0, 3), n, h, w), SeisGrowError);
  });
});

describe('cps: one network of the pair (wasm backend)', function () {
  this.timeout(120_000);
  before(async () => { await initBackend('wasm'); });
  const spec = { inChannels: 1, classes: 3, depth: 1, baseFilters: 4, dropout: 0, reconstruction: true };
  const settings = { learningRate: 1e-2, focalGamma: 2, cps: { confidenceThreshold: 0, pseudoGamma: 2 }, reconWeight: 1 };
  const training = { config: makeConfig(settings), classWeights: null };

  it('lowers its loss on a batch, reports every loss term, and leaks no tensors', async () => {
    const t = new NetTrainer(spec, training, 1);
    const n = 2, h = 16, w = 16;
    const x = new Float32Array(n * h * w).map((_, i) => Math.sin(i / 3));
    const labels = new Uint8Array(n * h * w).map((_, i) => (i % 4 === 0 ? Math.floor((i % (h * w)) / (h * w / 3)) : 255));
    const partner = await t.pseudoLabels(x, n, h, w);
    const first = await t.trainStep(x, n, h, w, labels, partner, 1);
    assert.ok(first.sup > 0 && first.pseudo > 0 && first.recon > 0);
    assert.ok(Math.abs(first.total - (first.sup + first.pseudo + first.recon)) < 1e-4);
    const before = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 8; i++) last = await t.trainStep(x, n, h, w, labels, null, 0);
    assert.equal(tf.memory().numTensors, before);
    assert.ok(last.sup < first.sup, `${last.sup} < ${first.sup}`);
    t.dispose();
  });

  it('pretraining: rebuilds the hidden amplitude better step by step, trains the encoder and never the segmentation decoder', async () => {
    const t = new NetTrainer(spec, training, 5);
    const n = 2, h = 16, w = 16;
    const x = new Float32Array(n * h * w).map((_, i) => Math.sin(i / 3) + 0.5 * Math.cos(Math.floor(i / w) / 2));
    const mask = new Uint8Array(n * h * w).map((_, i) => (Math.floor((i % (h * w)) / w / 4) % 2 === Math.floor((i % w) / 4) % 2 ? 1 : 0));
    const before = (await t.getState()).weights;
    const first = await t.pretrainStep(x, n, h, w, mask);
    assert.ok(first.recon > 0 && first.sup === 0 && first.pseudo === 0 && first.total === first.recon);
    const tensors = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 15; i++) last = await t.pretrainStep(x, n, h, w, mask);
    assert.equal(tf.memory().numTensors, tensors, 'no tensor leaks');
    assert.ok(last.recon < first.recon, `${last.recon} < ${first.recon}`);
    const after = (await t.getState()).weights;
    const moved = (re: RegExp): boolean => before.some((b, k) => re.test(b.name) && !/moving/i.test(b.name) && b.data.some((v, i) => v !== after[k].data[i]));
    assert.ok(moved(/^enc/), 'the encoder learns from the pretext');
    assert.ok(!moved(/^dec/), 'the segmentation decoder is left as it was');
    assert.ok(moved(/^rec/), 'the reconstruction decoder learns');
    // Same weights, same hidden pixels, other visible values: another loss, since the visible pixels are the input.
    const other = x.map((v, i) => (mask[i] ? v : v + 5));
    const probe = new NetTrainer(spec, training, 6);
    const clone = new NetTrainer(spec, training, 6);
    assert.ok((await probe.pretrainStep(x, n, h, w, mask)).recon !== (await clone.pretrainStep(other, n, h, w, mask)).recon, 'the visible pixels are the network\'s input');
    // Training steps follow on the same optimizer (its moments are kept by position: the variable list must not change).
    const labels = new Uint8Array(n * h * w).map((_, i) => (i % 4 === 0 ? i % 3 : 255));
    const s1 = await t.trainStep(x, n, h, w, labels, null, 0);
    for (let i = 0; i < 4; i++) await t.trainStep(x, n, h, w, labels, null, 0);
    assert.ok((await t.trainStep(x, n, h, w, labels, null, 0)).sup < s1.sup);
    await t.pretrainStep(x, n, h, w, mask);
    await assert.rejects(t.pretrainStep(x, n, h, w, new Uint8Array(3)), SeisGrowError);
    const plain = new NetTrainer({ ...spec, reconstruction: false }, training, 1);
    await assert.rejects(plain.pretrainStep(x, n, h, w, mask), /reconstruction decoder/);
    t.dispose(); probe.dispose(); clone.dispose(); plain.dispose();
  });

  it('takes the learning rate the host sets: a step is as large as the rate, and a rate set to the same value replays exactly', async () => {
    const n = 2, h = 16, w = 16;
    const x = new Float32Array(n * h * w).map((_, i) => Math.cos(i / 5));
    const labels = new Uint8Array(n * h * w).map((_, i) => (i % 5 === 0 ? i % 3 : 255));
    const change = async (rate: number | null): Promise<number> => {
      const t = new NetTrainer(spec, training, 9);
      const before = (await t.getState()).weights;
      if (rate !== null) t.setLearningRate(rate);
      await t.trainStep(x, n, h, w, labels, null, 0);
      const after = (await t.getState()).weights;
      t.dispose();
      let sum = 0;
      before.forEach((b, k) => { if (!/moving/i.test(b.name)) b.data.forEach((v, i) => { sum += Math.abs(after[k].data[i] - v); }); });
      return sum;
    };
    const base = await change(null);
    const same = await change(training.config.learningRate);
    const tenth = await change(training.config.learningRate / 10);
    assert.equal(same, base);
    // Adam's first step moves each weight by ~rate, so a tenth of the rate moves them a tenth as far.
    assert.ok(Math.abs(tenth / base - 0.1) < 0.02, `ratio ${tenth / base}`);
    const t = new NetTrainer(spec, training, 1);
    assert.throws(() => t.setLearningRate(0), SeisGrowError);
    assert.throws(() => t.setLearningRate(Number.NaN), SeisGrowError);
    t.setLearningRate(3e-4);
    assert.equal(t.learningRate, 3e-4);
    t.dispose();
  });

  /** A consistency term for a batch: a strong view and the network's own weak-view argmax moved onto it. */
  const consistencyFor = async (t: NetTrainer, x: Float32Array, labels: Uint8Array, n: number, h: number, w: number, rng: Rng, weight: number, threshold: number): Promise<ConsistencyTerm> => {
    const view = strongView(x, n, h, w, spec.inChannels, rng);
    return { weight, threshold, strong: view.x, ...consistencyTargets(await t.pseudoLabels(x, n, h, w), labels, packGeometry(view.geometry), n, h, w) };
  };

  it('grown labels: the supervised term is the seeds\' mean plus the weighted grown mean, whatever their counts', async () => {
    const n = 1, h = 16, w = 16;
    const x = new Float32Array(n * h * w).map((_, i) => Math.cos(i / 5));
    // 4 seed pixels and 200 grown ones: pooled into one mean, the seeds would weigh 2 %.
    const labels = new Uint8Array(n * h * w).fill(255);
    const mask = new Uint8Array(n * h * w);
    for (let i = 0; i < 4; i++) labels[i * 17] = 0;
    for (let i = 40; i < 240; i++) if (labels[i] === 255) { labels[i] = 2; mask[i] = 1; }
    const t = new NetTrainer(spec, training, 11);
    // Expected from the untrained network's logits, before the step changes them.
    const logits = tf.tidy(() => t.net.forward(tf.tensor4d(x, [n, h, w, 1]), true).logits);
    const { seeds, grown } = splitGrown(labels, mask);
    const loss = (target: Int32Array): number => tf.tidy(() => focalLoss(logits, tf.tensor3d(target, [n, h, w], 'int32'), { gamma: 2 }).dataSync()[0]);
    const want = loss(seeds) + 0.25 * loss(grown);
    logits.dispose();
    const got = await t.trainStep(x, n, h, w, labels, null, 0, null, { mask, weight: 0.25 });
    assert.ok(Math.abs(got.sup - want) < 1e-5 * Math.max(1, want), `${got.sup} vs ${want}`);
    await assert.rejects(t.trainStep(x, n, h, w, labels, null, 0, null, { mask: new Uint8Array(3), weight: 1 }), SeisGrowError);
    t.dispose();
  });

  it('consistency off (none, or weight 0): no consistency loss key, and exactly the same step as before', async () => {
    const n = 2, h = 16, w = 16;
    const x = new Float32Array(n * h * w).map((_, i) => Math.sin(i / 3));
    const labels = new Uint8Array(n * h * w).map((_, i) => (i % 7 === 0 ? i % 3 : 255));
    const plain = new NetTrainer(spec, training, 5);
    const zero = new NetTrainer(spec, training, 5);
    for (let k = 0; k < 3; k++) {
      const partnerP = await plain.pseudoLabels(x, n, h, w);
      const partnerZ = await zero.pseudoLabels(x, n, h, w);
      const a = await plain.trainStep(x, n, h, w, labels, partnerP, 0.5);
      const b = await zero.trainStep(x, n, h, w, labels, partnerZ, 0.5, await consistencyFor(zero, x, labels, n, h, w, new Rng(k), 0, 0.5));
      assert.deepEqual(b, a);
      assert.ok(!('consistency' in a) && !('consistency' in b));
    }
    assert.deepEqual((await zero.getState()).weights, (await plain.getState()).weights);
    plain.dispose(); zero.dispose();
  });

  it('CutMix: a step through a gather map is the step on the gathered batch, pseudo labels and grown mask gathered too', async () => {
    const n = 3, h = 16, w = 16;
    const x = new Float32Array(n * h * w).map((_, i) => Math.sin(i / 3) + 0.2 * Math.cos(i / 7));
    const labels = new Uint8Array(n * h * w).map((_, i) => (i % 7 === 0 ? i % 3 : 255));
    const grownMask = new Uint8Array(n * h * w).map((_, i) => (i % 14 === 0 ? 1 : 0));
    const mix = cutMixSources(n, h, w, 1, new Rng(2));
    const viaMap = new NetTrainer(spec, training, 6);
    const byHand = new NetTrainer(spec, training, 6);
    const plain = new NetTrainer(spec, training, 6);
    for (let k = 0; k < 2; k++) {
      // the pseudo labels are made on the batch as drawn, before mixing
      const partner = await viaMap.pseudoLabels(x, n, h, w);
      const gathered = { argmax: gatherPixels(partner.argmax, mix), confidence: gatherPixels(partner.confidence, mix) };
      const a = await viaMap.trainStep(x, n, h, w, labels, partner, 0.5, null, { mask: grownMask, weight: 0.5 }, mix);
      const b = await byHand.trainStep(gatherPixels(x, mix), n, h, w, gatherPixels(labels, mix), gathered, 0.5, null, { mask: gatherPixels(grownMask, mix), weight: 0.5 });
      const c = await plain.trainStep(x, n, h, w, labels, partner, 0.5, null, { mask: grownMask, weight: 0.5 });
      assert.deepEqual(a, b);
      assert.notDeepEqual(a, c);
    }
    assert.deepEqual((await viaMap.getState()).weights, (await byHand.getState()).weights);
    await assert.rejects(viaMap.trainStep(x, n, h, w, labels, null, 0, null, null, new Int32Array(5)), /CutMix map of 5 pixels/);
    viaMap.dispose(); byHand.dispose(); plain.dispose();
  });

  it('consistency on: a finite term inside the total, decreasing on a toy batch, no tensor leak', async () => {
    const t = new NetTrainer(spec, { ...training, config: makeConfig({ ...settings, learningRate: 2e-2 }) }, 3);
    const n = 2, h = 16, w = 16;
    const x = new Float32Array(n * h * w).map((_, i) => Math.sin(((i % (h * w)) / w) / 2) + 0.3 * Math.cos(i / 5));
    // a few labelled pixels; the consistency term works on the rest
    const labels = new Uint8Array(n * h * w).map((_, i) => (i % 29 === 0 ? Math.floor((i % (h * w)) / (h * w / 3)) : 255));
    const rng = new Rng(4);
    const first = await t.trainStep(x, n, h, w, labels, null, 0, await consistencyFor(t, x, labels, n, h, w, rng, 2, 0));
    assert.ok(first.consistency !== undefined && Number.isFinite(first.consistency) && first.consistency > 0, JSON.stringify(first));
    assert.ok(Math.abs(first.total - (first.sup + first.recon + 2 * first.consistency)) < 1e-4, JSON.stringify(first));
    const before = tf.memory().numTensors;
    const losses: number[] = [first.consistency];
    for (let k = 0; k < 24; k++) losses.push((await t.trainStep(x, n, h, w, labels, null, 0, await consistencyFor(t, x, labels, n, h, w, rng, 2, 0))).consistency!);
    assert.equal(tf.memory().numTensors, before);
    const head = (losses[0] + losses[1] + losses[2]) / 3;
    const tail = (losses[22] + losses[23] + losses[24]) / 3;
    assert.ok(tail < 0.7 * head, `consistency loss ${head} → ${tail}: ${losses.map((l) => l.toFixed(3)).join(' ')}`);
    // an impossible threshold keeps no pixel: the term is 0, not NaN
    const none = await t.trainStep(x, n, h, w, labels, null, 0, await consistencyFor(t, x, labels, n, h, w, rng, 1, 1.01));
    assert.equal(none.consistency, 0);
    await assert.rejects(t.trainStep(x, n, h, w, labels, null, 0, { ...(await consistencyFor(t, x, labels, n, h, w, rng, 1, 0)), strong: new Float32Array(3) }), SeisGrowError);
    t.dispose();
  });

  it('gives pseudo labels in the units\' order when orderedPseudoLabels is on and the run has an order, else the argmax', async () => {
    const n = 2, h = 12, w = 6, order = [2, 0, 1];
    const x = Float32Array.from({ length: n * h * w }, (_, i) => Math.sin(i * 1.7) + Math.cos(i / 3));
    const rank = (c: number): number => order.indexOf(c);
    const breaks = (argmax: Uint8Array): number => {
      let count = 0;
      for (let p = 0; p < n; p++) for (let col = 0; col < w; col++) for (let y = 1; y < h; y++) {
        if (rank(argmax[(p * h + y) * w + col]) < rank(argmax[(p * h + y - 1) * w + col])) count++;
      }
      return count;
    };
    const on = makeConfig({ ...settings, cps: { ...settings.cps, orderedPseudoLabels: true } });
    const plain = await new NetTrainer(spec, training, 8).pseudoLabels(x, n, h, w);
    assert.ok(breaks(plain.argmax) > 0, 'the untrained network\'s argmax breaks the order somewhere');
    const ordered = await new NetTrainer(spec, { ...training, config: on, unitOrder: order }, 8).pseudoLabels(x, n, h, w);
    assert.equal(breaks(ordered.argmax), 0);
    const noOrder = await new NetTrainer(spec, { ...training, config: on, unitOrder: null }, 8).pseudoLabels(x, n, h, w);
    assert.deepEqual(noOrder.argmax, plain.argmax, 'labels that imply no order: the argmax');
  });

  it('restores weights and optimizer state exactly', async () => {
    const a = new NetTrainer(spec, training, 1);
    const n = 1, h = 16, w = 16;
    const x = new Float32Array(n * h * w).map((_, i) => Math.cos(i / 5));
    const labels = new Uint8Array(n * h * w).map((_, i) => i % 3);
    await a.trainStep(x, n, h, w, labels, null, 0);
    const state = await a.getState();
    const b = new NetTrainer(spec, training, 99);
    await b.setState(state.weights, state.optimizer);
    assert.deepEqual(await b.forwardProbabilities(x, n, h, w), await a.forwardProbabilities(x, n, h, w));
    const la = await a.trainStep(x, n, h, w, labels, null, 0);
    const lb = await b.trainStep(x, n, h, w, labels, null, 0);
    assert.equal(la.total, lb.total);
    a.dispose(); b.dispose();
  });

  it('mirror-averaged inference is the mean of the plain and the mirrored-back probabilities, so it is exactly mirror-symmetric', async () => {
    const t = new NetTrainer({ ...spec, inChannels: 2 }, training, 4);
    const n = 2, h = 8, w = 12, c = 2, k = spec.classes;
    // An asymmetric amplitude channel and a depth-like channel that the mirror leaves alone.
    const x = Float32Array.from({ length: n * h * w * c }, (_, i) => (i % c === 1 ? Math.floor(i / (w * c)) % h / h : Math.sin(i / 3) + (i % (w * c)) / 10));
    const mirror = (a: Float32Array, ch: number): Float32Array => Float32Array.from(a, (_, i) => {
      const p = Math.floor(i / ch), col = p % w, row = p - col;
      return a[(row + (w - 1 - col)) * ch + (i % ch)];
    });
    const plain = await t.forwardProbabilities(x, n, h, w);
    const mirroredBack = mirror(await t.forwardProbabilities(mirror(x, c), n, h, w), k);
    const averaged = await t.forwardProbabilities(x, n, h, w, true);
    let asymmetry = 0;
    for (let i = 0; i < plain.length; i++) {
      assert.ok(Math.abs(averaged[i] - 0.5 * (plain[i] + mirroredBack[i])) < 1e-6, `pixel-class ${i}`);
      asymmetry = Math.max(asymmetry, Math.abs(plain[i] - mirroredBack[i]));
    }
    // The untrained network is not symmetric by itself, so the equality above is not trivial.
    assert.ok(asymmetry > 1e-3, `plain inference is already symmetric (${asymmetry})`);
    const ofMirror = await t.forwardProbabilities(mirror(x, c), n, h, w, true);
    const back = mirror(ofMirror, k);
    for (let i = 0; i < averaged.length; i++) assert.ok(Math.abs(back[i] - averaged[i]) < 1e-6);
    // Through tiled inference of a section wider than a tile, too.
    const section = { height: h, width: w, data: x.subarray(0, h * w * c) };
    const [tiled] = await t.predict([section], 8, 2, 4, true);
    const [tiledPlain] = await t.predict([section], 8, 2, 4);
    assert.equal(tiled.probs.length, h * w * k);
    assert.notDeepEqual(tiled.probs, tiledPlain.probs);
    t.dispose();
  });
});
