// A finished run's section outputs stored in a real RunStore, and the grown labels that may be accepted from them.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunResult, TrainingSection } from '../../../../src/ml/engine';
import { grownToAccept } from '../../../../src/training/ops/acceptGrown';
import { storeRunOutputs } from '../../../../src/training/ops/runOutputs';
import { RunStore } from '../../../../src/training/runStore';

describe('training/ops/runOutputs and acceptGrown', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'seisgrow-outputs-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('stores only what growing added, and accepts only voxels that hold no label now', async () => {
    const store = new RunStore(join(dir, 'runs'));
    // One inline of 2 crosslines × 2 samples: its section is 2 × 2.
    const meta = await store.create({
      volumePath: '/v/line.sgy', classes: 2, sections: [{ axis: 'inline', position: 0, line: 1, labelled: true }],
      stagesCompleted: [], status: 'running', panel: {} as never, outputs: { grown: false, prediction: false },
    });
    const seeds = Uint8Array.of(0, 255, 255, 255);
    const sections = [{ name: 's', seismic: new Float32Array(4), labels: seeds, height: 2, width: 2 }] as TrainingSection[];
    const result = {
      summary: { stagesCompleted: [1, 2, 3] },
      sections: [{ name: 's', height: 2, width: 2, prediction: Uint8Array.of(0, 1, 1, 0), confidence: new Float32Array(4), grownLabels: Uint8Array.of(0, 1, 1, 255) }],
    } as unknown as RunResult;
    const stored = await storeRunOutputs(store, meta, result, sections);
    assert.equal(stored.predicted, true);
    assert.equal(stored.grownAny, true);
    assert.deepEqual(stored.grown[0], Uint8Array.of(255, 1, 1, 255), 'the seed itself is not a grown label');
    assert.deepEqual((await store.readSection(meta.id, 0)).prediction, Uint8Array.of(0, 1, 1, 0));

    // Voxel 1 (crossline 0, sample 1) was painted since: only the other grown voxel is accepted.
    const region = await grownToAccept(store, meta, [1, 2, 2], (v) => (v === 1 ? 0 : 255));
    assert.equal(region.voxels.length, 1);
    assert.deepEqual([...region.values], [1]);
  });
});
