// The Volume abstraction shared by the SEG-Y and NPY readers. No vscode, no DOM.
import type { VolumeGeometry } from '../shared/volumeGeometry';

/** A 2D section, row-major: rows × cols. Inline/crossline: rows = samples, cols = traces; time slice: rows = inlines, cols = crosslines. */
export interface Section {
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

/** Which way a section cuts the volume. */
export type SectionAxis = 'inline' | 'crossline' | 'sample';

/** Amplitude statistics estimated from a sample of traces (never a full pass), used for display clipping and normalisation. */
export interface VolumeStatistics {
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly std: number;
  /** Percentiles of the sampled amplitudes, keyed by percent: 0.5, 1, 2, 5, 50, 95, 98, 99, 99.5. */
  readonly percentiles: Readonly<Record<string, number>>;
  /** How many samples the estimate used. */
  readonly sampleCount: number;
}

/** What a volume is: format, geometry and encoding. */
export interface VolumeInfo extends VolumeGeometry {
  readonly path: string;
  readonly byteOrder: 'big' | 'little';
  /** Human-readable remarks, e.g. why a file opened as a plain trace × sample array. */
  readonly notes: readonly string[];
  /** Format-specific facts (SEG-Y format code, revision, sorting; NPY version, order). */
  readonly details: Readonly<Record<string, string | number | boolean>>;
}

/** A seismic volume with lazy section access: each call reads only what it needs from disk (through a bounded cache). */
export interface Volume {
  readonly info: VolumeInfo;
  /** The section at an inline NUMBER (SEG-Y header value; index for NPY): samples × crosslines. */
  inline(lineNumber: number): Promise<Section>;
  /** The section at a crossline NUMBER: samples × inlines. */
  crossline(lineNumber: number): Promise<Section>;
  /** The time/depth slice at a sample INDEX: inlines × crosslines. */
  timeslice(sampleIndex: number): Promise<Section>;
  /** One trace by inline and crossline number. */
  trace(inline: number, crossline: number): Promise<Float32Array>;
  /** Statistics from a sample of traces (cached after the first call). */
  statistics(): Promise<VolumeStatistics>;
  /** Release the file handle; further calls reject. */
  close(): Promise<void>;
}

/** Largest in-memory buffer we agree to allocate for a single read, so absurd headers fail cleanly. */
export const MAX_ALLOCATION_BYTES = 2 ** 31 - 1;
