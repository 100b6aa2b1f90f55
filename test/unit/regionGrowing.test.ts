import * as assert from 'node:assert/strict';
import { growLabels, growthCandidates, GrowOptions } from '../../src/ml/regionGrowing';
import { Rng } from '../../src/ml/random';
import { sparseTraceLabels } from '../../src/ml/sparseLabels';
import { readNpy } from '../../src/io/npy';
import { describeWithSharedData, sharedData } from '../support/sharedData';

/** Probabilities where each pixel puts `p` on one class and the rest evenly on the others. */
function peaked(classOf: number[], p: number[] | number, classes: number): Float32Array {
  const out = new Float32Array(classOf.length * classes);
  classOf.forEach((c, i) => {
    const pi = typeof p === 'number' ? p : p[i];
    for (let k = 0; k < classes; k++) out[i * classes + k] = k === c ? pi : (1 - pi) / (classes - 1);
  });
  return out;
}

/** The obvious, slow reference: repeated whole-image dilation of the labelled set, one wave per iteration. */
function naiveGrow(seeds: Uint8Array, h: number, w: number, a: Float32Array, b: Float32Array | null, classes: number, o: GrowOptions) {
  const labels = Uint8Array.from(seeds);
  const iterations: number[][] = [];
  const cand = growthCandidates(h * w, a, b, classes, o.threshold, o.requireAgreement);
  for (let it = 0; it < (o.maxIterations ?? Infinity); it++) {
    const next = Uint8Array.from(labels);
    const added = new Array(classes).fill(0);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const i = y * w + x;
      if (labels[i] !== 255 || cand[i] === 255) continue;
      let ok = false;
      for (let dy = -o.radius; dy <= o.radius && !ok; dy++) for (let dx = -o.radius; dx <= o.radius && !ok; dx++) {
        const yy = y + dy, xx = x + dx;
        if (yy < 0 || xx < 0 || yy >= h || xx >= w) continue;
        const l = labels[yy * w + xx];
        if (l !== 255 && (!o.sameClassOnly || l === cand[i])) ok = true;
      }
      if (ok) { next[i] = cand[i]; added[cand[i]]++; }
    }
    if (added.every((v) => v === 0)) break;
    labels.set(next);
    iterations.push(added);
  }
  return { labels, iterations };
}

