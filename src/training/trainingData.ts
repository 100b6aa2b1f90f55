// Training inputs from a labelled volume: which vertical sections carry the user's labels (a greedy cover, so a label
// painted on a crossline brings that crossline, not every inline it crosses), plus a few unlabelled sections for the
// semi-supervised stages; then the sections themselves, read through the Volume. No vscode import.
import { basename } from 'node:path';
import { SeisGrowError } from '../shared/errors';
import type { Volume } from '../io/types';
import type { TrainingSection } from '../ml/engine';
import { UNLABELLED } from '../shared/editorProtocol';
import type { VolumeShape } from '../io/voxelOrder';

/** The read side of the label store that training needs (LabelStore satisfies it). */
export interface LabelReader {
  readonly shape: VolumeShape;
  /** Labels of inline position i in (crossline, sample) order, or null when that inline holds no label. */
  readChunk(i: number): Uint8Array | null;
  /** Labels of one section (rows × cols, src/io/types.ts layout) at a POSITION along the axis. */
  section(axis: 'inline' | 'crossline' | 'sample', position: number): Uint8Array;
}

/** A volume and its labels: what an open seismic document holds. */
export interface TrainingSource {
  readonly path: string;
  readonly volume: Volume;
  readonly labels: LabelReader;
}

/** One vertical section chosen for training: axis, position (0-based), line number, and whether it carries labels. */
export interface SectionRef {
  readonly axis: 'inline' | 'crossline';
  readonly position: number;
  readonly line: number;
  readonly labelled: boolean;
}

/** Limits on what goes into one training request. */
export interface SelectionOptions {
  /** Unlabelled sections to add (spread evenly over the volume), for the pseudo and growth terms. */
  readonly unlabelled: number;
  /** At most this many labelled sections (the ones covering the most labels first). */
  readonly maxLabelled?: number;
}

/** Unlabelled sections added to the labelled ones unless the user says otherwise (extension setting and CLI flag). */
export const DEFAULT_UNLABELLED_SECTIONS = 4;

/** The most labelled sections a request takes unless told otherwise; beyond it the user is told which were left out. */
export const DEFAULT_MAX_LABELLED_SECTIONS = 256;

/** The (inline, crossline) position of every labelled trace, with how many labelled samples it holds. */
function labelledTraces(labels: LabelReader): { i: number; x: number; n: number }[] {
  const [ni, nx, ns] = labels.shape;
  const out: { i: number; x: number; n: number }[] = [];
  for (let i = 0; i < ni; i++) {
    const chunk = labels.readChunk(i);
    if (!chunk) continue;
    for (let x = 0; x < nx; x++) {
      let n = 0;
      for (let s = 0, base = x * ns; s < ns; s++) if (chunk[base + s] !== UNLABELLED) n++;
      if (n > 0) out.push({ i, x, n });
    }
  }
  return out;
}

/**
 * The labelled sections: a greedy set cover of the labelled voxels by inlines and crosslines. Time slices are never
 * used: the networks see vertical sections, and a label painted on a time slice lies on the inlines it crosses.
 */
export function chooseLabelledSections(source: TrainingSource, maxLabelled = DEFAULT_MAX_LABELLED_SECTIONS): { refs: SectionRef[]; uncoveredVoxels: number } {
  const { labels, volume } = source;
  const [ni, nx] = labels.shape;
  const traces = labelledTraces(labels);
  const byInline = new Float64Array(ni);
  const byCrossline = new Float64Array(nx);
  for (const t of traces) { byInline[t.i] += t.n; byCrossline[t.x] += t.n; }
  const covered = new Uint8Array(traces.length);
  const inlineTraces = new Map<number, number[]>();
  const crosslineTraces = new Map<number, number[]>();
  traces.forEach((t, k) => {
    (inlineTraces.get(t.i) ?? inlineTraces.set(t.i, []).get(t.i)!).push(k);
    (crosslineTraces.get(t.x) ?? crosslineTraces.set(t.x, []).get(t.x)!).push(k);
  });
  const refs: SectionRef[] = [];
  // A 2D line has one inline: crosslines there are single traces, never worth a section of their own.
  const crosslinesAllowed = ni > 1;
  while (refs.length < maxLabelled) {
    let best = -1;
    let bestAxis: 'inline' | 'crossline' = 'inline';
    let bestCount = 0;
    for (let i = 0; i < ni; i++) if (byInline[i] > bestCount) { bestCount = byInline[i]; best = i; bestAxis = 'inline'; }
    if (crosslinesAllowed) for (let x = 0; x < nx; x++) if (byCrossline[x] > bestCount) { bestCount = byCrossline[x]; best = x; bestAxis = 'crossline'; }
    if (best < 0) break;
    const members = (bestAxis === 'inline' ? inlineTraces : crosslineTraces).get(best) ?? [];
    for (const k of members) {
      if (covered[k]) continue;
      covered[k] = 1;
      byInline[traces[k].i] -= traces[k].n;
      byCrossline[traces[k].x] -= traces[k].n;
    }
    refs.push({ axis: bestAxis, position: best, line: bestAxis === 'inline' ? volume.info.inlines[best] : volume.info.crosslines[best], labelled: true });
  }
  let uncoveredVoxels = 0;
  traces.forEach((t, k) => { if (!covered[k]) uncoveredVoxels += t.n; });
  return { refs: sortRefs(refs), uncoveredVoxels };
}

