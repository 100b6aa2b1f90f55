import * as assert from 'node:assert/strict';
import { SeisGrowError } from '../../src/io/errors';
import { makeConfig } from '../../src/ml/config';
import { Rng } from '../../src/ml/random';
import {
  BatchSampler, argmaxProbabilities, computeNormalisation, meanProbabilities, mergeLabels, networkInput, normalise, parseStages, reflect,
  splitValidation, validateStages,
} from '../../src/ml/stages';

describe('stages: plan and helpers', () => {
  it('parses stage lists and rejects gaps, repeats and unknown stages', () => {
    assert.deepEqual(parseStages('1,2,3'), [1, 2, 3]);
    assert.deepEqual(parseStages(' 2 '), [2]);
    assert.deepEqual(parseStages('2,3'), [2, 3]);
    for (const bad of ['', '0', '4', '1,3', '2,1', '1,1', 'a', '1.5']) {
      assert.throws(() => parseStages(bad), SeisGrowError, bad);
    }
    assert.throws(() => validateStages([]), /no stage/);
  });

  it('normalises robustly: median to 0, clipped at ±3, unaffected by one huge spike', () => {
    const a = new Float32Array(10001).map((_, i) => (i - 5000) / 50);
    a[7] = 1e9;
    const n = computeNormalisation([a], [1, 99]);
    assert.ok(Math.abs(n.center) < 0.05, `center ${n.center}`);
    assert.ok(n.scale > 90 && n.scale < 110, `scale ${n.scale}`);
    const x = normalise(a, n);
    assert.equal(x[7], 3);
    assert.ok(Math.abs(x[5000] - (0 - n.center) / n.scale) < 1e-6);
    const flat = computeNormalisation([new Float32Array(10).fill(5)], [1, 99]);
    assert.ok(Number.isFinite(flat.scale) && flat.scale > 0);
  });

  it('splits labelled pixels into disjoint train and validation blocks, deterministically, keeping some training labels', () => {
    const h = 64, w = 96;
    const labels = new Uint8Array(h * w).map((_, i) => ((i % w) % 8 === 3 ? (i % 5) : 255));
    const a = splitValidation(labels, h, w, 0.3, 16, new Rng(5));
    const b = splitValidation(labels, h, w, 0.3, 16, new Rng(5));
    assert.deepEqual(a.train, b.train);
    let tr = 0;
    let va = 0;
    for (let i = 0; i < labels.length; i++) {
      if (labels[i] === 255) { assert.equal(a.train[i], 255); assert.equal(a.validation[i], 255); continue; }
      const inTrain = a.train[i] !== 255;
      const inVal = a.validation[i] !== 255;
      assert.ok(inTrain !== inVal, 'each labelled pixel is in exactly one part');
      assert.equal(inTrain ? a.train[i] : a.validation[i], labels[i]);
      if (inTrain) tr++; else va++;
    }
    assert.equal(va, a.validationCount);
    assert.ok(va > 0 && tr > 0);
    // Whole blocks: a 16×16 block is either all validation or all training.
    for (let by = 0; by < h / 16; by++) for (let bx = 0; bx < w / 16; bx++) {
      const kinds = new Set<boolean>();
      for (let y = by * 16; y < by * 16 + 16; y++) for (let x = bx * 16; x < bx * 16 + 16; x++) if (labels[y * w + x] !== 255) kinds.add(a.validation[y * w + x] !== 255);
      assert.ok(kinds.size <= 1);
    }
    const all = splitValidation(labels, h, w, 0.9999, 16, new Rng(1));
    assert.ok(all.train.some((v) => v !== 255), 'never holds out every label');
  });

  it('merges seeds over grown labels and averages probabilities', () => {
    assert.deepEqual(mergeLabels(Uint8Array.from([1, 255, 255]), Uint8Array.from([2, 3, 255])), Uint8Array.from([1, 3, 255]));
    assert.deepEqual(meanProbabilities(Float32Array.from([0.2, 0.8]), Float32Array.from([0.6, 0.4])), Float32Array.from([0.4, 0.6000000238418579]));
    const { classes, confidence } = argmaxProbabilities(Float32Array.from([0.1, 0.7, 0.2, 0.5, 0.25, 0.25]), 3);
    assert.deepEqual(classes, Uint8Array.from([1, 0]));
    assert.ok(Math.abs(confidence[0] - 0.7) < 1e-7 && Math.abs(confidence[1] - 0.5) < 1e-7);
  });

  it('reflects indices like numpy reflect padding', () => {
    assert.deepEqual([-3, -2, -1, 0, 1, 2, 3, 4, 5, 6].map((i) => reflect(i, 4)), [3, 2, 1, 0, 1, 2, 3, 2, 1, 0]);
    assert.equal(reflect(5, 1), 0);
  });
});

