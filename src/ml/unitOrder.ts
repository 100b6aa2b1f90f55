// Depth-ordered units: in a layer-cake interpretation (stratigraphic units, as in the F3 labels) every trace meets the
// units in one order from top to bottom; faults offset them, pinch-outs skip some, but none comes back above another.
// When the user's own labels imply such an order, each trace of a prediction is decoded as the most probable sequence
// that keeps it (a Viterbi pass over monotone label sequences), so an island of a deep unit inside a shallow one, the
// typical error far from the labelled lines, cannot survive. Labels that contradict any order (salt above and below
// sediment, facies) imply none, and predictions stay the plain per-pixel argmax.
import { SeisGrowError } from '../shared/errors';
import { argmaxProbabilities } from './stages';

/** A labelled section: labels per pixel (255 = unlabelled), row-major with rows = depth samples. */
export interface LabelledGrid { labels: Uint8Array; height: number; width: number }

/**
 * The top-to-bottom order of the labelled classes that every labelled trace agrees with, or null when the labels
 * imply none: fewer than two classes, one trace contradicting another (a cycle), or two classes never seen in one
 * trace with nothing between them to fix which lies above (the order must be total over the labelled classes).
 */
export function inferUnitOrder(sections: readonly LabelledGrid[], classes: number): number[] | null {
  const above = Array.from({ length: classes }, () => new Uint8Array(classes));
  const present = new Uint8Array(classes);
  for (const { labels, height, width } of sections) {
    if (labels.length !== height * width) throw new SeisGrowError('bad-shape', `labels hold ${labels.length} values, expected ${height}×${width}`);
    for (let x = 0; x < width; x++) {
      let last = -1;
      for (let y = 0; y < height; y++) {
        const c = labels[y * width + x];
        if (c === 255) continue;
        if (c >= classes) throw new SeisGrowError('bad-request', `label ${c} is not a class 0..${classes - 1}`);
        present[c] = 1;
        if (last >= 0 && c !== last) above[last][c] = 1;
        last = c;
      }
    }
  }
  const nodes = [...present.keys()].filter((c) => present[c]);
  if (nodes.length < 2) return null;
  // Kahn's algorithm; a total order exists only when exactly one class is free at every step.
  const indegree = new Map(nodes.map((c) => [c, nodes.filter((a) => above[a][c]).length]));
  const order: number[] = [];
  while (order.length < nodes.length) {
    const free = nodes.filter((c) => indegree.get(c) === 0 && !order.includes(c));
    if (free.length !== 1) return null;
    const top = free[0];
    order.push(top);
    for (const c of nodes) if (above[top][c]) indegree.set(c, (indegree.get(c) ?? 0) - 1);
  }
  return order;
}

/**
 * Per trace (column) of a section's pixel-major probabilities, the most probable class sequence that follows `order`
 * from top to bottom (classes outside `order` are never chosen; a unit may be skipped), with the probability of the
 * chosen class at each pixel. Ties keep the shallower unit.
 */
export function decodeOrderedUnits(probs: Float32Array, height: number, width: number, classes: number, order: readonly number[]): { classes: Uint8Array; confidence: Float32Array } {
  if (probs.length !== height * width * classes) throw new SeisGrowError('bad-shape', `probabilities hold ${probs.length} values, expected ${height}×${width}×${classes}`);
  if (order.length === 0 || order.some((c) => !(Number.isInteger(c) && c >= 0 && c < classes)) || new Set(order).size !== order.length) {
    throw new SeisGrowError('bad-request', `unit order [${order.join(', ')}] must list distinct classes of 0..${classes - 1}`);
  }
  const m = order.length;
  const out = new Uint8Array(height * width);
  const confidence = new Float32Array(height * width);
  // score[j]: best log-probability of the trace so far ending in unit order[j]; from[y·m + j]: the unit it came from.
  let score = new Float64Array(m);
  let next = new Float64Array(m);
  const from = new Int32Array(height * m);
  const logP = (y: number, x: number, j: number): number => Math.log(Math.max(probs[(y * width + x) * classes + order[j]], 1e-30));
  for (let x = 0; x < width; x++) {
    for (let j = 0; j < m; j++) score[j] = logP(0, x, j);
    for (let y = 1; y < height; y++) {
      // The best predecessor of unit j is the best of units 0..j (the same unit, or any shallower one).
      let best = 0;
      for (let j = 0; j < m; j++) {
        if (score[j] > score[best]) best = j;
        from[y * m + j] = best;
        next[j] = score[best] + logP(y, x, j);
      }
      [score, next] = [next, score];
    }
    let j = 0;
    for (let k = 1; k < m; k++) if (score[k] > score[j]) j = k;
    for (let y = height - 1; y >= 0; y--) {
      const p = y * width + x;
      out[p] = order[j];
      confidence[p] = probs[p * classes + order[j]];
      if (y > 0) j = from[y * m + j];
    }
  }
  return { classes: out, confidence };
}

/** A unit order as a short top-to-bottom list, consecutive classes as ranges: [0, 1, 2, 5, 3, 4] → "0–2, 5, 3, 4". */
export function formatUnitOrder(order: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < order.length;) {
    let j = i;
    while (j + 1 < order.length && order[j + 1] === order[j] + 1) j++;
    parts.push(j === i ? `${order[i]}` : j === i + 1 ? `${order[i]}, ${order[j]}` : `${order[i]}–${order[j]}`);
    i = j + 1;
  }
  return parts.join(', ');
}

/** Classes and confidence of a section's probabilities: decoded in `order` when there is one, else the per-pixel argmax. */
export function classifySection(probs: Float32Array, height: number, width: number, classes: number, order: readonly number[] | null): { classes: Uint8Array; confidence: Float32Array } {
  return order ? decodeOrderedUnits(probs, height, width, classes, order) : argmaxProbabilities(probs, classes);
}
