// Section sources behind the stub host: the six real F3 sections (../shared/data/f3-sections) arranged in the F3
// survey's line numbering, and any Volume opened with src/io (SEG-Y with headers, or a large NPY for the bench).
import { basename } from 'node:path';
import { readNpy } from '../../../src/io/npy';
import type { Volume } from '../../../src/io/types';
import { BINARY_HEADER_FIELDS, SegyVolume, TRACE_HEADER_FIELDS } from '../../../src/io/segy';
import type { EditorAxis, EditorClass, EditorStatistics, InitOkMessage } from '../../../src/shared/editorProtocol';
import { EDITOR_PROTOCOL_VERSION } from '../../../src/shared/editorProtocol';
import type { HarnessSource, SourceSection } from './harness';
import { sharedData } from '../../support/sharedData';

/** The 10 F3 units (Silva et al. 2019), shallow to deep, with their display colours. */
export const F3_PALETTE: EditorClass[] = [
  '#e6194b', '#3cb44b', '#ffe119', '#4363d8', '#f58231', '#911eb4', '#46f0f0', '#f032e6', '#bcf60c', '#008080',
].map((color, id) => ({ id, name: `Unit ${id}`, color }));

/** F3 survey line numbering: inlines 100..750, crosslines 300..1250 (the sections' widths: 651 and 951 traces). */
const F3_INLINES = Array.from({ length: 651 }, (_, k) => 100 + k);
const F3_CROSSLINES = Array.from({ length: 951 }, (_, k) => 300 + k);
const SAMPLES = 462;

interface RealSection { axis: 'inline' | 'crossline'; index: number; amplitudes: Float32Array; labels: Uint8Array; rows: number; cols: number }

async function loadSection(axis: 'inline' | 'crossline', index: number): Promise<RealSection> {
  const seismic = await readNpy(sharedData('f3-sections', `${axis}_${index}_seismic_f32.npy`));
  const labels = await readNpy(sharedData('f3-sections', `${axis}_${index}_labels.npy`));
  const [rows, cols] = seismic.shape as [number, number];
  return { axis, index, rows, cols, amplitudes: seismic.data as Float32Array, labels: new Uint8Array(labels.data as ArrayLike<number>) };
}

function percentile(sorted: Float32Array, p: number): number {
  const pos = (p / 100) * (sorted.length - 1);
  const k = Math.floor(pos);
  return sorted[k]! + (sorted[Math.min(k + 1, sorted.length - 1)]! - sorted[k]!) * (pos - k);
}

/** Statistics over all given amplitudes (exact percentiles of the six real sections). */
function statisticsOf(arrays: Float32Array[]): EditorStatistics {
  const n = arrays.reduce((a, b) => a + b.length, 0);
  const all = new Float32Array(n);
  let o = 0;
  for (const a of arrays) { all.set(a, o); o += a.length; }
  let sum = 0; let sum2 = 0;
  for (const v of all) { sum += v; sum2 += v * v; }
  all.sort();
  const percentiles: Record<string, number> = {};
  for (const p of [0.5, 1, 2, 5, 50, 95, 98, 99, 99.5]) percentiles[String(p)] = percentile(all, p);
  const mean = sum / n;
  return { min: all[0]!, max: all[n - 1]!, mean, std: Math.sqrt(Math.max(0, sum2 / n - mean * mean)), percentiles };
}

/**
 * The real F3 sections as a stub volume. A request for a line without a real section gets the nearest real one
 * (the stub host only has six); time slices are assembled from the six lines and are NaN (shown neutral) elsewhere.
 * Labels start absent (no sidecar); the real interpretation is served as the `prediction` overlay.
 */
