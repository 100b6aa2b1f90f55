// Training inputs from a labelled volume: which sections, read through the real F3 SEG-Y and the real label store.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { openVolume } from '../../../src/io/volume';
import type { Volume } from '../../../src/io/types';
import { LabelStore } from '../../../src/editor/labelStore';
import { gatherSection, scatterSection, sectionPixelsToVoxels, sectionPixelToVoxel, sectionShape } from '../../../src/io/voxelOrder';
import { chooseLabelledSections, chooseSections, classCount, extractSections, spreadPositions, type TrainingSource } from '../../../src/training/trainingData';

const F3 = join(__dirname, '../../../samples/f3.sgy');

/** Paint a whole row band [r0, r1) of a section with one class. */
function paintRows(store: LabelStore, axis: 'inline' | 'crossline', position: number, r0: number, r1: number, cols: number, value: number): void {
  const pixels: number[] = [];
  for (let r = r0; r < r1; r++) for (let c = 0; c < cols; c++) pixels.push(r * cols + c);
  store.write(sectionPixelsToVoxels(store.shape, axis, position, pixels), value);
}

describe('training data from a labelled volume (real F3 SEG-Y, 23 × 18 × 75)', () => {
  let volume: Volume;
  before(async () => { volume = await openVolume(F3); });
  after(async () => { await volume.close(); });

  const source = (labels: LabelStore): TrainingSource => ({ path: F3, volume, labels });

  it('finds no section when nothing is labelled', () => {
    const store = new LabelStore([23, 18, 75]);
    assert.deepEqual(chooseLabelledSections(source(store)), { refs: [], uncoveredVoxels: 0 });
  });

  it('takes the inline a label was painted on, not the 18 crosslines it crosses', () => {
    const store = new LabelStore([23, 18, 75]);
    paintRows(store, 'inline', 11, 10, 20, 18, 0);
    const { refs, uncoveredVoxels } = chooseLabelledSections(source(store));
    assert.deepEqual(refs, [{ axis: 'inline', position: 11, line: 122, labelled: true }]);
    assert.equal(uncoveredVoxels, 0);
  });

  it('takes the crossline a label was painted on, not the 23 inlines it crosses', () => {
    const store = new LabelStore([23, 18, 75]);
    paintRows(store, 'crossline', 4, 30, 40, 23, 1);
    assert.deepEqual(chooseLabelledSections(source(store)).refs, [{ axis: 'crossline', position: 4, line: 879, labelled: true }]);
  });

  it('covers labels on an inline and a crossline with exactly those two sections', () => {
    const store = new LabelStore([23, 18, 75]);
    paintRows(store, 'inline', 3, 10, 20, 18, 0);
    paintRows(store, 'crossline', 9, 50, 60, 23, 1);
    assert.deepEqual(chooseLabelledSections(source(store)).refs.map((r) => `${r.axis} ${r.line}`), ['inline 114', 'crossline 884']);
  });

  it('stops at the cap and says how many labelled voxels were left out', () => {
    const store = new LabelStore([23, 18, 75]);
    paintRows(store, 'inline', 3, 10, 20, 18, 0);
    paintRows(store, 'inline', 8, 10, 12, 18, 1);
    const { refs, uncoveredVoxels } = chooseLabelledSections(source(store), 1);
    assert.deepEqual(refs.map((r) => r.position), [3], 'the section with most labels first');
    assert.equal(uncoveredVoxels, 2 * 18);
  });

  it('adds unlabelled inlines and crosslines spread over the volume, never a labelled one', () => {
    const store = new LabelStore([23, 18, 75]);
    paintRows(store, 'inline', 11, 10, 20, 18, 0);
    const { refs } = chooseSections(source(store), { unlabelled: 4 });
    assert.equal(refs.length, 5);
    assert.deepEqual(refs.filter((r) => !r.labelled).map((r) => r.axis), ['inline', 'inline', 'crossline', 'crossline']);
    assert.ok(!refs.some((r) => !r.labelled && r.axis === 'inline' && r.position === 11));
    assert.deepEqual(spreadPositions(10, 3, new Set([5])), [1, 4, 8]);
    assert.deepEqual(spreadPositions(3, 5, new Set([1])), [0, 2]);
  });

  it('extracts the sections with their labels in the Volume\'s layout (samples × traces)', async () => {
    const store = new LabelStore([23, 18, 75]);
    paintRows(store, 'inline', 11, 10, 20, 18, 0);
    paintRows(store, 'crossline', 4, 60, 62, 23, 1);
    const { refs } = chooseSections(source(store), { unlabelled: 1 });
    const sections = await extractSections(source(store), refs);
    const byName = new Map(sections.map((s) => [s.name, s]));
    const inline = byName.get('f3.sgy inline 122')!;
    assert.deepEqual([inline.height, inline.width], [75, 18]);
    const direct = await volume.inline(122);
    assert.deepEqual(inline.seismic, direct.data, 'the amplitudes of inline 122 as the reader gives them');
    for (let r = 0; r < 75; r++) {
      for (let c = 0; c < 18; c++) {
        const want = r >= 10 && r < 20 ? 0 : r >= 60 && r < 62 && c === 4 ? 1 : 255;
        assert.equal(inline.labels![r * 18 + c], want, `label at row ${r}, col ${c}`);
      }
    }
    assert.deepEqual(inline.place, { axis: 'inline', position: 11 }, 'each section knows where it lies, for growth across sections');
    const crossline = byName.get('f3.sgy crossline 879')!;
    assert.deepEqual([crossline.height, crossline.width], [75, 23]);
    assert.deepEqual(crossline.place, { axis: 'crossline', position: 4 });
    // The crossline sees the inline's band at inline position 11 and its own band everywhere.
    assert.equal(crossline.labels![15 * 23 + 11], 0);
    assert.equal(crossline.labels![61 * 23 + 0], 1);
    // The added inline was not painted on, but the painted crossline crosses it: it carries those 2 pixels.
    const extra = sections.find((s, k) => !refs[k].labelled)!;
    assert.equal(extra.name, 'f3.sgy inline 123');
    assert.deepEqual([...extra.labels!.keys()].filter((p) => extra.labels![p] !== 255), [60 * 18 + 4, 61 * 18 + 4]);
    const alone = new LabelStore([23, 18, 75]);
    paintRows(alone, 'inline', 11, 10, 20, 18, 0);
    const plain = await extractSections(source(alone), chooseSections(source(alone), { unlabelled: 1 }).refs);
    assert.equal(plain[1].labels, null, 'a section without any label carries null labels');
    assert.equal(store.get(sectionPixelToVoxel(store.shape, 'inline', 11, 15 * 18)), 0);
  });

  it('scatters sections into voxel order and gathers them back, as the label store\'s section() reads them', () => {
    const shape = [3, 4, 5] as const;
    const store = new LabelStore(shape);
    for (const [axis, position] of [['inline', 2], ['crossline', 1], ['sample', 3]] as const) {
      const { rows, cols } = sectionShape(shape, axis);
      const values = Uint8Array.from({ length: rows * cols }, (_, k) => k % 200);
      const cube = scatterSection(shape, axis, position, values, new Uint8Array(60).fill(255));
      for (let p = 0; p < values.length; p++) assert.equal(cube[sectionPixelToVoxel(shape, axis, position, p)], values[p], `${axis} pixel ${p}`);
      assert.equal(cube.filter((v) => v !== 255).length, values.length, 'nothing outside the section is written');
      assert.deepEqual(gatherSection(shape, axis, position, cube, new Uint8Array(values.length)), values, 'gatherSection reads back what scatterSection wrote');
      store.write(sectionPixelsToVoxels(shape, axis, position, [...values.keys()]), values);
      assert.deepEqual(store.section(axis, position), values);
    }
    assert.throws(() => scatterSection(shape, 'inline', 0, new Uint8Array(3), new Uint8Array(60)), /needs 20 values, got 3/);
  });

  it('counts classes from the labels and the palette, at least two', () => {
    assert.equal(classCount([255], []), 2);
    assert.equal(classCount([0, 3, 255], [0, 1]), 4);
    assert.equal(classCount([0], [0, 1, 2, 9]), 10);
  });
});
