import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SeisGrowError } from '../../../src/shared/errors';
import { encodeNpy } from '../../../src/io/npy';
import { detectFormat, openVolume } from '../../../src/io/volume';

const samples = path.resolve(__dirname, '../../../samples');
let dir: string;
before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seisgrow-volume-unit-')); });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

async function expectError(p: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof SeisGrowError, `expected SeisGrowError, got ${e}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, message);
    return true;
  });
}

describe('openVolume', () => {
  it('recognises NPY by its magic bytes whatever the file is called', async () => {
    const file = path.join(dir, 'section.dat');
    fs.writeFileSync(file, encodeNpy([1, 2, 3, 4, 5, 6], [2, 3], '<f4'));
    assert.equal(await detectFormat(file), 'npy');
    const v = await openVolume(file);
    try {
      assert.equal(v.info.format, 'npy');
      assert.deepEqual(v.info.shape, [1, 3, 2]);
      assert.deepEqual(Array.from((await v.inline(0)).data), [1, 2, 3, 4, 5, 6]);
    } finally {
      await v.close();
    }
  });

  it('opens the embedded SEG-Y sample by its extension, passing the cache budget on', async () => {
    const v = await openVolume(path.join(samples, 'f3.sgy'), { cacheBytes: 1024 });
    try {
      assert.equal(v.info.format, 'segy');
      assert.deepEqual(v.info.shape, [23, 18, 75]);
      assert.equal((await v.inline(111)).rows, 75);
    } finally {
      await v.close();
    }
  });

  it('treats an NPY-magic file named .sgy as NPY (content wins over the name)', async () => {
    const file = path.join(dir, 'really-npy.sgy');
    fs.writeFileSync(file, encodeNpy([1, 2, 3, 4], [2, 2], '<f4'));
    assert.equal((await openVolume(file).then(async (v) => { const f = v.info.format; await v.close(); return f; })), 'npy');
  });

  it('answers missing, directory, empty, unknown and fake-NPY files with one clear SeisGrowError', async () => {
    await expectError(openVolume(path.join(dir, 'missing.sgy')), 'not-found', /missing\.sgy: no such file/);
    await expectError(openVolume(dir), 'is-directory', /directory/);
    const empty = path.join(dir, 'empty.npy');
    fs.writeFileSync(empty, '');
    await expectError(openVolume(empty), 'empty', /empty\.npy: the file is empty/);
    const text = path.join(dir, 'notes.txt');
    fs.writeFileSync(text, 'just some text');
    await expectError(openVolume(text), 'unknown-format', /notes\.txt: unknown format/);
    const fake = path.join(dir, 'fake.npy');
    fs.writeFileSync(fake, 'PK not numpy');
    await expectError(openVolume(fake), 'bad-magic', /fake\.npy: named \.npy but not an NPY file/);
  });
});
