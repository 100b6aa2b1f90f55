// Lazy SEG-Y reader: headers parsed at open, sections read from disk on request through a bounded cache.
import * as fs from 'node:fs';
import { SeisGrowError } from '../../shared/errors';
import { MAX_ALLOCATION_BYTES } from '../types';
import { SectionCache } from '../sectionCache';
import { estimateStatistics } from '../statistics';
import type { Section, Volume, VolumeInfo, VolumeStatistics } from '../types';
import { decodeSamples, KNOWN_UNSUPPORTED_FORMATS, SAMPLE_FORMATS, type SampleFormat } from './formats';
import { detectGeometry, type Geometry } from './geometry';
import { BINARY_HEADER_FIELDS, TRACE_HEADER_FIELDS, decodeText, detectTextEncoding, parseFields, traceFieldSize } from './headers';

/** Options for openSegy. Byte positions are 1-based within the 240-byte trace header, as in segyio. */
export interface SegyOpenOptions {
  /** Trace-header byte of the inline number (default 189). */
  inlineByte?: number;
  /** Trace-header byte of the crossline number (default 193). */
  crosslineByte?: number;
  /** Force a byte order instead of detecting it. */
  endian?: 'big' | 'little';
  /** Section cache budget in bytes (default 256 MiB). */
  cacheBytes?: number;
}

const TEXT_BYTES = 3200;
const BINARY_BYTES = 400;
const HEADERS_BYTES = TEXT_BYTES + BINARY_BYTES;
const TRACE_HEADER_BYTES = 240;
/** Largest single read; longer runs of contiguous traces are split so memory stays bounded. */
const MAX_READ_BYTES = 32 * 1024 * 1024;
/** Coalesce neighbouring traces into one read when the bytes skipped between wanted samples are at most this. */
const COALESCE_GAP_BYTES = 8192;
/** Geometry scans read headers in blocks of this many bytes when a trace is at most HEADER_WINDOW_MAX_TRACE_BYTES. */
const HEADER_WINDOW_BYTES = 4 * 1024 * 1024;
const HEADER_WINDOW_MAX_TRACE_BYTES = 4096;
/** Most neighbouring time slices decoded together (see timeslice). */
const MAX_SLICE_WINDOW = 256;
/** Extended textual headers we accept before calling the count garbage. */
const MAX_EXTENDED_HEADERS = 10000;

/** Open a SEG-Y file lazily: reads the headers and the trace headers needed for geometry, never the whole file. */
export async function openSegy(path: string, options: SegyOpenOptions = {}): Promise<SegyVolume> {
  const inlineByte = options.inlineByte ?? 189;
  const crosslineByte = options.crosslineByte ?? 193;
  for (const [name, b] of [['inlineByte', inlineByte], ['crosslineByte', crosslineByte]] as const) {
    if (!Number.isInteger(b) || b < 1 || b + traceFieldSize(b) - 1 > TRACE_HEADER_BYTES) {
      throw new SeisGrowError('bad-request', `${name} must be a trace-header byte position in 1..${TRACE_HEADER_BYTES - 1}, got ${b}`, path);
    }
  }
  let stat: fs.Stats;
  try {
    stat = fs.statSync(path);
  } catch (e) {
    throw fsError(e, path);
  }
  if (stat.isDirectory()) throw new SeisGrowError('is-directory', 'is a directory, not a SEG-Y file', path);
  if (!stat.isFile()) throw new SeisGrowError('not-a-file', 'is not a regular file', path);
  if (stat.size === 0) throw new SeisGrowError('empty', 'file is empty (0 bytes), not a SEG-Y file', path);
  if (stat.size < HEADERS_BYTES) {
    throw new SeisGrowError('truncated', `file is ${stat.size} bytes, shorter than the ${HEADERS_BYTES}-byte SEG-Y textual and binary headers`, path);
  }
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw fsError(e, path);
  }
  try {
    return new SegyVolume(path, fd, stat.size, inlineByte, crosslineByte, options);
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
}

function fsError(e: unknown, path: string): SeisGrowError {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return new SeisGrowError('not-found', 'no such file', path);
  if (code === 'EISDIR') return new SeisGrowError('is-directory', 'is a directory, not a SEG-Y file', path);
  if (code === 'EACCES' || code === 'EPERM') return new SeisGrowError('permission', 'permission denied', path);
  return new SeisGrowError('io', `cannot read: ${(e as Error)?.message ?? String(e)}`, path);
}

