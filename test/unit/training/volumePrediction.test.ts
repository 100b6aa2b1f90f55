// The whole-volume prediction shared by the CLI and the extension, over a stub volume and stub networks: voxel order,
// batches and progress, cancellation (nothing returned), a volume too large for memory refused before any work, and
// the fusion of the inline and crossline views (the mean of their probabilities, voxel by voxel).
import * as assert from 'node:assert/strict';
import { totalmem } from 'node:os';
import type { Volume } from '../../../src/io/types';
import type { Predictor } from '../../../src/ml/engine';
import { checkVolumePredictionSize, DEFAULT_VOLUME_VIEWS, predictVolume, volumePredictionBytes } from '../../../src/training/volumePrediction';

/** A volume whose inline i holds the value 1000 i + 10 x + s at (sample s, crossline x); only inline() is used. */
function stubVolume(shape: [number, number, number]): Volume {
  const [ni, nx, ns] = shape;
  const inlines = Array.from({ length: ni }, (_, k) => 500 + k);
  return {
    info: { shape, inlines, crosslines: Array.from({ length: nx }, (_, k) => k), path: 'stub.sgy' },
    inline: async (n: number) => {
      const i = inlines.indexOf(n);
      const data = new Float32Array(ns * nx);
      for (let s = 0; s < ns; s++) for (let x = 0; x < nx; x++) data[s * nx + x] = 1000 * i + 10 * x + s;
      return { data, rows: ns, cols: nx };
    },
  } as unknown as Volume;
}

/** Networks that answer class = value mod 7 and confidence = value / 1e4, and count their batches. */
function stubPredictor(log: { batches: number[]; closed: boolean }): Predictor {
  return {
    classes: 7,
    predict: async (sections) => {
      log.batches.push(sections.length);
      return sections.map((s) => ({ classes: Uint8Array.from(s.seismic, (v) => v % 7), confidence: Float32Array.from(s.seismic, (v) => v / 1e4), probabilities: new Float32Array(0) }));
    },
    close: async () => { log.closed = true; },
  };
}

describe('predictVolume (stub volume and networks)', () => {
  it('assembles every inline in voxel order (inline, crossline, sample), in batches, reporting progress', async () => {
    const log = { batches: [] as number[], closed: false };
    const progress: number[] = [];
    const r = await predictVolume(stubVolume([5, 3, 4]), 'run', { inlinesPerBatch: 2, open: async () => stubPredictor(log), onProgress: (d) => progress.push(d) });
    assert.ok(r);
    assert.deepEqual(r.shape, [5, 3, 4]);
    for (let i = 0; i < 5; i++) for (let x = 0; x < 3; x++) for (let s = 0; s < 4; s++) {
      const v = (i * 3 + x) * 4 + s;
      const value = 1000 * i + 10 * x + s;
      assert.equal(r.prediction[v], value % 7);
      assert.ok(Math.abs(r.confidence[v] - value / 1e4) < 1e-6);
    }
    assert.deepEqual(log.batches, [2, 2, 1]);
    assert.deepEqual(progress, [2, 4, 5]);
    assert.ok(log.closed, 'the networks are closed');
  });

  it('returns null when cancelled and still closes the networks', async () => {
    const log = { batches: [] as number[], closed: false };
    let calls = 0;
    const r = await predictVolume(stubVolume([5, 3, 4]), 'run', { inlinesPerBatch: 2, open: async () => stubPredictor(log), isCancelled: () => ++calls > 1 });
    assert.equal(r, null);
    assert.deepEqual(log.batches, [2]);
    assert.ok(log.closed);
  });

  it('refuses a volume whose prediction cannot fit in memory, naming the size, before opening the networks', async () => {
    let opened = false;
    const huge = { ...stubVolume([1, 1, 1]), info: { shape: [20000, 20000, 2000], inlines: [], crosslines: [], path: 'huge.sgy' } } as unknown as Volume;
    await assert.rejects(predictVolume(huge, 'run', { open: async () => { opened = true; return stubPredictor({ batches: [], closed: false }); } }),
      (e: Error & { code?: string }) => e.code === 'too-large' && /huge\.sgy: predicting the whole volume \(20000 × 20000 × 2000 = .* voxels\) needs \d+\.\d GiB/.test(e.message));
    assert.equal(opened, false);
  });
});

/** A volume whose every voxel holds its own flat index (i nx + x) ns + s, through inline() and crossline(); counts the crosslines read. */
function indexVolume(shape: [number, number, number], log: { crosslines: number }): Volume {
  const [ni, nx, ns] = shape;
  const inlines = Array.from({ length: ni }, (_, k) => 100 + k);
  const crosslines = Array.from({ length: nx }, (_, k) => 300 + 2 * k);
  return {
    info: { shape, inlines, crosslines, path: 'index.sgy' },
    inline: async (n: number) => {
      const i = inlines.indexOf(n);
      const data = new Float32Array(ns * nx);
      for (let s = 0; s < ns; s++) for (let x = 0; x < nx; x++) data[s * nx + x] = (i * nx + x) * ns + s;
      return { data, rows: ns, cols: nx };
    },
    crossline: async (n: number) => {
      log.crosslines++;
      const x = crosslines.indexOf(n);
      const data = new Float32Array(ns * ni);
      for (let s = 0; s < ns; s++) for (let i = 0; i < ni; i++) data[s * ni + i] = (i * nx + x) * ns + s;
      return { data, rows: ns, cols: ni };
    },
  } as unknown as Volume;
}

