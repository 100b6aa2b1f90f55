// Stage 3 label updates: seeded region growing (after DSRG). Unlabelled pixels near existing labels take the
// network's predicted class where it is confident (and, with two networks, where they agree). Implemented as a
// breadth-first flood from the label frontier: each labelled pixel's neighbourhood is visited once (wide windows
// row by row through "next free pixel" pointers), so the cost is O(pixels × radius²) at most, never repeated
// whole-image dilations.

/** The label value that marks an unlabelled pixel. */
export const UNLABELLED = 255;

/** Options of `growLabels`. */
export interface GrowOptions {
  /** Chebyshev radius of the neighbourhood in which a labelled pixel lets an unlabelled one grow (0 = no growth). */
  radius: number;
  /** Minimum probability of the predicted class: one global value or one per class. */
  threshold: number | readonly number[];
  /** With two networks: grow only where both networks' argmax agree. */
  requireAgreement: boolean;
  /** DSRG: grow a pixel only when a labelled pixel of its predicted class is within the radius. */
  sameClassOnly?: boolean;
  /** Stop after this many waves (default: until nothing changes). */
  maxIterations?: number;
}

/** One breadth-first wave of growth. */
export interface GrowIteration {
  /** Pixels newly labelled in this wave, per class. */
  addedPerClass: number[];
}

/** The outcome of `growLabels`. */
export interface GrowResult {
  /** The grown labels (the seeds are never changed). */
  labels: Uint8Array;
  /** Per-wave counts; waves that add nothing are not listed. */
  iterations: GrowIteration[];
  /** Pixels labelled by growth in total. */
  addedTotal: number;
}

/**
 * Per-pixel candidate class for growth, or 255 where the pixel may not grow: the argmax of probsA (or of the
 * mean of A and B), kept when its probability ≥ its threshold and, with requireAgreement, both argmaxes agree.
 */
export function growthCandidates(
  pixels: number,
  probsA: Float32Array,
  probsB: Float32Array | null,
  classes: number,
  threshold: number | readonly number[],
  requireAgreement: boolean,
): Uint8Array {
  const th = typeof threshold === 'number' ? new Float64Array(classes).fill(threshold) : Float64Array.from(threshold);
  const cand = new Uint8Array(pixels).fill(UNLABELLED);
  for (let i = 0, o = 0; i < pixels; i++, o += classes) {
    let best = 0;
    let bestP = -Infinity;
    let argA = 0;
    let argB = 0;
    if (probsB === null) {
      for (let c = 0; c < classes; c++) {
        const p = probsA[o + c];
        if (p > bestP) { bestP = p; best = c; }
      }
    } else {
      let maxA = -Infinity;
      let maxB = -Infinity;
      for (let c = 0; c < classes; c++) {
        const a = probsA[o + c];
        const b = probsB[o + c];
        if (a > maxA) { maxA = a; argA = c; }
        if (b > maxB) { maxB = b; argB = c; }
        const p = (a + b) / 2;
        if (p > bestP) { bestP = p; best = c; }
      }
      if (requireAgreement && argA !== argB) continue;
    }
    if (bestP >= th[best]) cand[i] = best;
  }
  return cand;
}

/**
 * Grow sparse labels: an unlabelled (255) pixel within `radius` (Chebyshev) of a labelled pixel gets its
 * predicted class when confident (see `growthCandidates`); newly labelled pixels become seeds for the next wave,
 * until nothing changes. Existing labels are never changed.
 */
