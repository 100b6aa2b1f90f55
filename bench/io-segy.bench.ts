// SEG-Y section reading, ours beside segyio (/usr/bin/python3, python3-segyio) on the same generated ~1 GiB cube, one run:
// every inline, every crossline, every 32nd time slice (128 of them: segyio without mmap needs ~0.5 s each); MB/s of delivered float32 section data, peak RSS of each
// reader process, and the time to open the file and get its first inline. Each reader runs in its own fresh process
// after the other has warmed the page cache (the file is read once before timing), so neither pays for cold disk.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const NI = 256;
const NX = 256;
const NS = 4096;
const SLICE_STEP = 32;
const IL0 = 1000;
const XL0 = 2000;

/** 'st', 'nd', 'rd' or 'th' for a positive integer. */
function ordinalSuffix(n: number): string {
  if (n % 100 >= 11 && n % 100 <= 13) return 'th';
  return ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
}

/** Write the cube trace by trace (format 5, big-endian, inline-sorted) without holding it in memory. */
function generate(path: string): void {
  const traceBytes = 240 + NS * 4;
  const buf = new Uint8Array(NX * traceBytes);
  const v = new DataView(buf.buffer);
  const fd = openSync(path, 'w');
  const head = new Uint8Array(3600).fill(0x40, 0, 3200);
  const hv = new DataView(head.buffer);
  hv.setInt16(3216, 4000);
  hv.setInt16(3220, NS);
  hv.setInt16(3224, 5);
  hv.setInt16(3228, 4);
  hv.setInt16(3500, 0x0100);
  hv.setInt16(3502, 1);
  writeSync(fd, head);
  for (let i = 0; i < NI; i++) {
    buf.fill(0);
    for (let j = 0; j < NX; j++) {
      const o = j * traceBytes;
      v.setInt32(o, j + 1);
      v.setInt32(o + 4, i * NX + j + 1);
      v.setInt32(o + 188, IL0 + i);
      v.setInt32(o + 192, XL0 + j);
      v.setInt16(o + 114, NS);
      v.setInt16(o + 116, 4000);
      // Layered amplitudes with lateral dip: cheap to generate, not constant, not compressible to a pattern a reader could exploit.
      for (let k = 0; k < NS; k++) v.setFloat32(o + 240 + 4 * k, ((k * 37 + i * 11 + j * 5) % 2003) - 1001.5);
    }
    writeSync(fd, buf);
  }
  closeSync(fd);
}

/** Read the whole file once so both readers start from a warm page cache. */
function warm(path: string): void {
  const fd = openSync(path, 'r');
  const b = Buffer.allocUnsafe(16 << 20);
  let pos = 0;
  for (;;) {
    const n = readSync(fd, b, 0, b.length, pos);
    if (n === 0) break;
    pos += n;
  }
  closeSync(fd);
}

interface Result {
  reader: string;
  openFirstInlineMs: number;
  inlineS: number;
  crosslineS: number;
  sliceS: number;
  slices: number;
  peakRssMiB: number;
  checksums: [number, number, number];
  /** Ours only: the first time slice on its own, which reads a whole window of neighbouring slices. */
  firstSliceMs?: number;
}

/** Our side, run in a child process so its peak RSS is only the reader's. */
async function ours(path: string): Promise<Result> {
  const { openSegy } = await import('../src/io/segy');
  const t0 = performance.now();
  const vol = await openSegy(path);
  await vol.inline(vol.info.inlines[0]);
  const openFirstInlineMs = performance.now() - t0;
  vol.cache.clear();
  const sum = (a: Float32Array) => {
    let s = 0;
    for (let i = 0; i < a.length; i += 97) s += a[i];
    return s;
  };
  const checksums: [number, number, number] = [0, 0, 0];
  let t = performance.now();
  for (const il of vol.info.inlines) checksums[0] += sum((await vol.inline(il)).data);
  const inlineS = (performance.now() - t) / 1000;
  t = performance.now();
  for (const xl of vol.info.crosslines) checksums[1] += sum((await vol.crossline(xl)).data);
  const crosslineS = (performance.now() - t) / 1000;
  vol.cache.clear();
  t = performance.now();
  await vol.timeslice(NS >> 1);
  const firstSliceMs = performance.now() - t;
  vol.cache.clear();
  t = performance.now();
  let slices = 0;
  for (let k = 0; k < NS; k += SLICE_STEP, slices++) checksums[2] += sum((await vol.timeslice(k)).data);
  const sliceS = (performance.now() - t) / 1000;
  await vol.close();
  return { reader: 'SeisGrow (ours)', openFirstInlineMs, inlineS, crosslineS, sliceS, slices, peakRssMiB: process.resourceUsage().maxRSS / 1024, checksums, firstSliceMs };
}

