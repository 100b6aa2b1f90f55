// NPY arrays: lazy volumes (openNpy), whole-array read/write (readNpy, writeNpy, encodeNpy), header parsing.
// Axis order of volumes: 3D arrays are (inlines, crosslines, samples) like segyio cubes; 2D arrays are
// (samples, traces) = one inline of W crosslines and H samples, like the F3 sections. See npy/lazy.ts.
export { openNpy } from './npy/lazy';
export type { NpyVolume, NpyOpenOptions } from './npy/lazy';
export { readNpy, writeNpy, encodeNpy, fortranToC } from './npy/whole';
export type { NpyArray, ReadNpyOptions, WriteNpyOptions } from './npy/whole';
export { hasNpyMagic, parsePythonLiteral } from './npy/header';
export type { NpyHeader } from './npy/header';
export { parseDescr, halfBitsToNumber, numberToHalfBits } from './npy/dtype';
export type { DTypeName, DTypeSpec, NumericArray, WritableDescr } from './npy/dtype';
