// The pure label model: section ↔ voxel mapping, the sparse store, compact edits, history and backups, the sidecar codec.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UNLABELLED, type EditorAxis } from '../../../src/shared/editorProtocol';
import {
  sectionPixelToVoxel, sectionPixelsToVoxels, sectionShape, voxelCoordinates, voxelToSectionPixel, type VolumeShape,
} from '../../../src/io/voxelOrder';
import { LabelStore } from '../../../src/editor/labelStore';
import {
  applyEdit, decodeBackup, EditHistory, editBytes, encodeBackup, makeLabelEdit, revertEdit, unsavedDiff,
} from '../../../src/editor/labelEdits';
import {
  npyUint8Header, openSidecar, sidecarPathsFor, sidecarPathsForTarget, writeSidecarLabels,
} from '../../../src/editor/labelSidecar';
import { denseLayer } from '../../../src/editor/overlays';
import { applyPaletteEdit, defaultPalette, parsePalette } from '../../../src/editor/palette';
import { parseHeaderText, parsePreamble } from '../../../src/io/npy/header';

const AXES: EditorAxis[] = ['inline', 'crossline', 'sample'];

describe('section ↔ voxel mapping', () => {
  const shape: VolumeShape = [4, 5, 6];
  // A volume whose value at (i, x, s) encodes its coordinates, to check every mapping against plain indexing.
  const value = (i: number, x: number, s: number) => i * 100 + x * 10 + s;

  for (const axis of AXES) {
    it(`maps every pixel of every ${axis} section to the voxel with the same (i, x, s) and back`, () => {
      const { rows, cols } = sectionShape(shape, axis);
      const count = axis === 'inline' ? shape[0] : axis === 'crossline' ? shape[1] : shape[2];
      for (let position = 0; position < count; position++) {
        for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) {
          // Protocol layouts: inline rows=s cols=x; crossline rows=s cols=i; sample rows=i cols=x.
          const [i, x, s] = axis === 'inline' ? [position, c, r] : axis === 'crossline' ? [c, position, r] : [r, c, position];
          const voxel = sectionPixelToVoxel(shape, axis, position, r * cols + c);
          const [vi, vx, vs] = voxelCoordinates(shape, voxel);
          assert.equal(value(vi, vx, vs), value(i, x, s));
          assert.equal(voxelToSectionPixel(shape, axis, position, voxel), r * cols + c);
        }
      }
    });
  }

  it('says a voxel is not on a section that does not contain it', () => {
    const voxel = sectionPixelToVoxel(shape, 'inline', 2, 7);
    assert.equal(voxelToSectionPixel(shape, 'inline', 1, voxel), -1);
    assert.equal(voxelToSectionPixel(shape, 'crossline', (7 % 5 + 1) % 5, voxel), -1);
  });

  it('maps a 2D volume (one inline) so the inline section is the whole array', () => {
    const flat: VolumeShape = [1, 7, 3];
    const voxels = sectionPixelsToVoxels(flat, 'inline', 0, Array.from({ length: 21 }, (_, k) => k));
    assert.deepEqual([...voxels].sort((a, b) => a - b), Array.from({ length: 21 }, (_, k) => k));
    assert.equal(sectionPixelToVoxel(flat, 'inline', 0, 1 * 7 + 2), 2 * 3 + 1); // row s=1, col x=2 → (0, 2, 1)
  });
});

