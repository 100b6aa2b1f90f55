// A seismic VOLUME as the input of `train` and `predict`, the way the editor opens it: SEG-Y, or an NPY cube
// (inlines, crosslines, samples) with --volume, and its label sidecar (`name.labels.npy`, the editor's layout).
// Training picks the labelled sections and a spread of unlabelled inlines and crosslines from the volume itself, as
// the extension does; outputs are arrays of the volume in the sidecar's layout.
import { SeisGrowError } from '../shared/errors';
import type { Volume } from '../io/types';
import { openVolume } from '../io/volume';
import { openSidecar, type SidecarLayout } from '../editor/labelSidecar';
import { LabelStore } from '../editor/labelStore';
import { sidecarLayoutFor } from '../editor/seisgrowDocument';
import { sectionPixelToVoxel, type VolumeShape } from '../io/voxelOrder';
import type { TrainingSection } from '../ml/engine';
import { UNLABELLED } from '../shared/editorProtocol';
import { chooseSections, extractSections, type SectionRef, type TrainingSource } from '../training/trainingData';
import { checkVolumePredictionSize, DEFAULT_VOLUME_VIEWS, isVolumeViews, VOLUME_VIEWS, type VolumeViews } from '../training/volumePrediction';
import { usageError, type CommandSpec, type OptionSpec, type ParsedArgs } from './args';

/** `--views`: which sections predict each voxel of a whole volume (`predict` and `train` share it). */
export const VIEWS_OPTION: OptionSpec = {
  name: 'views', kind: 'string', metavar: 'VIEWS', defaultText: DEFAULT_VOLUME_VIEWS,
  help: 'volume: "inline" predicts each inline alone; "inline+crossline" also predicts every crossline and gives each voxel the mean of ' +
    'its two views\' probabilities (classes consistent from one inline to the next; twice the time, K more bytes a voxel)',
};

/** The --views value, validated (a usage error names the choices); undefined when not given. */
export function viewsOf(spec: CommandSpec, p: ParsedArgs): VolumeViews | undefined {
  const views = p.string('views');
  if (views === undefined) return undefined;
  if (!isVolumeViews(views)) throw usageError(spec, `--views must be one of ${VOLUME_VIEWS.join(', ')}, got "${views}"`);
  return views;
}

/** An open volume, its labels and the sections chosen to train on; close() releases both files. */
export interface VolumeInput {
  readonly volume: Volume;
  readonly layout: SidecarLayout;
  readonly refs: readonly SectionRef[];
  readonly sections: TrainingSection[];
  /** Labelled voxels that no chosen section covers (beyond the section cap). */
  readonly uncoveredVoxels: number;
  close(): Promise<void>;
}

/** Open a volume and its label sidecar and pick the training sections: the labelled ones and `unlabelled` more. */
export async function openVolumeInput(seismic: string, labels: string, unlabelled: number): Promise<VolumeInput> {
  const volume = await openVolume(seismic);
  let store: LabelStore | undefined;
  try {
    const shape = volume.info.shape;
    // Refuse before training what could not be predicted at the end.
    checkVolumePredictionSize(shape, seismic);
    const layout = sidecarLayoutFor(volume);
    store = new LabelStore(shape, openSidecar(labels, shape, layout));
    const source: TrainingSource = { path: seismic, volume, labels: store };
    const { refs, uncoveredVoxels } = chooseSections(source, { unlabelled });
    if (!refs.some((r) => r.labelled)) {
      throw new SeisGrowError('no-labels', 'the label volume holds no label (every voxel is 255 = unlabelled): paint some in the editor first', labels);
    }
    const sections = await extractSections(source, refs);
    const held = store;
    return { volume, layout, refs, sections, uncoveredVoxels, close: async () => { held.close(); await volume.close(); } };
  } catch (e) {
    store?.close();
    await volume.close();
    throw e;
  }
}

/** Labels of the trained sections gathered into one label volume (255 elsewhere), voxel order. */
export function sectionsToLabelVolume(shape: VolumeShape, refs: readonly SectionRef[], labels: readonly (Uint8Array | null)[]): Uint8Array {
  const out = new Uint8Array(shape[0] * shape[1] * shape[2]).fill(UNLABELLED);
  refs.forEach((ref, k) => {
    const l = labels[k];
    // Only labels are written, so an unlabelled pixel of one section never erases its crossing section's label.
    if (l) for (let p = 0; p < l.length; p++) if (l[p] !== UNLABELLED) out[sectionPixelToVoxel(shape, ref.axis, ref.position, p)] = l[p];
  });
  return out;
}