/** Read exactly len bytes at pos into buf[0..len), or fail with a SeisGrowError (the file shrank under us). */
function preadFully(fd: number, buf: Uint8Array, len: number, pos: number, path: string): void {
  let done = 0;
  while (done < len) {
    let n: number;
    try {
      n = fs.readSync(fd, buf, done, len - done, pos + done);
    } catch (e) {
      throw fsError(e, path);
    }
    if (n === 0) throw new SeisGrowError('truncated', `unexpected end of file at byte ${pos + done} (the file changed while open?)`, path);
    done += n;
  }
}

type ByteOrder = 'big' | 'little';

/** Pick the byte order from the format code (valid one way only), then the rev2 byte-order mark. */
function detectByteOrder(bin: DataView, path: string, forced?: ByteOrder): ByteOrder {
  const known = (c: number) => SAMPLE_FORMATS.has(c) || KNOWN_UNSUPPORTED_FORMATS.has(c);
  const fmtBig = bin.getInt16(3225 - 3201, false);
  const fmtLittle = bin.getInt16(3225 - 3201, true);
  if (forced) return forced;
  const bom = bin.getUint32(3297 - 3201, false);
  if (bom === 0x01020304) return 'big';
  if (bom === 0x04030201) return 'little';
  if (known(fmtBig) && !known(fmtLittle)) return 'big';
  if (known(fmtLittle) && !known(fmtBig)) return 'little';
  throw new SeisGrowError(
    'unknown-format',
    `binary header data sample format code (bytes 3225-3226) is ${fmtBig} read big-endian and ${fmtLittle} read little-endian: neither is a SEG-Y sample format (not a SEG-Y file, or a corrupt binary header)`,
    path,
  );
}

/** A SEG-Y file opened lazily. Implements Volume; sections are decoded to float32 on request. */
export class SegyVolume implements Volume {
  readonly info: VolumeInfo;
  /** The 3200-byte textual header decoded to text (EBCDIC or ASCII, detected). */
  readonly textualHeader: string;
  /** How the textual header was encoded. */
  readonly textEncoding: 'ascii' | 'ebcdic';
  /** The raw 3200 textual header bytes as stored. */
  readonly textualHeaderBytes: Uint8Array;
  /** Decoded extended textual headers (rev1+), in order. */
  readonly extendedTextualHeaders: readonly string[];
  /** Binary header fields, named as segyio names them. */
  readonly binaryHeader: Readonly<Record<string, number>>;
  /** The raw 400 binary header bytes as stored (in the file's byte order). */
  readonly binaryHeaderBytes: Uint8Array;
  /** Number of traces in the file. */
  readonly traceCount: number;
  /** Samples per trace. */
  readonly sampleCount: number;
  /** How traces are ordered: inline-sorted (crosslines vary fastest), crossline-sorted, or no regular grid. */
  readonly sorting: 'inline' | 'crossline' | 'none';
  /** The sample format in use. */
  readonly format: SampleFormat;
  readonly byteOrder: ByteOrder;
  /** Trace-header bytes of the inline and crossline numbers used for geometry. */
  readonly inlineByte: number;
  readonly crosslineByte: number;
  /** Byte offset of the first trace and the size of one trace (header + samples). */
  readonly dataOffset: number;
  readonly traceBytes: number;
  /** The section cache (exposed for tests and diagnostics). */
  readonly cache: SectionCache;

  private readonly little: boolean;
  private readonly geometry: Geometry;
  private readonly inlinePos = new Map<number, number>();
  private readonly crosslinePos = new Map<number, number>();
  private scratch = new Uint8Array(0);
  private closed = false;
  private stats?: Promise<VolumeStatistics>;