describe('growLabels', () => {
  it('grows a 1-D line wave by wave from a seed, stopping at unconfident pixels', () => {
    // 1×7 row, seed class 0 at x=0; predicted class 1 everywhere with probability 0.9 except x=4 (0.4).
    const seeds = Uint8Array.of(0, 255, 255, 255, 255, 255, 255);
    const probs = peaked([1, 1, 1, 1, 1, 1, 1], [0.9, 0.9, 0.9, 0.9, 0.4, 0.9, 0.9], 3);
    const r = growLabels(seeds, 1, 7, probs, null, 3, { radius: 1, threshold: 0.5, requireAgreement: false });
    assert.deepEqual([...r.labels], [0, 1, 1, 1, 255, 255, 255]);
    assert.deepEqual(r.iterations.map((i) => i.addedPerClass), [[0, 1, 0], [0, 1, 0], [0, 1, 0]]);
    assert.equal(r.addedTotal, 3);
    // radius 2 jumps the gap
    const r2 = growLabels(seeds, 1, 7, probs, null, 3, { radius: 2, threshold: 0.5, requireAgreement: false });
    assert.deepEqual([...r2.labels], [0, 1, 1, 1, 255, 1, 1]);
    // waves: x1,x2 | x3 | x5 (over the unconfident x4) | x6
    assert.deepEqual(r2.iterations.map((i) => i.addedPerClass), [[0, 2, 0], [0, 1, 0], [0, 1, 0], [0, 1, 0]]);
  });

  it('radius 0 grows nothing; maxIterations limits the waves', () => {
    const seeds = Uint8Array.of(0, 255, 255, 255);
    const probs = peaked([0, 0, 0, 0], 1, 2);
    assert.equal(growLabels(seeds, 2, 2, probs, null, 2, { radius: 0, threshold: 0, requireAgreement: false }).addedTotal, 0);
    const r = growLabels(Uint8Array.of(0, 255, 255, 255, 255), 1, 5, peaked([0, 0, 0, 0, 0], 1, 2), null, 2, { radius: 1, threshold: 0, requireAgreement: false, maxIterations: 2 });
    assert.deepEqual([...r.labels], [0, 0, 0, 255, 255]);
  });

  it('uses per-class thresholds', () => {
    const seeds = Uint8Array.of(255, 0, 255);
    const probs = peaked([1, 0, 2], [0.7, 1, 0.7], 3);
    const r = growLabels(seeds, 1, 3, probs, null, 3, { radius: 1, threshold: [0.5, 0.5, 0.8], requireAgreement: false });
    assert.deepEqual([...r.labels], [1, 0, 255]);
  });

  it('with two networks: mean probability decides the class, and agreement is required when asked', () => {
    const seeds = Uint8Array.of(0, 255, 255);
    // pixel 1: A says class 1 (0.9), B says class 0 (0.6) → mean favours 1 (0.65 vs 0.35), but they disagree.
    // pixel 2: both say class 1.
    const a = Float32Array.of(1, 0, 0.1, 0.9, 0.2, 0.8);
    const b = Float32Array.of(1, 0, 0.6, 0.4, 0.3, 0.7);
    const agree = growLabels(seeds, 1, 3, a, b, 2, { radius: 2, threshold: 0.6, requireAgreement: true });
    assert.deepEqual([...agree.labels], [0, 255, 1]);
    const any = growLabels(seeds, 1, 3, a, b, 2, { radius: 1, threshold: 0.6, requireAgreement: false });
    assert.deepEqual([...any.labels], [0, 1, 1]);
    const strict = growLabels(seeds, 1, 3, a, b, 2, { radius: 1, threshold: 0.7, requireAgreement: false });
    assert.deepEqual([...strict.labels], [0, 255, 255]); // mean 0.65 < 0.7: pixel 1 blocks the chain
  });

  it('sameClassOnly (DSRG) grows a pixel only next to a label of its predicted class', () => {
    // 3×3, seeds: class 0 top-left, class 1 bottom-right; predictions: left column class 0, rest class 1.
    const seeds = Uint8Array.of(0, 255, 255, 255, 255, 255, 255, 255, 1);
    const pred = [0, 1, 1, 0, 1, 1, 0, 1, 1];
    const probs = peaked(pred, 0.9, 2);
    const r = growLabels(seeds, 3, 3, probs, null, 2, { radius: 1, threshold: 0.5, requireAgreement: false, sameClassOnly: true });
    assert.deepEqual([...r.labels], [0, 1, 1, 0, 1, 1, 0, 1, 1]);
    // waves: from (0,0) class 0 → (1,0); from (2,2) class 1 → (1,1),(1,2),(2,1); then (2,0) class 0; (0,1),(0,2) class 1
    assert.deepEqual(r.iterations.map((i) => i.addedPerClass), [[1, 3], [1, 2]]);
    // without sameClassOnly the class-0 seed also grows class-1 pixels in the first wave
    const plain = growLabels(seeds, 3, 3, probs, null, 2, { radius: 1, threshold: 0.5, requireAgreement: false });
    assert.deepEqual(plain.iterations[0].addedPerClass, [1, 4]);
  });

  it('never changes an existing label, even where the prediction disagrees confidently', () => {
    const seeds = Uint8Array.of(2, 1, 255, 0);
    const probs = peaked([0, 0, 0, 1], 0.99, 3);
    const r = growLabels(seeds, 2, 2, probs, null, 3, { radius: 1, threshold: 0.5, requireAgreement: false });
    assert.deepEqual([...r.labels], [2, 1, 0, 0]);
    assert.deepEqual([...seeds], [2, 1, 255, 0], 'input untouched');
  });

  it('handles no seeds, all labelled, and rejects bad input', () => {
    const probs = peaked([0, 0], 1, 2);
    assert.equal(growLabels(Uint8Array.of(255, 255), 1, 2, probs, null, 2, { radius: 1, threshold: 0, requireAgreement: false }).addedTotal, 0);
    assert.equal(growLabels(Uint8Array.of(1, 0), 1, 2, probs, null, 2, { radius: 1, threshold: 0, requireAgreement: false }).addedTotal, 0);
    assert.throws(() => growLabels(Uint8Array.of(7, 255), 1, 2, probs, null, 2, { radius: 1, threshold: 0, requireAgreement: false }), /seed label 7/);
    assert.throws(() => growLabels(Uint8Array.of(0, 255), 1, 2, new Float32Array(3), null, 2, { radius: 1, threshold: 0, requireAgreement: false }), /probsA/);
    assert.throws(() => growLabels(Uint8Array.of(0, 255), 1, 2, probs, null, 2, { radius: 1, threshold: [0.5], requireAgreement: false }), /thresholds/);
    assert.throws(() => growLabels(Uint8Array.of(0, 255), 1, 2, probs, null, 2, { radius: 1.5, threshold: 0, requireAgreement: false }), /radius/);
  });

  it('equals repeated whole-image dilation on 160 random cases (labels and per-wave counts)', () => {
    const rng = new Rng(11);
    for (let t = 0; t < 160; t++) {
      const h = 1 + rng.int(24), w = 1 + rng.int(24), classes = 2 + rng.int(5);
      const seeds = new Uint8Array(h * w).fill(255);
      const seedRate = rng.pick([0.005, 0.03, 0.2]);
      for (let i = 0; i < h * w; i++) if (rng.bool(seedRate)) seeds[i] = rng.int(classes);
      // smooth-ish fields: class by vertical band with noise, so growth forms regions and fronts
      const mk = () => {
        const p = new Float32Array(h * w * classes);
        for (let i = 0; i < h * w; i++) {
          let s = 0;
          for (let k = 0; k < classes; k++) { const v = Math.exp(3 * rng.next() + (k === Math.floor(((i / w) | 0) * classes / h) ? 2 : 0)); p[i * classes + k] = v; s += v; }
          for (let k = 0; k < classes; k++) p[i * classes + k] /= s;
        }
        return p;
      };
      const a = mk();
      const b = rng.bool(0.5) ? mk() : null;
      const opts: GrowOptions = {
        radius: rng.pick([0, 1, 1, 2, 3, 4, 6]),
        threshold: rng.bool(0.5) ? rng.uniform(0.1, 0.6) : Array.from({ length: classes }, () => rng.uniform(0.1, 0.6)),
        requireAgreement: rng.bool(0.5),
        sameClassOnly: rng.bool(0.4),
        maxIterations: rng.bool(0.2) ? 1 + rng.int(3) : undefined,
      };
      const ours = growLabels(seeds, h, w, a, b, classes, opts);
      const ref = naiveGrow(seeds, h, w, a, b, classes, opts);
      assert.deepEqual([...ours.labels], [...ref.labels], `case ${t} labels (${h}×${w}, ${JSON.stringify(opts)})`);
      assert.deepEqual(ours.iterations.map((i) => i.addedPerClass), ref.iterations, `case ${t} waves`);
      assert.equal(ours.addedTotal, ref.iterations.flat().reduce((x, y) => x + y, 0));
      for (let i = 0; i < h * w; i++) if (seeds[i] !== 255) assert.equal(ours.labels[i], seeds[i]);
    }
  });
});