describe('LabelStore (sparse)', () => {
  it('costs nothing until painted, then one chunk per painted inline', () => {
    const store = new LabelStore([1000, 1000, 1000]);
    assert.equal(store.memoryBytes, 0);
    assert.equal(store.get(123_456_789), UNLABELLED);
    assert.equal(store.section('crossline', 500).every((v) => v === UNLABELLED), true);
    assert.equal(store.memoryBytes, 0, 'reading never allocates');
    store.write(sectionPixelsToVoxels(store.shape, 'inline', 10, [0, 1, 2]), 3);
    assert.equal(store.memoryBytes, 1000 * 1000);
    assert.equal(store.get(sectionPixelToVoxel(store.shape, 'inline', 10, 1)), 3);
  });

  it('reads sections along every axis consistently with single voxels', () => {
    const shape: VolumeShape = [3, 4, 5];
    const store = new LabelStore(shape);
    const all = Array.from({ length: 60 }, (_, k) => k);
    store.write(Uint32Array.from(all), Uint8Array.from(all, (v) => v % 7));
    for (const axis of AXES) {
      const n = axis === 'inline' ? 3 : axis === 'crossline' ? 4 : 5;
      for (let p = 0; p < n; p++) {
        const section = store.section(axis, p);
        section.forEach((v, pixel) => assert.equal(v, store.get(sectionPixelToVoxel(shape, axis, p, pixel))));
      }
    }
    assert.deepEqual(store.distinctValues(), [0, 1, 2, 3, 4, 5, 6]);
    assert.deepEqual(store.voxelsWithValue(6), all.filter((v) => v % 7 === 6));
  });

  it('rejects a section position outside the volume', () => {
    assert.throws(() => new LabelStore([2, 2, 2]).section('sample', 2), /outside 0..1/);
  });
});

describe('label edits and history', () => {
  const shape: VolumeShape = [2, 3, 4];

  it('stores a stroke compactly (indices, old values, one new value) and undo/redo restore exactly', () => {
    const store = new LabelStore(shape);
    store.write(Uint32Array.of(0, 1), 5);
    const voxels = Uint32Array.of(0, 1, 2, 3);
    const edit = makeLabelEdit(store, 'Paint', voxels, 5)!;
    assert.deepEqual([...edit.voxels], [2, 3], 'voxels already holding the value are left out');
    assert.deepEqual([...edit.before], [UNLABELLED, UNLABELLED]);
    assert.equal(edit.after, 5);
    assert.equal(editBytes(edit), 2 * 4 + 2);
    applyEdit(store, edit);
    assert.deepEqual([...store.read(voxels)], [5, 5, 5, 5]);
    revertEdit(store, edit);
    assert.deepEqual([...store.read(voxels)], [5, 5, UNLABELLED, UNLABELLED]);
    applyEdit(store, edit);
    assert.deepEqual([...store.read(voxels)], [5, 5, 5, 5]);
  });

  it('returns no edit when nothing changes, and refuses voxels outside the volume', () => {
    const store = new LabelStore(shape);
    assert.equal(makeLabelEdit(store, 'Erase', Uint32Array.of(1, 2), UNLABELLED), null);
    assert.throws(() => makeLabelEdit(store, 'Paint', Uint32Array.of(24), 1), /outside 0..23/);
  });

  it('a per-voxel edit (accepted grown labels) keeps one value per voxel', () => {
    const store = new LabelStore(shape);
    const edit = makeLabelEdit(store, 'Accept', Uint32Array.of(4, 9, 20), Uint8Array.of(1, 2, 3))!;
    applyEdit(store, edit);
    assert.deepEqual([...store.read(Uint32Array.of(4, 9, 20))], [1, 2, 3]);
  });

  it('tracks the unsaved difference across save, undo past the save point and new edits', () => {
    const store = new LabelStore(shape);
    const history = new EditHistory();
    const a = makeLabelEdit(store, 'a', Uint32Array.of(1), 1)!; applyEdit(store, a); history.push(a);
    history.markSaved();
    assert.equal(history.isDirty, false);
    const b = makeLabelEdit(store, 'b', Uint32Array.of(2), 2)!; applyEdit(store, b); history.push(b);
    assert.equal(history.isDirty, true);
    revertEdit(store, b); history.popUndone(b);
    assert.equal(history.isDirty, false, 'undo back to the save point is clean');
    revertEdit(store, a); history.popUndone(a);
    assert.equal(history.isDirty, true, 'undo past the save point is dirty');
    const diff = unsavedDiff(store, history);
    assert.deepEqual([...diff.voxels], [1]);
    assert.deepEqual([...diff.values], [UNLABELLED]);
    assert.throws(() => history.popUndone(b), /out of order/);
  });

  it('round-trips a backup and rejects a damaged one', () => {
    const diff = { voxels: Uint32Array.of(3, 7, 11), values: Uint8Array.of(0, 255, 4) };
    const bytes = encodeBackup({ shape, sidecarPath: '/x/y.labels.npy', palette: defaultPalette(), diff });
    const back = decodeBackup(bytes, 'b');
    assert.deepEqual(back.shape, shape);
    assert.equal(back.sidecarPath, '/x/y.labels.npy');
    assert.deepEqual([...back.diff.voxels], [3, 7, 11]);
    assert.deepEqual([...back.diff.values], [0, 255, 4]);
    assert.deepEqual(back.palette, defaultPalette());
    // As VS Code's file system hands it back: a Node Buffer at an odd offset inside a larger pool.
    const pooled = Buffer.concat([Buffer.from([1, 2, 3]), Buffer.from(bytes)]).subarray(3);
    assert.deepEqual([...decodeBackup(pooled, 'b').diff.voxels], [3, 7, 11]);
    assert.throws(() => decodeBackup(bytes.subarray(0, bytes.length - 1), 'b'), /length does not match/);
    assert.throws(() => decodeBackup(new Uint8Array(40), 'b'), /bad magic/);
  });
});

