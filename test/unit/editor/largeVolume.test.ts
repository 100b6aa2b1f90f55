// A volume larger than this machine's RAM (a sparse 32 GiB NPY) opens, shows its middle inline and takes a stroke
// while the labels cost one inline chunk: nothing is ever read or allocated whole.
import * as assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync, ftruncateSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { openVolume } from '../../../src/io/volume';
import { SeisGrowDocumentModel } from '../../../src/editor/seisgrowDocument';

/** An NPY v1.0 header (64-byte aligned) for a C-order array. */
function npyHeaderForTest(descr: string, shape: number[]): Buffer {
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const text = `${dict}${' '.repeat(total - 10 - dict.length - 1)}\n`;
  const head = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  head.writeUInt16LE(text.length, 8);
  return Buffer.concat([head, Buffer.from(text, 'latin1')]);
}

describe('a volume larger than RAM in the editor model', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'seisgrow-huge-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('opens a sparse 32 GiB float32 NPY, serves the middle inline and paints with one chunk of label memory', async () => {
    const n = 2048;
    const path = join(dir, 'huge.npy');
    const header = npyHeaderForTest('<f4', [n, n, n]);
    const fd = openSync(path, 'w');
    writeSync(fd, header);
    ftruncateSync(fd, header.length + n * n * n * 4); // sparse: no disk blocks for the data
    closeSync(fd);
    const bytes = header.length + n * n * n * 4;
    assert.ok(bytes > totalmem(), `the file (${(bytes / 2 ** 30).toFixed(0)} GiB) is larger than RAM (${(totalmem() / 2 ** 30).toFixed(0)} GiB)`);
    const t0 = performance.now();
    const doc = await SeisGrowDocumentModel.open(path, { openVolume: (p) => openVolume(p) });
    const tOpen = performance.now() - t0;
    const middle = doc.middleInline();
    assert.deepEqual(middle, { axis: 'inline', index: 1023 });
    const section = await doc.section('inline', middle.index);
    const tSection = performance.now() - t0;
    assert.equal(section.rows * section.cols, n * n);
    assert.equal(section.labels, null);
    const pixels = Uint32Array.from({ length: 1000 }, (_, k) => k * 7);
    doc.stroke({ type: 'stroke', strokeId: 1, axis: 'inline', index: 1023, rows: n, cols: n, pixels: pixels.buffer, value: 1, tool: 'brush' }, pixels);
    assert.equal(doc.labels!.memoryBytes, n * n, 'labels hold exactly one inline chunk');
    assert.ok(doc.backupBytes().length < 10_000, 'the backup holds only the stroke');
    console.log(`      open ${tOpen.toFixed(0)} ms, middle inline (${n}×${n}) on hand at ${tSection.toFixed(0)} ms, label memory ${(doc.labels!.memoryBytes / 2 ** 20).toFixed(0)} MiB of a ${(bytes / 2 ** 30).toFixed(0)} GiB volume`);
    await doc.dispose();
  });
});
