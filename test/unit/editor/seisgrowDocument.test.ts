// The seismic document model under plain mocha: strokes as undoable edits, undo/redo, save/revert, Save As,
// hot-exit backup round trip, wrong-shape sidecar refused and never overwritten, palette edits, accepted regions.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeisGrowError } from '../../../src/shared/errors';
import type { Section, Volume, VolumeInfo } from '../../../src/io/types';
import { UNLABELLED, type StrokeMessage } from '../../../src/shared/editorProtocol';
import { SeisGrowDocumentModel } from '../../../src/editor/seisgrowDocument';
import { npyUint8Header, openSidecar } from '../../../src/editor/labelSidecar';
import { LabelStore } from '../../../src/editor/labelStore';
import { denseLayer } from '../../../src/editor/overlays';
import { sectionPixelToVoxel, type VolumeShape } from '../../../src/io/voxelOrder';

const SHAPE: VolumeShape = [4, 5, 6];
const INLINES = [101, 102, 103, 104];
const CROSSLINES = [20, 22, 24, 26, 28];
const amplitude = (i: number, x: number, s: number) => i * 100 + x * 10 + s;

/** An in-memory stand-in for the readers: amplitudes encode their own (i, x, s) so sections can be checked. */
function fakeVolume(path: string, shape: VolumeShape = SHAPE, kind: '3d' | '2d' = '3d', format: 'segy' | 'npy' = 'segy'): Volume {
  const [ni, nx, ns] = shape;
  const inlines = ni === INLINES.length ? INLINES : Array.from({ length: ni }, (_, k) => k);
  const crosslines = nx === CROSSLINES.length ? CROSSLINES : Array.from({ length: nx }, (_, k) => k);
  const info: VolumeInfo = {
    format, path, kind, shape, inlines, crosslines, sampleStart: 0, sampleInterval: 4, sampleUnit: 'ms', dtype: 'float32',
    byteOrder: 'big', notes: [], details: {},
  };
  const section = (rows: number, cols: number, f: (r: number, c: number) => number): Section => {
    const data = new Float32Array(rows * cols);
    for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) data[r * cols + c] = f(r, c);
    return { data, rows, cols };
  };
  let closed = false;
  return {
    info,
    async inline(n) { const i = inlines.indexOf(n); return section(ns, nx, (s, x) => amplitude(i, x, s)); },
    async crossline(n) { const x = crosslines.indexOf(n); return section(ns, ni, (s, i) => amplitude(i, x, s)); },
    async timeslice(s) { return section(ni, nx, (i, x) => amplitude(i, x, s)); },
    async trace(il, xl) { return Float32Array.from({ length: ns }, (_, s) => amplitude(inlines.indexOf(il), crosslines.indexOf(xl), s)); },
    async statistics() { return { min: 0, max: 1, mean: 0, std: 1, percentiles: {}, sampleCount: 1 }; },
    async close() { closed = true; void closed; },
  };
}

function stroke(axis: StrokeMessage['axis'], index: number, pixels: number[], value: number, tool: StrokeMessage['tool'] = 'brush'): StrokeMessage {
  const rows = axis === 'sample' ? SHAPE[0] : SHAPE[2];
  const cols = axis === 'crossline' ? SHAPE[0] : SHAPE[1];
  return { type: 'stroke', strokeId: 1, axis, index, rows, cols, pixels, value, tool };
}

