// The whole-volume prediction of a trained run, shared by `seisgrow predict` / `seisgrow train` on a volume and the
// extension's Predict Volume: every inline through one pair of loaded networks, assembled in voxel order
// (inlines, crosslines, samples), the layout of the label sidecar. No vscode import.
import { totalmem } from 'node:os';
import { SeisGrowError } from '../shared/errors';
import type { Volume } from '../io/types';
import type { Predictor, PredictorOptions } from '../ml/engine';
import { scatterSection, type VolumeShape } from '../io/voxelOrder';

/** A volume's predicted classes and the mean probability of each voxel's class, voxel order (inline, crossline, sample). */
export interface VolumePrediction {
  shape: VolumeShape;
  prediction: Uint8Array;
  confidence: Float32Array;
}

/** Options of {@link predictVolume}. */
export interface PredictVolumeOptions extends PredictorOptions {
  /** Inlines per batch sent to the networks (bounds the memory of one batch). */
  inlinesPerBatch?: number;
  /** Called after every batch with the inlines done so far. */
  onProgress?: (done: number, total: number) => void;
  /** Polled between batches; when it returns true the prediction stops and nothing is returned. */
  isCancelled?: () => boolean;
  /** Opens the run's networks; defaults to the engine's (loaded only when called, so importing this costs nothing). */
  open?: (run: string, opts: PredictorOptions) => Promise<Predictor>;
}

/** Bytes a volume prediction holds in memory: one class byte and one float32 confidence per voxel. */
export function volumePredictionBytes(shape: VolumeShape): number {
  return shape[0] * shape[1] * shape[2] * 5;
}

/** Refuse a prediction that cannot fit in memory (or in one typed array) before any work, with the size in the message. */
export function checkVolumePredictionSize(shape: VolumeShape, file?: string): void {
  const voxels = shape[0] * shape[1] * shape[2];
  const bytes = volumePredictionBytes(shape);
  // Half the machine's memory: the volume's own section cache and the networks need the rest.
  const limit = totalmem() / 2;
  if (voxels >= 2 ** 32 || bytes > limit) {
    throw new SeisGrowError('too-large',
      `predicting the whole volume (${shape.join(' × ')} = ${voxels.toLocaleString('en')} voxels) needs ${(bytes / 2 ** 30).toFixed(1)} GiB of memory, ` +
      `more than the ${(limit / 2 ** 30).toFixed(1)} GiB this machine can spare; predict sections instead`, file);
  }
}

/** Predict every inline of `volume` with the run in `runDir`; null when cancelled (nothing partial is returned). */
export async function predictVolume(volume: Volume, runDir: string, opts: PredictVolumeOptions = {}): Promise<VolumePrediction | null> {
  const shape = volume.info.shape;
  checkVolumePredictionSize(shape, volume.info.path);
  const [ni, nx, ns] = shape;
  const prediction = new Uint8Array(ni * nx * ns);
  const confidence = new Float32Array(ni * nx * ns);
  const open = opts.open ?? (async (run, o) => (await import('../ml/engine')).openPredictor(run, o));
  const predictor = await open(runDir, { ...(opts.workerScript ? { workerScript: opts.workerScript } : {}), ...(opts.wasmDir ? { wasmDir: opts.wasmDir } : {}), ...(opts.backend ? { backend: opts.backend } : {}) });
  try {
    const batch = Math.max(1, opts.inlinesPerBatch ?? 16);
    for (let start = 0; start < ni; start += batch) {
      if (opts.isCancelled?.()) return null;
      const positions = Array.from({ length: Math.min(batch, ni - start) }, (_, k) => start + k);
      const sections = await Promise.all(positions.map(async (i) => {
        const s = await volume.inline(volume.info.inlines[i]);
        return { name: `inline ${volume.info.inlines[i]}`, seismic: s.data, height: s.rows, width: s.cols };
      }));
      const out = await predictor.predict(sections);
      positions.forEach((i, j) => {
        scatterSection(shape, 'inline', i, out[j].classes, prediction);
        scatterSection(shape, 'inline', i, out[j].confidence, confidence);
      });
      opts.onProgress?.(start + positions.length, ni);
    }
    if (opts.isCancelled?.()) return null;
    return { shape, prediction, confidence };
  } finally {
    await predictor.close();
  }
}
