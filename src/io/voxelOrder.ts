// Section ↔ voxel index mapping and array layouts: the one place that knows how a section or a file's layout maps
// onto voxel order. No vscode, no node: pure arithmetic shared by the editor, training, the command line and tests.
//
// Voxel order is C order over (inlines, crosslines, samples) — the volume's shape and the 3D sidecar's layout:
//   voxel = (i * nx + x) * ns + s
// Section layouts follow src/shared/editorProtocol.ts (row-major rows × cols):
//   inline (i fixed)    : rows = samples, cols = crosslines → pixel = s * nx + x
//   crossline (x fixed) : rows = samples, cols = inlines    → pixel = s * ni + i
//   sample (s fixed)    : rows = inlines, cols = crosslines → pixel = i * nx + x
import type { EditorAxis } from '../shared/editorProtocol';

/** inlines × crosslines × samples. */
export type VolumeShape = readonly [number, number, number];

/** A section by axis and POSITION along that axis (0-based, not a line number). */
export interface SectionPosition {
  readonly axis: EditorAxis;
  readonly position: number;
}

/** Total voxels of a shape (may exceed 2^32 for very large volumes; exact below 2^53). */
export function voxelCount(shape: VolumeShape): number {
  return shape[0] * shape[1] * shape[2];
}

/** rows × cols of a section along an axis. */
export function sectionShape(shape: VolumeShape, axis: EditorAxis): { rows: number; cols: number } {
  const [ni, nx, ns] = shape;
  if (axis === 'inline') return { rows: ns, cols: nx };
  if (axis === 'crossline') return { rows: ns, cols: ni };
  return { rows: ni, cols: nx };
}

/** How many sections exist along an axis. */
export function sectionsAlong(shape: VolumeShape, axis: EditorAxis): number {
  return axis === 'inline' ? shape[0] : axis === 'crossline' ? shape[1] : shape[2];
}

/** The flat voxel index of pixel `pixel` of the section at `position` along `axis`. */
export function sectionPixelToVoxel(shape: VolumeShape, axis: EditorAxis, position: number, pixel: number): number {
  const [ni, nx, ns] = shape;
  if (axis === 'inline') {
    const s = Math.floor(pixel / nx);
    const x = pixel - s * nx;
    return (position * nx + x) * ns + s;
  }
  if (axis === 'crossline') {
    const s = Math.floor(pixel / ni);
    const i = pixel - s * ni;
    return (i * nx + position) * ns + s;
  }
  return pixel * ns + position;
}

/** The (i, x, s) coordinates of a flat voxel index. */
export function voxelCoordinates(shape: VolumeShape, voxel: number): [number, number, number] {
  const [, nx, ns] = shape;
  const s = voxel % ns;
  const ix = (voxel - s) / ns;
  const x = ix % nx;
  return [(ix - x) / nx, x, s];
}

/** Where a voxel appears in the section at `position` along `axis`: its pixel index, or -1 when the section does not contain it. */
export function voxelToSectionPixel(shape: VolumeShape, axis: EditorAxis, position: number, voxel: number): number {
  const [ni, nx] = shape;
  const [i, x, s] = voxelCoordinates(shape, voxel);
  if (axis === 'inline') return i === position ? s * nx + x : -1;
  if (axis === 'crossline') return x === position ? s * ni + i : -1;
  return s === position ? i * nx + x : -1;
}

/** Flat voxel indices for a list of section pixels; Uint32 when the volume allows it (nearly always), else Float64. */
export function sectionPixelsToVoxels(shape: VolumeShape, axis: EditorAxis, position: number, pixels: ArrayLike<number>): VoxelIndices {
  const out = allocateVoxelIndices(shape, pixels.length);
  for (let k = 0; k < pixels.length; k++) out[k] = sectionPixelToVoxel(shape, axis, position, pixels[k]!);
  return out;
}

/** Flat voxel indices: Uint32Array keeps strokes compact; Float64Array only for volumes of 2^32 voxels or more. */
export type VoxelIndices = Uint32Array | Float64Array;

/** An index array wide enough for this shape. */
export function allocateVoxelIndices(shape: VolumeShape, length: number): VoxelIndices {
  return voxelCount(shape) <= 0xffffffff ? new Uint32Array(length) : new Float64Array(length);
}

