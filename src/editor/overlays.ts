// Read-only layers shown over the seismic (grown labels, prediction, confidence), set by the training side.
// No vscode import.
import type { EditorAxis } from '../shared/editorProtocol';
import { gatherSection, layoutToVoxels, sectionShape, voxelCount, type VolumeLayout, type VolumeShape } from '../io/voxelOrder';

/** A layer that can produce one section (rows × cols, protocol layout) at a POSITION along an axis. */
export interface SectionLayer<T extends Uint8Array | Float32Array> {
  section(axis: EditorAxis, position: number): T;
}

/** The overlays a document may show; absent ones are hidden in the webview. */
export interface EditorOverlays {
  /** Labels grown by region growing, 255 = none. */
  grown?: SectionLayer<Uint8Array>;
  /** Predicted classes. */
  prediction?: SectionLayer<Uint8Array>;
  /** Confidence 0..1 of the prediction. */
  confidence?: SectionLayer<Float32Array>;
}

/**
 * A layer over a dense array. 'cube' layout: (inlines, crosslines, samples) in C order, as the volume.
 * 'section' layout (2D volumes): (samples, traces), i.e. exactly the single inline section's rows × cols.
 */
export function denseLayer<T extends Uint8Array | Float32Array>(shape: VolumeShape, data: T, layout: VolumeLayout = 'cube'): SectionLayer<T> {
  if (data.length !== voxelCount(shape)) {
    throw new RangeError(`overlay has ${data.length} values but the volume has ${voxelCount(shape)} voxels (${shape.join('×')})`);
  }
  if (layout === 'section' && shape[0] !== 1) throw new RangeError('a section-layout overlay needs a 2D volume (one inline)');
  const make = (n: number) => (data instanceof Float32Array ? new Float32Array(n) : new Uint8Array(n)) as T;
  // A 2D line is one inline: reordering it once keeps every cut below in voxel order.
  const cube = layout === 'section' ? layoutToVoxels(shape, layout, data, make(data.length)) : data;
  return {
    section(axis, position) {
      const { rows, cols } = sectionShape(shape, axis);
      return gatherSection(shape, axis, position, cube, make(rows * cols));
    },
  };
}