describeWithSharedData('growLabels on a real F3 crossline (462×651, 10 classes)', () => {
  it('from 8 well-like traces with an oracle, DSRG grows every unit it touches and never mislabels', async () => {
    const l = await readNpy(sharedData('f3-sections', 'crossline_327_labels.npy'));
    const [h, w] = l.shape as [number, number];
    const truth = Uint8Array.from(l.data as ArrayLike<number>);
    const C = 10;
    const seeds = sparseTraceLabels(truth, h, w, 8);
    // oracle probabilities: 0.91 on the true class, except a 40-column band where the "network" is unsure (0.3)
    const probs = new Float32Array(h * w * C).fill(0.01);
    for (let i = 0; i < h * w; i++) probs[i * C + truth[i]] = i % w >= 300 && i % w < 340 ? 0.3 : 0.91;
    const r = growLabels(seeds, h, w, probs, null, C, { radius: 1, threshold: 0.5, requireAgreement: false, sameClassOnly: true });
    let grown = 0;
    for (let i = 0; i < h * w; i++) {
      const x = i % w;
      if (x >= 300 && x < 340 && seeds[i] === 255) assert.equal(r.labels[i], 255, 'unsure band stays unlabelled');
      if (r.labels[i] !== 255) { assert.equal(r.labels[i], truth[i]); grown++; }
    }
    const present = new Set(truth);
    assert.ok(grown / (h * w) > 0.9, `grown ${grown / (h * w)}`);
    assert.equal(r.addedTotal + seeds.filter((v) => v !== 255).length, grown);
    assert.ok(r.iterations.length > 10);
    assert.ok(present.size >= 8);
  });
});