  /** Use openSegy(); the constructor parses headers synchronously from an open descriptor. */
  constructor(
    readonly path: string,
    private readonly fd: number,
    readonly fileSize: number,
    inlineByte: number,
    crosslineByte: number,
    options: SegyOpenOptions,
  ) {
    this.inlineByte = inlineByte;
    this.crosslineByte = crosslineByte;
    this.cache = new SectionCache(options.cacheBytes);
    const head = new Uint8Array(HEADERS_BYTES);
    preadFully(fd, head, HEADERS_BYTES, 0, path);
    this.textualHeaderBytes = head.slice(0, TEXT_BYTES);
    this.binaryHeaderBytes = head.slice(TEXT_BYTES);
    const binView = new DataView(this.binaryHeaderBytes.buffer);
    this.byteOrder = detectByteOrder(binView, path, options.endian);
    this.little = this.byteOrder === 'little';
    const bin = parseFields(binView, BINARY_HEADER_FIELDS, 3201, this.little);
    this.binaryHeader = bin;
    const notes: string[] = [];

    const formatCode = bin.Format;
    const format = SAMPLE_FORMATS.get(formatCode);
    if (!format) {
      const why = KNOWN_UNSUPPORTED_FORMATS.has(formatCode) ? 'is not supported (supported: 1, 2, 3, 5, 6, 8, 9, 10, 11, 12, 16)' : 'is not a SEG-Y sample format';
      throw new SeisGrowError('unknown-format', `data sample format code ${formatCode} (binary header bytes 3225-3226) ${why}`, path);
    }
    this.format = format;
    this.textEncoding = detectTextEncoding(this.textualHeaderBytes);
    this.textualHeader = decodeText(this.textualHeaderBytes, this.textEncoding);

    const extended = this.readExtendedHeaders(bin.ExtendedHeaders, notes);
    this.extendedTextualHeaders = extended;
    this.dataOffset = HEADERS_BYTES + TEXT_BYTES * extended.length;
    const dataBytes = fileSize - this.dataOffset;
    if (dataBytes < TRACE_HEADER_BYTES) {
      throw new SeisGrowError('truncated', `no complete trace: ${dataBytes} bytes follow the headers, a trace header alone is ${TRACE_HEADER_BYTES}`, path);
    }
    const firstHeader = new Uint8Array(TRACE_HEADER_BYTES);
    preadFully(fd, firstHeader, TRACE_HEADER_BYTES, this.dataOffset, path);
    const fh = new DataView(firstHeader.buffer);

    // Sample count: binary header, then rev2's 32-bit extended count, then the first trace header; the file size arbitrates.
    const revisionMajor = bin.SEGYRevision >= 256 ? bin.SEGYRevision >> 8 : bin.SEGYRevision;
    const candidates: number[] = [];
    const binSamples = binView.getUint16(3221 - 3201, this.little);
    if (binSamples > 0) candidates.push(binSamples);
    if (revisionMajor >= 2) {
      const ext = binView.getInt32(3269 - 3201, this.little);
      if (ext > 0) candidates.push(ext);
    }
    const traceSamples = fh.getUint16(115 - 1, this.little);
    if (traceSamples > 0) candidates.push(traceSamples);
    if (candidates.length === 0) {
      throw new SeisGrowError('bad-header', 'sample count is 0 in the binary header (3221-3222) and in the first trace header (115-116)', path);
    }
    const fits = (ns: number) => {
      const tb = TRACE_HEADER_BYTES + ns * format.bytes;
      return tb <= dataBytes && dataBytes % tb === 0;
    };
    const ns = candidates.find(fits);
    if (ns === undefined) {
      const tb = TRACE_HEADER_BYTES + candidates[0] * format.bytes;
      if (tb > dataBytes) {
        throw new SeisGrowError('truncated', `one trace of ${candidates[0]} ${format.dtype} samples needs ${tb} bytes but only ${dataBytes} bytes follow the headers (absurd sample count or truncated file)`, path);
      }
      throw new SeisGrowError(
        'truncated',
        `file ends mid-trace: ${dataBytes} data bytes are ${Math.floor(dataBytes / tb)} whole traces of ${tb} bytes (${candidates[0]} samples × ${format.bytes} bytes + ${TRACE_HEADER_BYTES}) plus ${dataBytes % tb} bytes`,
        path,
      );
    }
    if (ns !== candidates[0]) notes.push(`sample count ${candidates[0]} from the binary header does not fit the file size; using ${ns}`);
    this.sampleCount = ns;
    this.traceBytes = TRACE_HEADER_BYTES + ns * format.bytes;
    this.traceCount = dataBytes / this.traceBytes;

    let intervalUs = bin.Interval;
    if (intervalUs <= 0) {
      intervalUs = fh.getInt16(117 - 1, this.little);
      if (intervalUs > 0) notes.push('sample interval taken from the first trace header (binary header has none)');
    }
    if (intervalUs <= 0) {
      intervalUs = 4000;
      notes.push('no sample interval in the binary or trace headers: assuming 4 ms');
    }
    const delay = fh.getInt16(109 - 1, this.little);
    const timeScalar = fh.getInt16(215 - 1, this.little);
    const sampleStart = timeScalar > 0 ? delay * timeScalar : timeScalar < 0 ? delay / -timeScalar : delay;
    if (timeScalar !== 0 && timeScalar !== 1 && delay !== 0) {
      notes.push(`first sample at ${sampleStart} ms: delay recording time ${delay} (trace bytes 109-110) with time scalar ${timeScalar} (bytes 215-216)`);
    }

    // Verify every trace's position when that is cheap (short traces read in blocks, or few traces); else spot-check.
    const checkAll = this.traceCount <= 2000 || (this.traceBytes <= HEADER_WINDOW_MAX_TRACE_BYTES && dataBytes <= 256 * 1024 * 1024);
    this.geometry = detectGeometry(this.traceCount, (t) => this.lineNumbersOf(t), checkAll);
    this.headerWindow = { first: 0, count: 0, bytes: new Uint8Array(0) };
    const g = this.geometry;
    let inlines: number[];
    let crosslines: number[];
    let kind: '2d' | '3d';
    if (g.sorting === 'none') {
      this.sorting = 'none';
      inlines = [0];
      crosslines = Array.from({ length: this.traceCount }, (_, i) => i);
      kind = '2d';
      notes.push(`opened as a plain trace × sample array (${this.traceCount} traces): ${g.reason}; inline 0 holds every trace, crossline numbers are trace indices`);
    } else {
      this.sorting = g.sorting;
      const [ilFile, xlFile] = g.sorting === 'inline' ? [g.slow, g.fast] : [g.fast, g.slow];
      ilFile.forEach((n, i) => this.inlinePos.set(n, i));
      xlFile.forEach((n, i) => this.crosslinePos.set(n, i));
      inlines = [...ilFile].sort((a, b) => a - b);
      crosslines = [...xlFile].sort((a, b) => a - b);
      kind = inlines.length === 1 ? '2d' : '3d';
      if (kind === '2d') notes.push('a single inline: a 2D line of traces × samples');
    }
    this.info = {
      format: 'segy',
      path,
      kind,
      shape: [inlines.length, crosslines.length, ns],
      inlines,
      crosslines,
      sampleStart,
      sampleInterval: intervalUs / 1000,
      sampleUnit: 'ms',
      dtype: format.dtype,
      byteOrder: this.byteOrder,
      notes,
      details: {
        formatCode: format.code,
        formatName: format.description,
        revision: revisionMajor,
        sorting: this.sorting,
        traceCount: this.traceCount,
        extendedTextualHeaders: extended.length,
        textEncoding: this.textEncoding,
        inlineByte,
        crosslineByte,
        traceBytes: this.traceBytes,
        dataOffset: this.dataOffset,
      },
    };
  }

