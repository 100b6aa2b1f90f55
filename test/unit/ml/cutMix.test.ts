import * as assert from 'node:assert/strict';
import { CUTMIX_AREA, cutMixSources, gatherPixels } from '../../../src/ml/data/cutMix';
import { Rng } from '../../../src/ml/random';

/** The patch each pixel of patch k of a gather map comes from, as an h×w grid of patch indices. */
function sourcePatches(sources: Int32Array, k: number, h: number, w: number): number[] {
  return Array.from(sources.subarray(k * h * w, (k + 1) * h * w), (s) => Math.floor(s / (h * w)));
}

describe('cut-mix: gather maps of a batch', () => {
  it('is the identity when off, for a single patch, and for patches the draw leaves alone', () => {
    const identity = (n: number, h: number, w: number) => Int32Array.from({ length: n * h * w }, (_, i) => i);
    assert.deepEqual(cutMixSources(4, 8, 6, 0, new Rng(1)), identity(4, 8, 6));
    assert.deepEqual(cutMixSources(1, 8, 6, 1, new Rng(1)), identity(1, 8, 6));
    const some = cutMixSources(64, 8, 8, 0.5, new Rng(3));
    const mixed = Array.from({ length: 64 }, (_, k) => sourcePatches(some, k, 8, 8).some((p) => p !== k)).filter(Boolean).length;
    assert.ok(mixed > 16 && mixed < 48, `${mixed} of 64 patches mixed at probability 0.5`);
  });

  it('pastes one box from one other patch, at the same place, covering 25–50 % of the patch', () => {
    const n = 8, h = 40, w = 30;
    for (let seed = 0; seed < 20; seed++) {
      const sources = cutMixSources(n, h, w, 1, new Rng(seed));
      for (let k = 0; k < n; k++) {
        const from = sourcePatches(sources, k, h, w);
        const others = new Set(from.filter((p) => p !== k));
        assert.equal(others.size, 1, `patch ${k} takes pixels from exactly one other patch`);
        const rows: number[] = [];
        const cols: number[] = [];
        from.forEach((p, i) => { if (p !== k) { rows.push(Math.floor(i / w)); cols.push(i % w); } });
        const [y0, y1, x0, x1] = [Math.min(...rows), Math.max(...rows), Math.min(...cols), Math.max(...cols)];
        // a full rectangle: every pixel of the bounding box comes from the other patch
        assert.equal(rows.length, (y1 - y0 + 1) * (x1 - x0 + 1));
        const share = rows.length / (h * w);
        assert.ok(share > CUTMIX_AREA[0] - 0.06 && share < CUTMIX_AREA[1] + 0.06, `box share ${share}`);
        // at the same place: pixel (y, x) of patch k comes from pixel (y, x) of the other patch
        for (let i = 0; i < h * w; i++) assert.equal(sources[k * h * w + i] % (h * w), i);
      }
    }
  });

  it('is deterministic given the stream', () => {
    assert.deepEqual(cutMixSources(6, 16, 16, 0.7, new Rng(9)), cutMixSources(6, 16, 16, 0.7, new Rng(9)));
    assert.notDeepEqual(cutMixSources(6, 16, 16, 0.7, new Rng(9)), cutMixSources(6, 16, 16, 0.7, new Rng(10)));
  });

  it('gathers maps of one or several channels through the map, and refuses a map that does not fit', () => {
    const sources = Int32Array.from([2, 0, 1]);
    assert.deepEqual(gatherPixels(Uint8Array.from([10, 11, 12]), sources), Uint8Array.from([12, 10, 11]));
    assert.deepEqual(gatherPixels(Float32Array.from([0, 0.5, 1, 1.5, 2, 2.5]), sources, 2), Float32Array.from([2, 2.5, 0, 0.5, 1, 1.5]));
    assert.throws(() => gatherPixels(Uint8Array.from([1, 2]), sources), RangeError);
    assert.throws(() => gatherPixels(Uint8Array.from([1, 2, 3]), Int32Array.from([0, 3, 1])), /outside the batch/);
  });
});
