// The strong view of a weak/strong consistency pair (FixMatch / UDA style). The sampler's batch, with its mild flips,
// gain and noise, is the weak view; the strong view perturbs it much more in ways that respect geology: left-right
// flips and small shifts (plausible sections), strong amplitude gain and noise (plausible acquisitions), a cut-out
// square the network must see through. Never a vertical flip: depth order carries the stratigraphy. Where pixels move,
// `moveMap` moves the weak view's pseudo-label map exactly the same way, so the two stay pixel-aligned.
import type { Rng } from '../random';
import { reflectIndex } from './patches';

/** Options of the strong view (inputs are normalised: about ±1, clipped at ±3). */
export interface StrongViewOptions {
  /** Probability of a left-right flip (default 0.5). */
  flipProbability?: number;
  /** Largest lateral shift in pixels (default 8, at most an eighth of the width); shifted-in pixels are reflected and carry no pseudo label. */
  maxShiftX?: number;
  /** Largest vertical shift in samples (default 4, at most a sixteenth of the height). */
  maxShiftY?: number;
  /** Amplitude gain drawn log-uniformly from [1/amplitudeScale, amplitudeScale] (default 1.5). */
  amplitudeScale?: number;
  /** Gaussian noise whose standard deviation is drawn uniformly from [0, noiseStd] per patch (default 0.15). */
  noiseStd?: number;
  /** Side of the zeroed square as a fraction of the patch's shorter side (default 0.3; 0 = none). */
  cutout?: number;
}

/** How one patch of the strong view was moved: out[y][x'] = in[y − dy][x − dx], with x' = w−1−x when flipped. */
export interface ViewGeometry {
  flip: boolean;
  dy: number;
  dx: number;
}

/** Geometry of a batch as n × (flip 0/1, dy, dx), the form that crosses to a training worker. */
export function packGeometry(geometry: readonly ViewGeometry[]): Int32Array {
  const out = new Int32Array(geometry.length * 3);
  geometry.forEach((g, k) => { out[3 * k] = g.flip ? 1 : 0; out[3 * k + 1] = g.dy; out[3 * k + 2] = g.dx; });
  return out;
}

/** The inverse of `packGeometry`. */
export function unpackGeometry(packed: Int32Array): ViewGeometry[] {
  const out: ViewGeometry[] = [];
  for (let k = 0; k + 2 < packed.length; k += 3) out.push({ flip: packed[k] !== 0, dy: packed[k + 1], dx: packed[k + 2] });
  return out;
}

/**
 * Source pixel of output (y, x) of an h×w patch moved by `g`: the row and column in the input, and whether it lies
 * inside the patch (outside, inputs are reflected and maps are filled).
 */
function sourceOf(g: ViewGeometry, y: number, x: number, h: number, w: number): { sy: number; sx: number; inside: boolean } {
  const ux = g.flip ? w - 1 - x : x;
  const sy = y - g.dy;
  const sx = ux - g.dx;
  return { sy, sx, inside: sy >= 0 && sy < h && sx >= 0 && sx < w };
}

/**
 * A strong view of an NHWC batch (n·h·w·channels). Channel 0 is the amplitude and gets every perturbation; further
 * channels (the relative depth) move with their pixels but are never scaled, noised or cut out. Deterministic given
 * the Rng; returns the view and each patch's geometry for `moveMap`.
 */
export function strongView(
  x: Float32Array, n: number, h: number, w: number, channels: number, rng: Rng, opts: StrongViewOptions = {},
): { x: Float32Array; geometry: ViewGeometry[] } {
  if (x.length !== n * h * w * channels) throw new RangeError(`strongView: ${x.length} inputs for ${n}×${h}×${w}×${channels}`);
  const flipP = opts.flipProbability ?? 0.5;
  // "Small" is relative to the patch: a fixed 8 pixels would move half of a 16-pixel patch out of view.
  const shiftX = Math.max(0, Math.floor(opts.maxShiftX ?? Math.min(8, w / 8)));
  const shiftY = Math.max(0, Math.floor(opts.maxShiftY ?? Math.min(4, h / 16)));
  const scale = opts.amplitudeScale ?? 1.5;
  const noiseStd = opts.noiseStd ?? 0.15;
  const cut = opts.cutout ?? 0.3;
  const out = new Float32Array(x.length);
  const geometry: ViewGeometry[] = [];
  const size = h * w;
  for (let k = 0; k < n; k++) {
    const g: ViewGeometry = { flip: rng.next() < flipP, dy: rng.int(2 * shiftY + 1) - shiftY, dx: rng.int(2 * shiftX + 1) - shiftX };
    geometry.push(g);
    const gain = scale > 1 ? Math.exp(rng.uniform(-Math.log(scale), Math.log(scale))) : 1;
    const sigma = noiseStd > 0 ? rng.uniform(0, noiseStd) : 0;
    const side = Math.floor(Math.min(h, w) * cut);
    const cy = side >= 1 ? rng.int(h - side + 1) : 0;
    const cx = side >= 1 ? rng.int(w - side + 1) : 0;
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        const s = sourceOf(g, y, xx, h, w);
        const si = (k * size + reflectIndex(s.sy, h) * w + reflectIndex(s.sx, w)) * channels;
        const di = (k * size + y * w + xx) * channels;
        const cutHere = side >= 1 && y >= cy && y < cy + side && xx >= cx && xx < cx + side;
        // The noise is drawn for every pixel, cut or not, so the cut-out's place does not shift the random stream.
        const noise = sigma > 0 ? sigma * rng.normal() : 0;
        out[di] = cutHere ? 0 : x[si] * gain + noise;
        for (let c = 1; c < channels; c++) out[di + c] = x[si + c];
      }
    }
  }
  return { x: out, geometry };
}

/** Move a per-pixel map (n·h·w: pseudo labels, confidences) by each patch's geometry; pixels from outside get `fill`. */
export function moveMap<T extends Uint8Array | Int32Array | Float32Array>(map: T, n: number, h: number, w: number, geometry: readonly ViewGeometry[], fill: number): T {
  if (map.length !== n * h * w) throw new RangeError(`moveMap: ${map.length} values for ${n}×${h}×${w}`);
  if (geometry.length !== n) throw new RangeError(`moveMap: ${geometry.length} geometries for ${n} patches`);
  const out = new (map.constructor as new (length: number) => T)(map.length);
  const size = h * w;
  for (let k = 0; k < n; k++) {
    const g = geometry[k];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const s = sourceOf(g, y, x, h, w);
        out[k * size + y * w + x] = s.inside ? map[k * size + s.sy * w + s.sx] : fill;
      }
    }
  }
  return out;
}