  private readExtendedHeaders(count: number, notes: string[]): string[] {
    const available = Math.floor((this.fileSize - HEADERS_BYTES) / TEXT_BYTES);
    const out: string[] = [];
    const block = new Uint8Array(TEXT_BYTES);
    if (count > 0) {
      if (count > available || count > MAX_EXTENDED_HEADERS) {
        throw new SeisGrowError('truncated', `binary header announces ${count} extended textual headers (bytes 3505-3506) but the file holds at most ${available} after the headers`, this.path);
      }
      for (let i = 0; i < count; i++) {
        preadFully(this.fd, block, TEXT_BYTES, HEADERS_BYTES + i * TEXT_BYTES, this.path);
        out.push(decodeText(block, detectTextEncoding(block)));
      }
    } else if (count === -1) {
      // Variable count: blocks until the ((SEG: EndText)) stanza.
      for (let i = 0; i < Math.min(available, MAX_EXTENDED_HEADERS); i++) {
        preadFully(this.fd, block, TEXT_BYTES, HEADERS_BYTES + i * TEXT_BYTES, this.path);
        const text = decodeText(block, detectTextEncoding(block));
        out.push(text);
        if (/\(\(SEG:\s*EndText\s*\)\)/i.test(text)) return out;
      }
      throw new SeisGrowError('bad-header', 'extended textual header count is -1 (variable) but no ((SEG: EndText)) stanza ends them', this.path);
    } else if (count < -1) {
      notes.push(`ignored a negative extended textual header count (${count})`);
    }
    return out;
  }

