// Predict a volume to files (a 2D line in its own layout, nothing written when cancelled) and find the latest
// whole-volume prediction of a volume in the run store.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy, writeNpy } from '../../../../src/io/npy';
import type { Volume } from '../../../../src/io/types';
import type { Predictor } from '../../../../src/ml/engine';
import { latestVolumePrediction, predictVolumeToFiles } from '../../../../src/training/ops/predictVolume';
import { RunStore } from '../../../../src/training/runStore';

/** One inline of 3 crosslines × 2 samples whose value at (sample s, crossline x) is 10 x + s. */
const line = {
  info: { shape: [1, 3, 2], inlines: [7], crosslines: [0, 1, 2], path: 'line.npy' },
  inline: async () => ({ data: Float32Array.of(0, 10, 20, 1, 11, 21), rows: 2, cols: 3 }),
} as unknown as Volume;

/** Networks that answer the value itself as the class, confidence one half. */
const echo = async (): Promise<Predictor> => ({
  classes: 30,
  predict: async (sections) => sections.map((s) => ({ classes: Uint8Array.from(s.seismic), confidence: new Float32Array(s.seismic.length).fill(0.5), probabilities: new Float32Array(0) })),
  close: async () => undefined,
});

describe('training/ops/predictVolume', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'seisgrow-predict-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the classes and the confidence of a 2D line in its (samples, traces) layout', async () => {
    const files = { prediction: join(dir, 'p.npy'), confidence: join(dir, 'c.npy') };
    const r = await predictVolumeToFiles(line, 'run', files, 'section', { open: echo });
    assert.ok(r);
    const p = await readNpy(files.prediction);
    assert.deepEqual(p.shape, [2, 3]);
    assert.deepEqual(Array.from(p.data), [0, 10, 20, 1, 11, 21]);
    assert.deepEqual((await readNpy(files.confidence)).shape, [2, 3]);
  });

  it('writes nothing when cancelled', async () => {
    const files = { prediction: join(dir, 'p.npy') };
    assert.equal(await predictVolumeToFiles(line, 'run', files, 'cube', { open: echo, isCancelled: () => true }), null);
    assert.equal(existsSync(files.prediction), false);
  });

  it('writes nothing when cancelled in the crossline pass of views inline+crossline', async () => {
    // Two classes, probability one half each: fusing needs the probabilities, and the crossline pass starts after the inline.
    const halves = async (): Promise<Predictor> => ({
      classes: 2,
      predict: async (sections) => sections.map((s) => ({ classes: new Uint8Array(s.seismic.length), confidence: new Float32Array(s.seismic.length).fill(0.5), probabilities: new Float32Array(2 * s.seismic.length).fill(0.5) })),
      close: async () => undefined,
    });
    const withCrosslines = { ...line, crossline: async (n: number) => ({ data: Float32Array.of(10 * n, 10 * n + 1), rows: 2, cols: 1 }) } as unknown as Volume;
    const files = { prediction: join(dir, 'p.npy'), confidence: join(dir, 'c.npy') };
    let done = 0;
    const r = await predictVolumeToFiles(withCrosslines, 'run', files, 'cube', { views: 'inline+crossline', inlinesPerBatch: 1, open: halves, onProgress: (d) => { done = d; }, isCancelled: () => done >= 2 });
    assert.equal(r, null);
    assert.equal(done, 2, 'the inline and one crossline were predicted');
    assert.equal(existsSync(files.prediction) || existsSync(files.confidence), false);
  });

  it('finds the newest run of a volume with a whole-volume prediction on disk', async () => {
    const store = new RunStore(join(dir, 'runs'));
    const base = { volumePath: '/v/f3.sgy', classes: 2, sections: [], stagesCompleted: [1], status: 'completed', outputs: { grown: false, prediction: false } } as const;
    assert.equal(await latestVolumePrediction(store, '/v/f3.sgy'), undefined);
    const meta = await store.create({ ...base, panel: {} as never, volumePrediction: { shape: [1, 1, 2] } } as never);
    await writeNpy(store.volumePredictionFiles(meta.id).prediction, Uint8Array.of(1, 0), [1, 1, 2], '|u1');
    const found = await latestVolumePrediction(store, '/v/f3.sgy');
    assert.equal(found?.meta.id, meta.id);
    assert.deepEqual(found?.data, Uint8Array.of(1, 0));
  });
});