export function growLabels(
  seeds: Uint8Array,
  height: number,
  width: number,
  probsA: Float32Array,
  probsB: Float32Array | null,
  classes: number,
  opts: GrowOptions,
): GrowResult {
  const n = height * width;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 0 || width < 0) throw new RangeError(`growLabels: bad size ${height}×${width}`);
  if (!Number.isInteger(classes) || classes < 1 || classes > 255) throw new RangeError(`growLabels: classes must be 1..255, got ${classes}`);
  if (seeds.length !== n) throw new RangeError(`growLabels: ${seeds.length} seed labels for a ${height}×${width} section`);
  if (probsA.length !== n * classes) throw new RangeError(`growLabels: probsA holds ${probsA.length} values, expected ${height}×${width}×${classes}`);
  if (probsB !== null && probsB.length !== n * classes) throw new RangeError(`growLabels: probsB holds ${probsB.length} values, expected ${height}×${width}×${classes}`);
  if (typeof opts.threshold !== 'number' && opts.threshold.length !== classes) throw new RangeError(`growLabels: ${opts.threshold.length} thresholds for ${classes} classes`);
  const radius = opts.radius;
  if (!Number.isInteger(radius) || radius < 0) throw new RangeError(`growLabels: radius must be an integer ≥ 0, got ${radius}`);
  const maxIterations = opts.maxIterations ?? Infinity;
  const sameClassOnly = opts.sameClassOnly ?? false;

  const labels = Uint8Array.from(seeds);
  // The queue holds every labelled pixel once, in wave order: seeds first, then each wave's additions.
  const queue = new Int32Array(n);
  let tail = 0;
  for (let i = 0; i < n; i++) {
    const v = labels[i];
    if (v === UNLABELLED) continue;
    if (v >= classes) throw new RangeError(`growLabels: seed label ${v} at pixel ${i} is not a class 0..${classes - 1} nor ${UNLABELLED}`);
    queue[tail++] = i;
  }
  const iterations: GrowIteration[] = [];
  let addedTotal = 0;
  if (radius === 0 || tail === 0 || tail === n) return { labels, iterations, addedTotal };

  const cand = growthCandidates(n, probsA, probsB, classes, opts.threshold, opts.requireAgreement);
  // Labelled pixels can never be added again; marking them ineligible keeps them out of the free set.
  for (let q = 0; q < tail; q++) cand[queue[q]] = UNLABELLED;
  // Wide windows: "next free pixel" pointers (union-find with path halving over the raster order) make scanning a
  // window row cost O(1 + pixels claimed) instead of O(2r+1). Narrow windows are cheaper to scan directly.
  const skipList = radius >= 3;
  const next = skipList ? new Int32Array(n + 1) : null;
  if (next) {
    for (let i = 0; i < n; i++) next[i] = cand[i] === UNLABELLED ? i + 1 : i;
    next[n] = n;
  }
  const find = (j: number): number => {
    const nx = next as Int32Array;
    while (nx[j] !== j) {
      const up = nx[nx[j]];
      nx[j] = up;
      j = up;
    }
    return j;
  };

  let head = 0;
  while (head < tail && iterations.length < maxIterations) {
    const waveEnd = tail;
    const added = new Array<number>(classes).fill(0);
    for (; head < waveEnd; head++) {
      const p = queue[head];
      const py = (p / width) | 0;
      const px = p - py * width;
      const own = labels[p];
      const y0 = py > radius ? py - radius : 0;
      const y1 = py + radius < height ? py + radius : height - 1;
      const x0 = px > radius ? px - radius : 0;
      const x1 = px + radius < width ? px + radius : width - 1;
      for (let y = y0; y <= y1; y++) {
        const end = y * width + x1;
        if (next) {
          for (let j = find(y * width + x0); j <= end; j = find(j + 1)) {
            const c = cand[j];
            // DSRG: a free pixel of another class stays free for a neighbour of its own class.
            if (sameClassOnly && c !== own) continue;
            labels[j] = c;
            cand[j] = UNLABELLED;
            next[j] = j + 1;
            queue[tail++] = j;
            added[c]++;
          }
        } else {
          for (let j = y * width + x0; j <= end; j++) {
            const c = cand[j];
            if (c === UNLABELLED || (sameClassOnly && c !== own)) continue;
            labels[j] = c;
            cand[j] = UNLABELLED;
            queue[tail++] = j;
            added[c]++;
          }
        }
      }
    }
    const count = tail - waveEnd;
    if (count === 0) break;
    addedTotal += count;
    iterations.push({ addedPerClass: added });
  }
  return { labels, iterations, addedTotal };
}

/** Options of `classAdaptiveThresholds`. */
export interface AdaptiveThresholdOptions {
  /** The global threshold: no class needs more. */
  threshold: number;
  /** Share of a class's predicted pixels that may reach a lowered threshold (0..1]. */
  share: number;
  /** No class threshold goes under this (nor over `threshold`). */
  floor: number;
}

/**
 * Per-class growth thresholds in the manner of class-balanced self-training (CBST, Zou et al., ECCV 2018): for each
 * class, the confidence that the top `share` of the pixels predicted as that class reach (pixel-major mean
 * probabilities of every section, labelled pixels skipped), capped by the global threshold and floored. A class the
 * networks predict well but never with 0.9 confidence (thin units; focal loss flattens confidences) can then grow
 * like the others. Classes never predicted keep the global threshold.
 */
export function classAdaptiveThresholds(
  probs: readonly Float32Array[],
  labels: readonly Uint8Array[],
  classes: number,
  opts: AdaptiveThresholdOptions,
): number[] {
  if (probs.length !== labels.length) throw new RangeError(`classAdaptiveThresholds: ${probs.length} probability maps for ${labels.length} label maps`);
  if (!(opts.share > 0 && opts.share <= 1)) throw new RangeError(`classAdaptiveThresholds: share must be in (0, 1], got ${opts.share}`);
  // A histogram instead of sorting: confidences of millions of pixels, 1/4096 resolution is far below any tuning.
  const bins = 4096;
  const hist = new Float64Array(classes * bins);
  const count = new Float64Array(classes);
  probs.forEach((p, s) => {
    const l = labels[s];
    if (p.length !== l.length * classes) throw new RangeError(`classAdaptiveThresholds: section ${s} has ${p.length} probabilities for ${l.length} pixels × ${classes} classes`);
    for (let i = 0, o = 0; i < l.length; i++, o += classes) {
      if (l[i] !== UNLABELLED) continue;
      let best = 0;
      let bp = p[o];
      for (let c = 1; c < classes; c++) if (p[o + c] > bp) { bp = p[o + c]; best = c; }
      const b = Math.min(bins - 1, Math.max(0, Math.floor(bp * bins)));
      hist[best * bins + b]++;
      count[best]++;
    }
  });
  const floor = Math.min(opts.floor, opts.threshold);
  const out: number[] = [];
  for (let c = 0; c < classes; c++) {
    if (count[c] === 0) { out.push(opts.threshold); continue; }
    const wanted = opts.share * count[c];
    let acc = 0;
    let b = bins - 1;
    for (; b > 0; b--) {
      acc += hist[c * bins + b];
      if (acc >= wanted) break;
    }
    const q = b / bins;
    out.push(Math.min(opts.threshold, Math.max(floor, q)));
  }
  return out;
}
