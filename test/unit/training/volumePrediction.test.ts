// The whole-volume prediction shared by the CLI and the extension, over a stub volume and stub networks: voxel order,
// batches and progress, cancellation (nothing returned), and a volume too large for memory refused before any work.
import * as assert from 'node:assert/strict';
import type { Volume } from '../../../src/io/types';
import type { Predictor } from '../../../src/ml/engine';
import { predictVolume } from '../../../src/training/volumePrediction';

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
