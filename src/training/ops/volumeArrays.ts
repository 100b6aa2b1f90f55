// Whole-volume arrays on disk, shared by the command line and the extension: written in a file layout (cube, or a 2D
// line's own section), atomically (writeNpy goes through safeWrite). No vscode import.
import { writeNpy } from '../../io/npy';
import { layoutShape, voxelCount, voxelsToLayout, type VolumeLayout, type VolumeShape } from '../../io/voxelOrder';
import { UNLABELLED } from '../../shared/editorProtocol';

/** Labels read one inline (crosslines × samples, voxel order) at a time; null for an inline with no label. */
export interface InlineChunks {
  readonly shape: VolumeShape;
  readChunk(inline: number): Uint8Array | null;
}

/** Write an array of the volume (voxel order) as NPY in a file layout (uint8 or float32 by its type), atomically. */
export async function writeVolumeArray(file: string, data: Uint8Array | Float32Array, shape: VolumeShape, layout: VolumeLayout): Promise<void> {
  // A 2D NPY line keeps its own (samples, traces) shape: its single inline's section.
  await writeNpy(file, voxelsToLayout(shape, layout, data), layoutShape(shape, layout), data instanceof Uint8Array ? '|u1' : '<f4');
}

/** Every label of a store as one dense voxel-order cube, 255 where nothing is labelled. */
export function labelCube(labels: InlineChunks): Uint8Array {
  const [ni] = labels.shape;
  const cube = new Uint8Array(voxelCount(labels.shape)).fill(UNLABELLED);
  const n = cube.length / ni;
  for (let i = 0; i < ni; i++) { const c = labels.readChunk(i); if (c) cube.set(c, i * n); }
  return cube;
}
