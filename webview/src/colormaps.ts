// Colormap lookup tables: 256 RGBA entries packed as Uint32 in ImageData byte order, built once per colormap
// so that rendering a section is one table lookup per pixel.

/** The colormaps offered in the UI, by id. */
export const COLORMAP_IDS = ['grey', 'seismic', 'viridis', 'cividis', 'inferno', 'redblue'] as const;

/** A colormap id. */
export type ColormapId = (typeof COLORMAP_IDS)[number];

/** Display names for the colormap selector. */
export const COLORMAP_NAMES: Readonly<Record<ColormapId, string>> = {
  grey: 'Grey',
  seismic: 'Seismic (blue–white–red)',
  viridis: 'Viridis',
  cividis: 'Cividis',
  inferno: 'Inferno',
  redblue: 'Red–white–blue',
};

/** Number of entries in every lookup table. */
export const LUT_SIZE = 256;

// Evenly spaced anchors, interpolated linearly in sRGB; the perceptual ones are matplotlib's published stops.
const ANCHORS: Readonly<Record<ColormapId, readonly string[]>> = {
  grey: ['#000000', '#ffffff'],
  // matplotlib 'seismic': dark blue → blue → white → red → dark red.
  seismic: ['#00004c', '#0000ff', '#ffffff', '#ff0000', '#7f0000'],
  viridis: ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'],
  cividis: ['#00224e', '#123570', '#3b496c', '#575d6d', '#707173', '#8a8779', '#a69d75', '#c4b56c', '#e4cf5b', '#fee838'],
  inferno: ['#000004', '#1b0c41', '#4a0c6b', '#781c6d', '#a52c60', '#cf4446', '#ed6925', '#fb9b06', '#f7d13d', '#fcffa4'],
  redblue: ['#7f0000', '#ff0000', '#ffffff', '#0000ff', '#00004c'],
};

/** Parse '#rrggbb' into [r, g, b]. */
export function parseHexColor(hex: string): [number, number, number] {
  const v = parseInt(hex.slice(1, 7), 16);
  return [(v >> 16) & 255, (v >> 8) & 255, v & 255];
}

/** Pack r, g, b, a (0..255) into one Uint32 in the byte order of ImageData on a little-endian machine. */
export function packRGBA(r: number, g: number, b: number, a = 255): number {
  return ((a << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/** Unpack a Uint32 from packRGBA into [r, g, b, a]. */
export function unpackRGBA(c: number): [number, number, number, number] {
  return [c & 255, (c >>> 8) & 255, (c >>> 16) & 255, c >>> 24];
}

const cache = new Map<ColormapId, Uint32Array>();

/** The 256-entry lookup table of a colormap (cached). */
export function colormapLut(id: ColormapId): Uint32Array {
  let lut = cache.get(id);
  if (lut) return lut;
  const stops = ANCHORS[id].map(parseHexColor);
  lut = new Uint32Array(LUT_SIZE);
  const segments = stops.length - 1;
  for (let i = 0; i < LUT_SIZE; i++) {
    const t = (i / (LUT_SIZE - 1)) * segments;
    const k = Math.min(segments - 1, Math.floor(t));
    const f = t - k;
    const a = stops[k]!;
    const b = stops[k + 1]!;
    lut[i] = packRGBA(
      Math.round(a[0] + (b[0] - a[0]) * f),
      Math.round(a[1] + (b[1] - a[1]) * f),
      Math.round(a[2] + (b[2] - a[2]) * f),
    );
  }
  cache.set(id, lut);
  return lut;
}

/** True when the string names a colormap. */
export function isColormapId(x: unknown): x is ColormapId {
  return typeof x === 'string' && (COLORMAP_IDS as readonly string[]).includes(x);
}

/** Default colours for new classes: distinct, readable on grey and seismic backgrounds. */
export const DEFAULT_CLASS_COLORS: readonly string[] = [
  '#e6194b', '#3cb44b', '#ffe119', '#4363d8', '#f58231', '#911eb4', '#46f0f0', '#f032e6', '#bcf60c', '#fabebe',
  '#008080', '#e6beff', '#9a6324', '#fffac8', '#800000', '#aaffc3', '#808000', '#ffd8b1', '#000075', '#808080',
];
