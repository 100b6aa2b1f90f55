import * as assert from 'node:assert/strict';
import { Rng } from '../../../src/ml/random';
import { labelFraction, sparseTraceLabels, tracePositions, tracesForFraction } from '../../../src/ml/sparseLabels';

describe('sparse trace labels', () => {
  it('spaces traces evenly at bin centres, or jittered within bins with an Rng', () => {
    assert.deepEqual(tracePositions(10, 2), [2, 7]);
    assert.deepEqual(tracePositions(951, 8).length, 8);
    assert.deepEqual(tracePositions(3, 5), [0, 1, 2]); // never more traces than columns
    const rng = new Rng(1);
    const jit = tracePositions(100, 10, rng);
    jit.forEach((x, i) => assert.ok(x >= i * 10 && x < (i + 1) * 10, `${x} in bin ${i}`));
    assert.deepEqual(tracePositions(100, 10, new Rng(1)), jit);
    assert.notDeepEqual(tracePositions(100, 10, new Rng(2)), jit);
  });

  it('keeps whole columns and blanks the rest, on one section or a stack', () => {
    const h = 3, w = 4;
    const labels = Uint8Array.from({ length: 2 * h * w }, (_, i) => i % 7);
    const out = sparseTraceLabels(labels, h, w, 0, [1, 3]);
    for (let s = 0; s < 2; s++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      const i = s * h * w + y * w + x;
      assert.equal(out[i], x === 1 || x === 3 ? labels[i] : 255);
    }
    assert.equal(labelFraction(out), 0.5);
    assert.throws(() => sparseTraceLabels(labels, h, w, 0, [4]), /outside/);
    assert.throws(() => sparseTraceLabels(labels.subarray(1), h, w, 1), /whole number/);
  });

  it('keeps already-unlabelled pixels unlabelled and gives about 1 % with 8 traces on an F3-sized inline', () => {
    const h = 462, w = 951;
    const labels = new Uint8Array(h * w).map((_, i) => ((i / w) | 0) % 10);
    const first = tracePositions(w, 8)[0];
    labels[first] = 255;
    const out = sparseTraceLabels(labels, h, w, 8);
    assert.equal(out[first], 255);
    assert.equal(out[w + first], labels[w + first]);
    const f = labelFraction(out);
    assert.ok(Math.abs(f - 8 / 951) < 1e-3, `fraction ${f}`);
    assert.equal(tracesForFraction(951, 0.01), 10);
    assert.equal(tracesForFraction(50, 0.001), 1);
    assert.equal(labelFraction([]), 0);
  });
});
