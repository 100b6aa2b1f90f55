import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng } from '../../../src/ml/random';
import { ConfusionMatrix, formatIoUTable, searchBinaryThreshold, tgsImageScore, tgsScore, TGS_THRESHOLDS } from '../../../src/ml/metrics';

const close = (a: number, b: number, eps = 1e-12) => assert.ok(Math.abs(a - b) <= eps, `${a} ≠ ${b}`);

describe('ConfusionMatrix', () => {
  it('scores a hand-computed case', () => {
    // 4 classes; class 3 absent from truth and prediction; two ignored pixels.
    const truth = [0, 0, 0, 1, 1, 2, 2, 2, 255, 255];
    const pred = [0, 0, 1, 1, 2, 2, 2, 0, 3, 1];
    const cm = new ConfusionMatrix(4);
    cm.update(truth, pred);
    const s = cm.scores();
    assert.deepEqual(s.matrix, [[2, 1, 0, 0], [0, 1, 1, 0], [1, 0, 2, 0], [0, 0, 0, 0]]);
    // IoU0 = 2/(3+3-2)=0.5, IoU1 = 1/(2+2-1)=1/3, IoU2 = 2/(3+3-2)=0.5
    close(s.perClassIoU[0]!, 0.5);
    close(s.perClassIoU[1]!, 1 / 3);
    close(s.perClassIoU[2]!, 0.5);
    assert.equal(s.perClassIoU[3], null);
    assert.deepEqual(s.classesPresent, [0, 1, 2]);
    close(s.meanIoU, (0.5 + 1 / 3 + 0.5) / 3);
    close(s.pixelAccuracy, 5 / 8);
    close(s.meanClassAccuracy, (2 / 3 + 1 / 2 + 2 / 3) / 3);
    close(s.frequencyWeightedIoU, (3 / 8) * 0.5 + (2 / 8) * (1 / 3) + (3 / 8) * 0.5);
    assert.equal(s.pixels, 8);
  });

  it('counts a class present only in the prediction in the mean IoU (IoU 0), but not in mean class accuracy', () => {
    const cm = new ConfusionMatrix(3);
    cm.update([0, 0, 1, 1], [0, 2, 1, 1]);
    const s = cm.scores();
    assert.deepEqual(s.classesPresent, [0, 1, 2]);
    assert.equal(s.perClassIoU[2], 0);
    close(s.meanIoU, (0.5 + 1 + 0) / 3);
    close(s.meanClassAccuracy, (0.5 + 1) / 2);
    assert.equal(s.perClassAccuracy[2], null);
  });

  it('is perfect on a perfect prediction and NaN with no counted pixel', () => {
    const cm = new ConfusionMatrix(2);
    cm.update(new Uint8Array([0, 1, 1]), new Uint8Array([0, 1, 1]));
    const s = cm.scores();
    assert.equal(s.meanIoU, 1);
    assert.equal(s.pixelAccuracy, 1);
    assert.equal(s.frequencyWeightedIoU, 1);
    cm.reset();
    const e = cm.scores();
    assert.ok(Number.isNaN(e.meanIoU) && Number.isNaN(e.pixelAccuracy));
    assert.deepEqual(e.classesPresent, []);
  });

  it('rejects predictions ≥ classes, bad truth labels and length mismatches', () => {
    const cm = new ConfusionMatrix(3);
    assert.throws(() => cm.update([0, 1], [0, 3]), /predicted class 3/);
    assert.throws(() => cm.update([0, 7], [0, 1]), /truth label 7/);
    assert.throws(() => cm.update([0, 1], [0]), /pixels/);
    // a predicted 255 where truth is ignored is not counted, hence not an error
    cm.update([255], [255]);
    assert.equal(cm.scores().pixels, 0);
  });

  it('honours a custom ignore value', () => {
    const cm = new ConfusionMatrix(2, -1);
    cm.update([-1, 0, 1], [1, 0, 1]);
    assert.equal(cm.scores().pixels, 2);
  });

  it('merge() equals updating one matrix with all pixels; round-trips through toMatrix', () => {
    const a = new ConfusionMatrix(3), b = new ConfusionMatrix(3), all = new ConfusionMatrix(3);
    a.update([0, 1, 2], [0, 2, 2]);
    b.update([1, 1, 255], [1, 0, 0]);
    all.update([0, 1, 2, 1, 1, 255], [0, 2, 2, 1, 0, 0]);
    a.merge(b);
    assert.deepEqual(a.scores(), all.scores());
    assert.deepEqual(ConfusionMatrix.fromMatrix(a.toMatrix()).scores(), all.scores());
    assert.throws(() => a.merge(new ConfusionMatrix(4)), RangeError);
  });

  it('formats an IoU table with names, dashes for undefined classes and the summary', () => {
    const cm = new ConfusionMatrix(3);
    cm.update([0, 1, 1], [0, 1, 0]);
    const text = formatIoUTable(cm.scores(), ['salt', 'sediment']);
    assert.match(text, /^class\s+IoU\s+accuracy/);
    assert.match(text, /salt\s+0\.5000/);
    assert.match(text, /sediment\s+0\.5000/);
    assert.match(text, /class 2\s+—\s+—\s+0\s+0/);
    assert.match(text, /mean IoU \(2 classes present\)\s+0\.5000/);
    assert.match(text, /pixel accuracy\s+0\.6667/);
  });
});

