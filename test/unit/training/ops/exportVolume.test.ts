// Volume arrays and exports: the file layouts and the refusal to write over a source.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy } from '../../../../src/io/npy';
import type { Volume } from '../../../../src/io/types';
import { SeisGrowError } from '../../../../src/shared/errors';
import { defaultExportPath, exportVolume } from '../../../../src/training/ops/exportVolume';
import { labelCube, writeVolumeArray } from '../../../../src/training/ops/volumeArrays';

describe('training/ops/exportVolume and volumeArrays', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'seisgrow-export-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));
  const volume = { info: { shape: [1, 3, 2] } } as unknown as Volume;

  it('names the default export beside the volume', () => {
    assert.equal(defaultExportPath('/d/f3.sgy', 'labels', 'npy'), join('/d', 'f3.labels.export.npy'));
    assert.equal(defaultExportPath('/d/line.npy', 'prediction', 'segy'), join('/d', 'line.prediction.export.sgy'));
  });

  it('gathers a dense label cube from inline chunks, 255 where none', () => {
    const cube = labelCube({ shape: [2, 1, 2], readChunk: (i) => (i === 1 ? Uint8Array.of(3, 4) : null) });
    assert.deepEqual(cube, Uint8Array.of(255, 255, 3, 4));
  });

  it('writes a 2D line in its own (samples, traces) layout', async () => {
    const file = join(dir, 'line.npy');
    await writeVolumeArray(file, Uint8Array.of(0, 1, 10, 11, 20, 21), [1, 3, 2], 'section');
    const back = await readNpy(file);
    assert.deepEqual(back.shape, [2, 3]);
    assert.deepEqual(Array.from(back.data), [0, 10, 20, 1, 11, 21]);
  });

  it('exports NPY and refuses to write over a protected file', async () => {
    const target = join(dir, 'cube.npy');
    await exportVolume({ volume, cube: Uint8Array.of(1, 2, 3, 4, 5, 6), format: 'npy', target, layout: 'cube', protect: [] });
    assert.deepEqual((await readNpy(target)).shape, [1, 3, 2]);
    await assert.rejects(exportVolume({ volume, cube: new Uint8Array(6), format: 'npy', target, layout: 'cube', protect: [target] }),
      (e: unknown) => e instanceof SeisGrowError && e.code === 'would-overwrite');
  });
});