describe('stages: batch sampler', () => {
  const h = 40, w = 50;
  const input = new Float32Array(h * w).map((_, i) => i);
  const labels = new Uint8Array(h * w).fill(255);
  for (let y = 0; y < h; y++) labels[y * w + 17] = y % 3;
  const config = makeConfig({ batchSize: 6, patchSize: 16, augment: { flip: true, amplitudeScale: 0, noise: 0, shift: 0 } });

  it('draws patches of the right size, each labelled patch holding a label, pixels matching their source', () => {
    const s = new BatchSampler([input], [[h, w]], [labels], config, 16, new Rng(3));
    for (let k = 0; k < 10; k++) {
      const b = s.next(1);
      assert.equal(b.n, 6); assert.equal(b.h, 16); assert.equal(b.w, 16);
      for (let p = 0; p < b.n; p++) {
        let has = 0;
        for (let i = 0; i < 16 * 16; i++) {
          const v = b.x[p * 256 + i];
          const src = Math.round(v);
          const [sy, sx] = [Math.floor(src / w), src % w];
          assert.equal(b.labels[p * 256 + i], labels[sy * w + sx], 'a pixel keeps its own label through crop and flip');
          if (b.labels[p * 256 + i] !== 255) has++;
        }
        assert.ok(has > 0, 'labelled-share patches contain labels');
      }
    }
  });

  it('is deterministic for a seed and pads sections smaller than the patch with unlabelled reflections', () => {
    const a = new BatchSampler([input], [[h, w]], [labels], config, 16, new Rng(9)).next(0.5);
    const b = new BatchSampler([input], [[h, w]], [labels], config, 16, new Rng(9)).next(0.5);
    assert.deepEqual(a.x, b.x);
    const small = new Float32Array(6 * 8).map((_, i) => i);
    const smallLabels = new Uint8Array(48).fill(1);
    const s = new BatchSampler([small, input], [[6, 8], [h, w]], [smallLabels, labels], config, 16, new Rng(1));
    assert.deepEqual(s.patchSize, [16, 16]);
    let sawPadding = false;
    for (let k = 0; k < 20; k++) {
      const bt = s.next(1);
      for (let p = 0; p < bt.n; p++) {
        const vals = Array.from(bt.x.subarray(p * 256, (p + 1) * 256));
        if (vals.every((v) => v < 48)) {
          const unl = Array.from(bt.labels.subarray(p * 256, (p + 1) * 256)).filter((v) => v === 255).length;
          assert.equal(unl, 256 - 48, 'padding carries no labels');
          sawPadding = true;
        }
      }
    }
    assert.ok(sawPadding);
  });

  it('carries the relative-depth channel unchanged through crops, flips and amplitude augmentation', () => {
    const two = networkInput(input, h, w, true);
    assert.equal(two.length, 2 * h * w);
    assert.equal(two[1], -1);
    assert.equal(two[2 * (h - 1) * w + 1], 1);
    assert.equal(networkInput(input, h, w, false), input);
    const aug = makeConfig({ batchSize: 4, patchSize: 16, augment: { flip: true, amplitudeScale: 0.5, noise: 0.1, shift: 0 } });
    const b = new BatchSampler([two], [[h, w]], [labels], aug, 16, new Rng(4)).next(1);
    assert.equal(b.x.length, 4 * 16 * 16 * 2);
    for (let p = 0; p < 4; p++) {
      const col = Array.from({ length: 16 }, (_, y) => b.x[((p * 16 + y) * 16) * 2 + 1]);
      const top = Math.round(((col[0] + 1) / 2) * (h - 1));
      col.forEach((d, y) => assert.ok(Math.abs(d - ((2 * (top + y)) / (h - 1) - 1)) < 1e-6, 'depth increases one row at a time'));
      for (let x = 0; x < 16; x++) assert.equal(b.x[((p * 16 + 5) * 16 + x) * 2 + 1], col[5], 'flat along a row');
    }
  });

  it('class-balanced sampling gives a rare class as many labelled patches as a common one; uniform does not', () => {
    // Class 0 labels two full traces (80 pixels), class 1 only 4 pixels in a far corner: 4.8 % of the labels.
    const rare = new Uint8Array(h * w).fill(255);
    for (let y = 0; y < h; y++) { rare[y * w + 3] = 0; rare[y * w + 8] = 0; }
    for (let y = 36; y < 40; y++) rare[y * w + 49] = 1;
    const share = (mode: 'class-balanced' | 'uniform'): number => {
      const cfg = makeConfig({ batchSize: 8, patchSize: 16, labelSampling: mode, augment: { flip: false, amplitudeScale: 0, noise: 0, shift: 0 } });
      const s = new BatchSampler([input], [[h, w]], [rare], cfg, 16, new Rng(5));
      let withRare = 0;
      let patches = 0;
      for (let k = 0; k < 50; k++) {
        const b = s.next(1);
        for (let p = 0; p < b.n; p++, patches++) if (b.labels.subarray(p * 256, (p + 1) * 256).includes(1)) withRare++;
      }
      return withRare / patches;
    };
    const balanced = share('class-balanced');
    const uniform = share('uniform');
    assert.ok(balanced > 0.4 && balanced < 0.6, `class-balanced: ${balanced} of patches hold the rare class`);
    assert.ok(uniform < 0.12, `uniform: ${uniform} of patches hold the rare class`);
  });

  it('class-balanced sampling finds pixels in the right section of many', () => {
    const sections = Array.from({ length: 7 }, (_, k) => new Float32Array(10 * 10).fill(k));
    const labs = sections.map(() => new Uint8Array(100).fill(255));
    labs[5][55] = 2;
    labs[1][3] = 0;
    const cfg = makeConfig({ batchSize: 4, patchSize: 8, augment: { flip: false, amplitudeScale: 0, noise: 0, shift: 0 } });
    const s = new BatchSampler(sections, sections.map(() => [10, 10] as const), labs, cfg, 8, new Rng(1));
    for (let k = 0; k < 20; k++) {
      const b = s.next(1);
      for (let p = 0; p < b.n; p++) {
        const patchLabels = b.labels.subarray(p * 64, (p + 1) * 64);
        const from = b.x[p * 64];
        if (patchLabels.includes(2)) assert.equal(from, 5);
        else { assert.ok(patchLabels.includes(0)); assert.equal(from, 1); }
      }
    }
  });

  it('follows new labels after setLabels (grown labels in stage 3)', () => {
    const s = new BatchSampler([input], [[h, w]], [labels], config, 16, new Rng(2));
    const grown = new Uint8Array(h * w).fill(4);
    s.setLabels([grown]);
    const b = s.next(1);
    assert.ok(b.labels.every((v) => v === 4));
  });
});
