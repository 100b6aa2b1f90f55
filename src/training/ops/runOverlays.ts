// A run's outputs as the editor's overlays: the whole-volume prediction when one fits the volume, else the per-section
// predictions; grown labels only while the interpreter has not decided on them. No vscode import.
import { readNpy } from '../../io/npy';
import type { VolumeShape } from '../../io/voxelOrder';
import { denseLayer, type EditorOverlays } from '../../editor/overlays';
import { UNLABELLED } from '../../shared/editorProtocol';
import type { RunMeta, RunStore } from '../runStore';
import { sparseSectionLayer } from '../sectionResults';

/** The overlays of the run `meta` over a volume of `shape`, read from the run store. */
export async function runOverlays(store: RunStore, meta: RunMeta, shape: VolumeShape): Promise<EditorOverlays> {
  const arrays = await Promise.all(meta.sections.map((_, k) => store.readSection(meta.id, k)));
  const overlays: EditorOverlays = {};
  if (meta.volumePrediction && sameShape(meta.volumePrediction.shape, shape)) {
    const files = store.volumePredictionFiles(meta.id);
    overlays.prediction = denseLayer(shape, (await readNpy(files.prediction)).data as Uint8Array);
    overlays.confidence = denseLayer(shape, (await readNpy(files.confidence)).data as Float32Array);
  } else if (arrays.some((a) => a.prediction)) {
    overlays.prediction = sparseSectionLayer(shape, meta.sections, arrays.map((a) => a.prediction), UNLABELLED, (n) => new Uint8Array(n));
    overlays.confidence = sparseSectionLayer(shape, meta.sections, arrays.map((a) => a.confidence), 0, (n) => new Float32Array(n));
  }
  if (meta.panel.grown?.decision === 'pending' && arrays.some((a) => a.grown)) {
    overlays.grown = sparseSectionLayer(shape, meta.sections, arrays.map((a) => a.grown), UNLABELLED, (n) => new Uint8Array(n));
  }
  return overlays;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, k) => v === b[k]);
}
