import * as assert from 'node:assert/strict';
import { SeisGrowError } from '../../../src/shared/errors';
import { decodeOrderedUnits, formatUnitOrder, inferUnitOrder } from '../../../src/ml/unitOrder';
import { Rng } from '../../../src/ml/random';

/** A section from rows of characters: a digit is a label, '.' unlabelled. */
function grid(rows: string[]): { labels: Uint8Array; height: number; width: number } {
  const width = rows[0].length;
  return { labels: Uint8Array.from(rows.join('').split(''), (c) => (c === '.' ? 255 : Number(c))), height: rows.length, width };
}

/** Pixel-major probabilities of one trace (width 1) from per-row class distributions. */
function trace(rows: number[][]): Float32Array {
  return Float32Array.from(rows.flat());
}

describe('unit order: the depth order the labels imply', () => {
  it('prints an order short, consecutive classes as ranges', () => {
    assert.equal(formatUnitOrder([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]), '0–9');
    assert.equal(formatUnitOrder([0, 1, 2, 5, 3, 4]), '0–2, 5, 3, 4');
    assert.equal(formatUnitOrder([2, 0, 1]), '2, 0, 1');
    assert.equal(formatUnitOrder([7]), '7');
    assert.equal(formatUnitOrder([3, 4, 5, 9, 8]), '3–5, 9, 8');
  });

  it('reads a layer cake from full traces, whatever the class numbers', () => {
    assert.deepEqual(inferUnitOrder([grid(['0.0', '1..', '1.1', '2.2'])], 4), [0, 1, 2]);
    // Class 2 on top, then 0, then 1: the order is the labels', not the numbers'.
    assert.deepEqual(inferUnitOrder([grid(['2.', '0.', '1.']), grid(['.2', '.0'])], 3), [2, 0, 1]);
  });

  it('joins what separate traces and sections say (a pinch-out skips a unit)', () => {
    // One trace says 0 above 1, another 1 above 2, a third 0 directly above 2.
    assert.deepEqual(inferUnitOrder([grid(['0.0', '1.2']), grid(['1', '2'])], 3), [0, 1, 2]);
  });

  it('implies no order when traces contradict each other, or two units are never placed', () => {
    assert.equal(inferUnitOrder([grid(['01', '10'])], 2), null); // salt above sediment here, below it there
    assert.equal(inferUnitOrder([grid(['0', '1', '0'])], 2), null); // one trace comes back to a unit
    assert.equal(inferUnitOrder([grid(['0.', '1.', '.2'])], 3), null); // 2 beside 1, never above or below it
    assert.equal(inferUnitOrder([grid(['1.', '1.', '..'])], 3), null); // one class: nothing to order
    assert.equal(inferUnitOrder([grid(['..'])], 3), null);
  });

  it('refuses labels that do not fit their section or their classes', () => {
    assert.throws(() => inferUnitOrder([{ labels: new Uint8Array(3), height: 2, width: 2 }], 2), SeisGrowError);
    assert.throws(() => inferUnitOrder([grid(['0', '5'])], 3), SeisGrowError);
  });
});

describe('unit order: decoding each trace in that order', () => {
  it('removes an island of a deep unit inside a shallow one and keeps the most probable ordered boundary', () => {
    const rows = [[0.9, 0.1], [0.4, 0.6], [0.8, 0.2], [0.3, 0.7], [0.2, 0.8]];
    const d = decodeOrderedUnits(trace(rows), 5, 1, 2, [0, 1]);
    assert.deepEqual([...d.classes], [0, 0, 0, 1, 1]);
    assert.deepEqual([...d.confidence].map((v) => +v.toFixed(3)), [0.9, 0.4, 0.8, 0.7, 0.8]);
  });

  it('follows the given order, skips units, and never picks a class outside it', () => {
    // Order 2 < 0 < 1; class 3 is the most probable in row 1 but is not a unit of the order.
    const rows = [[0.1, 0.1, 0.7, 0.1], [0.1, 0.05, 0.15, 0.7], [0.1, 0.8, 0.05, 0.05]];
    assert.deepEqual([...decodeOrderedUnits(trace(rows), 3, 1, 4, [2, 0, 1]).classes], [2, 2, 1]);
  });

  it('equals the best of all ordered sequences, found by brute force, on random traces', () => {
    const rng = new Rng(7);
    const h = 5, m = 3, k = 4, order = [3, 0, 2];
    for (let t = 0; t < 40; t++) {
      const probs = new Float32Array(h * k);
      for (let y = 0; y < h; y++) {
        let sum = 0;
        for (let c = 0; c < k; c++) { probs[y * k + c] = rng.next() + 1e-3; sum += probs[y * k + c]; }
        for (let c = 0; c < k; c++) probs[y * k + c] /= sum;
      }
      let best = -Infinity;
      let bestSeq: number[] = [];
      const walk = (y: number, from: number, seq: number[], lp: number): void => {
        if (y === h) { if (lp > best + 1e-12) { best = lp; bestSeq = seq.map((j) => order[j]); } return; }
        for (let j = from; j < m; j++) walk(y + 1, j, [...seq, j], lp + Math.log(probs[y * k + order[j]]));
      };
      walk(0, 0, [], 0);
      assert.deepEqual([...decodeOrderedUnits(probs, h, 1, k, order).classes], bestSeq, `trace ${t}`);
    }
  });

  it('decodes every column of a section on its own', () => {
    // Two traces side by side (pixel-major: row 0 col 0, row 0 col 1, ...): one plain, one with an island.
    const probs = Float32Array.from([0.9, 0.1, 0.9, 0.1, 0.2, 0.8, 0.45, 0.55, 0.2, 0.8, 0.9, 0.1]);
    assert.deepEqual([...decodeOrderedUnits(probs, 3, 2, 2, [0, 1]).classes], [0, 0, 1, 0, 1, 0]);
  });

  it('refuses an order that is not a list of distinct classes, or probabilities of another shape', () => {
    const p = new Float32Array(6);
    assert.throws(() => decodeOrderedUnits(p, 3, 1, 2, [0, 0]), SeisGrowError);
    assert.throws(() => decodeOrderedUnits(p, 3, 1, 2, [0, 2]), SeisGrowError);
    assert.throws(() => decodeOrderedUnits(p, 3, 1, 2, []), SeisGrowError);
    assert.throws(() => decodeOrderedUnits(p, 2, 2, 2, [0, 1]), SeisGrowError);
  });
});
