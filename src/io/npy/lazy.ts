// The lazy NPY volume: sections are read by offset from an open file, through a byte-bounded cache, never the
// whole array.
//
// Axis order. A 3D array is (inlines, crosslines, samples), the order of segyio's cube: arr[i, x, s] is sample s of
// the trace at inline index i, crossline index x. A 2D array is (samples, traces) = (H, W), the order of the F3
// sections: one inline, W crosslines, H samples. Line "numbers" are 0-based indices; samples are indices too.
import * as fs from 'node:fs';
import { SeisGrowError } from '../../shared/errors';
import { MAX_ALLOCATION_BYTES } from '../types';
import { SectionCache, DEFAULT_SECTION_CACHE_BYTES } from '../sectionCache';
import { estimateStatistics } from '../statistics';
import type { Section, SectionAxis, Volume, VolumeInfo, VolumeStatistics } from '../types';
import { closeQuietly, openRegularFile, readNpyHeader } from './file';
import { GatherOptions, StridedSelection, gatherFloat32 } from './gather';
import type { NpyHeader } from './header';

/** Options for openNpy. */
export interface NpyOpenOptions {
  /** Byte budget of the section cache (default 256 MiB). */
  cacheBytes?: number;
  /** Block-read tuning (see GatherOptions). */
  gather?: GatherOptions;
  /** Most traces (contiguous runs) read to estimate statistics (default 2000). */
  statisticsTraces?: number;
}

/** The documented axis order, shown by `seisgrow info`. */
const NPY_AXIS_ORDER_3D = '(inlines, crosslines, samples), as segyio cubes';
/** The documented axis order of 2D arrays. */
const NPY_AXIS_ORDER_2D = '(samples, traces): one inline, W crosslines, H samples';

/** A Volume over an NPY file, with the parsed header. Sections returned may be shared with the cache: do not mutate them. */
export interface NpyVolume extends Volume {
  readonly header: NpyHeader;
}

/** Open an NPY file (2D or 3D, any supported dtype and order) as a lazy Volume. */
export async function openNpy(path: string, options: NpyOpenOptions = {}): Promise<NpyVolume> {
  const { fd, size } = openRegularFile(path);
  try {
    const header = readNpyHeader(fd, size, path);
    return new NpyFileVolume(path, fd, header, options);
  } catch (e) {
    closeQuietly(fd);
    throw e;
  }
}

/** Element strides of the three volume axes, in stored elements. */
interface AxisStrides { inline: number; crossline: number; sample: number }

class NpyFileVolume implements NpyVolume {
  readonly info: VolumeInfo;
  private readonly strides: AxisStrides;
  private readonly cache: SectionCache;
  private closed = false;
  private stats?: Promise<VolumeStatistics>;
  private readonly dims: { inlines: number; crosslines: number; samples: number };

