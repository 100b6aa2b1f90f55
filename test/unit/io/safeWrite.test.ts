import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SeisGrowError } from '../../../src/shared/errors';
import { safeWrite, safeWriteSync, writeFailure } from '../../../src/io/safeWrite';

const folder = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'seisgrow-safewrite-'));
const bytes = (...v: number[]): Uint8Array => Uint8Array.from(v);

describe('safeWrite', () => {
  it('writes whole content, replaces an existing file, and leaves no temp file', async () => {
    const dir = folder();
    const file = path.join(dir, 'out.bin');
    await safeWrite(file, bytes(1, 2, 3));
    assert.deepEqual([...fs.readFileSync(file)], [1, 2, 3]);
    await safeWrite(file, 'text ✓');
    assert.equal(fs.readFileSync(file, 'utf8'), 'text ✓');
    assert.deepEqual(fs.readdirSync(dir), ['out.bin']);
  });

  it('streams content through the sink in order', async () => {
    const dir = folder();
    const file = path.join(dir, 'streamed.bin');
    const buf = new Uint8Array(4);
    await safeWrite(file, async (sink) => {
      for (let k = 0; k < 3; k++) { buf.fill(k); await sink.write(buf.subarray(0, k + 1)); }
    });
    assert.deepEqual([...fs.readFileSync(file)], [0, 1, 1, 2, 2, 2]);
    assert.deepEqual(fs.readdirSync(dir), ['streamed.bin']);
  });

  it('a failure part way leaves the original file untouched, no temp file behind, and rethrows the error as is', async () => {
    const dir = folder();
    const file = path.join(dir, 'keep.bin');
    fs.writeFileSync(file, bytes(9, 9));
    const boom = new Error('boom');
    await assert.rejects(safeWrite(file, async (sink) => { await sink.write(bytes(1, 2, 3)); throw boom; }), (e: unknown) => e === boom);
    assert.deepEqual([...fs.readFileSync(file)], [9, 9]);
    assert.deepEqual(fs.readdirSync(dir), ['keep.bin']);
  });

  it('a target that is a directory or in a missing folder fails, creating nothing', async () => {
    const dir = folder();
    const sub = path.join(dir, 'sub');
    fs.mkdirSync(sub);
    fs.writeFileSync(path.join(sub, 'inside'), 'x');
    await assert.rejects(safeWrite(sub, bytes(1)), (e: unknown) => (e as NodeJS.ErrnoException).code !== undefined);
    assert.deepEqual(fs.readdirSync(dir), ['sub']);
    assert.deepEqual(fs.readdirSync(sub), ['inside']);
    const missing = path.join(dir, 'no-such-folder', 'x.bin');
    await assert.rejects(safeWrite(missing, bytes(1)), (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT');
    assert.deepEqual(fs.readdirSync(dir), ['sub']);
  });
});

describe('safeWriteSync', () => {
  it('writes whole or streamed content and leaves no temp file', () => {
    const dir = folder();
    const file = path.join(dir, 'out.json');
    safeWriteSync(file, '{"a":1}');
    assert.equal(fs.readFileSync(file, 'utf8'), '{"a":1}');
    safeWriteSync(file, (sink) => { sink.write(bytes(4)); sink.write(bytes(5, 6)); });
    assert.deepEqual([...fs.readFileSync(file)], [4, 5, 6]);
    assert.deepEqual(fs.readdirSync(dir), ['out.json']);
  });

  it('a failure leaves the original file untouched and no temp file behind', () => {
    const dir = folder();
    const file = path.join(dir, 'keep.json');
    fs.writeFileSync(file, 'old');
    assert.throws(() => safeWriteSync(file, (sink) => { sink.write(bytes(1)); throw new RangeError('stop'); }), RangeError);
    assert.equal(fs.readFileSync(file, 'utf8'), 'old');
    assert.deepEqual(fs.readdirSync(dir), ['keep.json']);
    assert.throws(() => safeWriteSync(path.join(dir, 'none', 'x'), 'y'), (e: unknown) => (e as NodeJS.ErrnoException).code === 'ENOENT');
    assert.deepEqual(fs.readdirSync(dir), ['keep.json']);
  });
});

describe('writeFailure', () => {
  const err = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code });

  it('names the reason of a failed write as a SeisGrowError code and keeps SeisGrowErrors as they are', () => {
    const cases: [string, string][] = [['ENOENT', 'not-found'], ['EISDIR', 'is-directory'], ['EACCES', 'permission'], ['EROFS', 'permission'], ['ENOSPC', 'no-space'], ['EIO', 'io']];
    for (const [errno, code] of cases) {
      const e = writeFailure(err(errno), '/x/y.npy');
      assert.ok(e instanceof SeisGrowError);
      assert.equal(e.code, code, errno);
      assert.equal(e.file, '/x/y.npy');
    }
    const own = new SeisGrowError('bad-cube', 'no');
    assert.equal(writeFailure(own, 'f'), own);
  });
});