  /** A window of whole traces for geometry scans of files with short traces (one read serves many headers). */
  private headerWindow = { first: 0, count: 0, bytes: new Uint8Array(0) };

  /** Inline and crossline numbers of trace t: from a block window when traces are short, else one small read. */
  private lineNumbersOf(t: number): [number, number] {
    const ilSize = traceFieldSize(this.inlineByte);
    const xlSize = traceFieldSize(this.crosslineByte);
    let view: DataView;
    let base: number;
    if (this.traceBytes <= HEADER_WINDOW_MAX_TRACE_BYTES) {
      const w = this.headerWindow;
      if (t < w.first || t >= w.first + w.count) {
        const count = Math.min(this.traceCount - t, Math.max(1, Math.floor(HEADER_WINDOW_BYTES / this.traceBytes)));
        if (w.bytes.length < count * this.traceBytes) w.bytes = new Uint8Array(count * this.traceBytes);
        preadFully(this.fd, w.bytes, count * this.traceBytes, this.dataOffset + t * this.traceBytes, this.path);
        w.first = t;
        w.count = count;
      }
      view = new DataView(w.bytes.buffer);
      base = (t - w.first) * this.traceBytes;
    } else {
      const lo = Math.min(this.inlineByte, this.crosslineByte) - 1;
      const hi = Math.max(this.inlineByte - 1 + ilSize, this.crosslineByte - 1 + xlSize);
      const small = new Uint8Array(hi - lo);
      preadFully(this.fd, small, hi - lo, this.dataOffset + t * this.traceBytes + lo, this.path);
      view = new DataView(small.buffer);
      base = -lo;
    }
    const il = ilSize === 2 ? view.getInt16(base + this.inlineByte - 1, this.little) : view.getInt32(base + this.inlineByte - 1, this.little);
    const xl = xlSize === 2 ? view.getInt16(base + this.crosslineByte - 1, this.little) : view.getInt32(base + this.crosslineByte - 1, this.little);
    return [il, xl];
  }

  private check(): void {
    if (this.closed) throw new SeisGrowError('closed', 'volume is closed', this.path);
  }

  private traceIndex(inlinePos: number, crosslinePos: number): number {
    const g = this.geometry;
    if (g.sorting === 'inline') return inlinePos * g.fast.length + crosslinePos;
    if (g.sorting === 'crossline') return crosslinePos * g.fast.length + inlinePos;
    return crosslinePos;
  }

  private position(map: Map<number, number>, n: number, what: string, range: readonly number[]): number {
    const p = map.get(n);
    if (p === undefined) {
      throw new SeisGrowError('out-of-range', `${what} ${n} is not in the file (${what}s ${range[0]}..${range[range.length - 1]}, ${range.length} of them)`, this.path);
    }
    return p;
  }

  private allocSection(rows: number, cols: number): Section {
    const bytes = rows * cols * 4;
    if (bytes > MAX_ALLOCATION_BYTES) {
      throw new SeisGrowError('too-large', `a ${rows} × ${cols} section needs ${bytes} bytes, over the ${MAX_ALLOCATION_BYTES}-byte limit for one read`, this.path);
    }
    return { data: new Float32Array(rows * cols), rows, cols };
  }