describe('tgsScore', () => {
  it('uses thresholds 0.50..0.95', () => {
    assert.deepEqual(TGS_THRESHOLDS, [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]);
  });

  it('scores empty/non-empty combinations and partial overlaps by hand', () => {
    const z = new Uint8Array(4);
    assert.equal(tgsImageScore(z, z), 1); // empty truth, empty prediction
    assert.equal(tgsImageScore(z, Uint8Array.of(0, 1, 0, 0)), 0); // empty truth, something predicted
    assert.equal(tgsImageScore(Uint8Array.of(0, 1, 0, 0), z), 0); // salt missed entirely
    // IoU 2/3 ≈ 0.667 exceeds 0.50, 0.55, 0.60, 0.65 → 4 of 10
    assert.equal(tgsImageScore(Uint8Array.of(1, 1, 1, 0), Uint8Array.of(1, 1, 0, 0)), 0.4);
    // IoU exactly 0.75 is not above 0.75 → 0.50..0.70 hit: 5 of 10
    assert.equal(tgsImageScore(Uint8Array.of(1, 1, 1, 1), Uint8Array.of(1, 1, 1, 0)), 0.5);
    assert.equal(tgsImageScore(Uint8Array.of(1, 1, 0, 0), Uint8Array.of(1, 1, 0, 0)), 1);
    // any nonzero value counts as salt
    assert.equal(tgsImageScore(Uint8Array.of(255, 0), Uint8Array.of(1, 0)), 1);
  });

  it('averages over images, accepting arrays or a stacked form', () => {
    const truths = [Uint8Array.of(0, 0), Uint8Array.of(1, 1), Uint8Array.of(1, 0)];
    const preds = [Uint8Array.of(0, 0), Uint8Array.of(1, 0), Uint8Array.of(0, 0)];
    close(tgsScore(truths, preds), (1 + 0 + 0) / 3);
    const stack = (ms: Uint8Array[]) => ({ data: Uint8Array.from(ms.flatMap((m) => [...m])), count: ms.length, h: 1, w: 2 });
    close(tgsScore(stack(truths), stack(preds)), 1 / 3);
    assert.throws(() => tgsScore(truths, preds.slice(1)), /3 truth masks but 2/);
    assert.throws(() => tgsScore({ data: new Uint8Array(5), count: 3, h: 1, w: 2 }, stack(preds)), /expected 3×1×2/);
  });
});

