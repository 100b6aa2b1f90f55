import * as assert from 'node:assert/strict';
import {
  applyScaler, augmentBatch, extractPatch, isScalerParams, labelledIndices, percentileOfSorted,
  reflectIndex, robustScaler, samplePatches, tiledProbabilities, tileStarts, weakStrongPair,
} from '../../src/ml/data';
import { SeisGrowError } from '../../src/io/errors';
import { Rng } from '../../src/ml/random';
import { sparseTraceLabels } from '../../src/ml/sparseLabels';
import { readNpy } from '../../src/io/npy';
import { describeWithSharedData, sharedData } from '../support/sharedData';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} ≠ ${b}`);

describe('robust scaler', () => {
  it('interpolates percentiles like numpy and clips to [-1, 1]', () => {
    const values = Float32Array.from({ length: 101 }, (_, i) => i); // 0..100
    const p = robustScaler(values);
    assert.equal(p.low, 1);
    assert.equal(p.high, 99);
    close(percentileOfSorted(Float64Array.of(1, 2, 3, 4), 50), 2.5);
    const out = applyScaler(p, [0, 1, 50, 99, 100, NaN]);
    assert.deepEqual([...out], [-1, -1, 0, 1, 1, 0]);
  });

  it('ignores a few huge outliers that would wreck min/max scaling', () => {
    const rng = new Rng(3);
    const v = Float32Array.from({ length: 10000 }, () => rng.normal() * 1000);
    v[0] = 1e9; v[1] = -1e9;
    const p = robustScaler(v);
    assert.ok(p.high < 4000 && p.low > -4000, JSON.stringify(p));
    const out = applyScaler(p, v);
    const inside = out.filter((x) => Math.abs(x) < 0.999).length;
    assert.ok(inside > 9700, `${inside}`);
  });

  it('fits on several arrays, skips non-finite values, subsamples big inputs reproducibly', () => {
    const a = Float32Array.from({ length: 50 }, (_, i) => i);
    const b = Float32Array.from({ length: 51 }, (_, i) => 50 + i);
    assert.deepEqual(robustScaler([a, b]), robustScaler(Float32Array.from({ length: 101 }, (_, i) => i)));
    assert.deepEqual(robustScaler([NaN, Infinity, 3, 5], { lowPercentile: 0, highPercentile: 100 }).low, 3);
    const big = Float32Array.from({ length: 200_000 }, (_, i) => i % 1000);
    const s1 = robustScaler(big, { maxSamples: 20_000 });
    assert.deepEqual(robustScaler(big, { maxSamples: 20_000 }), s1);
    assert.ok(Math.abs(s1.low - 10) < 5 && Math.abs(s1.high - 989) < 5, JSON.stringify(s1));
    assert.throws(() => robustScaler([NaN]), /no finite value/);
    assert.throws(() => robustScaler([1], { lowPercentile: 50, highPercentile: 50 }), /percentiles/);
  });

  it('maps a constant input to 0 and survives a JSON round trip', () => {
    const p = robustScaler([7, 7, 7]);
    assert.deepEqual([...applyScaler(p, [7, 8, 6])], [0, 0, 0]);
    const back = JSON.parse(JSON.stringify(robustScaler([1, 2, 3, 4])));
    assert.ok(isScalerParams(back));
    assert.ok(!isScalerParams({ kind: 'robust', low: 3, high: 1 }));
    assert.ok(!isScalerParams(null));
  });
});

describe('patches', () => {
  const rows = 7, cols = 9;
  const plane = { data: Float32Array.from({ length: rows * cols }, (_, i) => i), rows, cols };

  it('reflectIndex mirrors without repeating the edge (numpy reflect)', () => {
    // numpy.pad(arange(4), 6, mode='reflect') → [2 3 2 1 0 1 | 0 1 2 3 | 2 1 0 1 2 3]
    assert.deepEqual(Array.from({ length: 16 }, (_, i) => reflectIndex(i - 6, 4)), [0, 1, 2, 3, 2, 1, 0, 1, 2, 3, 2, 1, 0, 1, 2, 3]);
    assert.equal(reflectIndex(-5, 1), 0);
  });

  it('extracts interior windows exactly and reflects outside, with unlabelled padding', () => {
    const labels = new Uint8Array(rows * cols).fill(3);
    const inp = new Float32Array(3 * 4), lab = new Uint8Array(3 * 4);
    extractPatch(plane, labels, 2, 3, 3, 4, inp, lab);
    assert.deepEqual([...inp], [21, 22, 23, 24, 30, 31, 32, 33, 39, 40, 41, 42]);
    assert.deepEqual([...lab], new Array(12).fill(3));
    extractPatch(plane, labels, -1, 7, 3, 4, inp, lab);
    // row −1 reflects to row 1; columns 9, 10 reflect to 7, 6
    assert.deepEqual([...inp], [16, 17, 16, 15, 7, 8, 7, 6, 16, 17, 16, 15]);
    assert.deepEqual([...lab], [255, 255, 255, 255, 3, 3, 255, 255, 3, 3, 255, 255]);
  });

  it('samples deterministically, mostly around sparse trace labels, and some elsewhere', () => {
    const h = 100, w = 400;
    const section = { data: Float32Array.from({ length: h * w }, (_, i) => Math.sin(i)), rows: h, cols: w };
    const full = Uint8Array.from({ length: h * w }, (_, i) => Math.floor(((i / w) | 0) / 10));
    const sparse = sparseTraceLabels(full, h, w, 4); // columns 50, 150, 250, 350
    const a = samplePatches(section, sparse, 32, 32, 400, new Rng(8), { labelledFraction: 0.7 });
    const b = samplePatches(section, sparse, 32, 32, 400, new Rng(8), { labelledFraction: 0.7 });
    assert.deepEqual(a.origins, b.origins);
    assert.deepEqual(a.inputs, b.inputs);
    let withLabels = 0;
    for (let k = 0; k < a.count; k++) {
      const { y, x } = a.origins[k];
      assert.ok(y >= 0 && y + 32 <= h && x >= 0 && x + 32 <= w);
      // content matches the section at the recorded origin
      assert.equal(a.inputs[k * 1024 + 5 * 32 + 7], section.data[(y + 5) * w + x + 7]);
      const lab = a.labels.subarray(k * 1024, (k + 1) * 1024);
      if (lab.some((v) => v !== 255)) withLabels++;
    }
    // uniform patches hit a trace with probability ≈ 4·32/369 ≈ 0.35, so expect ≈ 0.7 + 0.3·0.35 ≈ 0.80
    assert.ok(withLabels / a.count > 0.72 && withLabels / a.count < 0.9, `${withLabels}/${a.count} patches with labels`);
    assert.ok(withLabels < a.count, 'some patches have no label (uniform draws)');
    // with precomputed labelled indices the result is identical
    const c = samplePatches(section, sparse, 32, 32, 400, new Rng(8), { labelledFraction: 0.7, labelled: labelledIndices(sparse) });
    assert.deepEqual(c.origins, a.origins);
  });

  it('pads sections smaller than the patch by reflection with unlabelled pad', () => {
    const small = { data: Float32Array.of(1, 2, 3, 4, 5, 6), rows: 2, cols: 3 };
    const p = samplePatches(small, Uint8Array.of(0, 1, 2, 0, 1, 2), 4, 5, 3, new Rng(1));
    for (let k = 0; k < 3; k++) {
      assert.deepEqual(p.origins[k], { y: 0, x: 0 });
      const inp = [...p.inputs.subarray(k * 20, (k + 1) * 20)];
      assert.deepEqual(inp, [1, 2, 3, 2, 1, 4, 5, 6, 5, 4, 1, 2, 3, 2, 1, 4, 5, 6, 5, 4]);
      const lab = [...p.labels.subarray(k * 20, (k + 1) * 20)];
      assert.deepEqual(lab, [0, 1, 2, 255, 255, 0, 1, 2, 255, 255, ...new Array(10).fill(255)]);
    }
    assert.throws(() => samplePatches(small, new Uint8Array(5), 4, 4, 1, new Rng(1)), /labels/);
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

describe('augmentation', () => {
  const n = 6, h = 12, w = 10;
  const labels = Uint8Array.from({ length: n * h * w }, (_, i) => (((i % (h * w)) / w) | 0) % 5 + (i % w < 5 ? 0 : 5));
  const inputs = Float32Array.from(labels, (v) => v);

  it('keeps depth order (never a vertical flip) and labels aligned with inputs', () => {
    // value = 100·row + column, so a labelled pixel's value says exactly where it came from
    const coords = Float32Array.from({ length: n * h * w }, (_, i) => 100 * (((i % (h * w)) / w) | 0) + (i % w));
    const coordLabels = Uint8Array.from(coords, (v) => Math.floor(v / 100));
    for (let seed = 0; seed < 20; seed++) {
      const r = augmentBatch(coords, coordLabels, n, h, w, new Rng(seed), { maxShiftX: 3, maxShiftY: 2, amplitudeScale: 1, noiseStd: 0 });
      for (let k = 0; k < n; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
        const i = k * h * w + y * w + x;
        if (r.labels![i] === 255) continue;
        assert.equal(Math.floor(r.inputs[i] / 100), r.labels![i], 'label travels with its pixel');
        // the pixel below comes from the next row down: depth order is preserved
        if (y + 1 < h && r.labels![i + w] !== 255) assert.equal(r.inputs[i + w] - r.inputs[i], 100);
      }
    }
  });

  it('flips left-right and shifts with unlabelled fill, deterministically', () => {
    const a = augmentBatch(inputs, labels, n, h, w, new Rng(4), { flipProbability: 1, maxShiftX: 0, maxShiftY: 0, amplitudeScale: 1, noiseStd: 0 });
    for (let k = 0; k < n; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
      assert.equal(a.labels![k * h * w + y * w + x], labels[k * h * w + y * w + (w - 1 - x)]);
    }
    const s = augmentBatch(inputs, labels, n, h, w, new Rng(4), { flipProbability: 0, maxShiftX: 4, maxShiftY: 0, amplitudeScale: 1, noiseStd: 0 });
    const unl = [...s.labels!].filter((v) => v === 255).length;
    assert.ok(unl > 0, 'shifted-in columns are unlabelled');
    assert.equal(unl % h, 0, 'whole columns only (no vertical shift asked)');
    const again = augmentBatch(inputs, labels, n, h, w, new Rng(4), { flipProbability: 0, maxShiftX: 4, maxShiftY: 0, amplitudeScale: 1, noiseStd: 0 });
    assert.deepEqual(again, s);
  });

  it('applies gain within range and noise of the asked strength', () => {
    const ones = new Float32Array(200 * 16 * 16).fill(1);
    const g = augmentBatch(ones, null, 200, 16, 16, new Rng(6), { amplitudeScale: 1.5, noiseStd: 0, maxShiftX: 0, maxShiftY: 0 });
    for (const v of g.inputs) assert.ok(v >= 1 / 1.5 - 1e-6 && v <= 1.5 + 1e-6);
    assert.equal(g.labels, null);
    const z = augmentBatch(new Float32Array(200 * 256), null, 200, 16, 16, new Rng(6), { amplitudeScale: 1, noiseStd: 0.2, maxShiftX: 0, maxShiftY: 0 });
    const rms = Math.sqrt(z.inputs.reduce((a, v) => a + v * v, 0) / z.inputs.length);
    // sigma ~ U(0, 0.2) → E[sigma²] = 0.04/3 → rms ≈ 0.115
    assert.ok(Math.abs(rms - 0.1155) < 0.015, `rms ${rms}`);
  });

  it('weak/strong pairs share geometry; the strong view is perturbed more', () => {
    const rng = new Rng(10);
    const smooth = Float32Array.from({ length: n * h * w }, (_, i) => Math.sin(i / 7));
    const same = weakStrongPair(smooth, labels, n, h, w, new Rng(3), { amplitudeScale: 1, noiseStd: 0, strongAmplitudeScale: 1, strongNoiseStd: 0, cutout: 0 });
    assert.deepEqual(same.weak, same.strong);
    const geo = augmentBatch(smooth, labels, n, h, w, new Rng(3), { amplitudeScale: 1, noiseStd: 0 });
    assert.deepEqual(same.weak, geo.inputs, 'same geometry as augmentBatch from the same Rng state');
    assert.deepEqual(same.labels, geo.labels);
    const p = weakStrongPair(smooth, null, n, h, w, rng);
    let dw = 0, ds = 0;
    const base = weakStrongPair(smooth, null, n, h, w, new Rng(10), { amplitudeScale: 1, noiseStd: 0, strongAmplitudeScale: 1, strongNoiseStd: 0, cutout: 0 }).weak;
    for (let i = 0; i < base.length; i++) { dw += Math.abs(p.weak[i] - base[i]); ds += Math.abs(p.strong[i] - base[i]); }
    assert.ok(ds > 2 * dw, `strong deviation ${ds} vs weak ${dw}`);
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

  it('scales ±3e4 amplitudes into [-1, 1] with ~2 % clipped', () => {
    const p = robustScaler(seismic);
    assert.ok(p.low < 0 && p.high > 0 && p.high - p.low > 1000, JSON.stringify(p));
    const out = applyScaler(p, seismic);
    let clipped = 0;
    for (const v of out) { assert.ok(v >= -1 && v <= 1); if (Math.abs(v) === 1) clipped++; }
    assert.ok(clipped / out.length > 0.015 && clipped / out.length < 0.025, `${clipped / out.length}`);
  });

  it('samples 128×128 patches that mostly contain some of 8 well-like traces, and tiles back without seams', async () => {
    const sparse = sparseTraceLabels(truth, rows, cols, 8);
    const section = { data: applyScaler(robustScaler(seismic), seismic), rows, cols };
    const batch = samplePatches(section, sparse, 128, 128, 64, new Rng(1));
    let withLabels = 0;
    for (let k = 0; k < 64; k++) if (batch.labels.subarray(k * 128 * 128, (k + 1) * 128 * 128).some((v) => v !== 255)) withLabels++;
    assert.ok(withLabels >= 50, `${withLabels}/64`);
    const tiled = await tiledProbabilities(section.data, rows, cols, 1, 3, 128, 32, 8, pixelwise);
    const whole = await pixelwise(section.data, 1, rows, cols);
    let maxErr = 0;
    for (let i = 0; i < whole.length; i++) maxErr = Math.max(maxErr, Math.abs(tiled[i] - whole[i]));
    assert.ok(maxErr < 1e-6, `max error ${maxErr}`);
  });
});