  /** The section at an inline NUMBER: samples × crosslines (ascending). For a plain trace array, inline 0 is every trace. */
  async inline(lineNumber: number): Promise<Section> {
    this.check();
    const key = `il:${lineNumber}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const { crosslines } = this.info;
    let traces: Int32Array;
    if (this.sorting === 'none') {
      if (lineNumber !== 0) throw new SeisGrowError('out-of-range', `inline ${lineNumber} is not in the file (a plain trace array has only inline 0)`, this.path);
      traces = Int32Array.from(crosslines);
    } else {
      const ip = this.position(this.inlinePos, lineNumber, 'inline', this.info.inlines);
      traces = Int32Array.from(crosslines, (xl) => this.traceIndex(ip, this.crosslinePos.get(xl)!));
    }
    const s = this.allocSection(this.sampleCount, traces.length);
    this.gather(traces, Int32Array.from(traces, (_, i) => i), 0, this.sampleCount, s.data, traces.length);
    this.cache.set(key, s);
    return s;
  }

  /** The section at a crossline NUMBER: samples × inlines (ascending). For a plain trace array, crossline N is trace N. */
  async crossline(lineNumber: number): Promise<Section> {
    this.check();
    const key = `xl:${lineNumber}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    let traces: Int32Array;
    if (this.sorting === 'none') {
      if (!Number.isInteger(lineNumber) || lineNumber < 0 || lineNumber >= this.traceCount) {
        throw new SeisGrowError('out-of-range', `crossline (trace index) ${lineNumber} is not in 0..${this.traceCount - 1}`, this.path);
      }
      traces = Int32Array.of(lineNumber);
    } else {
      const xp = this.position(this.crosslinePos, lineNumber, 'crossline', this.info.crosslines);
      traces = Int32Array.from(this.info.inlines, (il) => this.traceIndex(this.inlinePos.get(il)!, xp));
    }
    const s = this.allocSection(this.sampleCount, traces.length);
    this.gather(traces, Int32Array.from(traces, (_, i) => i), 0, this.sampleCount, s.data, traces.length);
    this.cache.set(key, s);
    return s;
  }

  /**
   * The time/depth slice at a sample INDEX: inlines × crosslines (1 × traces for a plain trace array).
   * A slice needs a few bytes from every trace, so the cost is one read per trace whatever the slice size; we therefore
   * decode an aligned window of neighbouring slices from the same reads (as many as a quarter of the cache holds, at
   * most 256) and cache them, so stepping through time slices costs one pass per window rather than one per slice.
   */
  async timeslice(sampleIndex: number): Promise<Section> {
    this.check();
    if (!Number.isInteger(sampleIndex) || sampleIndex < 0 || sampleIndex >= this.sampleCount) {
      throw new SeisGrowError('out-of-range', `sample index ${sampleIndex} is not in 0..${this.sampleCount - 1}`, this.path);
    }
    const hit = this.cache.get(`ts:${sampleIndex}`);
    if (hit) return hit;
    const [ni, nx] = this.info.shape;
    const sliceBytes = ni * nx * 4;
    const window = Math.max(1, Math.min(MAX_SLICE_WINDOW, Math.floor(this.cache.maxBytes / 4 / sliceBytes), Math.floor(MAX_READ_BYTES / sliceBytes)));
    const w0 = Math.floor(sampleIndex / window) * window;
    const w1 = Math.min(this.sampleCount, w0 + window);
    const block = this.allocSection(w1 - w0, ni * nx).data;
    const { traces, outIndex } = this.sliceOrder();
    this.gather(traces, outIndex, w0, w1 - w0, block, ni * nx);
    let wanted: Section | undefined;
    for (let k = w0; k < w1; k++) {
      const s: Section = { data: w1 - w0 === 1 ? block : block.slice((k - w0) * ni * nx, (k - w0 + 1) * ni * nx), rows: ni, cols: nx };
      if (k === sampleIndex) wanted = s;
      this.cache.set(`ts:${k}`, s);
    }
    return wanted!;
  }

  private sliceOrderCache?: { traces: Int32Array; outIndex: Int32Array };

  /** Every trace in file order (so reads go forward through the file) with its position in an inlines × crosslines slice. */
  private sliceOrder(): { traces: Int32Array; outIndex: Int32Array } {
    if (this.sliceOrderCache) return this.sliceOrderCache;
    const [ni, nx] = this.info.shape;
    const traces = new Int32Array(ni * nx);
    const outIndex = new Int32Array(ni * nx);
    if (this.sorting === 'none') {
      for (let t = 0; t < nx; t++) (traces[t] = t), (outIndex[t] = t);
    } else {
      const ilRank = new Map(this.info.inlines.map((n, i) => [n, i]));
      const xlRank = new Map(this.info.crosslines.map((n, i) => [n, i]));
      const g = this.geometry as Exclude<Geometry, { sorting: 'none' }>;
      let t = 0;
      for (let a = 0; a < g.slow.length; a++) {
        for (let b = 0; b < g.fast.length; b++, t++) {
          const [il, xl] = g.sorting === 'inline' ? [g.slow[a], g.fast[b]] : [g.fast[b], g.slow[a]];
          traces[t] = t;
          outIndex[t] = ilRank.get(il)! * nx + xlRank.get(xl)!;
        }
      }
    }
    this.sliceOrderCache = { traces, outIndex };
    return this.sliceOrderCache;
  }