const K = 3;

/** The probabilities a view gives a voxel: pseudo-random, different for the inline and the crossline view, summing to 1. */
function viewProbabilities(view: 'inline' | 'crossline', voxel: number): Float32Array {
  const raw = Array.from({ length: K }, (_, k) => {
    const t = Math.sin(voxel * 12.9898 + k * 78.233 + (view === 'inline' ? 0 : 37.719)) * 43758.5453;
    return 0.05 + (t - Math.floor(t));
  });
  const sum = raw.reduce((a, b) => a + b, 0);
  return Float32Array.from(raw, (r) => r / sum);
}

/** The argmax of K probabilities (the lower class on a tie). */
function argmax(p: ArrayLike<number>): number {
  let best = 0;
  for (let k = 1; k < p.length; k++) if (p[k] > p[best]) best = k;
  return best;
}

/** Networks whose view of a voxel depends on the section they see it in (the name says which), K probabilities a pixel. */
function viewPredictor(log: { batches: string[]; closed: boolean }): Predictor {
  return {
    classes: K,
    predict: async (sections) => sections.map((sec) => {
      log.batches.push(sec.name);
      const view = sec.name.startsWith('crossline') ? 'crossline' : 'inline';
      const probabilities = new Float32Array(sec.seismic.length * K);
      const classes = new Uint8Array(sec.seismic.length);
      const confidence = new Float32Array(sec.seismic.length);
      sec.seismic.forEach((voxel, px) => {
        const p = viewProbabilities(view, voxel);
        probabilities.set(p, px * K);
        classes[px] = argmax(p);
        confidence[px] = p[classes[px]];
      });
      return { classes, confidence, probabilities };
    }),
    close: async () => { log.closed = true; },
  };
}