  constructor(readonly path: string, private readonly fd: number, readonly header: NpyHeader, private readonly options: NpyOpenOptions) {
    const shape = header.shape;
    if (shape.length < 2 || shape.length > 3) {
      const what = shape.length === 0 ? 'a 0-d scalar' : shape.length === 1 ? `a 1-D array of ${shape[0]} values` : `a ${shape.length}-D array (${shape.join(', ')})`;
      throw new SeisGrowError('bad-shape', `NPY file holds ${what}; a seismic volume needs 2 dimensions (samples, traces) or 3 (inlines, crosslines, samples)`, path);
    }
    if (shape.some((d) => d === 0)) {
      throw new SeisGrowError('bad-shape', `NPY array of shape (${shape.join(', ')}) is empty: every dimension must be at least 1`, path);
    }
    const f = header.fortranOrder;
    let dims: { inlines: number; crosslines: number; samples: number };
    if (shape.length === 3) {
      const [ni, nx, ns] = shape;
      dims = { inlines: ni, crosslines: nx, samples: ns };
      this.strides = f ? { inline: 1, crossline: ni, sample: ni * nx } : { inline: nx * ns, crossline: ns, sample: 1 };
    } else {
      const [h, w] = shape;
      dims = { inlines: 1, crosslines: w, samples: h };
      // arr[h, w]: C order puts h*W + w, Fortran order h + w*H; the single inline's stride never matters.
      this.strides = f ? { inline: h * w, crossline: h, sample: 1 } : { inline: h * w, crossline: 1, sample: w };
    }
    this.dims = dims;
    this.cache = new SectionCache(options.cacheBytes ?? DEFAULT_SECTION_CACHE_BYTES);
    const is3d = shape.length === 3;
    const notes = [
      is3d
        ? `axis order ${NPY_AXIS_ORDER_3D}; line numbers are 0-based indices`
        : `2D array read as one section: axis order ${NPY_AXIS_ORDER_2D}; line numbers are 0-based indices`,
    ];
    if (header.dtype.itemSize === 1) notes.push('single-byte elements have no byte order');
    this.info = {
      format: 'npy',
      path,
      kind: is3d ? '3d' : '2d',
      shape: [dims.inlines, dims.crosslines, dims.samples],
      inlines: range(dims.inlines),
      crosslines: range(dims.crosslines),
      sampleStart: 0,
      sampleInterval: 1,
      sampleUnit: 'index',
      dtype: header.dtype.name,
      byteOrder: header.dtype.littleEndian ? 'little' : 'big',
      notes,
      details: {
        npyVersion: `${header.version}.0`,
        descr: header.dtype.descr,
        fortranOrder: header.fortranOrder,
        npyShape: `(${shape.join(', ')})`,
        axisOrder: is3d ? NPY_AXIS_ORDER_3D : NPY_AXIS_ORDER_2D,
        dataOffset: header.dataOffset,
      },
    };
  }

  async inline(lineNumber: number): Promise<Section> {
    const i = this.checkIndex('inline', lineNumber, this.dims.inlines);
    const s = this.strides;
    return this.section('inline', i, {
      base: i * s.inline, rows: this.dims.samples, rowStride: s.sample, cols: this.dims.crosslines, colStride: s.crossline,
    });
  }

  async crossline(lineNumber: number): Promise<Section> {
    const x = this.checkIndex('crossline', lineNumber, this.dims.crosslines);
    const s = this.strides;
    return this.section('crossline', x, {
      base: x * s.crossline, rows: this.dims.samples, rowStride: s.sample, cols: this.dims.inlines, colStride: s.inline,
    });
  }

  async timeslice(sampleIndex: number): Promise<Section> {
    const k = this.checkIndex('sample', sampleIndex, this.dims.samples);
    const s = this.strides;
    const { inlines: ni, crosslines: nx, samples: ns } = this.dims;
    const sliceBytes = ni * nx * 4;
    // When samples are contiguous per trace (C-order cubes), one time slice touches every page of the file, so
    // the scan decodes a band of neighbouring slices into the cache for the same I/O: browsing through time then
    // costs one scan per band instead of one per slice.
    const uniformTraces = ni === 1 || s.inline === nx * s.crossline;
    const band = s.sample === 1 && uniformTraces && ns > 1
      ? Math.max(1, Math.min(32, ns, Math.floor(Math.min(this.cache.maxBytes / 4, 64 * 1024 * 1024) / sliceBytes)))
      : 1;
    if (band <= 1) {
      return this.section('sample', k, { base: k * s.sample, rows: ni, rowStride: s.inline, cols: nx, colStride: s.crossline });
    }
    const cached = this.cache.get(`sample:${k}`);
    if (cached) return cached;
    // Follow the direction of browsing: forward when the previous slice is cached, backward when the next one is.
    const start = this.cache.has(`sample:${k - 1}`) ? k : this.cache.has(`sample:${k + 1}`) ? k - band + 1 : k - (band >> 1);
    const k0 = Math.max(0, Math.min(start, ns - band));
    // Rows are the band's samples, columns every trace in (inline, crossline) order: row b is time slice k0 + b.
    const data = await this.read({ base: k0, rows: band, rowStride: 1, cols: ni * nx, colStride: s.crossline });
    let wanted: Section | undefined;
    for (let b = 0; b < band; b++) {
      const section: Section = { data: data.slice(b * ni * nx, (b + 1) * ni * nx), rows: ni, cols: nx };
      if (k0 + b === k) wanted = section;
      else if (this.cache.has(`sample:${k0 + b}`)) continue;
      this.cache.set(`sample:${k0 + b}`, section);
    }
    return wanted!;
  }