function sortRefs(refs: SectionRef[]): SectionRef[] {
  return [...refs].sort((a, b) => (a.axis === b.axis ? a.position - b.position : a.axis === 'inline' ? -1 : 1));
}

/** `count` positions spread evenly over 0..n-1, skipping those in `taken`. */
export function spreadPositions(n: number, count: number, taken: ReadonlySet<number>): number[] {
  const free: number[] = [];
  for (let p = 0; p < n; p++) if (!taken.has(p)) free.push(p);
  if (count >= free.length) return free;
  const out: number[] = [];
  for (let k = 0; k < count; k++) out.push(free[Math.floor(((k + 0.5) * free.length) / count)]);
  return out;
}

/** Labelled sections plus unlabelled ones (inlines and crosslines alternately, spread evenly, none repeated). */
export function chooseSections(source: TrainingSource, options: SelectionOptions): { refs: SectionRef[]; uncoveredVoxels: number } {
  const { refs, uncoveredVoxels } = chooseLabelledSections(source, options.maxLabelled ?? DEFAULT_MAX_LABELLED_SECTIONS);
  const [ni, nx] = source.labels.shape;
  const takenInlines = new Set(refs.filter((r) => r.axis === 'inline').map((r) => r.position));
  const takenCrosslines = new Set(refs.filter((r) => r.axis === 'crossline').map((r) => r.position));
  const wantCrosslines = ni > 1 ? Math.floor(options.unlabelled / 2) : 0;
  const inlines = spreadPositions(ni, options.unlabelled - wantCrosslines, takenInlines);
  const crosslines = ni > 1 ? spreadPositions(nx, options.unlabelled - inlines.length, takenCrosslines) : [];
  const extra: SectionRef[] = [
    ...inlines.map((p) => ({ axis: 'inline' as const, position: p, line: source.volume.info.inlines[p], labelled: false })),
    ...crosslines.map((p) => ({ axis: 'crossline' as const, position: p, line: source.volume.info.crosslines[p], labelled: false })),
  ];
  return { refs: [...refs, ...sortRefs(extra)], uncoveredVoxels };
}

/** A readable name for a section, used in logs, metrics.json and checkpoints. */
export function sectionName(source: TrainingSource, ref: SectionRef): string {
  return `${basename(source.path)} ${ref.axis} ${ref.line}`;
}

/** Read the chosen sections and their current labels; labels that are all unlabelled become null. */
export async function extractSections(source: TrainingSource, refs: readonly SectionRef[]): Promise<TrainingSection[]> {
  const out: TrainingSection[] = [];
  for (const ref of refs) {
    const section = ref.axis === 'inline' ? await source.volume.inline(ref.line) : await source.volume.crossline(ref.line);
    const labels = source.labels.section(ref.axis, ref.position);
    if (labels.length !== section.rows * section.cols) {
      throw new SeisGrowError('bad-shape', `labels of ${ref.axis} ${ref.line} hold ${labels.length} values, the section ${section.rows}×${section.cols}`, source.path);
    }
    const any = labels.some((v) => v !== UNLABELLED);
    // The place lets stage 3 carry grown labels between the inlines and crosslines that cross.
    out.push({ name: sectionName(source, ref), seismic: section.data, labels: any ? labels : null, height: section.rows, width: section.cols, place: { axis: ref.axis, position: ref.position } });
  }
  return out;
}

/** Class count for a request: enough for every label present and every palette class, at least 2. */
export function classCount(labelValues: readonly number[], paletteIds: readonly number[]): number {
  const top = Math.max(-1, ...labelValues.filter((v) => v !== UNLABELLED), ...paletteIds.filter((v) => v !== UNLABELLED));
  return Math.max(2, top + 1);
}
