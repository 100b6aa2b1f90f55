// The file layouts of a volume array against voxel order: the one helper the editor, training and the CLI share.
import * as assert from 'node:assert/strict';
import { inlineToSection, layoutShape, layoutToVoxels, sectionPixelToVoxel, sectionToInline, sectionVoxels, voxelsToLayout, type VolumeShape } from '../../../src/io/voxelOrder';

describe('io/voxelOrder layouts', () => {
  const shape: VolumeShape = [1, 3, 4];
  // Voxel order of one inline: value = x * 10 + s.
  const voxels = Uint8Array.from({ length: 12 }, (_, v) => Math.floor(v / 4) * 10 + (v % 4));

  it('gives the array shape of each layout', () => {
    assert.deepEqual(layoutShape([2, 3, 4], 'cube'), [2, 3, 4]);
    assert.deepEqual(layoutShape(shape, 'section'), [4, 3]);
  });

  it('turns an inline into its section (samples × crosslines) and back', () => {
    const section = inlineToSection(3, 4, voxels, new Uint8Array(12));
    // Row s, column x holds x * 10 + s.
    for (let s = 0; s < 4; s++) for (let x = 0; x < 3; x++) assert.equal(section[s * 3 + x], x * 10 + s);
    assert.deepEqual(sectionToInline(3, 4, section, new Uint8Array(12)), voxels);
  });

  it('leaves a cube as it is and reorders a 2D line, keeping the array type', () => {
    assert.equal(voxelsToLayout([1, 3, 4], 'cube', voxels), voxels);
    const f = Float32Array.from(voxels);
    const section = voxelsToLayout(shape, 'section', f);
    assert.ok(section instanceof Float32Array);
    assert.equal(section[1], 10);
    assert.deepEqual(layoutToVoxels(shape, 'section', section, new Float32Array(12)), f);
  });

  it('copies a cube into voxel order unchanged and refuses a length mismatch', () => {
    assert.deepEqual(layoutToVoxels(shape, 'cube', Array.from(voxels), new Uint8Array(12)), voxels);
    assert.throws(() => layoutToVoxels(shape, 'cube', [1, 2], new Uint8Array(12)), RangeError);
  });

  it('maps every pixel of a section to its voxel, as sectionPixelToVoxel does one pixel', () => {
    const cube: VolumeShape = [3, 4, 5];
    for (const [axis, n] of [['inline', 3], ['crossline', 4], ['sample', 5]] as const) {
      for (let position = 0; position < n; position++) {
        const map = sectionVoxels(cube, axis, position);
        assert.deepEqual(Array.from(map), Array.from(map, (_, p) => sectionPixelToVoxel(cube, axis, position, p)), `${axis} ${position}`);
      }
    }
  });
});