const PEER = String.raw`
import sys, time, json, resource, numpy as np, segyio
path, step, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def tsum(a):
    # Transpose to our samples-major layout so the strided checksum visits the same values as ours.
    return float(np.asarray(a, dtype=np.float64).ravel()[::97].sum())
t0 = time.perf_counter()
f = segyio.open(path)
mapped = f.mmap() if mode == 'mmap' else False
first = f.iline[f.ilines[0]]
open_ms = (time.perf_counter() - t0) * 1000
cs = [0.0, 0.0, 0.0]
t = time.perf_counter()
for il in f.ilines: cs[0] += tsum(f.iline[il].T)
inline_s = time.perf_counter() - t
t = time.perf_counter()
for xl in f.xlines: cs[1] += tsum(f.xline[xl].T)
xline_s = time.perf_counter() - t
t = time.perf_counter()
n = 0
for k in range(0, len(f.samples), step):
    cs[2] += tsum(f.depth_slice[k]); n += 1
slice_s = time.perf_counter() - t
f.close()
print(json.dumps(dict(reader='segyio 1.8.3' + (' (mmap)' if mapped else ' (stdio)'), openFirstInlineMs=open_ms, inlineS=inline_s,
    crosslineS=xline_s, sliceS=slice_s, slices=n, peakRssMiB=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, checksums=cs)))
`;

function peer(path: string, mode: 'mmap' | 'stdio'): Result {
  const r = spawnSync('/usr/bin/python3', ['-c', PEER, path, String(SLICE_STEP), mode], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`segyio peer failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Result;
}

function child(path: string): Result {
  const r = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--child', path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`our reader failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as Result;
}

async function main(): Promise<void> {
  if (process.argv[2] === '--child') {
    console.log(JSON.stringify(await ours(process.argv[3])));
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'seisgrow-bench-segy-'));
  try {
    const path = join(dir, 'cube.sgy');
    let t = performance.now();
    generate(path);
    const size = statSync(path).size;
    console.log(`generated ${NI} inlines × ${NX} crosslines × ${NS} samples, float32 big-endian: ${(size / 2 ** 30).toFixed(3)} GiB in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    warm(path);
    const results = [child(path), peer(path, 'mmap'), peer(path, 'stdio')];
    const inlineMB = (NI * NX * NS * 4) / 1e6;
    const sliceMB = (results[0].slices * NI * NX * 4) / 1e6;
    const rows = results.map((r) => [
      r.reader,
      (inlineMB / r.inlineS).toFixed(0),
      (inlineMB / r.crosslineS).toFixed(0),
      (sliceMB / r.sliceS).toFixed(1),
      ((r.sliceS / r.slices) * 1000).toFixed(1),
      r.peakRssMiB.toFixed(0),
      r.openFirstInlineMs.toFixed(1),
    ]);
    const header = ['reader', 'inlines MB/s', 'crosslines MB/s', `time slices (every ${SLICE_STEP}${ordinalSuffix(SLICE_STEP)}) MB/s`, 'ms / time slice', 'peak RSS MiB', 'open + first inline ms'];
    const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
    const line = (cells: string[]) => '| ' + cells.map((s, c) => (c === 0 ? s.padEnd(widths[c]) : s.padStart(widths[c]))).join(' | ') + ' |';
    console.log(`\n${NI} inlines (${(inlineMB / NI).toFixed(1)} MB each), ${NX} crosslines, ${results[0].slices} time slices (${((NI * NX * 4) / 1e6).toFixed(2)} MB each); MB/s of float32 section data delivered; page cache warm\n`);
    console.log(line(header));
    console.log('|' + widths.map((w, c) => (c === 0 ? '-'.repeat(w + 2) : '-'.repeat(w + 1) + ':')).join('|') + '|');
    for (const r of rows) console.log(line(r));
    // Equal work: strided checksums of every pass agree (ours samples-major, segyio transposed to match).
    for (const r of results.slice(1)) {
      r.checksums.forEach((c, i) => {
        const ref = results[0].checksums[i];
        if (Math.abs(c - ref) > 1e-9 * Math.max(1, Math.abs(ref))) throw new Error(`checksum ${i} differs: ours ${ref}, ${r.reader} ${c}`);
      });
    }
    console.log('\nchecksums of every pass agree between the readers (same values delivered).');
    console.log(`our section cache: default 256 MiB budget (our peak RSS includes up to that much cached sections).`);
    console.log(`our time slices: each read pass decodes a window of 256 neighbouring slices into the cache (one read per trace is the floor cost`);
    console.log(`of any slice without mmap), so the per-slice figure is amortised over ${256 / SLICE_STEP} slices per window; one slice alone, cold: ${results[0].firstSliceMs!.toFixed(0)} ms.`);
    console.log(`segyio (mmap) = segyio.open then f.mmap() (it returned True); segyio (stdio) = plain segyio.open.`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