describe('ConfusionMatrix properties (fast-check)', () => {
  const caseArb = fc.integer({ min: 2, max: 6 }).chain((k) =>
    fc.array(fc.tuple(fc.oneof(fc.integer({ min: 0, max: k - 1 }), fc.constant(255)), fc.integer({ min: 0, max: k - 1 })), { minLength: 1, maxLength: 200 })
      .map((pairs) => ({ k, truth: pairs.map((p) => p[0]), pred: pairs.map((p) => p[1]) })));

  it('scores lie in [0, 1], are invariant to pixel order, and merging halves equals one update', () => {
    fc.assert(fc.property(caseArb, fc.integer(), ({ k, truth, pred }, seed) => {
      const cm = new ConfusionMatrix(k);
      cm.update(truth, pred);
      const s = cm.scores();
      if (s.pixels === 0) return Number.isNaN(s.meanIoU);
      for (const v of [s.meanIoU, s.pixelAccuracy, s.meanClassAccuracy, s.frequencyWeightedIoU]) if (!(v >= 0 && v <= 1)) return false;
      const order = new Rng(seed).shuffle(truth.map((_, i) => i));
      const shuffled = new ConfusionMatrix(k);
      shuffled.update(order.map((i) => truth[i]), order.map((i) => pred[i]));
      assert.deepEqual(shuffled.scores(), s);
      const a = new ConfusionMatrix(k), b = new ConfusionMatrix(k);
      const cut = truth.length >> 1;
      a.update(truth.slice(0, cut), pred.slice(0, cut));
      b.update(truth.slice(cut), pred.slice(cut));
      a.merge(b);
      assert.deepEqual(a.scores(), s);
      return true;
    }), { numRuns: 200 });
  });

  it('renaming classes permutes per-class IoU and leaves the summary scores unchanged', () => {
    fc.assert(fc.property(caseArb, fc.integer(), ({ k, truth, pred }, seed) => {
      const perm = new Rng(seed).shuffle(Array.from({ length: k }, (_, i) => i));
      const map = (v: number) => (v === 255 ? 255 : perm[v]);
      const a = new ConfusionMatrix(k), b = new ConfusionMatrix(k);
      a.update(truth, pred);
      b.update(truth.map(map), pred.map(map));
      const sa = a.scores(), sb = b.scores();
      for (let c = 0; c < k; c++) assert.equal(sb.perClassIoU[perm[c]], sa.perClassIoU[c]);
      for (const key of ['meanIoU', 'pixelAccuracy', 'meanClassAccuracy', 'frequencyWeightedIoU'] as const) {
        if (Number.isNaN(sa[key])) assert.ok(Number.isNaN(sb[key]));
        else assert.ok(Math.abs(sa[key] - sb[key]) < 1e-12, key);
      }
      return true;
    }), { numRuns: 200 });
  });
});

describe('searchBinaryThreshold', () => {
  it('finds the cut that maximises the TGS score and agrees with tgsScore at each candidate', () => {
    // two 1×4 images; salt probabilities separate truth at 0.55 for image 0, at 0.35 for image 1
    const truth = { data: Uint8Array.of(1, 1, 0, 0, 1, 0, 0, 0), count: 2, h: 1, w: 4 };
    const probs = Float32Array.of(0.9, 0.6, 0.5, 0.1, 0.4, 0.3, 0.2, 0.1);
    const r = searchBinaryThreshold(truth, probs, [0.2, 0.35, 0.45, 0.55, 0.7]);
    for (const s of r.scores) {
      const pred = { data: Uint8Array.from(probs, (p) => (p >= s.threshold ? 1 : 0)), count: 2, h: 1, w: 4 };
      assert.equal(s.score, tgsScore(truth, pred));
    }
    // 0.35 gets image 1 right, image 0 IoU 2/3 → 0.4: score 0.7; 0.55 gets image 0 right, image 1 empty → 0.5
    assert.equal(r.threshold, 0.35);
    close(r.score, 0.7);
    assert.equal(searchBinaryThreshold(truth, probs).scores.length, 19);
    assert.throws(() => searchBinaryThreshold(truth, probs.subarray(1)), /probabilities/);
  });
});
