import * as assert from 'node:assert/strict';
import { carryAcrossSections, findCrossings, type SectionPlace } from '../../../src/ml/crossSectionGrowth';

/** Probabilities where every pixel puts `p` on class `classOf[i]`, the rest evenly on the others. */
function peaked(classOf: ArrayLike<number>, p: number, classes: number): Float32Array {
  const out = new Float32Array(classOf.length * classes);
  for (let i = 0; i < classOf.length; i++) for (let k = 0; k < classes; k++) out[i * classes + k] = k === classOf[i] ? p : (1 - p) / (classes - 1);
  return out;
}

describe('cross-section growth', () => {
  const h = 4;
  // A volume of 5 inlines × 6 crosslines: inline sections are 4 × 6, crossline sections 4 × 5.
  const places: SectionPlace[] = [{ axis: 'inline', position: 1 }, { axis: 'crossline', position: 3 }, { axis: 'inline', position: 4 }];
  const sizes = [{ height: h, width: 6 }, { height: h, width: 5 }, { height: h, width: 6 }];

  it('finds each inline/crossline pair and the column where they meet', () => {
    const c = findCrossings(places, sizes);
    assert.deepEqual(c, [{ a: 0, b: 1, columnInA: 3, columnInB: 1 }, { a: 2, b: 1, columnInA: 3, columnInB: 4 }]);
  });

  it('ignores sections without a place, of another height, or whose position lies outside the other', () => {
    assert.deepEqual(findCrossings([places[0], undefined], sizes.slice(0, 2)), []);
    assert.deepEqual(findCrossings(places.slice(0, 2), [sizes[0], { height: h + 1, width: 5 }]), []);
    assert.deepEqual(findCrossings([places[0], { axis: 'crossline', position: 6 }], sizes.slice(0, 2)), []);
    assert.deepEqual(findCrossings([{ axis: 'inline', position: 1 }, { axis: 'inline', position: 2 }], [sizes[0], sizes[0]]), []);
  });

  it('carries a grown column to the crossing line where that line agrees, and nowhere else', () => {
    const classes = 3;
    const crossings = findCrossings(places.slice(0, 2), sizes.slice(0, 2));
    // Inline 1 is labelled class 2 down its column 3 except the last sample; crossline 3 has no labels.
    const inline = new Uint8Array(h * 6).fill(255);
    for (let y = 0; y < h - 1; y++) inline[y * 6 + 3] = 2;
    const crossline = new Uint8Array(h * 5).fill(255);
    // The crossline's networks predict class 2 everywhere except sample 1 (class 0), confident.
    const predicted = Array.from({ length: h * 5 }, (_, p) => (Math.floor(p / 5) === 1 ? 0 : 2));
    const confident = peaked(predicted, 0.95, classes);
    const { carried, added } = carryAcrossSections(crossings, [inline, crossline], sizes.slice(0, 2),
      [null, { probsA: confident, probsB: confident }], { classes, threshold: 0.9, requireAgreement: true });
    const column = Array.from({ length: h }, (_, y) => carried[1][y * 5 + 1]);
    assert.deepEqual(column, [2, 255, 2, 255], 'sample 1 disagrees, sample 3 had no label to carry');
    assert.equal(added, 2);
    assert.ok(carried[1].every((v, p) => v === 255 || p % 5 === 1), 'only the crossing column receives labels');
    assert.ok(carried[0].every((v) => v === 255), 'a section without predictions receives nothing');
  });

  it('keeps the same rules as growth: the threshold, the agreement of both networks, and existing labels', () => {
    const classes = 2;
    const crossings = findCrossings(places.slice(0, 2), sizes.slice(0, 2));
    const inline = new Uint8Array(h * 6).fill(255);
    for (let y = 0; y < h; y++) inline[y * 6 + 3] = 1;
    const all1 = new Array<number>(h * 5).fill(1);
    const run = (probsA: Float32Array, probsB: Float32Array, crossline = new Uint8Array(h * 5).fill(255), threshold: number | number[] = 0.9) => carryAcrossSections(
      crossings, [inline, crossline], sizes.slice(0, 2), [null, { probsA, probsB }], { classes, threshold, requireAgreement: true }).added;
    assert.equal(run(peaked(all1, 0.95, classes), peaked(all1, 0.95, classes)), h);
    assert.equal(run(peaked(all1, 0.8, classes), peaked(all1, 0.8, classes)), 0, 'under the threshold');
    assert.equal(run(peaked(all1, 0.8, classes), peaked(all1, 0.8, classes), undefined, [0.9, 0.7]), h, 'a class threshold of its own');
    assert.equal(run(peaked(all1, 0.95, classes), peaked(new Array<number>(h * 5).fill(0), 0.95, classes)), 0, 'the two networks disagree');
    const own = new Uint8Array(h * 5).fill(255);
    own[0 * 5 + 1] = 0;
    assert.equal(run(peaked(all1, 0.95, classes), peaked(all1, 0.95, classes), own), h - 1, 'a label already there is never replaced');
  });
});