  /** One trace by inline and crossline number. */
  async trace(inline: number, crossline: number): Promise<Float32Array> {
    this.check();
    if (this.sorting === 'none') {
      if (inline !== 0) throw new SeisGrowError('out-of-range', `inline ${inline} is not in the file (a plain trace array has only inline 0)`, this.path);
      return this.readTrace(crossline);
    }
    const ip = this.position(this.inlinePos, inline, 'inline', this.info.inlines);
    const xp = this.position(this.crosslinePos, crossline, 'crossline', this.info.crosslines);
    return this.readTrace(this.traceIndex(ip, xp));
  }

  /** One trace by its index in the file (0-based), decoded to float32. */
  async readTrace(index: number): Promise<Float32Array> {
    this.check();
    this.checkTraceIndex(index);
    const out = new Float32Array(this.sampleCount);
    this.gather(Int32Array.of(index), Int32Array.of(0), 0, this.sampleCount, out, 1);
    return out;
  }

  /** The named fields of one trace header (segyio's names), by trace index. */
  async traceHeader(index: number): Promise<Record<string, number>> {
    const raw = await this.traceHeaderBytes(index);
    return parseFields(new DataView(raw.buffer), TRACE_HEADER_FIELDS, 1, this.little);
  }

  /** The raw 240 bytes of one trace header, in the file's byte order. */
  async traceHeaderBytes(index: number): Promise<Uint8Array> {
    this.check();
    this.checkTraceIndex(index);
    const raw = new Uint8Array(TRACE_HEADER_BYTES);
    preadFully(this.fd, raw, TRACE_HEADER_BYTES, this.dataOffset + index * this.traceBytes, this.path);
    return raw;
  }

  /** The file's trace index holding (inline, crossline), or undefined when the grid has no such trace (or there is no grid). */
  traceIndexOf(inline: number, crossline: number): number | undefined {
    if (this.sorting === 'none') return undefined;
    const ip = this.inlinePos.get(inline);
    const xp = this.crosslinePos.get(crossline);
    return ip === undefined || xp === undefined ? undefined : this.traceIndex(ip, xp);
  }

  private checkTraceIndex(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.traceCount) {
      throw new SeisGrowError('out-of-range', `trace index ${index} is not in 0..${this.traceCount - 1}`, this.path);
    }
  }

  /** Statistics from up to 2000 evenly spaced traces, computed once. */
  statistics(): Promise<VolumeStatistics> {
    try {
      this.check();
    } catch (e) {
      return Promise.reject(e);
    }
    this.stats ??= estimateStatistics((i) => this.readTrace(i), this.traceCount);
    return this.stats;
  }

  /** Release the file handle; further calls reject. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.cache.clear();
    fs.closeSync(this.fd);
  }

  /**
   * Read samples [s0, s0+n) of each listed trace and write sample k of traces[i] to out[outIndex[i] + k*step].
   * traces must be ascending for coalescing to help; runs of consecutive traces become one read when the
   * bytes skipped between them are small (a whole inline of an inline-sorted file is a single read).
   */
  private gather(traces: Int32Array, outIndex: Int32Array, s0: number, n: number, out: Float32Array, step: number): void {
    const bps = this.format.bytes;
    const want = n * bps;
    const gap = this.traceBytes - want;
    const maxRun = gap <= COALESCE_GAP_BYTES ? Math.max(1, Math.floor(MAX_READ_BYTES / this.traceBytes)) : 1;
    const skip = TRACE_HEADER_BYTES + s0 * bps;
    const code = this.format.code;
    let i = 0;
    while (i < traces.length) {
      let j = i + 1;
      while (j < traces.length && j - i < maxRun && traces[j] === traces[j - 1] + 1) j++;
      const first = traces[i];
      const len = (j - i - 1) * this.traceBytes + want;
      if (this.scratch.length < len) this.scratch = new Uint8Array(Math.max(len, Math.min(MAX_READ_BYTES, this.scratch.length * 2)));
      preadFully(this.fd, this.scratch, len, this.dataOffset + first * this.traceBytes + skip, this.path);
      const view = new DataView(this.scratch.buffer, 0, len);
      for (let k = i; k < j; k++) decodeSamples(view, (k - i) * this.traceBytes, n, code, this.little, out, outIndex[k], step);
      i = j;
    }
  }
}
