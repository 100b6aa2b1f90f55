// Export labels or a prediction of a volume as NPY or SEG-Y, never over the volume or its label files: the operation
// behind the extension's Export Labels / Prediction. No vscode import.
import * as path from 'node:path';
import { SeisGrowError } from '../../shared/errors';
import { SegyVolume, writeSegy } from '../../io/segy';
import type { Volume } from '../../io/types';
import type { VolumeLayout } from '../../io/voxelOrder';
import { writeVolumeArray } from './volumeArrays';

/** The file formats an export can take. */
export type ExportFormat = 'npy' | 'segy';

/** One export: a voxel-order cube of class ids of `volume`, to `target`, refusing any of `protect`. */
export interface VolumeExport {
  readonly volume: Volume;
  readonly cube: Uint8Array;
  readonly format: ExportFormat;
  readonly target: string;
  /** The NPY layout of the volume's own label files (a 2D NPY line exports in its own (samples, traces) shape). */
  readonly layout: VolumeLayout;
  /** Files never to write over: the source volume and its label files. */
  readonly protect: readonly string[];
}

/** The default export file beside a volume: `stem.<what>.export.<ext>`. */
export function defaultExportPath(volumePath: string, what: string, format: ExportFormat): string {
  const stem = path.basename(volumePath).replace(/\.(sgy|segy|seg|npy)$/i, '');
  return path.join(path.dirname(volumePath), `${stem}.${what}.export.${format === 'npy' ? 'npy' : 'sgy'}`);
}

/** Write the export (atomically); SEG-Y exports reuse the source's headers when the source is SEG-Y. */
export async function exportVolume(e: VolumeExport): Promise<void> {
  const out = e.target;
  if (e.protect.map((p) => path.resolve(p)).includes(path.resolve(out))) {
    throw new SeisGrowError('would-overwrite', 'refusing to export over the source volume or its label files; pick another name', out);
  }
  const info = e.volume.info;
  if (e.format === 'npy') {
    await writeVolumeArray(out, e.cube, info.shape, e.layout);
    return;
  }
  await writeSegy(out, {
    data: Float32Array.from(e.cube), inlines: info.inlines, crosslines: info.crosslines, samples: info.shape[2],
    ...(info.sampleUnit === 'ms' ? { sampleInterval: info.sampleInterval, sampleStart: info.sampleStart } : {}),
  }, e.volume instanceof SegyVolume ? e.volume : undefined);
}
