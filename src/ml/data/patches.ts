// Training batches from normalised sections. Labels are sparse (a few vertical traces cover ~1 % of a section), so
// most patches are placed around a labelled pixel and the rest anywhere (they feed the pseudo and reconstruction
// terms); sections smaller than a patch are reflect-padded, and a pad never pretends to be labelled.
import type { FrozenConfig } from '../config';
import type { Rng } from '../random';

/** Mirror an index into 0..n-1 without repeating the edge (…2 1 0 1 2…, numpy's 'reflect' padding); any offset, any n ≥ 1. */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let m = ((i % period) + period) % period;
  if (m >= n) m = period - m;
  return m;
}

/** A training batch, NHWC (amplitude, plus the relative depth when the network takes it), and its labels (255 = unlabelled). */
export interface Batch {
  x: Float32Array;
  labels: Uint8Array;
  /** 1 where a label was grown rather than a seed (only after `setLabels` was given the seeds). */
  grown?: Uint8Array;
  n: number;
  h: number;
  w: number;
}

/**
 * Draws training batches from normalised sections: a share of the patches around labelled pixels (sparse trace labels
 * cover ~1 % of a section, so uniform patches would mostly carry no label), the rest uniformly (they feed the pseudo
 * and reconstruction terms). Sections smaller than the patch are reflect-padded, with labels 255 in the padding.
 * Augmentations that respect geology: horizontal flips (never vertical: depth order is the signal), amplitude
 * scaling, additive noise, small vertical shifts, lateral stretches (wider or narrower structures, other dips), and
 * an offset of the depth channel (units deeper or shallower than where they were labelled).
 */
export class BatchSampler {
  private labelled: Int32Array[] = [];
  private labelledTotal = 0;
  /** Per class with labels: global pixel indices (section offset + pixel) of its labelled pixels. */
  private byClass: Int32Array[] = [];
  private readonly offsets: number[] = [];
  private readonly pixelsTotal: number;

  constructor(
    private readonly inputs: Float32Array[],
    private readonly shapes: readonly (readonly [number, number])[],
    labels: Uint8Array[],
    private readonly config: FrozenConfig,
    private readonly patch: number,
    private readonly rng: Rng,
  ) {
    let offset = 0;
    for (const [h, w] of shapes) { this.offsets.push(offset); offset += h * w; }
    this.pixelsTotal = offset;
    this.setLabels(labels);
  }

  /**
   * Replace the training labels (after growing); labelled patches are centred on the labelled pixels of `centres`
   * (default: the labels themselves; in stage 3 optionally the user's seeds, so growth adds supervision inside the
   * patches without moving where they are drawn). With `seeds`, batches also mark which of their labels were grown.
   */
  setLabels(labels: Uint8Array[], centres: Uint8Array[] = labels, seeds: Uint8Array[] | null = null): void {
    const matches = (other: Uint8Array[]): boolean => other.length === labels.length && other.every((c, i) => c.length === labels[i].length);
    if (!matches(centres)) throw new RangeError('BatchSampler.setLabels: centres must match the labels section by section');
    if (seeds && !matches(seeds)) throw new RangeError('BatchSampler.setLabels: seeds must match the labels section by section');
    this.labels = labels;
    this.seeds = seeds;
    this.labelled = centres.map((l) => {
      let n = 0;
      for (const v of l) if (v !== 255) n++;
      const idx = new Int32Array(n);
      let k = 0;
      for (let i = 0; i < l.length; i++) if (l[i] !== 255) idx[k++] = i;
      return idx;
    });
    this.labelledTotal = this.labelled.reduce((a, b) => a + b.length, 0);
    if (this.config.labelSampling === 'class-balanced') this.byClass = classIndex(centres, this.offsets);
  }

