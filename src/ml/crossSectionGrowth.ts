// Region growing across sections of one volume: an inline and a crossline share one trace (all samples), so labels
// grown on one line can seed the lines that cross it. A carried label is accepted only where the receiving section's
// own prediction passes the same rules as growth within a section (both networks agree on that class, and the mean
// probability reaches the class's threshold), so a mistake on one line is not copied into the next. Pure arithmetic.
import { growthCandidates, UNLABELLED } from './regionGrowing';

/** Where a vertical section lies in its volume: inline POSITION i has one column per crossline, crossline x one per inline. */
export interface SectionPlace {
  axis: 'inline' | 'crossline';
  /** 0-based position along its axis; it is also the column where the crossing sections meet this one. */
  position: number;
}

/** Two sections that cross: column `columnInA` of section `a` is column `columnInB` of section `b`, sample for sample. */
export interface Crossing {
  a: number;
  b: number;
  columnInA: number;
  columnInB: number;
}

/** Every pair of sections (by index) that cross: one inline and one crossline, same height, columns inside both. */
export function findCrossings(places: readonly (SectionPlace | undefined)[], sizes: readonly { height: number; width: number }[]): Crossing[] {
  const out: Crossing[] = [];
  places.forEach((pa, a) => {
    if (pa?.axis !== 'inline') return;
    places.forEach((pb, b) => {
      if (pb?.axis !== 'crossline' || sizes[a].height !== sizes[b].height) return;
      // The inline meets the crossline at the crossline's position, and the crossline meets it at the inline's.
      if (pb.position < sizes[a].width && pa.position < sizes[b].width) out.push({ a, b, columnInA: pb.position, columnInB: pa.position });
    });
  });
  return out;
}

/** The predictions of one section that decide what it accepts: both networks' probabilities, pixel-major. */
export interface SectionPrediction {
  probsA: Float32Array;
  probsB: Float32Array | null;
}

/** Options of `carryAcrossSections`. */
export interface CarryOptions {
  classes: number;
  /** One threshold per class (or one for all), as used for growth within a section. */
  threshold: number | readonly number[];
  requireAgreement: boolean;
}

/**
 * Labels carried over crossings: for each section, the labels it receives in the columns where other sections cross
 * it (UNLABELLED elsewhere), taken from those sections' `labels` (their seeds plus what grew on them) and kept only
 * where this section has no label yet and its own prediction would grow that same class there.
 */
export function carryAcrossSections(
  crossings: readonly Crossing[],
  labels: readonly Uint8Array[],
  sizes: readonly { height: number; width: number }[],
  predictions: readonly (SectionPrediction | null)[],
  options: CarryOptions,
): { carried: Uint8Array[]; added: number } {
  const carried = labels.map((l) => new Uint8Array(l.length).fill(UNLABELLED));
  const candidates = new Map<number, Uint8Array>();
  const candidatesOf = (k: number): Uint8Array | null => {
    const p = predictions[k];
    if (!p) return null;
    let c = candidates.get(k);
    if (!c) {
      c = growthCandidates(sizes[k].height * sizes[k].width, p.probsA, p.probsB, options.classes, options.threshold, options.requireAgreement);
      candidates.set(k, c);
    }
    return c;
  };
  let added = 0;
  const carry = (from: number, fromColumn: number, to: number, toColumn: number): void => {
    const cand = candidatesOf(to);
    if (!cand) return;
    const h = sizes[to].height;
    const wFrom = sizes[from].width;
    const wTo = sizes[to].width;
    for (let y = 0; y < h; y++) {
      const v = labels[from][y * wFrom + fromColumn];
      const p = y * wTo + toColumn;
      if (v === UNLABELLED || labels[to][p] !== UNLABELLED || carried[to][p] !== UNLABELLED || cand[p] !== v) continue;
      carried[to][p] = v;
      added++;
    }
  };
  for (const c of crossings) {
    carry(c.b, c.columnInB, c.a, c.columnInA);
    carry(c.a, c.columnInA, c.b, c.columnInB);
  }
  return { carried, added };
}