describe('label sidecar files', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'seisgrow-sidecar-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names sidecars beside the volume', () => {
    assert.deepEqual(sidecarPathsFor('/d/f3.sgy'), { labels: '/d/f3.labels.npy', classes: '/d/f3.labels.json' });
    assert.deepEqual(sidecarPathsForTarget('/e/mine.labels.npy'), { labels: '/e/mine.labels.npy', classes: '/e/mine.labels.json' });
    assert.deepEqual(sidecarPathsForTarget('/e/copy.segy'), { labels: '/e/copy.labels.npy', classes: '/e/copy.labels.json' });
  });

  it('writes a valid NPY header (64-byte aligned, numpy dict)', () => {
    const h = npyUint8Header([23, 18, 75]);
    assert.equal(h.length % 64, 0);
    assert.match(new TextDecoder('latin1').decode(h.subarray(10)), /^\{'descr': '\|u1', 'fortran_order': False, 'shape': \(23, 18, 75\), \} *\n$/);
  });

  it('streams the sparse store to disk atomically and reads it back lazily (cube layout)', () => {
    const shape: VolumeShape = [5, 3, 4];
    const store = new LabelStore(shape);
    store.write(sectionPixelsToVoxels(shape, 'crossline', 1, [0, 5, 19]), 2);
    const path = join(dir, 'v.labels.npy');
    writeSidecarLabels(store, path, 'cube');
    assert.deepEqual(readdirSync(dir), ['v.labels.npy'], 'no temp file left behind');
    const { shape: fileShape, data } = readNpyUint8(path);
    assert.deepEqual(fileShape, [5, 3, 4]);
    for (let v = 0; v < data.length; v++) assert.equal(data[v], store.get(v));
    const reread = new LabelStore(shape, openSidecar(path, shape, 'cube'));
    assert.equal(reread.memoryBytes, 0, 'nothing read until asked');
    assert.deepEqual([...reread.section('crossline', 1)], [...store.section('crossline', 1)]);
    reread.close();
  });

  it('keeps a 2D NPY sidecar in the NPY\'s own (samples, traces) shape', () => {
    const shape: VolumeShape = [1, 6, 4]; // 6 traces, 4 samples
    const store = new LabelStore(shape);
    store.write(sectionPixelsToVoxels(shape, 'inline', 0, [1 * 6 + 2]), 7); // row (sample) 1, col (trace) 2
    const path = join(dir, 's.labels.npy');
    writeSidecarLabels(store, path, 'section');
    const { shape: fileShape, data } = readNpyUint8(path);
    assert.deepEqual(fileShape, [4, 6]);
    assert.equal(data[1 * 6 + 2], 7);
    assert.equal(data.filter((v) => v !== UNLABELLED).length, 1);
    const reread = new LabelStore(shape, openSidecar(path, shape, 'section'));
    assert.deepEqual([...reread.section('inline', 0)], [...store.section('inline', 0)]);
    reread.close();
  });

  it('refuses a sidecar of the wrong shape, or not uint8, with a message naming it', () => {
    const path = join(dir, 'bad.labels.npy');
    writeFileSync(path, Buffer.concat([npyUint8Header([5, 3, 5]), Buffer.alloc(75, 255)]));
    assert.throws(() => openSidecar(path, [5, 3, 4], 'cube'), (e: Error) => /bad\.labels\.npy: labels sidecar has shape \(5, 3, 5\) but the volume needs \(5, 3, 4\)/.test(e.message));
    const f4 = Buffer.from(npyUint8Header([2])); // then patch the descr to float32
    const text = Buffer.from(f4.toString('latin1').replace("'|u1'", "'<f4'"), 'latin1');
    writeFileSync(path, Buffer.concat([text, Buffer.alloc(8)]));
    assert.throws(() => openSidecar(path, [1, 1, 2], 'cube'), /must be uint8/);
  });
});

