// Per-section training outputs mapped back into the volume: the voxels grown labels would add (for ONE undoable
// edit), and overlay layers that show trained sections' values on any section that crosses them. No vscode import.
import type { SectionLayer } from '../editor/overlays';
import { allocateVoxelIndices, sectionPixelToVoxel, sectionShape, voxelToSectionPixel, type VolumeShape, type VoxelIndices } from '../io/voxelOrder';
import { UNLABELLED, type EditorAxis } from '../shared/editorProtocol';
import type { SectionRef } from './trainingData';

/** Grown labels to add: voxel indices and their classes, never where the user already has a label. */
export interface GrownRegion {
  readonly voxels: VoxelIndices;
  readonly values: Uint8Array;
  /** How many sections contribute at least one voxel. */
  readonly sections: number;
}

/**
 * The voxels where a section's grown labels carry a class and the user's labels (`current`, the label store) do not.
 * Where two trained sections cross, the first one listed wins, so the result has no duplicate voxel.
 */
export function grownRegion(shape: VolumeShape, refs: readonly SectionRef[], grown: readonly (Uint8Array | undefined)[], current: (voxel: number) => number): GrownRegion {
  const seen = new Set<number>();
  const voxels: number[] = [];
  const values: number[] = [];
  let sections = 0;
  refs.forEach((ref, k) => {
    const g = grown[k];
    if (!g) return;
    let contributed = false;
    for (let p = 0; p < g.length; p++) {
      const cls = g[p];
      if (cls === UNLABELLED) continue;
      const v = sectionPixelToVoxel(shape, ref.axis, ref.position, p);
      if (seen.has(v) || current(v) !== UNLABELLED) continue;
      seen.add(v);
      voxels.push(v);
      values.push(cls);
      contributed = true;
    }
    if (contributed) sections++;
  });
  const out = allocateVoxelIndices(shape, voxels.length);
  out.set(voxels);
  return { voxels: out, values: Uint8Array.from(values), sections };
}

/** Keep only the pixels of `grown` that are not seed labels (what growing added), 255 elsewhere. */
export function addedOnly(grown: Uint8Array, seeds: Uint8Array | null): Uint8Array {
  const out = grown.slice();
  if (seeds) for (let p = 0; p < out.length; p++) if (seeds[p] !== UNLABELLED) out[p] = UNLABELLED;
  return out;
}

/**
 * A read-only overlay from per-section arrays: the requested section shows the values of every trained section it
 * shares pixels with (all of it when it IS a trained section, a column or a row where two sections cross); `empty`
 * elsewhere (255 for classes, 0 for confidence).
 */
export function sparseSectionLayer<T extends Uint8Array | Float32Array>(shape: VolumeShape, refs: readonly SectionRef[], arrays: readonly (T | undefined)[], empty: number, make: (n: number) => T): SectionLayer<T> {
  return {
    section(axis: EditorAxis, position: number): T {
      const { rows, cols } = sectionShape(shape, axis);
      const out = make(rows * cols);
      out.fill(empty);
      refs.forEach((ref, k) => {
        const a = arrays[k];
        if (!a) return;
        if (ref.axis === axis) {
          if (ref.position === position) out.set(a);
          return;
        }
        const src = sectionShape(shape, ref.axis);
        if (axis === 'sample') {
          // A vertical section crosses a time slice along one row of the section: row `position`.
          for (let c = 0; c < src.cols; c++) {
            const p = position * src.cols + c;
            const q = voxelToSectionPixel(shape, axis, position, sectionPixelToVoxel(shape, ref.axis, ref.position, p));
            if (q >= 0) out[q] = a[p];
          }
          return;
        }
        // An inline and a crossline share one trace: in the trained section it is the column at the requested position.
        for (let r = 0; r < src.rows; r++) {
          const p = r * src.cols + position;
          const q = voxelToSectionPixel(shape, axis, position, sectionPixelToVoxel(shape, ref.axis, ref.position, p));
          if (q >= 0) out[q] = a[p];
        }
      });
      return out;
    },
  };
}