/** Write a section's values (rows × cols, the layout above) into a dense voxel-order array of the volume. */
export function scatterSection<T extends { [k: number]: number; length: number }>(shape: VolumeShape, axis: EditorAxis, position: number, values: ArrayLike<number>, out: T): T {
  const [ni, nx, ns] = shape;
  const { rows, cols } = sectionShape(shape, axis);
  if (values.length !== rows * cols) throw new RangeError(`scatterSection: ${axis} ${position} needs ${rows * cols} values, got ${values.length}`);
  if (axis === 'inline') {
    for (let x = 0; x < nx; x++) for (let s = 0, base = (position * nx + x) * ns; s < ns; s++) out[base + s] = values[s * nx + x]!;
  } else if (axis === 'crossline') {
    for (let i = 0; i < ni; i++) for (let s = 0, base = (i * nx + position) * ns; s < ns; s++) out[base + s] = values[s * ni + i]!;
  } else {
    for (let i = 0; i < ni; i++) for (let x = 0; x < nx; x++) out[(i * nx + x) * ns + position] = values[i * nx + x]!;
  }
  return out;
}

/** The voxel index of every pixel of a section (pixel order), so arrays of several values per voxel can be scattered with one map. */
export function sectionVoxels(shape: VolumeShape, axis: EditorAxis, position: number): VoxelIndices {
  const { rows, cols } = sectionShape(shape, axis);
  const out = allocateVoxelIndices(shape, rows * cols);
  for (let p = 0; p < out.length; p++) out[p] = sectionPixelToVoxel(shape, axis, position, p);
  return out;
}

/** Read a section (rows × cols, the layout above) out of a dense voxel-order array of the volume: the inverse of scatterSection. */
export function gatherSection<T extends { [k: number]: number; length: number }>(shape: VolumeShape, axis: EditorAxis, position: number, cube: ArrayLike<number>, out: T): T {
  const [ni, nx, ns] = shape;
  const { rows, cols } = sectionShape(shape, axis);
  if (out.length !== rows * cols) throw new RangeError(`gatherSection: ${axis} ${position} has ${rows * cols} values, the output ${out.length}`);
  if (axis === 'inline') {
    for (let x = 0; x < nx; x++) for (let s = 0, base = (position * nx + x) * ns; s < ns; s++) out[s * nx + x] = cube[base + s]!;
  } else if (axis === 'crossline') {
    for (let i = 0; i < ni; i++) for (let s = 0, base = (i * nx + position) * ns; s < ns; s++) out[s * ni + i] = cube[base + s]!;
  } else {
    for (let i = 0; i < ni; i++) for (let x = 0; x < nx; x++) out[i * nx + x] = cube[(i * nx + x) * ns + position]!;
  }
  return out;
}

/**
 * How an array of the whole volume is laid out in a file: 'cube' is voxel order (inlines, crosslines, samples);
 * 'section' (2D NPY lines) is the single inline's section, (samples, traces).
 */
export type VolumeLayout = 'cube' | 'section';

/** The array shape of a volume's data in a layout. */
export function layoutShape(shape: VolumeShape, layout: VolumeLayout): number[] {
  return layout === 'cube' ? [...shape] : [shape[2], shape[1]];
}

/** An inline's voxel-order values (crosslines × samples) as its section (samples × crosslines), into `out`. */
export function inlineToSection<T extends { [k: number]: number; length: number }>(nx: number, ns: number, inline: ArrayLike<number>, out: T): T {
  return gatherSection([1, nx, ns], 'inline', 0, inline, out);
}

/** An inline's section (samples × crosslines) in voxel order (crosslines × samples), into `out`: the inverse of inlineToSection. */
export function sectionToInline<T extends { [k: number]: number; length: number }>(nx: number, ns: number, section: ArrayLike<number>, out: T): T {
  return scatterSection([1, nx, ns], 'inline', 0, section, out);
}

/** A voxel-order array of the volume in a file layout: the array itself for 'cube', a reordered copy for 'section'. */
export function voxelsToLayout<T extends Uint8Array | Float32Array>(shape: VolumeShape, layout: VolumeLayout, data: T): T {
  if (layout === 'cube') return data;
  const out = (data instanceof Uint8Array ? new Uint8Array(data.length) : new Float32Array(data.length)) as T;
  return inlineToSection(shape[1], shape[2], data, out);
}

/** An array of the volume in a file layout copied into `out` in voxel order: the inverse of voxelsToLayout. */
export function layoutToVoxels<T extends { [k: number]: number; length: number }>(shape: VolumeShape, layout: VolumeLayout, data: ArrayLike<number>, out: T): T {
  if (data.length !== out.length) throw new RangeError(`layoutToVoxels: ${data.length} values for ${out.length} voxels`);
  if (layout === 'section') return sectionToInline(shape[1], shape[2], data, out);
  for (let k = 0; k < data.length; k++) out[k] = data[k]!;
  return out;
}
