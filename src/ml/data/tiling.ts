// Overlap-tiled inference for sections larger than a training patch. A network's output degrades near a tile's
// border (it sees no context beyond it), so tiles overlap and are blended with weights that ramp linearly over the
// overlap: the result has no seams, and a pixel-wise function comes out exactly as from one big call.
import { SeisGrowError } from '../../shared/errors';

/** Predict class probabilities for an NHWC batch of tiles: n·h·w·classes values, pixel-major. */
export type PredictBatch = (batch: Float32Array, n: number, h: number, w: number) => Promise<Float32Array>;

/** Start offsets of tiles of size `tile` covering `length` with at least `overlap` pixels shared between neighbours; the last tile ends flush. */
export function tileStarts(length: number, tile: number, overlap: number): number[] {
  if (length <= tile) return [0];
  const stride = Math.max(1, tile - overlap);
  const starts: number[] = [];
  for (let s = 0; s + tile < length; s += stride) starts.push(s);
  starts.push(length - tile);
  return starts;
}

/** Blending weight along one axis of a tile: a linear ramp over the overlap, never zero, so every pixel is covered. */
function ramp(size: number, overlap: number): Float32Array {
  const w = new Float32Array(size);
  for (let i = 0; i < size; i++) w[i] = Math.min(1, (i + 1) / (overlap + 1), (size - i) / (overlap + 1));
  return w;
}

/**
 * Overlap-tiled inference of a whole section (height·width·channels, pixel-major): tiles of `patch` pixels (the
 * section's own size along an axis that is smaller), `batchSize` tiles per call, blended with linear-ramp weights
 * over the overlaps so tile borders leave no seams. Returns height·width·classes probabilities, pixel-major.
 */
export async function tiledProbabilities(
  data: Float32Array, height: number, width: number, channels: number, classes: number, patch: number, overlap: number, batchSize: number,
  predictBatch: PredictBatch,
): Promise<Float32Array> {
  if (data.length !== height * width * channels) throw new SeisGrowError('bad-shape', `tiled inference: section of ${height}×${width}×${channels} holds ${data.length} values`);
  if (!(Number.isInteger(patch) && patch >= 1)) throw new SeisGrowError('bad-request', `tiled inference: tile size must be a positive integer, got ${patch}`);
  if (!(Number.isInteger(overlap) && overlap >= 0)) throw new SeisGrowError('bad-request', `tiled inference: overlap must be an integer ≥ 0, got ${overlap}`);
  const th = Math.min(patch, height);
  const tw = Math.min(patch, width);
  const ys = tileStarts(height, th, overlap);
  const xs = tileStarts(width, tw, overlap);
  const wy = ramp(th, ys.length > 1 ? overlap : 0);
  const wx = ramp(tw, xs.length > 1 ? overlap : 0);
  const acc = new Float32Array(height * width * classes);
  const norm = new Float32Array(height * width);
  const tiles = ys.flatMap((y) => xs.map((x) => [y, x] as const));
  const step = Math.max(1, batchSize);
  for (let t0 = 0; t0 < tiles.length; t0 += step) {
    const group = tiles.slice(t0, t0 + step);
    const batch = new Float32Array(group.length * th * tw * channels);
    group.forEach(([y0, x0], k) => {
      for (let y = 0; y < th; y++) {
        const src = ((y0 + y) * width + x0) * channels;
        batch.set(data.subarray(src, src + tw * channels), ((k * th + y) * tw) * channels);
      }
    });
    const probs = await predictBatch(batch, group.length, th, tw);
    if (probs.length !== group.length * th * tw * classes) {
      throw new SeisGrowError('protocol', `tiled inference: the network returned ${probs.length} values for ${group.length} tiles of ${th}×${tw} pixels × ${classes} classes`);
    }
    group.forEach(([y0, x0], k) => {
      for (let y = 0; y < th; y++) {
        for (let x = 0; x < tw; x++) {
          const weight = wy[y] * wx[x];
          const p = (y0 + y) * width + x0 + x;
          norm[p] += weight;
          const src = ((k * th + y) * tw + x) * classes;
          const dst = p * classes;
          for (let c = 0; c < classes; c++) acc[dst + c] += weight * probs[src + c];
        }
      }
    });
  }
  for (let p = 0; p < norm.length; p++) {
    const inv = 1 / norm[p];
    for (let c = 0; c < classes; c++) acc[p * classes + c] *= inv;
  }
  return acc;
}
