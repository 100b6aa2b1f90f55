// Grid detection: sorted grids, irregular ones, the sampled verification used for large files.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSegy } from '../../../src/io/segy';
import { detectGeometry } from '../../../src/io/segy/geometry';
import { buildSegy } from '../../fixtures/segy/build';

function grid(ni: number, nx: number, sorting: 'inline' | 'crossline', il0 = 100, xl0 = 500): (t: number) => [number, number] {
  return (t) => {
    const [a, b] = [Math.floor(t / (sorting === 'inline' ? nx : ni)), t % (sorting === 'inline' ? nx : ni)];
    return sorting === 'inline' ? [il0 + a, xl0 + 2 * b] : [il0 + b, xl0 + 2 * a];
  };
}

describe('detectGeometry', () => {
  it('finds inline- and crossline-sorted grids, checking all traces or a sample', () => {
    for (const checkAll of [true, false]) {
      const g = detectGeometry(300 * 40, grid(300, 40, 'inline'), checkAll);
      assert.equal(g.sorting, 'inline');
      if (g.sorting === 'inline') {
        assert.equal(g.slow.length, 300);
        assert.deepEqual(g.fast.slice(0, 3), [500, 502, 504]);
      }
      const c = detectGeometry(30 * 70, grid(30, 70, 'crossline'), checkAll);
      assert.equal(c.sorting, 'crossline');
      if (c.sorting === 'crossline') assert.deepEqual([c.slow.length, c.fast.length], [70, 30]);
    }
  });

  it('rejects a grid whose line ends are off the grid, even when only spot-checking', () => {
    // Inline 160's last trace repeats crossline 596 instead of 598: counts still divide, line starts look regular.
    const base = grid(100, 50, 'inline');
    const g = detectGeometry(5000, (t) => (t === 60 * 50 + 49 ? [160, 596] : base(t)), false);
    assert.equal(g.sorting, 'none');
    if (g.sorting === 'none') assert.match(g.reason, /trace 3049 has inline 160, crossline 596, off the regular grid/);
  });

  it('calls pre-stack gathers and duplicated lines what they are', () => {
    assert.equal(detectGeometry(10, () => [0, 0], true).sorting, 'none');
    assert.equal(detectGeometry(10, (t) => [t, t], true).sorting, 'none');
    const dup = detectGeometry(12, (t) => [1 + (Math.floor(t / 4) % 2), t % 4], true); // inlines 1,2,1
    assert.equal(dup.sorting, 'none');
    if (dup.sorting === 'none') assert.match(dup.reason, /repeated line numbers/);
    assert.equal(detectGeometry(7, (t) => [1 + Math.floor(t / 3), t % 3], true).sorting, 'none'); // 7 is not 3×k
  });
});

describe('SEG-Y geometry on long traces (headers read one by one)', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'seisgrow-segy-geom-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const spec = {
    format: 5,
    bytesPerSample: 4,
    ilines: [7, 8, 9],
    xlines: [1, 2, 3, 4],
    samples: 1100,
    values: (t: number, k: number) => t * 10000 + k,
    encode: (v: DataView, p: number, x: number | bigint, l: boolean) => v.setFloat32(p, Number(x), l),
  };

  it('opens a regular cube and reads its lines', async () => {
    const p = join(dir, 'long.sgy');
    writeFileSync(p, buildSegy(spec));
    const vol = await openSegy(p);
    assert.equal(vol.sorting, 'inline');
    assert.deepEqual(vol.info.shape, [3, 4, 1100]);
    const xl = await vol.crossline(3);
    assert.deepEqual([xl.data[0], xl.data[1], xl.data[2], xl.data[3 * 1099 + 2]], [2 * 10000, 6 * 10000, 10 * 10000, 10 * 10000 + 1099]);
    await vol.close();
  });

  it('opens an irregular one as a plain array', async () => {
    const bytes = buildSegy(spec);
    new DataView(bytes.buffer).setInt32(3600 + 6 * (240 + 4400) + 188, 99);
    const p = join(dir, 'long-bad.sgy');
    writeFileSync(p, bytes);
    const vol = await openSegy(p);
    assert.equal(vol.sorting, 'none');
    assert.match(vol.info.notes.join(), /trace 6 has inline 99/);
    await vol.close();
  });
});