describe('palette and overlays', () => {
  it('adds, renames, recolours and deletes classes; refuses unknown ids', () => {
    let p = defaultPalette();
    p = applyPaletteEdit(p, { op: 'add', name: 'Salt', color: '#FFFFFF' });
    assert.deepEqual(p.map((c) => c.id), [0, 1, 2]);
    assert.equal(p[2]!.color, '#ffffff');
    p = applyPaletteEdit(p, { op: 'rename', id: 0, name: 'Sediment' });
    p = applyPaletteEdit(p, { op: 'delete', id: 1 });
    assert.deepEqual(p.map((c) => c.name), ['Sediment', 'Salt']);
    p = applyPaletteEdit(p, { op: 'add', name: 'Again', color: '#000000' });
    assert.equal(p[1]!.id, 1, 'a freed id is reused');
    assert.throws(() => applyPaletteEdit(p, { op: 'recolor', id: 9, color: '#000000' }), /no class 9/);
    assert.equal(parsePalette({ classes: [{ id: 0, name: 'a', color: 'red' }] }), null);
    assert.deepEqual(parsePalette(JSON.parse(JSON.stringify({ classes: p }))), p);
  });

  it('cuts dense overlays along every axis like the label store does', () => {
    const shape: VolumeShape = [3, 4, 5];
    const dense = Uint8Array.from({ length: 60 }, (_, k) => k);
    const layer = denseLayer(shape, dense);
    const store = new LabelStore(shape);
    store.write(Uint32Array.from({ length: 60 }, (_, k) => k), dense);
    for (const axis of AXES) assert.deepEqual([...layer.section(axis, 1)], [...store.section(axis, 1)]);
    assert.throws(() => denseLayer(shape, new Uint8Array(59)), /59 values/);
  });
});

/** An independent reading of a uint8 NPY (header parsed by the io module, data taken as raw bytes). */
function readNpyUint8(path: string): { shape: number[]; data: Uint8Array } {
  const bytes = new Uint8Array(readFileSync(path));
  const pre = parsePreamble(bytes, path);
  const header = parseHeaderText(bytes.subarray(pre.headerStart, pre.headerStart + pre.headerLength), pre.version, pre.headerStart, path);
  assert.equal(header.descr, '|u1');
  assert.equal(bytes.length, header.dataOffset + header.count);
  return { shape: [...header.shape], data: bytes.subarray(header.dataOffset) };
}
