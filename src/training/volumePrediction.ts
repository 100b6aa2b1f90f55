// The whole-volume prediction of a trained run, shared by `seisgrow predict` / `seisgrow train` on a volume and the
// extension's Predict Volume: every inline (and, when fusing views, every crossline) through one pair of loaded networks,
// assembled in voxel order (inlines, crosslines, samples), the layout of the label sidecar. No vscode import.
import { totalmem } from 'node:os';
import { SeisGrowError } from '../shared/errors';
import type { Volume } from '../io/types';
import type { Predictor, PredictorOptions, SectionPrediction } from '../ml/engine';
import { scatterSection, sectionVoxels, type VolumeShape } from '../io/voxelOrder';
import { argmaxProbabilities } from '../ml/stages';

/** Which vertical sections predict each voxel: its inline alone, or the mean of its inline's and its crossline's class probabilities. */
export type VolumeViews = 'inline' | 'inline+crossline';

/** Every value of {@link VolumeViews}, for validating a flag or a setting. */
export const VOLUME_VIEWS: readonly VolumeViews[] = ['inline', 'inline+crossline'];

/** The views a whole-volume prediction uses unless told otherwise (one constant: the CLI, the setting and the engine share it). */
export const DEFAULT_VOLUME_VIEWS: VolumeViews = 'inline';

/** Whether a value from a flag or a setting is one of {@link VOLUME_VIEWS}. */
export function isVolumeViews(value: unknown): value is VolumeViews {
  return typeof value === 'string' && (VOLUME_VIEWS as readonly string[]).includes(value);
}

/** A volume's predicted classes and the mean probability of each voxel's class, voxel order (inline, crossline, sample). */
export interface VolumePrediction {
  shape: VolumeShape;
  prediction: Uint8Array;
  confidence: Float32Array;
}

/** Options of {@link predictVolume}. */
export interface PredictVolumeOptions extends PredictorOptions {
  /**
   * 'inline' (default {@link DEFAULT_VOLUME_VIEWS}) predicts each inline on its own; 'inline+crossline' also predicts every
   * crossline and gives each voxel the argmax of the mean of both views' probabilities, so the classes agree from one
   * inline to the next. It takes twice the time and K more bytes a voxel (the inline view's probabilities, as uint8).
   */
  views?: VolumeViews;
  /** Sections per batch sent to the networks (inlines, then crosslines; bounds the memory of one batch). */
  inlinesPerBatch?: number;
  /** Called after every batch with the sections done so far, over both passes when fusing views. */
  onProgress?: (done: number, total: number) => void;
  /** Polled between batches; when it returns true the prediction stops and nothing is returned. */
  isCancelled?: () => boolean;
  /** Opens the run's networks; defaults to the engine's (loaded only when called, so importing this costs nothing). */
  open?: (run: string, opts: PredictorOptions) => Promise<Predictor>;
}

/** What the size of a prediction depends on besides the shape: the views, and the class count when fusing them. */
export interface VolumePredictionSizeOptions {
  views?: VolumeViews;
  /** Class count K; fusing views keeps K bytes a voxel between the two passes. */
  classes?: number;
}

/** Bytes a volume prediction holds in memory: a class byte and a float32 confidence per voxel, plus K probability bytes when fusing views. */
export function volumePredictionBytes(shape: VolumeShape, size: VolumePredictionSizeOptions = {}): number {
  const perVoxel = 5 + ((size.views ?? DEFAULT_VOLUME_VIEWS) === 'inline+crossline' ? (size.classes ?? 0) : 0);
  return shape[0] * shape[1] * shape[2] * perVoxel;
}

/** Refuse a prediction that cannot fit in memory (or in one typed array) before any work, with the size in the message. */
export function checkVolumePredictionSize(shape: VolumeShape, file?: string, size: VolumePredictionSizeOptions = {}): void {
  const voxels = shape[0] * shape[1] * shape[2];
  const bytes = volumePredictionBytes(shape, size);
  const fused = (size.views ?? DEFAULT_VOLUME_VIEWS) === 'inline+crossline';
  // Half the machine's memory: the volume's own section cache and the networks need the rest.
  const limit = totalmem() / 2;
  // One typed array holds the fused probabilities, K per voxel: it must stay addressable too.
  if (voxels >= 2 ** 32 || (fused && voxels * (size.classes ?? 0) >= 2 ** 32) || bytes > limit) {
    const need = `predicting the whole volume (${shape.join(' × ')} = ${voxels.toLocaleString('en')} voxels` +
      (fused ? ` with views "inline+crossline", ${size.classes} class probabilities a voxel kept between the passes` : '') + `) needs ${(bytes / 2 ** 30).toFixed(1)} GiB of memory`;
    const instead = fused ? 'predict with views "inline" instead (--views inline, or the setting seisgrow.predictVolume.views)' : 'predict sections instead';
    throw new SeisGrowError('too-large', `${need}, more than the ${(limit / 2 ** 30).toFixed(1)} GiB this machine can spare; ${instead}`, file);
  }
}

