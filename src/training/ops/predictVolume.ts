// Predict a whole volume with a trained run and write the classes (and confidence) beside it: the one operation behind
// `seisgrow predict --volume`, `seisgrow train` on a volume and the extension's Predict Volume. No vscode import.
import type { Volume } from '../../io/types';
import type { VolumeLayout } from '../../io/voxelOrder';
import { predictVolume, type PredictVolumeOptions, type VolumePrediction } from '../volumePrediction';
import { writeVolumeArray } from './volumeArrays';

/** Where a volume prediction goes: the classes (uint8), and optionally the confidence (float32). */
export interface PredictionFiles {
  readonly prediction: string;
  readonly confidence?: string;
}

/** Predict every inline of `volume` with the run in `runDir` and write the files in `layout`; null (nothing written) when cancelled. */
export async function predictVolumeToFiles(volume: Volume, runDir: string, files: PredictionFiles, layout: VolumeLayout, opts: PredictVolumeOptions = {}): Promise<VolumePrediction | null> {
  const whole = await predictVolume(volume, runDir, opts);
  if (!whole) return null;
  await writeVolumeArray(files.prediction, whole.prediction, whole.shape, layout);
  if (files.confidence) await writeVolumeArray(files.confidence, whole.confidence, whole.shape, layout);
  return whole;
}