  /** A labelled pixel as [section, pixel]: per the config, a class uniformly then one of its pixels, or any labelled pixel. */
  private labelledPixel(): [number, number] {
    if (this.config.labelSampling === 'class-balanced') {
      const list = this.byClass[this.rng.int(this.byClass.length)];
      const g = list[this.rng.int(list.length)];
      // The last section starting at or before g (binary search: a pool may hold thousands of sections).
      let lo = 0;
      let hi = this.offsets.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (this.offsets[mid] <= g) lo = mid; else hi = mid - 1;
      }
      return [lo, g - this.offsets[lo]];
    }
    let r = this.rng.int(this.labelledTotal);
    let section = 0;
    while (r >= this.labelled[section].length) { r -= this.labelled[section].length; section++; }
    return [section, this.labelled[section][r]];
  }

  private labels: Uint8Array[] = [];
  private seeds: Uint8Array[] | null = null;

  /** Patch height and width: the configured size, shrunk to the largest section so tiny inputs are not mostly padding. */
  get patchSize(): [number, number] {
    const maxH = Math.max(...this.shapes.map((s) => s[0]));
    const maxW = Math.max(...this.shapes.map((s) => s[1]));
    return [Math.min(this.patch, maxH), Math.min(this.patch, maxW)];
  }

  /** The next batch; `labelledShare` of its patches are centred near a labelled pixel. */
  next(labelledShare: number): Batch {
    const n = this.config.batchSize;
    const [h, w] = this.patchSize;
    // Channel 0 is the amplitude; a second channel (relative depth) is never scaled or noised, only offset by depthJitter.
    const channels = this.inputs[0].length / (this.shapes[0][0] * this.shapes[0][1]);
    const x = new Float32Array(n * h * w * channels);
    const labels = new Uint8Array(n * h * w).fill(255);
    const grown = this.seeds ? new Uint8Array(n * h * w) : null;
    for (let b = 0; b < n; b++) {
      let section: number;
      let top: number;
      let left: number;
      // The labelled pixel's column in the patch, about which a lateral stretch spreads the columns, so it stays in view.
      let anchor = (w - 1) / 2;
      const aroundLabel = this.labelledTotal > 0 && (b < Math.round(labelledShare * n));
      if (aroundLabel) {
        // A labelled pixel (see labelSampling), placed at a random position inside the patch.
        const [s, p] = this.labelledPixel();
        section = s;
        const sw = this.shapes[section][1];
        const py = Math.floor(p / sw);
        const px = p % sw;
        top = py - this.rng.int(h);
        left = px - this.rng.int(w);
        anchor = px;
      } else {
        let r = this.rng.int(this.pixelsTotal);
        section = 0;
        while (r >= this.shapes[section][0] * this.shapes[section][1]) { r -= this.shapes[section][0] * this.shapes[section][1]; section++; }
        const [sh, sw] = this.shapes[section];
        top = this.rng.int(Math.max(1, sh - h + 1));
        left = this.rng.int(Math.max(1, sw - w + 1));
      }
      const [sh, sw] = this.shapes[section];
      // Keep the patch inside the section where it fits; smaller sections are reflect-padded.
      top = sh >= h ? Math.min(Math.max(0, top), sh - h) : -Math.floor((h - sh) / 2);
      left = sw >= w ? Math.min(Math.max(0, left), sw - w) : -Math.floor((w - sw) / 2);
      if (aroundLabel) anchor -= left;
      if (this.config.augment.shift > 0 && sh > h) {
        top = Math.min(Math.max(0, top + this.rng.int(2 * this.config.augment.shift + 1) - this.config.augment.shift), sh - h);
      }
      const flip = this.config.augment.flip && this.rng.bool(0.5);
      const scale = 1 + this.config.augment.amplitudeScale * (2 * this.rng.next() - 1);
      // Drawn only when on, so runs without it keep their random stream (and their results) exactly.
      const ls = this.config.augment.lateralStretch;
      const stretch = ls > 0 ? Math.exp(Math.log1p(ls) * (2 * this.rng.next() - 1)) : 1;
      const columns = lateralColumns(left, anchor, w, sw, stretch);
      const dj = this.config.augment.depthJitter;
      const depthShift = dj > 0 && channels > 1 ? this.rng.uniform(-dj, dj) : 0;
      const noise = this.config.augment.noise;
      const src = this.inputs[section];
      const lab = this.labels[section];
      const seed = this.seeds?.[section];
      const o = b * h * w;
      for (let y = 0; y < h; y++) {
        const sy = reflectIndex(top + y, sh);
        const inside = top + y >= 0 && top + y < sh;
        for (let xx = 0; xx < w; xx++) {
          const dx = flip ? w - 1 - xx : xx;
          const sx = columns.from[xx];
          const t = columns.t[xx];
          const si = (sy * sw + sx) * channels;
          const si1 = (sy * sw + columns.to[xx]) * channels;
          const di = (o + y * w + dx) * channels;
          const a = t === 0 ? src[si] : src[si] + t * (src[si1] - src[si]);
          x[di] = a * scale + (noise > 0 ? noise * this.rng.normal() : 0);
          for (let c = 1; c < channels; c++) x[di + c] = (t === 0 ? src[si + c] : src[si + c] + t * (src[si1 + c] - src[si + c])) + depthShift;
          const lx = columns.label[xx];
          if (inside && lx >= 0) {
            const v = lab[sy * sw + lx];
            labels[o + y * w + dx] = v;
            if (grown && seed && v !== 255 && seed[sy * sw + lx] === 255) grown[o + y * w + dx] = 1;
          }
        }
      }
    }
    return grown ? { x, labels, grown, n, h, w } : { x, labels, n, h, w };
  }
}

/**
 * Source columns of a patch's w output columns, its first at section column `left`, stretched laterally by `stretch`
 * about output column `anchor` (stretch 1: exactly left + x). Amplitudes interpolate linearly between `from` and `to`
 * (reflected into the section) with weight `t`; labels take the nearest source column, −1 where it lies outside.
 */
export function lateralColumns(left: number, anchor: number, w: number, sw: number, stretch: number): { from: Int32Array; to: Int32Array; t: Float32Array; label: Int32Array } {
  const from = new Int32Array(w);
  const to = new Int32Array(w);
  const t = new Float32Array(w);
  const label = new Int32Array(w);
  for (let x = 0; x < w; x++) {
    // Output column x shows section column fx; a factor above 1 widens what is seen (structures look narrower).
    const fx = stretch === 1 ? left + x : left + anchor + (x - anchor) * stretch;
    const x0 = Math.floor(fx);
    t[x] = fx - x0;
    from[x] = reflectIndex(x0, sw);
    to[x] = reflectIndex(x0 + 1, sw);
    const lx = t[x] < 0.5 ? x0 : x0 + 1;
    label[x] = lx >= 0 && lx < sw ? lx : -1;
  }
  return { from, to, t, label };
}

/** Global indices (section offset + pixel) of the labelled pixels of each class that has any, classes ascending. */
export function classIndex(labels: readonly Uint8Array[], offsets: readonly number[]): Int32Array[] {
  const counts = new Array<number>(256).fill(0);
  for (const l of labels) for (let i = 0; i < l.length; i++) if (l[i] !== 255) counts[l[i]]++;
  const lists: (Int32Array | null)[] = counts.map((n) => (n > 0 ? new Int32Array(n) : null));
  const fill = new Array<number>(256).fill(0);
  labels.forEach((l, s) => {
    const o = offsets[s];
    for (let i = 0; i < l.length; i++) {
      const v = l[i];
      if (v !== 255) (lists[v] as Int32Array)[fill[v]++] = o + i;
    }
  });
  return lists.filter((x): x is Int32Array => x !== null);
}