describe('predictVolume with views inline+crossline (stub volume and view-dependent networks)', () => {
  const shape: [number, number, number] = [5, 3, 4];
  const voxels = 5 * 3 * 4;

  it('gives each voxel the argmax of the mean of its inline and crossline probabilities, and their mean probability of that class', async () => {
    const log = { batches: [] as string[], closed: false };
    const r = await predictVolume(indexVolume(shape, { crosslines: 0 }), 'run', { views: 'inline+crossline', inlinesPerBatch: 2, open: async () => viewPredictor(log) });
    assert.ok(r);
    let differsFromInline = 0;
    let differsFromBoth = 0;
    let decided = 0;
    for (let v = 0; v < voxels; v++) {
      const a = viewProbabilities('inline', v);
      const b = viewProbabilities('crossline', v);
      const mean = Array.from(a, (p, k) => (p + b[k]) / 2);
      const expected = argmax(mean);
      const sorted = [...mean].sort((x, y) => y - x);
      // The inline view is kept as bytes: a margin under one quantisation step may go either way.
      if (sorted[0] - sorted[1] > 1 / 255) {
        decided++;
        assert.equal(r.prediction[v], expected, `voxel ${v}: class of the mean`);
      }
      assert.ok(Math.abs(r.confidence[v] - mean[r.prediction[v]]) <= 0.5 / 255 / 2 + 1e-6, `voxel ${v}: confidence ${r.confidence[v]} is the mean ${mean[r.prediction[v]]}`);
      if (expected !== argmax(a)) differsFromInline++;
      if (expected !== argmax(a) && expected !== argmax(b)) differsFromBoth++;
    }
    // The case is a real test: the views disagree, and the mean sometimes picks a class neither view would.
    assert.ok(decided > voxels * 0.8, `${decided} voxels decided beyond quantisation`);
    assert.ok(differsFromInline > 5, `${differsFromInline} voxels change class against the inline view alone`);
    assert.ok(differsFromBoth > 0, `${differsFromBoth} voxels take a class neither view chose`);
    assert.deepEqual(log.batches.filter((n) => n.startsWith('crossline')), ['crossline 300', 'crossline 302', 'crossline 304']);
    assert.ok(log.closed);
  });

  it('decodes each fused crossline as the run decodes a section (its classify: e.g. the depth order of its units)', async () => {
    const seen: [number, number, number][] = [];
    const ordered = {
      ...viewPredictor({ batches: [], closed: false }),
      // A stand-in decoding that is easy to recognise: the class a pixel's row would have in a layer cake of K units.
      classify: (probabilities: Float32Array, height: number, width: number) => {
        seen.push([probabilities.length, height, width]);
        const classes = Uint8Array.from({ length: height * width }, (_, px) => Math.floor((Math.floor(px / width) * K) / height));
        return { classes, confidence: Float32Array.from(classes, (c, px) => probabilities[px * K + c]) };
      },
    };
    const r = await predictVolume(indexVolume(shape, { crosslines: 0 }), 'run', { views: 'inline+crossline', open: async () => ordered });
    assert.ok(r);
    // Crossline sections are samples × inlines: 4 × 5, K probabilities a pixel, one call per crossline.
    assert.deepEqual(seen, [[4 * 5 * K, 4, 5], [4 * 5 * K, 4, 5], [4 * 5 * K, 4, 5]]);
    for (let v = 0; v < voxels; v++) {
      const sample = v % 4;
      const c = Math.floor((sample * K) / 4);
      assert.equal(r.prediction[v], c, `voxel ${v}`);
      const mean = (viewProbabilities('inline', v)[c] + viewProbabilities('crossline', v)[c]) / 2;
      assert.ok(Math.abs(r.confidence[v] - mean) <= 0.5 / 255 + 1e-6, `voxel ${v}: the fused probability of the class kept`);
    }
  });

  it('leaves the inline-only prediction as it was: the inline view\'s classes, no crossline read (and inline is the default)', async () => {
    const reads = { crosslines: 0 };
    for (const views of [undefined, 'inline'] as const) {
      const r = await predictVolume(indexVolume(shape, reads), 'run', { ...(views ? { views } : {}), open: async () => viewPredictor({ batches: [], closed: false }) });
      assert.ok(r);
      for (let v = 0; v < voxels; v++) {
        const a = viewProbabilities('inline', v);
        assert.equal(r.prediction[v], argmax(a));
        assert.ok(Math.abs(r.confidence[v] - a[argmax(a)]) < 1e-6);
      }
    }
    assert.equal(reads.crosslines, 0);
    assert.equal(DEFAULT_VOLUME_VIEWS, 'inline');
  });

  it('counts both passes in the progress and returns null when cancelled in the crossline pass', async () => {
    const progress: [number, number][] = [];
    const r = await predictVolume(indexVolume(shape, { crosslines: 0 }), 'run', { views: 'inline+crossline', inlinesPerBatch: 2, open: async () => viewPredictor({ batches: [], closed: false }), onProgress: (d, t) => progress.push([d, t]) });
    assert.ok(r);
    assert.deepEqual(progress, [[2, 8], [4, 8], [5, 8], [7, 8], [8, 8]]);

    const log = { batches: [] as string[], closed: false };
    let done = 0;
    const cancelled = await predictVolume(indexVolume(shape, { crosslines: 0 }), 'run', {
      views: 'inline+crossline', inlinesPerBatch: 2, open: async () => viewPredictor(log), onProgress: (d) => { done = d; }, isCancelled: () => done >= 7,
    });
    assert.equal(cancelled, null);
    assert.equal(done, 7, 'stopped after the first crossline batch');
    assert.ok(log.batches.includes('crossline 300') && !log.batches.includes('crossline 304'));
    assert.ok(log.closed);
  });

  it('refuses a predictor without probabilities rather than fusing nothing', async () => {
    await assert.rejects(predictVolume(indexVolume(shape, { crosslines: 0 }), 'run', { views: 'inline+crossline', open: async () => stubPredictor({ batches: [], closed: false }) }),
      (e: Error & { code?: string }) => e.code === 'bad-shape' && /inline 100: .*fusing views needs all of them/.test(e.message));
  });

  it('counts K more bytes a voxel when fusing, and refuses, naming the option, what fits inline only', async () => {
    assert.equal(volumePredictionBytes([2, 3, 4]), 24 * 5);
    assert.equal(volumePredictionBytes([2, 3, 4], { views: 'inline', classes: 6 }), 24 * 5);
    assert.equal(volumePredictionBytes([2, 3, 4], { views: 'inline+crossline', classes: 6 }), 24 * 11);
    // A volume whose classes and confidence fit in the memory this machine can spare, but not with 6 bytes more a voxel.
    const voxels = Math.floor(totalmem() / 2 / 8);
    const big: [number, number, number] = [voxels, 1, 1];
    checkVolumePredictionSize(big, 'big.sgy');
    checkVolumePredictionSize(big, 'big.sgy', { views: 'inline', classes: 6 });
    assert.throws(() => checkVolumePredictionSize(big, 'big.sgy', { views: 'inline+crossline', classes: 6 }),
      (e: Error & { code?: string }) => e.code === 'too-large' && /views "inline\+crossline", 6 class probabilities a voxel/.test(e.message) && /--views inline/.test(e.message));
    // predictVolume checks it once the run's class count is known, and closes the networks.
    const log = { batches: [] as string[], closed: false };
    const huge = { ...indexVolume([1, 1, 1], { crosslines: 0 }), info: { shape: big, inlines: [], crosslines: [], path: 'big.sgy' } } as unknown as Volume;
    await assert.rejects(predictVolume(huge, 'run', { views: 'inline+crossline', open: async () => ({ ...viewPredictor(log), classes: 6 }) }), /big\.sgy: predicting the whole volume .*inline\+crossline/);
    assert.ok(log.closed);
    assert.deepEqual(log.batches, []);
  });
});
