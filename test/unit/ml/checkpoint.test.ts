import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeisGrowError } from '../../../src/shared/errors';
import { checkpointDir, readCheckpoint, resolveCheckpoint, writeCheckpoint, type CheckpointData } from '../../../src/ml/checkpoint';
import { makeConfig, withDefaults } from '../../../src/ml/config';
import { tempDir } from '../../support/trainerFixtures';

function sample(classes = 3, fill = 1): CheckpointData {
  const t = (name: string, shape: number[], v: number) => ({ name, shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(v) });
  return {
    stage: 1, epoch: 2, stagesCompleted: [1], config: makeConfig({ seed: 5 }),
    network: { inChannels: 1, classes, depth: 2, baseFilters: 4, dropout: 0, reconstruction: false },
    normalisation: { center: 0.5, scale: 2, clip: 3 },
    sections: [{ name: 's0', height: 2, width: 3 }, { name: 's1', height: 1, width: 2 }],
    nets: {
      a: { weights: [t('w1', [2, 2], fill), t('b1', [2], fill + 1)], optimizer: [t('iter', [], 7), t('w1/m', [2, 2], 0.5)] },
      b: { weights: [t('w1', [2, 2], -fill), t('b1', [2], -fill - 1)], optimizer: [] },
    },
    grownLabels: [Uint8Array.from([0, 1, 255, 2, 255, 255]), Uint8Array.from([1, 255])],
    backend: 'wasm',
    unitOrder: [2, 0, 1],
  };
}

describe('checkpoint', () => {
  it('loads a checkpoint written before the network type and the settings workers now read (no depthChannel, no cps.pseudoGamma)', async () => {
    const run = tempDir();
    const data = sample();
    const { pseudoGamma: _dropped, ...oldCps } = data.config.cps;
    await writeCheckpoint(checkpointDir(run), { ...data, config: { ...data.config, cps: oldCps } as unknown as CheckpointData['config'] });
    const back = await readCheckpoint(run, { classes: 3, inChannels: 1 });
    assert.deepEqual(back.network, data.network, 'the stored network description, depthChannel absent (= off)');
    assert.equal(back.config.cps.pseudoGamma, undefined);
    assert.equal(withDefaults(back.config).cps.pseudoGamma, makeConfig({}).cps.pseudoGamma, 'what a worker reads is completed with today\'s default');
  });

  it('round-trips weights, optimizer slots, config, seed, normalisation, grown labels and shapes', async () => {
    const run = tempDir();
    const data = sample();
    await writeCheckpoint(checkpointDir(run), data);
    const back = await readCheckpoint(run, { classes: 3, inChannels: 1, sections: [{ height: 2, width: 3 }, { height: 1, width: 2 }] });
    assert.deepEqual(back.nets, data.nets);
    assert.deepEqual(back.grownLabels, data.grownLabels);
    assert.deepEqual(back.normalisation, data.normalisation);
    assert.deepEqual(back.config, JSON.parse(JSON.stringify(data.config)));
    assert.equal(back.config.seed, 5);
    assert.deepEqual(back.sections, data.sections);
    assert.deepEqual([back.stage, back.epoch, back.stagesCompleted, back.backend], [1, 2, [1], 'wasm']);
    assert.deepEqual(back.unitOrder, [2, 0, 1]);
    assert.deepEqual(fs.readdirSync(run), ['checkpoint'], 'no temporary folders left behind');
  });

  it('reads a checkpoint written before ordered units as one without an order, and refuses an order that is not one', async () => {
    const run = tempDir();
    await writeCheckpoint(checkpointDir(run), { ...sample(), unitOrder: undefined as unknown as null });
    const manifest = path.join(checkpointDir(run), 'manifest.json');
    assert.equal('unitOrder' in JSON.parse(fs.readFileSync(manifest, 'utf8')), false, 'written as an old checkpoint');
    assert.equal((await readCheckpoint(run)).unitOrder, null);
    for (const bad of [[0, 0, 1], [0, 3], [1], 'up']) {
      const m = JSON.parse(fs.readFileSync(manifest, 'utf8')) as Record<string, unknown>;
      fs.writeFileSync(manifest, JSON.stringify({ ...m, unitOrder: bad }));
      await assert.rejects(readCheckpoint(run), (e: unknown) => e instanceof SeisGrowError && e.code === 'corrupt' && /unit order/.test(e.message), JSON.stringify(bad));
    }
  });

  it('refuses a checkpoint made for another class count, channel count or section shapes, with a clear error', async () => {
    const run = tempDir();
    await writeCheckpoint(checkpointDir(run), sample(3));
    await assert.rejects(readCheckpoint(run, { classes: 4 }), (e: unknown) => e instanceof SeisGrowError && e.code === 'mismatch' && /3 classes, the data has 4/.test(e.message));
    await assert.rejects(readCheckpoint(run, { inChannels: 2 }), (e: unknown) => e instanceof SeisGrowError && /1 input channel\(s\), the data has 2/.test(e.message));
    await assert.rejects(readCheckpoint(run, { sections: [{ height: 9, width: 9 }] }), /trained on sections 2×3, 1×2/);
    await assert.rejects(readCheckpoint(tempDir()), (e: unknown) => e instanceof SeisGrowError && e.code === 'not-found');
  });

  it('replaces the previous checkpoint atomically and keeps it intact when a write fails midway', async () => {
    const run = tempDir();
    const dir = checkpointDir(run);
    await writeCheckpoint(dir, sample(3, 1));
    await writeCheckpoint(dir, sample(3, 2));
    assert.equal((await readCheckpoint(run)).nets.a.weights[0].data[0], 2);
    const broken = sample(3, 3);
    // A labels array that cannot be serialised makes the write throw after the weight files are written.
    (broken as { grownLabels: unknown }).grownLabels = [null];
    await assert.rejects(writeCheckpoint(dir, broken));
    const still = await readCheckpoint(run);
    assert.equal(still.nets.a.weights[0].data[0], 2);
    assert.deepEqual(fs.readdirSync(run), ['checkpoint']);
  });

  it('finds the previous checkpoint when a crash left it moved aside mid-swap', async () => {
    const run = tempDir();
    await writeCheckpoint(checkpointDir(run), sample());
    fs.renameSync(checkpointDir(run), `${checkpointDir(run)}.old`);
    assert.equal(resolveCheckpoint(run), `${checkpointDir(run)}.old`);
    assert.equal((await readCheckpoint(run)).epoch, 2);
  });

  it('reports a corrupt manifest or truncated weights as a SeisGrowError naming the file', async () => {
    const run = tempDir();
    await writeCheckpoint(checkpointDir(run), sample());
    const bin = path.join(checkpointDir(run), 'net-a.bin');
    fs.writeFileSync(bin, fs.readFileSync(bin).subarray(0, 8));
    await assert.rejects(readCheckpoint(run), (e: unknown) => e instanceof SeisGrowError && e.code === 'corrupt' && e.message.includes('net-a.bin'));
    fs.writeFileSync(path.join(checkpointDir(run), 'manifest.json'), '{ not json');
    await assert.rejects(readCheckpoint(run), (e: unknown) => e instanceof SeisGrowError && e.message.includes('manifest.json'));
  });
});
