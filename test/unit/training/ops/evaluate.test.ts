// The evaluation operations shared by `seisgrow evaluate` and the extension's Evaluate Against Labels.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeNpy } from '../../../../src/io/npy';
import { SeisGrowError } from '../../../../src/shared/errors';
import { clampClasses, evaluateArrays, evaluateVolumePrediction, readTruthLabels } from '../../../../src/training/ops/evaluate';

const files = { pred: 'p.npy', truth: 't.npy' };

describe('training/ops/evaluate', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'seisgrow-eval-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('scores two arrays, infers the class count and skips the ignored truth', () => {
    const r = evaluateArrays({ data: Uint8Array.of(0, 1, 1, 0), shape: [4], dtype: '|u1' } as never, { data: Uint8Array.of(0, 1, 0, 255), shape: [4], dtype: '|u1' } as never, files);
    assert.equal(r.classes, 2);
    assert.equal(r.scores.pixels, 3);
    assert.equal(r.tgs, undefined);
  });

  it('refuses arrays of different shapes and non-class values', () => {
    const a = { data: Uint8Array.of(0, 1), shape: [2] } as never;
    assert.throws(() => evaluateArrays(a, { data: Uint8Array.of(0, 1, 1), shape: [3] } as never, files), (e: unknown) => e instanceof SeisGrowError && e.code === 'shape-mismatch');
    assert.throws(() => evaluateArrays({ data: Float32Array.of(0.5, 1), shape: [2] } as never, a, files), (e: unknown) => e instanceof SeisGrowError && e.code === 'bad-label');
  });

  it('reads a 2D truth file of a one-inline volume into voxel order', async () => {
    const file = join(dir, 'line.npy');
    // (samples = 2, traces = 3); voxel (x, s) holds x * 10 + s.
    await writeNpy(file, Uint8Array.of(0, 10, 20, 1, 11, 21), [2, 3], '|u1');
    assert.deepEqual(await readTruthLabels(file, [1, 3, 2]), Uint8Array.of(0, 1, 10, 11, 20, 21));
    await assert.rejects(readTruthLabels(file, [1, 2, 3]), (e: unknown) => e instanceof SeisGrowError && e.code === 'shape-mismatch');
  });

  it('scores a volume prediction against dense truth and inline chunks alike, ignoring classes the run never saw', () => {
    const prediction = Uint8Array.of(0, 1, 1, 0);
    const dense = Uint8Array.of(0, 1, 5, 255);
    const byChunks = evaluateVolumePrediction(prediction, 2, { shape: [2, 1, 2], readChunk: (i) => dense.slice(2 * i, 2 * i + 2) });
    assert.deepEqual(evaluateVolumePrediction(prediction, 2, dense), byChunks);
    assert.equal(byChunks.pixels, 2);
    assert.deepEqual(clampClasses(Uint8Array.of(0, 3, 255), 2), Uint8Array.of(0, 255, 255));
  });
});