/** Predict every inline (and crossline, with views 'inline+crossline') of `volume` with the run in `runDir`; null when cancelled (nothing partial is returned). */
export async function predictVolume(volume: Volume, runDir: string, opts: PredictVolumeOptions = {}): Promise<VolumePrediction | null> {
  const shape = volume.info.shape;
  const views = opts.views ?? DEFAULT_VOLUME_VIEWS;
  if (!isVolumeViews(views)) throw new SeisGrowError('bad-request', `views must be one of ${VOLUME_VIEWS.join(', ')}, got "${String(views)}"`);
  checkVolumePredictionSize(shape, volume.info.path);
  const [ni, nx, ns] = shape;
  const open = opts.open ?? (async (run, o) => (await import('../ml/engine')).openPredictor(run, o));
  const predictor = await open(runDir, { ...(opts.workerScript ? { workerScript: opts.workerScript } : {}), ...(opts.wasmDir ? { wasmDir: opts.wasmDir } : {}), ...(opts.backend ? { backend: opts.backend } : {}) });
  try {
    const batch = Math.max(1, opts.inlinesPerBatch ?? 16);
    const fused = views === 'inline+crossline';
    const total = fused ? ni + nx : ni;
    const K = predictor.classes;
    // The class count is known once the run is open: only now can the fused size be checked.
    if (fused) checkVolumePredictionSize(shape, volume.info.path, { views, classes: K });
    const prediction = new Uint8Array(ni * nx * ns);
    const confidence = new Float32Array(ni * nx * ns);
    // The inline view's probabilities wait here for the crossline pass, quantised to bytes: K a voxel instead of 4 K.
    const inlineProbabilities = fused ? new Uint8Array(ni * nx * ns * K) : undefined;
    let done = 0;
    /** One pass over the sections along `axis`; false when cancelled. */
    const pass = async (axis: 'inline' | 'crossline', lines: readonly number[], use: (position: number, out: SectionPrediction, height: number, width: number) => void): Promise<boolean> => {
      for (let start = 0; start < lines.length; start += batch) {
        if (opts.isCancelled?.()) return false;
        const positions = Array.from({ length: Math.min(batch, lines.length - start) }, (_, k) => start + k);
        const sections = await Promise.all(positions.map(async (p) => {
          const s = await (axis === 'inline' ? volume.inline(lines[p]) : volume.crossline(lines[p]));
          return { name: `${axis} ${lines[p]}`, seismic: s.data, height: s.rows, width: s.cols };
        }));
        const out = await predictor.predict(sections);
        positions.forEach((p, j) => use(p, out[j], sections[j].height, sections[j].width));
        done += positions.length;
        opts.onProgress?.(done, total);
      }
      return true;
    };
    const finished = !fused
      ? await pass('inline', volume.info.inlines, (i, out) => {
        scatterSection(shape, 'inline', i, out.classes, prediction);
        scatterSection(shape, 'inline', i, out.confidence, confidence);
      })
      : await pass('inline', volume.info.inlines, (i, out) => {
        const q = inlineProbabilities!;
        const voxels = sectionVoxels(shape, 'inline', i);
        const p = probabilitiesOf(out, voxels.length, K, `inline ${volume.info.inlines[i]}`);
        for (let px = 0; px < voxels.length; px++) {
          const v = voxels[px] * K;
          for (let k = 0, o = px * K; k < K; k++) q[v + k] = Math.round(Math.min(1, Math.max(0, p[o + k])) * 255);
        }
      }) && await pass('crossline', volume.info.crosslines, (x, out, height, width) => {
        const q = inlineProbabilities!;
        const voxels = sectionVoxels(shape, 'crossline', x);
        const p = probabilitiesOf(out, voxels.length, K, `crossline ${volume.info.crosslines[x]}`);
        const mean = new Float32Array(voxels.length * K);
        for (let px = 0; px < voxels.length; px++) {
          for (let k = 0, v = voxels[px] * K, o = px * K; k < K; k++) mean[o + k] = (q[v + k] / 255 + p[o + k]) / 2;
        }
        // Decoded as the run decodes a section (the depth order of its units, when it has one), else the argmax.
        const decoded = predictor.classify ? predictor.classify(mean, height, width) : argmaxProbabilities(mean, K);
        scatterSection(shape, 'crossline', x, decoded.classes, prediction);
        scatterSection(shape, 'crossline', x, decoded.confidence, confidence);
      });
    if (!finished || opts.isCancelled?.()) return null;
    return { shape, prediction, confidence };
  } finally {
    await predictor.close();
  }
}

/** A section's K probabilities a pixel, checked: fusing cannot proceed on a predictor that does not give them. */
function probabilitiesOf(out: SectionPrediction, pixels: number, classes: number, name: string): Float32Array {
  if (out.probabilities.length !== pixels * classes) {
    throw new SeisGrowError('bad-shape', `${name}: the networks gave ${out.probabilities.length} probabilities for ${pixels} pixels of ${classes} classes; fusing views needs all of them`);
  }
  return out.probabilities;
}
