import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { SeisGrowError } from '../../../src/shared/errors';
import { readNpy } from '../../../src/io/npy';
import { makeConfig } from '../../../src/ml/config';
import {
  BatchSampler, computeNormalisation, moveMap, normalise, packGeometry, reflectIndex, strongView, tiledProbabilities, tileStarts,
  unpackGeometry, type ViewGeometry,
} from '../../../src/ml/data';
import { Rng } from '../../../src/ml/random';
import { sparseTraceLabels } from '../../../src/ml/sparseLabels';
import { networkInput } from '../../../src/ml/stages';
import { describeWithSharedData, sharedData } from '../../support/sharedData';

describe('data: normalisation', () => {
  it('centres at the median, scales by half the 1..99 percentile range, clips at ±3, unaffected by one huge spike', () => {
    const a = new Float32Array(10001).map((_, i) => (i - 5000) / 50);
    a[7] = 1e9;
    const n = computeNormalisation([a], [1, 99]);
    assert.ok(Math.abs(n.center) < 0.05, `center ${n.center}`);
    assert.ok(n.scale > 90 && n.scale < 110, `scale ${n.scale}`);
    assert.equal(n.clip, 3);
    const x = normalise(a, n);
    assert.equal(x[7], 3);
    assert.ok(Math.abs(x[5000] - (0 - n.center) / n.scale) < 1e-6);
  });

  it('ignores a few huge outliers that would wreck min/max scaling', () => {
    const rng = new Rng(3);
    const v = Float32Array.from({ length: 10000 }, () => rng.normal() * 1000);
    v[0] = 1e9; v[1] = -1e9;
    const n = computeNormalisation([v], [1, 99]);
    // half the 1..99 range of a normal is 2.33 sigma
    assert.ok(n.scale > 2100 && n.scale < 2600 && Math.abs(n.center) < 100, JSON.stringify(n));
    const out = normalise(v, n);
    assert.equal(out[0], 3); assert.equal(out[1], -3);
    const clipped = out.filter((x) => Math.abs(x) === 3).length;
    assert.ok(clipped < 20, `${clipped} clipped`);
  });

  it('fits on several arrays as on their concatenation, and samples inputs over 1M values with a fixed stride', () => {
    const rng = new Rng(4);
    const parts = [3000, 1, 4999].map((len) => Float32Array.from({ length: len }, () => rng.normal() * 7 + 2));
    const all = new Float32Array(8000);
    all.set(parts[0], 0); all.set(parts[1], 3000); all.set(parts[2], 3001);
    assert.deepEqual(computeNormalisation(parts, [2, 98]), computeNormalisation([all], [2, 98]));
    // 2.5M values → stride 2: the same as fitting on every second value (1.25M values, stride 1)
    const big = Float32Array.from({ length: 2_500_000 }, (_, i) => ((i * 7919) % 100003) - 50000 + (i % 2) * 0.5);
    const everySecond = big.filter((_, i) => i % 2 === 0);
    assert.deepEqual(computeNormalisation([big.subarray(0, 1_000_001), big.subarray(1_000_001)], [1, 99]), computeNormalisation([everySecond], [1, 99]));
  });

  it('maps a constant input to 0 and survives the checkpoint JSON round trip bit for bit', () => {
    const flat = computeNormalisation([new Float32Array(10).fill(5)], [1, 99]);
    assert.ok(Number.isFinite(flat.scale) && flat.scale > 0);
    assert.ok(normalise(new Float32Array(10).fill(5), flat).every((v) => v === 0));
    const rng = new Rng(8);
    const v = Float32Array.from({ length: 5000 }, () => rng.normal() * 3e4);
    const n = computeNormalisation([v], [1, 99]);
    assert.deepEqual(normalise(v, JSON.parse(JSON.stringify(n))), normalise(v, n));
  });

  it('property: output in [-clip, clip], monotone in the input, the median maps to 0', () => {
    fc.assert(fc.property(fc.array(fc.float({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 300 }), fc.constantFrom<[number, number]>([1, 99], [0, 100], [5, 95]), (values, pct) => {
      const data = Float32Array.from(values);
      const n = computeNormalisation([data], pct);
      assert.ok(n.scale > 0 && Number.isFinite(n.scale));
      const out = normalise(data, n);
      const order = [...data.keys()].sort((i, j) => data[i] - data[j]);
      for (let k = 0; k < order.length; k++) {
        assert.ok(Math.abs(out[order[k]]) <= n.clip);
        if (k > 0) assert.ok(out[order[k]] >= out[order[k - 1]], 'monotone');
      }
      const sorted = Float64Array.from(data).sort();
      assert.equal(n.center, sorted[Math.round(0.5 * (sorted.length - 1))]);
    }), { seed: 11, numRuns: 200 });
  });
});

describe('data: reflect padding', () => {
  it('reflectIndex mirrors without repeating the edge (numpy reflect)', () => {
    // numpy.pad(arange(4), 6, mode='reflect') → [2 3 2 1 0 1 | 0 1 2 3 | 2 1 0 1 2 3]
    assert.deepEqual(Array.from({ length: 16 }, (_, i) => reflectIndex(i - 6, 4)), [0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1, 2, 3]);
    assert.deepEqual([-3, -2, -1, 0, 1, 2, 3, 4, 5, 6].map((i) => reflectIndex(i, 4)), [3, 2, 1, 0, 1, 2, 3, 2, 1, 0]);
    assert.equal(reflectIndex(-5, 1), 0);
    assert.equal(reflectIndex(5, 1), 0);
  });

  it('property: always in range, identity inside, symmetric about the first sample and periodic', () => {
    fc.assert(fc.property(fc.integer({ min: -10_000, max: 10_000 }), fc.integer({ min: 1, max: 500 }), (i, n) => {
      const r = reflectIndex(i, n);
      assert.ok(Number.isInteger(r) && r >= 0 && r < n);
      if (i >= 0 && i < n) assert.equal(r, i);
      assert.equal(reflectIndex(-i, n), r);
      if (n > 1) assert.equal(reflectIndex(i + 2 * (n - 1), n), r);
    }), { seed: 12, numRuns: 500 });
  });
});

describe('data: batch sampler', () => {
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

  it('stretches patches laterally within the asked range, labels from the nearest source column, the labelled trace kept in view', () => {
    // A wide section whose amplitude is its column number, every pixel labelled with its column (mod 200).
    const th = 20, tw = 300;
    const cols = networkInput(new Float32Array(th * tw).map((_, i) => i % tw), th, tw, true);
    const byColumn = new Uint8Array(th * tw).map((_, i) => (i % tw) % 200);
    const cfg = makeConfig({ batchSize: 8, patchSize: 16, augment: { flip: false, amplitudeScale: 0, noise: 0, shift: 0, lateralStretch: 0.5 } });
    const s = new BatchSampler([cols], [[th, tw]], [byColumn], cfg, 16, new Rng(11));
    const slopes: number[] = [];
    for (let k = 0; k < 40; k++) {
      const b = s.next(0.5);
      for (let p = 0; p < b.n; p++) {
        const at = (x: number, c: number): number => b.x[((p * 16 + 5) * 16 + x) * 2 + c];
        if (at(0, 0) < 30 || at(15, 0) > tw - 30) continue; // near an edge, where columns are reflected
        const slope = (at(15, 0) - at(0, 0)) / 15;
        slopes.push(slope);
        for (let x = 0; x < 16; x++) {
          assert.ok(Math.abs(at(x, 0) - (at(0, 0) + slope * x)) < 1e-3, 'columns spread evenly: a linear resampling');
          assert.equal(at(x, 1), at(0, 1), 'the depth channel is flat along a row');
          assert.equal(b.labels[(p * 16 + 5) * 16 + x], Math.round(at(x, 0)) % 200, 'the label of the nearest source column');
        }
      }
    }
    assert.ok(slopes.length > 100);
    assert.ok(slopes.every((v) => v >= 1 / 1.5 - 1e-5 && v <= 1.5 + 1e-5), 'within [1/1.5, 1.5]');
    assert.ok(slopes.some((v) => v < 0.8) && slopes.some((v) => v > 1.25), 'both narrower and wider views are drawn');
    // One labelled trace: a patch drawn around it keeps it in view whatever the stretch.
    const sparse = new BatchSampler([input], [[h, w]], [labels], makeConfig({ batchSize: 8, patchSize: 16, augment: { flip: true, amplitudeScale: 0, noise: 0, shift: 0, lateralStretch: 1 } }), 16, new Rng(5));
    for (let k = 0; k < 30; k++) {
      const b = sparse.next(1);
      for (let p = 0; p < b.n; p++) assert.ok(b.labels.subarray(p * 256, (p + 1) * 256).some((v) => v !== 255), 'the labelled trace stays in the patch');
    }
    // Off (the default), every patch is a plain crop: one source column per output column.
    const plain = new BatchSampler([cols], [[th, tw]], [byColumn], makeConfig({ batchSize: 8, patchSize: 16, augment: { flip: false, amplitudeScale: 0, noise: 0, shift: 0 } }), 16, new Rng(11)).next(1);
    for (let p = 0; p < 8; p++) for (let x = 1; x < 16; x++) assert.equal(plain.x[((p * 16 + 3) * 16 + x) * 2] - plain.x[((p * 16 + 3) * 16 + x - 1) * 2], 1);
  });

  it('offsets the depth channel of each patch by one draw within ±depthJitter, the amplitude and labels untouched', () => {
    const two = networkInput(input, h, w, true);
    const jitter = (j: number) => new BatchSampler([two], [[h, w]], [labels], makeConfig({ batchSize: 8, patchSize: 16, augment: { flip: true, amplitudeScale: 0, noise: 0, shift: 0, depthJitter: j } }), 16, new Rng(4));
    const offsets: number[] = [];
    const s = jitter(0.3);
    for (let k = 0; k < 20; k++) {
      const b = s.next(0.5);
      for (let p = 0; p < b.n; p++) {
        // The amplitude is the source pixel's index, so each pixel's true relative depth is known.
        const truth = (i: number): number => (2 * Math.floor(Math.round(b.x[i * 2]) / w)) / (h - 1) - 1;
        const first = p * 256;
        const offset = b.x[first * 2 + 1] - truth(first);
        offsets.push(offset);
        for (let i = p * 256; i < (p + 1) * 256; i++) {
          assert.ok(Math.abs(b.x[i * 2 + 1] - truth(i) - offset) < 1e-5, 'one offset for the whole patch');
          const src = Math.round(b.x[i * 2]);
          assert.equal(b.labels[i], labels[Math.floor(src / w) * w + (src % w)], 'labels follow the amplitude, not the depth');
        }
      }
    }
    assert.ok(offsets.every((o) => Math.abs(o) <= 0.3 + 1e-5), 'within ±0.3');
    assert.ok(offsets.some((o) => o < -0.1) && offsets.some((o) => o > 0.1), 'both deeper and shallower');
    // Off, the depth channel is each pixel's own depth.
    const plain = jitter(0).next(1);
    for (let i = 0; i < plain.n * 256; i++) assert.ok(Math.abs(plain.x[i * 2 + 1] - ((2 * Math.floor(Math.round(plain.x[i * 2]) / w)) / (h - 1) - 1)) < 1e-6);
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

  it('centres labelled patches on the given centres (the seeds) while carrying the grown labels', () => {
    // Seeds: one labelled pixel at the far left; grown labels: everything. Centred on the seeds, every patch holds it.
    const seeds = new Uint8Array(h * w).fill(255);
    seeds[20 * w + 2] = 1;
    const grown = new Uint8Array(h * w).fill(3);
    grown[20 * w + 2] = 1;
    const s = new BatchSampler([input], [[h, w]], [labels], makeConfig({ batchSize: 6, patchSize: 16, augment: { flip: false, amplitudeScale: 0, noise: 0, shift: 0 } }), 16, new Rng(4));
    s.setLabels([grown], [seeds]);
    for (let k = 0; k < 10; k++) {
      const b = s.next(1);
      for (let p = 0; p < b.n; p++) {
        const patch = b.labels.subarray(p * 256, (p + 1) * 256);
        assert.ok(patch.includes(1), 'the seed is inside every labelled patch');
        assert.ok(patch.filter((v) => v === 3).length > 200, 'the grown labels come along');
      }
    }
    assert.throws(() => s.setLabels([grown], []), RangeError);
    assert.throws(() => s.setLabels([grown], [new Uint8Array(3)]), RangeError);
  });

  it('given the seeds, marks exactly the grown labels of each batch (never a seed, never an unlabelled pixel)', () => {
    const seeds = new Uint8Array(h * w).fill(255);
    for (let y = 0; y < h; y++) seeds[y * w + 5] = 1;
    // Grown: columns 3..9 of the upper half; the rest unlabelled.
    const grown = seeds.slice();
    for (let y = 0; y < h / 2; y++) for (let x = 3; x < 10; x++) if (grown[y * w + x] === 255) grown[y * w + x] = 2;
    const s = new BatchSampler([input], [[h, w]], [labels], config, 16, new Rng(9));
    assert.equal(s.next(1).grown, undefined, 'no mask before the seeds are given');
    s.setLabels([grown], [seeds], [seeds]);
    let marked = 0;
    for (let k = 0; k < 8; k++) {
      const b = s.next(0.5);
      assert.ok(b.grown && b.grown.length === b.labels.length);
      b.labels.forEach((v, i) => {
        assert.equal(b.grown![i], v === 2 ? 1 : 0, `pixel ${i} with label ${v}`);
        marked += b.grown![i];
      });
    }
    assert.ok(marked > 0, 'some grown labels were drawn');
    assert.throws(() => s.setLabels([grown], [seeds], [new Uint8Array(3)]), RangeError);
  });
});

/** A per-pixel "network": softmax over 3 classes of fixed functions of the amplitude (channel 0 of `channels`). */
const pixelwise = async (batch: Float32Array, n: number, h: number, w: number, channels = 1) => {
  const out = new Float32Array(n * h * w * 3);
  for (let i = 0; i < n * h * w; i++) {
    const v = batch[i * channels];
    const e = [Math.exp(v), Math.exp(-v), Math.exp(Math.sin(3 * v))];
    const s = e[0] + e[1] + e[2];
    for (let c = 0; c < 3; c++) out[i * 3 + c] = e[c] / s;
  }
  return out;
};

/** A context "network": 5×5 box mean within the tile with zero padding, so tile borders are wrong like a CNN's. */
const boxMean = async (batch: Float32Array, n: number, h: number, w: number) => {
  const out = new Float32Array(n * h * w);
  for (let k = 0; k < n; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    let s = 0;
    for (let dy = -2; dy <= 2; dy++) for (let dx = -2; dx <= 2; dx++) {
      const yy = y + dy, xx = x + dx;
      if (yy >= 0 && yy < h && xx >= 0 && xx < w) s += batch[k * h * w + yy * w + xx];
    }
    out[k * h * w + y * w + x] = s / 25;
  }
  return out;
};

describe('tiled inference', () => {
  it('places tiles with the given overlap, the last flush with the end, covering every pixel', () => {
    assert.deepEqual(tileStarts(100, 32, 8), [0, 24, 48, 68]);
    assert.deepEqual(tileStarts(32, 32, 8), [0]);
    assert.deepEqual(tileStarts(20, 32, 8), [0]);
    for (const [len, tile, ov] of [[100, 32, 8], [32, 32, 8], [20, 32, 8], [33, 32, 0], [1000, 128, 32], [57, 32, 8], [9, 4, 3]]) {
      const s = tileStarts(len, tile, ov);
      assert.equal(s[0], 0);
      assert.equal(s[s.length - 1] + Math.min(tile, len), len);
      for (let i = 1; i < s.length; i++) assert.ok(s[i - 1] + tile - s[i] >= ov && s[i] > s[i - 1], `${len}/${tile}/${ov}: ${s}`);
    }
  });

  it('equals one big call for a pixel-wise function, for many sizes, overlaps, batch sizes and channel counts', async () => {
    const rng = new Rng(21);
    const cases = [[100, 130, 32, 8, 3, 1], [37, 41, 16, 5, 8, 2], [20, 20, 32, 4, 2, 1], [64, 64, 32, 0, 1, 2], [9, 200, 16, 15, 4, 1], [70, 93, 32, 8, 5, 2], [57, 33, 32, 8, 2, 1]];
    for (const [rows, cols, patch, overlap, batchSize, channels] of cases) {
      const data = Float32Array.from({ length: rows * cols * channels }, () => rng.normal());
      let calls = 0;
      const tiled = await tiledProbabilities(data, rows, cols, channels, 3, patch, overlap, batchSize, async (batch, n, h, w) => {
        calls++;
        assert.ok(n <= batchSize && h === Math.min(patch, rows) && w === Math.min(patch, cols));
        return pixelwise(batch, n, h, w, channels);
      });
      const whole = await pixelwise(data, 1, rows, cols, channels);
      assert.ok(calls >= 1);
      let maxErr = 0;
      for (let i = 0; i < whole.length; i++) maxErr = Math.max(maxErr, Math.abs(tiled[i] - whole[i]));
      assert.ok(maxErr < 1e-6, `${rows}×${cols}×${channels} patch ${patch} overlap ${overlap}: max error ${maxErr}`);
    }
  });

  it('blending removes seams that non-overlapping tiles leave with a context-dependent function', async () => {
    const rows = 96, cols = 96;
    const rng = new Rng(5);
    // a smooth field, so the true box mean is smooth and border errors show as seams
    const data = Float32Array.from({ length: rows * cols }, (_, i) => 1 + Math.sin(((i / cols) | 0) / 15) * Math.cos((i % cols) / 20) + 0.002 * rng.normal());
    const truth = await boxMean(data, 1, rows, cols);
    const plain = await tiledProbabilities(data, rows, cols, 1, 1, 32, 0, 8, boxMean);
    const blended = await tiledProbabilities(data, rows, cols, 1, 1, 32, 16, 8, boxMean);
    const err = (p: Float32Array) => {
      let seam = 0;
      for (let y = 4; y < rows - 4; y++) for (let x = 4; x < cols - 4; x++) seam = Math.max(seam, Math.abs(p[y * cols + x] - truth[y * cols + x]));
      return seam;
    };
    const ePlain = err(plain), eBlend = err(blended);
    assert.ok(ePlain > 0.2, `non-overlapped tiles should show seams (${ePlain})`);
    assert.ok(eBlend < ePlain / 3, `blended max interior error ${eBlend} vs ${ePlain}`);
    // and the blended field has no jump: its largest step between neighbours is close to the truth's
    const maxStep = (p: Float32Array) => { let m = 0; for (let y = 4; y < rows - 4; y++) for (let x = 4; x < cols - 5; x++) m = Math.max(m, Math.abs(p[y * cols + x + 1] - p[y * cols + x])); return m; };
    assert.ok(maxStep(blended) < 2 * maxStep(truth), `step ${maxStep(blended)} vs truth ${maxStep(truth)}`);
    assert.ok(maxStep(plain) > 3 * maxStep(truth));
  });

  it('rejects a network answer of the wrong size and bad arguments as SeisGrowError', async () => {
    const data = new Float32Array(100);
    await assert.rejects(tiledProbabilities(data, 10, 10, 1, 2, 8, 2, 4, async (b, n, h, w) => new Float32Array(n * h * w * 2 + 1)), (e: unknown) => e instanceof SeisGrowError && /returned 513 values for 4 tiles/.test(e.message));
    await assert.rejects(tiledProbabilities(data, 10, 11, 1, 2, 8, 2, 4, pixelwise), /holds 100 values/);
    await assert.rejects(tiledProbabilities(data, 10, 10, 1, 3, 8, -1, 4, pixelwise), /overlap/);
  });
});

describe('data: strong views for the consistency term', () => {
  const n = 6, h = 12, w = 10;
  /** Two channels: 100·row + column (where a pixel came from) and the row itself (a stand-in for relative depth). */
  const coords = new Float32Array(n * h * w * 2);
  for (let k = 0; k < n; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    const i = k * h * w + y * w + x;
    coords[2 * i] = 100 * y + x + 1000 * k;
    coords[2 * i + 1] = y;
  }
  const rowMap = Int32Array.from({ length: n * h * w }, (_, i) => Math.floor((i % (h * w)) / w));
  const plain = { amplitudeScale: 1, noiseStd: 0, cutout: 0 };

  it('moves the pseudo-label map exactly as it moves the pixels, unlabelling what was shifted in', () => {
    for (let seed = 0; seed < 20; seed++) {
      const v = strongView(coords, n, h, w, 2, new Rng(seed), { ...plain, maxShiftX: 3, maxShiftY: 2 });
      const moved = moveMap(rowMap, n, h, w, v.geometry, 255);
      const colMap = Int32Array.from({ length: n * h * w }, (_, i) => i % w);
      const movedCol = moveMap(colMap, n, h, w, v.geometry, -1);
      let inside = 0;
      for (let k = 0; k < n; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
        const i = k * h * w + y * w + x;
        if (moved[i] === 255) { assert.equal(movedCol[i], -1); continue; }
        inside++;
        const src = v.x[2 * i] - 1000 * k;
        assert.equal(Math.floor(src / 100), moved[i], 'the label travels with its pixel (row)');
        assert.equal(src % 100, movedCol[i], 'the label travels with its pixel (column)');
        assert.equal(v.x[2 * i + 1], moved[i], 'the depth channel moves with the pixel');
      }
      assert.ok(inside > n * h * w * 0.4);
    }
  });

  it('never flips vertically: depth order is kept in every column, shifts stay within the asked range', () => {
    for (let seed = 0; seed < 30; seed++) {
      const v = strongView(coords, n, h, w, 2, new Rng(seed), { ...plain, flipProbability: 0.5, maxShiftX: 3, maxShiftY: 2 });
      for (const g of v.geometry) assert.ok(Math.abs(g.dy) <= 2 && Math.abs(g.dx) <= 3);
      const moved = moveMap(rowMap, n, h, w, v.geometry, 255);
      for (let k = 0; k < n; k++) for (let y = 0; y + 1 < h; y++) for (let x = 0; x < w; x++) {
        const i = k * h * w + y * w + x;
        if (moved[i] !== 255 && moved[i + w] !== 255) assert.equal(moved[i + w] - moved[i], 1, 'the pixel below comes from the next row down');
      }
    }
    const flips = Array.from({ length: 200 }, (_, s) => strongView(coords.subarray(0, h * w * 2), 1, h, w, 2, new Rng(s), plain).geometry[0].flip).filter(Boolean).length;
    assert.ok(flips > 70 && flips < 130, `${flips}/200 flipped`);
  });

  it('a flipped, shifted patch: values checked by hand', () => {
    const x = Float32Array.from({ length: 2 * 3 }, (_, i) => i); // 2 rows × 3 columns, one channel
    const g: ViewGeometry[] = [{ flip: true, dy: 1, dx: 1 }];
    // shift: out[y][x] = in[y-1][x-1] (reflecting outside): rows [r1, r0], columns [c1, c0, c1] → then mirrored
    const lab = Uint8Array.of(0, 1, 2, 3, 4, 5);
    assert.deepEqual([...moveMap(lab, 1, 2, 3, g, 255)], [255, 255, 255, 1, 0, 255]);
    const flipOnly = moveMap(lab, 1, 2, 3, [{ flip: true, dy: 0, dx: 0 }], 255);
    assert.deepEqual([...flipOnly], [2, 1, 0, 5, 4, 3]);
    const rng = new Rng(1);
    // with no shift range and no flip the view is the input itself
    const same = strongView(x, 1, 2, 3, 1, rng, { ...plain, flipProbability: 0, maxShiftX: 0, maxShiftY: 0 });
    assert.deepEqual(same.x, x);
    assert.deepEqual(same.geometry, [{ flip: false, dy: 0, dx: 0 }]);
    assert.throws(() => moveMap(lab, 1, 2, 3, [], 255), /geometries/);
    assert.throws(() => strongView(x, 2, 2, 3, 1, rng), /inputs/);
  });

  it('perturbs only the amplitude: gain within range, noise of the asked strength, a zeroed cut-out square', () => {
    const size = 16;
    const ones = new Float32Array(200 * size * size * 2).map((_, i) => (i % 2 === 0 ? 1 : 0.25));
    const g = strongView(ones, 200, size, size, 2, new Rng(6), { amplitudeScale: 1.5, noiseStd: 0, cutout: 0.25 });
    let zeros = 0;
    for (let i = 0; i < g.x.length; i += 2) {
      assert.equal(g.x[i + 1], 0.25, 'the depth channel is never perturbed');
      if (g.x[i] === 0) zeros++;
      else assert.ok(g.x[i] >= 1 / 1.5 - 1e-6 && g.x[i] <= 1.5 + 1e-6);
    }
    assert.equal(zeros, 200 * 4 * 4, 'one 4×4 cut-out per patch');
    const z = strongView(new Float32Array(200 * size * size), 200, size, size, 1, new Rng(6), { amplitudeScale: 1, noiseStd: 0.3, cutout: 0 });
    const rms = Math.sqrt(z.x.reduce((a, v) => a + v * v, 0) / z.x.length);
    // sigma ~ U(0, 0.3) → E[sigma²] = 0.09/3 → rms ≈ 0.173
    assert.ok(Math.abs(rms - 0.1732) < 0.02, `rms ${rms}`);
  });

  it('is deterministic for a seed, and geometry survives packing for the worker', () => {
    const a = strongView(coords, n, h, w, 2, new Rng(9));
    const b = strongView(coords, n, h, w, 2, new Rng(9));
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.x, strongView(coords, n, h, w, 2, new Rng(10)).x);
    // default shifts are small relative to the patch: at most 8 (w/8) laterally and 4 (h/16) vertically
    for (const [ph, pw, my, mx] of [[12, 10, 0, 1], [128, 128, 4, 8], [32, 48, 2, 6]]) {
      const big = new Float32Array(40 * ph * pw);
      const gs = strongView(big, 40, ph, pw, 1, new Rng(ph), { cutout: 0 }).geometry;
      assert.equal(Math.max(...gs.map((g) => Math.abs(g.dy))), my, `${ph}×${pw} dy`);
      assert.equal(Math.max(...gs.map((g) => Math.abs(g.dx))), mx, `${ph}×${pw} dx`);
    }
    const packed = packGeometry(a.geometry);
    assert.equal(packed.length, 3 * n);
    assert.deepEqual(unpackGeometry(packed), a.geometry);
  });
});

describeWithSharedData('data pipeline on a real F3 inline (462×951, 10 classes)', () => {
  let seismic: Float32Array;
  let truth: Uint8Array;
  const rows = 462, cols = 951;
  before(async () => {
    const s = await readNpy(sharedData('f3-sections', 'inline_130_seismic_f32.npy'));
    const l = await readNpy(sharedData('f3-sections', 'inline_130_labels.npy'));
    assert.deepEqual([...s.shape], [rows, cols]);
    seismic = Float32Array.from(s.data as ArrayLike<number>);
    truth = Uint8Array.from(l.data as ArrayLike<number>);
  });

  it('normalises ±3e4 amplitudes to a median of 0 with under 1 % clipped at ±3', () => {
    const n = computeNormalisation([seismic], [1, 99]);
    assert.ok(n.scale > 1000, JSON.stringify(n));
    const out = normalise(seismic, n);
    let clipped = 0;
    for (const v of out) { assert.ok(v >= -3 && v <= 3); if (Math.abs(v) === 3) clipped++; }
    assert.ok(clipped / out.length < 0.01, `${clipped / out.length}`);
    const sorted = Float32Array.from(out).sort();
    assert.ok(Math.abs(sorted[Math.floor(sorted.length / 2)]) < 1e-6);
  });

  it('samples 128×128 patches that mostly hold some of 8 well-like traces, and tiles back without seams', async () => {
    const sparse = sparseTraceLabels(truth, rows, cols, 8);
    const input = networkInput(normalise(seismic, computeNormalisation([seismic], [1, 99])), rows, cols, true);
    const sampler = new BatchSampler([input], [[rows, cols]], [sparse], makeConfig({ batchSize: 64 }), 128, new Rng(1));
    const batch = sampler.next(0.75);
    let withLabels = 0;
    for (let k = 0; k < 64; k++) if (batch.labels.subarray(k * 128 * 128, (k + 1) * 128 * 128).some((v) => v !== 255)) withLabels++;
    assert.ok(withLabels >= 48, `${withLabels}/64`);
    const tiled = await tiledProbabilities(input, rows, cols, 2, 3, 128, 32, 8, (b, n, h, w) => pixelwise(b, n, h, w, 2));
    const whole = await pixelwise(input, 1, rows, cols, 2);
    let maxErr = 0;
    for (let i = 0; i < whole.length; i++) maxErr = Math.max(maxErr, Math.abs(tiled[i] - whole[i]));
    assert.ok(maxErr < 1e-6, `max error ${maxErr}`);
  });
});
