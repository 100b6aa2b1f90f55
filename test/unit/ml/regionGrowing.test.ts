import * as assert from 'node:assert/strict';
import { classAdaptiveThresholds, growLabels, growthCandidates, GrowOptions } from '../../../src/ml/regionGrowing';
import { Rng } from '../../../src/ml/random';
import { sparseTraceLabels } from '../../../src/ml/sparseLabels';
import { readNpy } from '../../../src/io/npy';
import { describeWithSharedData, sharedData } from '../../support/sharedData';

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

describe('classAdaptiveThresholds', () => {
  const opts = { threshold: 0.9, share: 0.5, floor: 0.5 };
  it('keeps the global threshold for a confident class and lowers it to the median confidence of a hesitant one', () => {
    // Class 0: 100 pixels at 0.95..0.99; class 1: 100 pixels at 0.60..0.79 (median ~0.70); class 2 never predicted.
    const classOf = [...new Array(100).fill(0), ...new Array(100).fill(1)];
    const conf = [...Array.from({ length: 100 }, (_, i) => 0.95 + 0.0004 * i), ...Array.from({ length: 100 }, (_, i) => 0.6 + 0.002 * i)];
    const probs = peaked(classOf, conf, 3);
    const t = classAdaptiveThresholds([probs], [new Uint8Array(200).fill(255)], 3, opts);
    assert.equal(t[0], 0.9);
    assert.ok(Math.abs(t[1] - 0.698) < 0.003, `class 1 threshold ${t[1]}`);
    assert.equal(t[2], 0.9);
    // Exactly half of class 1's pixels reach its threshold (to the histogram's resolution).
    const reach = conf.slice(100).filter((c) => c >= t[1]).length;
    assert.ok(reach >= 50 && reach <= 52, `${reach} pixels reach it`);
  });

  it('never goes under the floor, skips labelled pixels, and pools sections', () => {
    const low = peaked(new Array(10).fill(1), 0.4, 3);
    assert.deepEqual(classAdaptiveThresholds([low], [new Uint8Array(10).fill(255)], 3, opts), [0.9, 0.5, 0.9]);
    assert.deepEqual(classAdaptiveThresholds([low], [new Uint8Array(10).fill(255)], 3, { ...opts, floor: 0.95 }), [0.9, 0.9, 0.9], 'the floor never exceeds the cap');
    // All class-1 pixels labelled: nothing of class 1 is left to grow, so it keeps the global threshold.
    assert.deepEqual(classAdaptiveThresholds([low], [new Uint8Array(10).fill(1)], 3, opts), [0.9, 0.9, 0.9]);
    const a = peaked(new Array(4).fill(1), 0.6, 2);
    const b = peaked(new Array(4).fill(1), 0.8, 2);
    const t = classAdaptiveThresholds([a, b], [new Uint8Array(4).fill(255), new Uint8Array(4).fill(255)], 2, opts);
    assert.ok(Math.abs(t[1] - 0.8) < 0.001, `pooled over both sections: ${t[1]}`);
    assert.throws(() => classAdaptiveThresholds([a], [], 2, opts), RangeError);
    assert.throws(() => classAdaptiveThresholds([a], [new Uint8Array(3)], 2, opts), RangeError);
    assert.throws(() => classAdaptiveThresholds([a], [new Uint8Array(4)], 2, { ...opts, share: 0 }), RangeError);
  });

  it('lets a hesitant thin layer grow along with a confident thick one', () => {
    // Rows 0..5: thick class 0 at 0.97; row 6: a thin class 1 layer at 0.75; rows 7..9: class 2 at 0.97. One seed trace.
    const h = 10, w = 30;
    const classOf: number[] = [];
    const conf: number[] = [];
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const c = y < 6 ? 0 : y === 6 ? 1 : 2;
      classOf.push(c);
      conf.push(c === 1 ? 0.75 : 0.97);
    }
    const probs = peaked(classOf, conf, 3);
    const seeds = new Uint8Array(h * w).fill(255);
    for (let y = 0; y < h; y++) seeds[y * w + 15] = classOf[y * w + 15];
    const fixed = growLabels(seeds, h, w, probs, null, 3, { radius: 1, threshold: 0.9, requireAgreement: false });
    const thresholds = classAdaptiveThresholds([probs], [seeds], 3, opts);
    const adaptive = growLabels(seeds, h, w, probs, null, 3, { radius: 1, threshold: thresholds, requireAgreement: false });
    const count = (l: Uint8Array, c: number): number => l.reduce((a, v) => a + (v === c ? 1 : 0), 0);
    assert.equal(count(fixed.labels, 1), 1, 'a fixed 0.9 threshold leaves the thin layer at its seed');
    assert.equal(count(adaptive.labels, 1), w, 'the adaptive threshold grows it across the section');
    assert.equal(count(adaptive.labels, 0), 6 * w);
  });
});

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
