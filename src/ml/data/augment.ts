// Augmentation that respects geology: left-right flips and small shifts are plausible sections, amplitude gain
// and noise are plausible acquisitions; vertical flips are never applied because depth order carries the
// stratigraphy. Weak/strong pairs share their geometry so the two views stay pixel-aligned for a consistency term.
import { Rng } from '../random';
import { extractPatch } from './patches';

/** Options of the geometric and photometric augmentation. */
export interface AugmentOptions {
  /** Probability of a left-right flip (default 0.5). */
  flipProbability?: number;
  /** Largest lateral shift in pixels (default 8); shifted-in pixels are reflected and unlabelled. */
  maxShiftX?: number;
  /** Largest vertical shift in samples (default 4). */
  maxShiftY?: number;
  /** Amplitude gain is drawn log-uniformly from [1/amplitudeScale, amplitudeScale] (default 1.2). */
  amplitudeScale?: number;
  /** Gaussian noise with standard deviation drawn uniformly from [0, noiseStd] per patch (default 0.03, inputs in ~[-1,1]). */
  noiseStd?: number;
}

/** Extra options of the strong view of a weak/strong pair. */
export interface StrongAugmentOptions extends AugmentOptions {
  /** Amplitude gain range of the strong view (default 1.5). */
  strongAmplitudeScale?: number;
  /** Noise standard deviation bound of the strong view (default 0.15). */
  strongNoiseStd?: number;
  /** Side of the cut-out square as a fraction of the patch's shorter side (default 0.3; 0 = none). */
  cutout?: number;
}

/** The geometric part of an augmentation, drawn once per patch. */
interface Geometry {
  flip: boolean;
  dy: number;
  dx: number;
}

function drawGeometry(rng: Rng, o: AugmentOptions): Geometry {
  const flip = rng.next() < (o.flipProbability ?? 0.5);
  const sy = Math.max(0, Math.floor(o.maxShiftY ?? 4));
  const sx = Math.max(0, Math.floor(o.maxShiftX ?? 8));
  return { flip, dy: rng.int(2 * sy + 1) - sy, dx: rng.int(2 * sx + 1) - sx };
}

/** out[y][x] = in[y−dy][x−dx] (then mirrored left-right when flip), reflecting the input and unlabelling outside. */
function applyGeometry(g: Geometry, input: Float32Array, labels: Uint8Array | null, h: number, w: number, offset: number, outIn: Float32Array, outLab: Uint8Array | null): void {
  const plane = { data: input.subarray(offset, offset + h * w), rows: h, cols: w };
  const lab = labels ? labels.subarray(offset, offset + h * w) : null;
  extractPatch(plane, lab, -g.dy, -g.dx, h, w, outIn, outLab, offset);
  if (!g.flip) return;
  for (let y = 0; y < h; y++) {
    const row = offset + y * w;
    outIn.subarray(row, row + w).reverse();
    if (outLab) outLab.subarray(row, row + w).reverse();
  }
}

/** Multiply by a log-uniform gain and add Gaussian noise of a random strength, in place over one patch. */
function photometric(rng: Rng, data: Float32Array, offset: number, size: number, scale: number, noiseStd: number): void {
  const gain = scale > 1 ? Math.exp(rng.uniform(-Math.log(scale), Math.log(scale))) : 1;
  const sigma = noiseStd > 0 ? rng.uniform(0, noiseStd) : 0;
  for (let i = offset; i < offset + size; i++) data[i] = data[i] * gain + (sigma > 0 ? sigma * rng.normal() : 0);
}

/** Zero a random square (the amplitude mean after scaling), a strong perturbation the network must see through. */
function cutout(rng: Rng, data: Float32Array, offset: number, h: number, w: number, fraction: number): void {
  const side = Math.floor(Math.min(h, w) * fraction);
  if (side < 1) return;
  const y0 = rng.int(h - side + 1);
  const x0 = rng.int(w - side + 1);
  for (let y = y0; y < y0 + side; y++) data.fill(0, offset + y * w + x0, offset + y * w + x0 + side);
}

/** Augment a batch (n×h×w inputs, labels alike or null): flip, shift, gain, noise; returns new arrays. */
export function augmentBatch(inputs: Float32Array, labels: Uint8Array | null, n: number, h: number, w: number, rng: Rng, opts: AugmentOptions = {}): { inputs: Float32Array; labels: Uint8Array | null } {
  const size = h * w;
  if (inputs.length !== n * size) throw new RangeError(`augmentBatch: ${inputs.length} inputs for ${n}×${h}×${w}`);
  if (labels && labels.length !== n * size) throw new RangeError(`augmentBatch: ${labels.length} labels for ${n}×${h}×${w}`);
  const outIn = new Float32Array(n * size);
  const outLab = labels ? new Uint8Array(n * size) : null;
  for (let k = 0; k < n; k++) {
    applyGeometry(drawGeometry(rng, opts), inputs, labels, h, w, k * size, outIn, outLab);
    photometric(rng, outIn, k * size, size, opts.amplitudeScale ?? 1.2, opts.noiseStd ?? 0.03);
  }
  return { inputs: outIn, labels: outLab };
}

/**
 * A weak and a strong view of each patch with the SAME geometry (flip, shift), so predictions on the weak view
 * supervise the strong view pixel for pixel (UDA / FixMatch style). The strong view adds more gain, noise and a cut-out.
 */
export function weakStrongPair(inputs: Float32Array, labels: Uint8Array | null, n: number, h: number, w: number, rng: Rng, opts: StrongAugmentOptions = {}): { weak: Float32Array; strong: Float32Array; labels: Uint8Array | null } {
  const size = h * w;
  if (inputs.length !== n * size) throw new RangeError(`weakStrongPair: ${inputs.length} inputs for ${n}×${h}×${w}`);
  if (labels && labels.length !== n * size) throw new RangeError(`weakStrongPair: ${labels.length} labels for ${n}×${h}×${w}`);
  const weak = new Float32Array(n * size);
  const outLab = labels ? new Uint8Array(n * size) : null;
  for (let k = 0; k < n; k++) applyGeometry(drawGeometry(rng, opts), inputs, labels, h, w, k * size, weak, outLab);
  const strong = Float32Array.from(weak);
  for (let k = 0; k < n; k++) {
    photometric(rng, weak, k * size, size, opts.amplitudeScale ?? 1.2, opts.noiseStd ?? 0.03);
    photometric(rng, strong, k * size, size, opts.strongAmplitudeScale ?? 1.5, opts.strongNoiseStd ?? 0.15);
    cutout(rng, strong, k * size, h, w, opts.cutout ?? 0.3);
  }
  return { weak, strong, labels: outLab };
}
