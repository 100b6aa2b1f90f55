// Overlap-tiled inference for sections larger than a training patch. A network's output degrades near a tile's
// border (it sees padding there), so tiles overlap and are blended with a window that fades each tile out over
// the overlap: the result has no seams, and a pixel-wise function comes out exactly as from one big call.
import { extractPatch, Plane } from './patches';

/** Predict class probabilities for a batch: input n×h×w (one channel), output n×h×w×C, pixel-major. */
export type PredictBatch = (batch: Float32Array, n: number, h: number, w: number) => Promise<Float32Array>;

/** Options of `tiledPredict`. */
export interface TiledPredictOptions {
  /** Tiles per predictBatch call (default 8). */
  batchSize?: number;
}

/** Result of `tiledPredict`: probabilities rows×cols×classes, pixel-major (the layout `growLabels` takes). */
export interface TiledPrediction {
  probs: Float32Array;
  classes: number;
  /** Number of tiles predicted. */
  tiles: number;
}

/** Tile start offsets along one axis: stride patch−overlap, the last tile flush with the end; [0] when it fits in one. */
export function tileStarts(length: number, patch: number, overlap: number): number[] {
  if (length <= patch) return [0];
  const stride = patch - overlap;
  const starts: number[] = [];
  for (let s = 0; s + patch < length; s += stride) starts.push(s);
  starts.push(length - patch);
  return starts;
}

/**
 * 1D blending weights of a tile of size `patch` at `start` in an axis of `length`: a linear ramp from
 * 1/(overlap+1) up to 1 over `overlap` pixels at each side that has a neighbouring tile, flat at image borders.
 */
export function blendWindow(patch: number, overlap: number, start: number, length: number): Float32Array {
  const w = new Float32Array(patch).fill(1);
  if (overlap <= 0) return w;
  const rampLeft = start > 0;
  const rampRight = start + patch < length;
  for (let i = 0; i < patch; i++) {
    let v = 1;
    if (rampLeft) v = Math.min(v, (i + 1) / (overlap + 1));
    if (rampRight) v = Math.min(v, (patch - i) / (overlap + 1));
    w[i] = v;
  }
  return w;
}

/**
 * Predict a whole section by overlapping patch×patch tiles (reflection-padded where the section is smaller than
 * a tile), blending overlaps with `blendWindow` weights. `patch` is a size or {height, width}; `overlap` < patch.
 */
export async function tiledPredict(
  section: Plane,
  patch: number | { height: number; width: number },
  overlap: number,
  predictBatch: PredictBatch,
  opts: TiledPredictOptions = {},
): Promise<TiledPrediction> {
  const { rows, cols } = section;
  const ph = typeof patch === 'number' ? patch : patch.height;
  const pw = typeof patch === 'number' ? patch : patch.width;
  if (section.data.length !== rows * cols) throw new RangeError(`tiledPredict: section data holds ${section.data.length} values, expected ${rows}×${cols}`);
  if (!(Number.isInteger(ph) && Number.isInteger(pw) && ph >= 1 && pw >= 1)) throw new RangeError(`tiledPredict: bad patch size ${ph}×${pw}`);
  if (!(Number.isInteger(overlap) && overlap >= 0 && overlap < Math.min(ph, pw))) throw new RangeError(`tiledPredict: overlap ${overlap} must be an integer in 0..${Math.min(ph, pw) - 1}`);
  const batchSize = Math.max(1, opts.batchSize ?? 8);
  const ys = tileStarts(rows, ph, overlap);
  const xs = tileStarts(cols, pw, overlap);
  const tiles: { y: number; x: number }[] = [];
  for (const y of ys) for (const x of xs) tiles.push({ y, x });
  const winY = new Map(ys.map((y) => [y, blendWindow(ph, overlap, y, rows)]));
  const winX = new Map(xs.map((x) => [x, blendWindow(pw, overlap, x, cols)]));

  let classes = 0;
  let probs = new Float32Array(0);
  const weights = new Float32Array(rows * cols);
  const tileSize = ph * pw;
  for (let b = 0; b < tiles.length; b += batchSize) {
    const group = tiles.slice(b, b + batchSize);
    const batch = new Float32Array(group.length * tileSize);
    group.forEach((t, k) => extractPatch(section, null, t.y, t.x, ph, pw, batch, null, k * tileSize));
    const out = await predictBatch(batch, group.length, ph, pw);
    const c = out.length / (group.length * tileSize);
    if (!Number.isInteger(c) || c < 1) throw new RangeError(`tiledPredict: predictBatch returned ${out.length} values for ${group.length}×${ph}×${pw} pixels`);
    if (classes === 0) {
      classes = c;
      probs = new Float32Array(rows * cols * classes);
    } else if (c !== classes) {
      throw new RangeError(`tiledPredict: predictBatch returned ${c} classes, earlier ${classes}`);
    }
    group.forEach((t, k) => {
      const wy = winY.get(t.y)!;
      const wx = winX.get(t.x)!;
      const yEnd = Math.min(ph, rows - t.y);
      const xEnd = Math.min(pw, cols - t.x);
      for (let ty = 0; ty < yEnd; ty++) {
        const rowOut = (t.y + ty) * cols + t.x;
        const rowIn = k * tileSize + ty * pw;
        for (let tx = 0; tx < xEnd; tx++) {
          const w = wy[ty] * wx[tx];
          const dst = rowOut + tx;
          weights[dst] += w;
          const so = (rowIn + tx) * classes;
          const dOff = dst * classes;
          for (let ci = 0; ci < classes; ci++) probs[dOff + ci] += w * out[so + ci];
        }
      }
    });
  }
  for (let i = 0; i < rows * cols; i++) {
    const inv = 1 / weights[i];
    const o = i * classes;
    for (let ci = 0; ci < classes; ci++) probs[o + ci] *= inv;
  }
  return { probs, classes, tiles: tiles.length };
}

/** Argmax class per pixel of pixel-major probabilities (first class wins ties). */
export function argmaxClasses(probs: Float32Array, classes: number): Uint8Array {
  const n = probs.length / classes;
  const out = new Uint8Array(n);
  for (let i = 0, o = 0; i < n; i++, o += classes) {
    let best = 0;
    let bestP = probs[o];
    for (let c = 1; c < classes; c++) if (probs[o + c] > bestP) { bestP = probs[o + c]; best = c; }
    out[i] = best;
  }
  return out;
}
