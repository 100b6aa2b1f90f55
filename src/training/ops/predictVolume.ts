// Predict a whole volume with a trained run and write the classes (and confidence) beside it: the one operation behind
// `seisgrow predict --volume`, `seisgrow train` on a volume and the extension's Predict Volume. No vscode import.
import { existsSync } from 'node:fs';
import { readNpy } from '../../io/npy';
import type { Volume } from '../../io/types';
import type { VolumeLayout } from '../../io/voxelOrder';
import { predictVolume, type PredictVolumeOptions, type VolumePrediction } from '../volumePrediction';
import type { RunMeta, RunStore } from '../runStore';
import { writeVolumeArray } from './volumeArrays';

/** Where a volume prediction goes: the classes (uint8), and optionally the confidence (float32). */
export interface PredictionFiles {
  readonly prediction: string;
  readonly confidence?: string;
}

/** Predict `volume` with the run in `runDir` (its inlines, and its crosslines when `opts.views` fuses them) and write the files in `layout`; null (nothing written) when cancelled. */
export async function predictVolumeToFiles(volume: Volume, runDir: string, files: PredictionFiles, layout: VolumeLayout, opts: PredictVolumeOptions = {}): Promise<VolumePrediction | null> {
  const whole = await predictVolume(volume, runDir, opts);
  if (!whole) return null;
  await writeVolumeArray(files.prediction, whole.prediction, whole.shape, layout);
  if (files.confidence) await writeVolumeArray(files.confidence, whole.confidence, whole.shape, layout);
  return whole;
}

/** The latest whole-volume prediction of a volume in the run store (voxel order), from Predict Volume; undefined when none. */
export async function latestVolumePrediction(store: RunStore, volumePath: string): Promise<{ meta: RunMeta; data: Uint8Array } | undefined> {
  const meta = await store.latestFor(volumePath, (m) => m.volumePrediction !== undefined && existsSync(store.volumePredictionFiles(m.id).prediction));
  if (!meta) return undefined;
  return { meta, data: (await readNpy(store.volumePredictionFiles(meta.id).prediction)).data as Uint8Array };
}
