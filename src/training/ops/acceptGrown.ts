// Which grown labels of a run may go into a volume's labels: the voxels growing labelled that hold no label now
// (accepting never overwrites a painted label). No vscode import; the editor applies the result as one edit.
import type { VolumeShape } from '../../io/voxelOrder';
import type { RunMeta, RunStore } from '../runStore';
import { grownRegion, type GrownRegion } from '../sectionResults';

/** The grown labels of the run `meta` that are still unlabelled in the labels read through `current`. */
export async function grownToAccept(store: RunStore, meta: RunMeta, shape: VolumeShape, current: (voxel: number) => number): Promise<GrownRegion> {
  const arrays = await Promise.all(meta.sections.map((_, k) => store.readSection(meta.id, k)));
  return grownRegion(shape, meta.sections, arrays.map((a) => a.grown), current);
}
