// The facts about a volume that both the host (src/io) and the editor webview use. No vscode, DOM or node imports.

/** A volume's format and geometry: shape is inlines × crosslines × samples (a 2D line has one inline). */
export interface VolumeGeometry {
  readonly format: 'segy' | 'npy';
  /** '3d' for a regular cube; '2d' for a single section or a file opened as a plain (trace × sample) array. */
  readonly kind: '3d' | '2d';
  readonly shape: readonly [number, number, number];
  /** Inline numbers (from headers for SEG-Y, indices for NPY), ascending. */
  readonly inlines: readonly number[];
  /** Crossline numbers (from headers for SEG-Y, indices for NPY), ascending. */
  readonly crosslines: readonly number[];
  /** Time/depth of the first sample and the interval, in sampleUnit. */
  readonly sampleStart: number;
  readonly sampleInterval: number;
  readonly sampleUnit: 'ms' | 'm' | 'ft' | 'index';
  /** Stored sample type: 'ibm32', 'int32', 'int16', 'float32', 'int8', 'float64', 'uint8', …, 'bool'. */
  readonly dtype: string;
}