export async function f3SectionsSource(options: { seedLabels?: boolean } = {}): Promise<HarnessSource & { sections: Map<string, RealSection> }> {
  const sections = new Map<string, RealSection>();
  for (const i of [130, 241, 608]) sections.set(`inline:${i}`, await loadSection('inline', i));
  for (const x of [327, 575, 778]) sections.set(`crossline:${x}`, await loadSection('crossline', x));
  const statistics = statisticsOf([...sections.values()].map((s) => s.amplitudes));
  const nearest = (axis: 'inline' | 'crossline', index: number): RealSection => {
    const candidates = [...sections.values()].filter((s) => s.axis === axis);
    return candidates.reduce((a, b) => (Math.abs(b.index - index) < Math.abs(a.index - index) ? b : a));
  };
  return {
    sections,
    async init(): Promise<InitOkMessage> {
      return {
        type: 'init', ok: true, protocolVersion: EDITOR_PROTOCOL_VERSION,
        volume: {
          fileName: 'f3-sections (test stub)', format: 'npy', kind: '3d', shape: [651, 951, SAMPLES],
          inlines: F3_INLINES, crosslines: F3_CROSSLINES, sampleStart: 0, sampleInterval: 4, sampleUnit: 'ms',
          dtype: 'float32', statistics, hasHeaders: false, notes: [],
        },
        palette: F3_PALETTE,
        layers: { labels: options.seedLabels === true, grown: false, prediction: true, confidence: false },
        readOnly: false,
        initialView: { axis: 'inline', index: 130 },
      };
    },
    async section(axis: EditorAxis, index: number): Promise<SourceSection> {
      if (axis === 'sample') {
        const rows = F3_INLINES.length; const cols = F3_CROSSLINES.length;
        const amplitudes = new Float32Array(rows * cols).fill(NaN);
        const prediction = new Uint8Array(rows * cols).fill(255);
        for (const s of sections.values()) {
          for (let t = 0; t < s.cols; t++) {
            // Inline sections fill a row of the slice (crosslines vary along it), crossline sections a column.
            const i = s.axis === 'inline' ? (s.index - 100) * cols + t : t * cols + (s.index - 300);
            amplitudes[i] = s.amplitudes[index * s.cols + t]!;
            prediction[i] = s.labels[index * s.cols + t]!;
          }
        }
        return { rows, cols, amplitudes, labels: options.seedLabels ? prediction.slice() : null, prediction };
      }
      const s = nearest(axis, index);
      return { rows: s.rows, cols: s.cols, amplitudes: s.amplitudes, labels: options.seedLabels ? s.labels.slice() : null, prediction: s.labels };
    },
  };
}

/** Any Volume (SEG-Y or NPY, through src/io) as a source; SEG-Y volumes also answer header requests. */
export function volumeSource(volume: Volume, palette: EditorClass[] = F3_PALETTE.slice(0, 3)): HarnessSource {
  const info = volume.info;
  return {
    async init(): Promise<InitOkMessage> {
      const st = await volume.statistics();
      return {
        type: 'init', ok: true, protocolVersion: EDITOR_PROTOCOL_VERSION,
        volume: {
          fileName: basename(info.path), format: info.format, kind: info.kind, shape: info.shape, inlines: info.inlines,
          crosslines: info.crosslines, sampleStart: info.sampleStart, sampleInterval: info.sampleInterval, sampleUnit: info.sampleUnit,
          dtype: info.dtype, statistics: { min: st.min, max: st.max, mean: st.mean, std: st.std, percentiles: st.percentiles },
          hasHeaders: volume instanceof SegyVolume, notes: info.notes,
        },
        palette,
        layers: { labels: false, grown: false, prediction: false, confidence: false },
        readOnly: false,
      };
    },
    async section(axis: EditorAxis, index: number): Promise<SourceSection> {
      const s = axis === 'inline' ? await volume.inline(index) : axis === 'crossline' ? await volume.crossline(index) : await volume.timeslice(index);
      return { rows: s.rows, cols: s.cols, amplitudes: s.data, labels: null };
    },
    async headers(inline?: number, crossline?: number) {
      if (!(volume instanceof SegyVolume)) throw new Error('not a SEG-Y file: no headers');
      const t = inline !== undefined && crossline !== undefined ? (volume.traceIndexOf(inline, crossline) ?? 0) : 0;
      const th = await volume.traceHeader(t);
      const lines = volume.textualHeader.match(/.{1,80}/gs) ?? [];
      return {
        textual: lines,
        binary: Object.entries(volume.binaryHeader).map(([name, value]) => ({ name, value, byte: BINARY_HEADER_FIELDS.find((f) => f.name === name)?.byte })),
        traceTitle: `trace ${t + 1}`,
        trace: Object.entries(th).map(([name, value]) => ({ name, value, byte: TRACE_HEADER_FIELDS.find((f) => f.name === name)?.byte })),
      };
    },
  };
}

/** A source whose file cannot be read: init reports the reader's error. */
export function failingSource(fileName: string, message: string): HarnessSource {
  return {
    async init() { return { type: 'init', ok: false, protocolVersion: EDITOR_PROTOCOL_VERSION, fileName, message, code: 'bad-magic' }; },
    async section() { throw new Error('no sections: the file could not be read'); },
  };
}