  async trace(inline: number, crossline: number): Promise<Float32Array> {
    const i = this.checkIndex('inline', inline, this.dims.inlines);
    const x = this.checkIndex('crossline', crossline, this.dims.crosslines);
    const s = this.strides;
    return this.read({ base: i * s.inline + x * s.crossline, rows: this.dims.samples, rowStride: s.sample, cols: 1, colStride: 1 });
  }

  statistics(): Promise<VolumeStatistics> {
    this.checkOpen();
    if (!this.stats) {
      // Sample contiguous runs of the storage's fastest axis (traces for C-order 3D, rows of samples for 2D,
      // inline runs for Fortran order): the storage is exactly a sequence of them, so they cover the volume evenly
      // and each costs one read, where a trace of a Fortran-order cube would cost one read per sample.
      const n = this.header.count;
      const fastest = this.header.fortranOrder ? this.header.shape[0] : this.header.shape[this.header.shape.length - 1];
      const runLength = Math.min(fastest, 1 << 20);
      const runs = n / fastest;
      const maxRuns = Math.max(1, Math.min(this.options.statisticsTraces ?? 2000, Math.floor(8_000_000 / runLength)));
      const readRun = (j: number) => this.read({ base: j * fastest + Math.floor((fastest - runLength) / 2), rows: 1, rowStride: 1, cols: runLength, colStride: 1 });
      this.stats = estimateStatistics(readRun, runs, maxRuns);
      this.stats.catch(() => { this.stats = undefined; });
    }
    return this.stats;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cache.clear();
    await new Promise<void>((resolve) => fs.close(this.fd, () => resolve()));
  }

  private checkOpen(): void {
    if (this.closed) throw new SeisGrowError('closed', 'the volume has been closed', this.path);
  }

  private checkIndex(axis: SectionAxis, n: number, count: number): number {
    this.checkOpen();
    if (!Number.isInteger(n) || n < 0 || n >= count) {
      const name = axis === 'sample' ? 'sample index' : axis;
      const plural = axis === 'sample' ? 'sample indices' : `${axis}s`;
      throw new SeisGrowError('out-of-range', `${name} ${n} is out of range: ${plural} of this NPY volume are 0–${count - 1}`, this.path);
    }
    return n;
  }

  private async section(axis: SectionAxis, index: number, sel: StridedSelection): Promise<Section> {
    const key = `${axis}:${index}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    const data = await this.read(sel);
    const section: Section = { data, rows: sel.rows, cols: sel.cols };
    this.cache.set(key, section);
    return section;
  }

  private async read(sel: StridedSelection): Promise<Float32Array> {
    this.checkOpen();
    const bytes = sel.rows * sel.cols * 4;
    if (bytes > MAX_ALLOCATION_BYTES) {
      throw new SeisGrowError('too-large', `a ${sel.rows} × ${sel.cols} section needs ${bytes} bytes, more than one buffer may hold`, this.path);
    }
    try {
      return await gatherFloat32(this.fd, this.header.dataOffset, this.header.dtype, sel, this.options.gather, () => this.closed);
    } catch (e) {
      if (e instanceof SeisGrowError) throw e;
      if (this.closed) throw new SeisGrowError('closed', 'the volume was closed during a read', this.path);
      throw new SeisGrowError('io', `read failed: ${(e as Error).message} (was the file changed or truncated while open?)`, this.path);
    }
  }
}

function range(n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}