describe('SeisGrowDocumentModel', () => {
  let dir: string;
  let volumePath: string;
  const open = (backup?: { bytes: Uint8Array; file: string }) =>
    SeisGrowDocumentModel.open(volumePath, { openVolume: async (p) => fakeVolume(p), backup });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'seisgrow-doc-'));
    volumePath = join(dir, 'cube.sgy');
    writeFileSync(volumePath, 'the volume bytes (never touched)');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('serves sections by line number with labels null until something is painted', async () => {
    const doc = await open();
    assert.deepEqual(doc.middleInline(), { axis: 'inline', index: 102 });
    const s = await doc.section('crossline', 24);
    assert.equal(s.rows, 6); assert.equal(s.cols, 4);
    assert.equal(s.amplitudes[3 * 4 + 2], amplitude(2, 2, 3));
    assert.equal(s.labels, null);
    await assert.rejects(doc.section('inline', 99), /no inline 99/);
    await doc.dispose();
  });

  it('turns a stroke into one compact undoable edit; undo/redo; dirty tracking', async () => {
    const doc = await open();
    const edits: string[] = [];
    doc.onDidEdit((e) => edits.push(e.label));
    const msg = stroke('inline', 103, [0, 7, 8], 1);
    const edit = doc.stroke(msg, Uint32Array.from(msg.pixels as number[]))!;
    assert.deepEqual(edits, ['Paint Class 1 (brush)']);
    assert.equal(edit.voxels.length, 3);
    assert.ok(doc.isDirty);
    const s = await doc.section('inline', 103);
    assert.deepEqual([0, 7, 8].map((p) => s.labels![p]), [1, 1, 1]);
    assert.equal(s.labels!.filter((v) => v !== UNLABELLED).length, 3);
    // The same voxel seen from a crossline and a time slice.
    const voxel = sectionPixelToVoxel(SHAPE, 'inline', 2, 7); // s=1, x=2
    assert.equal(doc.labels!.get(voxel), 1);
    assert.equal((await doc.section('crossline', 24)).labels![1 * 4 + 2], 1);
    assert.equal((await doc.section('sample', 1)).labels![2 * 5 + 2], 1);
    doc.undo(edit);
    assert.equal(doc.isDirty, false);
    assert.equal(doc.labels!.get(voxel), UNLABELLED);
    doc.redo(edit);
    assert.equal(doc.labels!.get(voxel), 1);
    await doc.dispose();
  });

  it('refuses strokes that do not fit, and classes not in the palette', async () => {
    const doc = await open();
    const wrongShape = { ...stroke('inline', 103, [0], 1), rows: 5 };
    assert.throws(() => doc.stroke(wrongShape, Uint32Array.of(0)), /does not fit/);
    assert.throws(() => doc.stroke(stroke('inline', 105, [0], 1), Uint32Array.of(0)), /does not fit/);
    assert.throws(() => doc.stroke(stroke('inline', 103, [30], 1), Uint32Array.of(30)), /does not fit/);
    assert.throws(() => doc.stroke(stroke('inline', 103, [0], 9), Uint32Array.of(0)), /class 9 is not in the palette/);
    assert.equal(doc.isDirty, false);
    await doc.dispose();
  });

  it('saves the sidecar atomically beside the volume (never into it), then revert restores the saved state', async () => {
    const volumeBefore = readFileSync(volumePath);
    const doc = await open();
    const e1 = doc.stroke(stroke('sample', 2, [0, 6], 0), Uint32Array.of(0, 6))!;
    doc.save();
    assert.equal(doc.isDirty, false);
    assert.ok(existsSync(join(dir, 'cube.labels.npy')) && existsSync(join(dir, 'cube.labels.json')));
    assert.deepEqual(readFileSync(volumePath), volumeBefore, 'the volume file is untouched');
    const json = JSON.parse(readFileSync(join(dir, 'cube.labels.json'), 'utf8'));
    assert.deepEqual(json.classes.map((c: { id: number }) => c.id), [0, 1]);
    const onDisk = new LabelStore(SHAPE, openSidecar(join(dir, 'cube.labels.npy'), SHAPE, 'cube'));
    assert.equal(onDisk.section('sample', 2)[6], 0);
    onDisk.close();
    doc.stroke(stroke('sample', 2, [1], 1), Uint32Array.of(1));
    assert.ok(doc.isDirty);
    let changed = 0;
    doc.onDidChangeLabels(() => changed++);
    doc.revert();
    assert.equal(changed, 1);
    assert.equal(doc.isDirty, false);
    const s = await doc.section('sample', 2);
    assert.deepEqual([s.labels![0], s.labels![1], s.labels![6]], [0, UNLABELLED, 0]);
    void e1;
    await doc.dispose();
    // Reopening loads the sidecar and its palette.
    const again = await open();
    assert.equal((await again.section('sample', 2)).labels![6], 0);
    await again.dispose();
  });

  it('restores unsaved strokes and palette from a hot-exit backup, dirty, and revert drops them', async () => {
    const doc = await open();
    doc.stroke(stroke('inline', 101, [3], 1), Uint32Array.of(3));
    doc.save();
    doc.stroke(stroke('crossline', 26, [5, 6], 0), Uint32Array.of(5, 6));
    doc.editPalette({ op: 'rename', id: 0, name: 'Salt' });
    const bytes = doc.backupBytes();
    assert.ok(bytes.length < 400, `backup of 2 voxels is compact (${bytes.length} bytes)`);
    await doc.dispose();
    const restored = await open({ bytes, file: 'backup' });
    assert.ok(restored.isDirty);
    assert.equal(restored.palette[0]!.name, 'Salt');
    const s = await restored.section('crossline', 26);
    assert.deepEqual([s.labels![5], s.labels![6]], [0, 0]);
    assert.equal((await restored.section('inline', 101)).labels![3], 1, 'the saved stroke comes from the sidecar');
    restored.revert();
    assert.equal(restored.palette[0]!.name, 'Class 0');
    assert.equal((await restored.section('crossline', 26)).labels![5], UNLABELLED);
    await restored.dispose();
  });

  it('refuses a wrong-shape sidecar: opens with labels read-only and never overwrites it', async () => {
    const bad = join(dir, 'cube.labels.npy');
    writeFileSync(bad, Buffer.concat([npyUint8Header([4, 5, 7]), Buffer.alloc(140, 1)]));
    const before = readFileSync(bad);
    const mtime = statSync(bad).mtimeMs;
    const doc = await open();
    assert.ok(doc.labelsProblem instanceof SeisGrowError);
    assert.match(doc.labelsProblem!.message, /cube\.labels\.npy: labels sidecar has shape \(4, 5, 7\) but the volume needs \(4, 5, 6\)/);
    assert.equal(doc.labelsEditable, false);
    assert.equal((await doc.section('inline', 101)).labels, null);
    assert.throws(() => doc.stroke(stroke('inline', 101, [0], 1), Uint32Array.of(0)), /read-only/);
    doc.save();
    assert.throws(() => doc.saveAs(join(dir, 'other.labels.npy')), /cannot be saved/);
    assert.deepEqual(readFileSync(bad), before);
    assert.equal(statSync(bad).mtimeMs, mtime);
    await doc.dispose();
  });

  it('Save As to a .labels.npy moves where labels save; to a volume name copies the volume with labels beside it', async () => {
    const doc = await open();
    doc.stroke(stroke('inline', 104, [2], 1), Uint32Array.of(2));
    doc.saveAs(join(dir, 'mine.labels.npy'));
    assert.ok(existsSync(join(dir, 'mine.labels.json')));
    assert.ok(!existsSync(join(dir, 'cube.labels.npy')));
    assert.equal(doc.sidecar.labels, join(dir, 'mine.labels.npy'));
    doc.saveAs(join(dir, 'copy.sgy'));
    assert.deepEqual(readFileSync(join(dir, 'copy.sgy')), readFileSync(volumePath));
    const copy = new LabelStore(SHAPE, openSidecar(join(dir, 'copy.labels.npy'), SHAPE, 'cube'));
    assert.equal(copy.section('inline', 3)[2], 1);
    copy.close();
    await doc.dispose();
  });

  it('deleting a class erases its voxels in the same undoable edit', async () => {
    const doc = await open();
    doc.stroke(stroke('inline', 101, [0, 1], 1), Uint32Array.of(0, 1));
    doc.stroke(stroke('inline', 101, [2], 0), Uint32Array.of(2));
    const del = doc.editPalette({ op: 'delete', id: 1 })!;
    assert.deepEqual(doc.palette.map((c) => c.id), [0]);
    assert.deepEqual([...(await doc.section('inline', 101)).labels!.subarray(0, 3)], [UNLABELLED, UNLABELLED, 0]);
    doc.undo(del);
    assert.deepEqual(doc.palette.map((c) => c.id), [0, 1]);
    assert.deepEqual([...(await doc.section('inline', 101)).labels!.subarray(0, 3)], [1, 1, 0]);
    await doc.dispose();
  });

  it('accepts a whole region of grown labels as ONE edit that keeps seeds, and shows overlays', async () => {
    const doc = await open();
    doc.stroke(stroke('inline', 101, [0], 0), Uint32Array.of(0));
    const dense = new Uint8Array(4 * 5 * 6).fill(1);
    dense[10] = UNLABELLED;
    const edit = doc.acceptLabels('Accept grown labels', dense, { onlyUnlabelled: true })!;
    assert.equal(edit.voxels.length, 120 - 2);
    assert.equal(doc.labels!.get(0), 0, 'the seed is kept');
    assert.equal(doc.labels!.get(10), UNLABELLED);
    doc.undo(edit);
    assert.equal(doc.labels!.get(5), UNLABELLED);
    assert.deepEqual(doc.ensureClasses([1, 3, 255]), [3]);
    let layers: unknown;
    doc.onDidChangeOverlays((l) => { layers = l; });
    doc.setOverlays({ grown: denseLayer(SHAPE, dense) });
    assert.deepEqual(layers, { labels: true, grown: true, prediction: false, confidence: false });
    assert.equal((await doc.section('inline', 101)).grown![0], 1);
    await doc.dispose();
  });

  it('an unreadable file opens as an error document, not an exception', async () => {
    const doc = await SeisGrowDocumentModel.open(volumePath, {
      openVolume: async (p) => { throw new SeisGrowError('bad-magic', 'not a SEG-Y file', p); },
    });
    assert.match(doc.openError!.message, /cube\.sgy: not a SEG-Y file/);
    assert.equal(doc.labelsEditable, false);
    await doc.dispose();
  });

  it('2D NPY volumes keep their sidecar in the NPY\'s own shape', async () => {
    const path2d = join(dir, 'line.npy');
    writeFileSync(path2d, 'x');
    const doc = await SeisGrowDocumentModel.open(path2d, { openVolume: async (p) => fakeVolume(p, [1, 7, 3], '2d', 'npy') });
    doc.stroke({ type: 'stroke', strokeId: 1, axis: 'inline', index: 0, rows: 3, cols: 7, pixels: [8], value: 1, tool: 'brush' }, Uint32Array.of(8));
    doc.save();
    const raw = readFileSync(join(dir, 'line.labels.npy'));
    assert.match(raw.subarray(10, 80).toString('latin1'), /'shape': \(3, 7\)/);
    await doc.dispose();
  });
});
