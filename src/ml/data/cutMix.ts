// CutMix for cross pseudo supervision (French et al. 2020; used so by Chen et al., CPS, CVPR 2021): each network
// predicts its partner's pseudo labels on the batch as drawn, then trains on a mixed batch in which a box of each
// chosen patch is pasted from another patch, with the labels, pseudo labels and grown-label mask moved the same way.
// Without such a perturbation the pseudo term asks a network to predict on an input what its partner predicted on
// the very same input, which teaches little. The mix is a gather map (for each pixel of the mixed batch, the pixel of
// the drawn batch it comes from), so every per-pixel map follows it exactly. Boxes keep their place in the patch, so a
// pasted box keeps its depth (and its relative-depth channel) as it was. On F3 it loses (experiments/RESULTS.md, run 10):
// a box breaks the layers at its edges, and their lateral continuity is what stage 2 carries to unlabelled lines.
import type { Rng } from '../random';

/** Share of a patch a pasted box covers, drawn uniformly from this range (the CPS paper's range). */
export const CUTMIX_AREA: readonly [number, number] = [0.25, 0.5];

/**
 * The gather map of a CutMix batch of n patches of h×w: with probability `probability`, patch k gets one box (area
 * drawn from CUTMIX_AREA, aspect ratio log-uniform in [1/2, 2]) from another patch of the batch at the same place.
 * Deterministic given the Rng; the identity map where no patch was mixed (always for n < 2).
 */
export function cutMixSources(n: number, h: number, w: number, probability: number, rng: Rng): Int32Array {
  const size = h * w;
  const sources = new Int32Array(n * size);
  for (let i = 0; i < sources.length; i++) sources[i] = i;
  if (n < 2 || probability <= 0) return sources;
  for (let k = 0; k < n; k++) {
    // Every draw is taken for every patch, so a patch left unmixed does not shift the stream of the next one.
    const mixed = rng.next() < probability;
    const other = (k + 1 + rng.int(n - 1)) % n;
    const area = rng.uniform(CUTMIX_AREA[0], CUTMIX_AREA[1]);
    const aspect = Math.exp(rng.uniform(-Math.log(2), Math.log(2)));
    const bh = Math.max(1, Math.min(h, Math.round(Math.sqrt(area * size * aspect))));
    const bw = Math.max(1, Math.min(w, Math.round(Math.sqrt(area * size / aspect))));
    const y0 = rng.int(h - bh + 1);
    const x0 = rng.int(w - bw + 1);
    if (!mixed) continue;
    for (let y = y0; y < y0 + bh; y++) {
      for (let x = x0; x < x0 + bw; x++) sources[k * size + y * w + x] = other * size + y * w + x;
    }
  }
  return sources;
}

/** A per-pixel map (`channels` values a pixel) gathered through `sources`: out pixel p is the map's pixel sources[p]. */
export function gatherPixels<T extends Uint8Array | Int32Array | Float32Array>(map: T, sources: Int32Array, channels = 1): T {
  if (map.length !== sources.length * channels) throw new RangeError(`gatherPixels: ${map.length} values for ${sources.length} pixels of ${channels} channel(s)`);
  const out = new (map.constructor as new (length: number) => T)(map.length);
  for (let p = 0; p < sources.length; p++) {
    const s = sources[p];
    if (!(s >= 0 && s < sources.length)) throw new RangeError(`gatherPixels: source ${s} of pixel ${p} is outside the batch`);
    if (channels === 1) out[p] = map[s];
    else for (let c = 0; c < channels; c++) out[p * channels + c] = map[s * channels + c];
  }
  return out;
}
