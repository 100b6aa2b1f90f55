import * as assert from 'node:assert/strict';
import { SeisGrowError } from '../../../src/shared/errors';
import { Rng } from '../../../src/ml/random';
import { argmaxProbabilities, meanProbabilities, mergeLabels, parseStages, splitValidation, validateStages } from '../../../src/ml/stages';

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
});
