// NPY section reads: ours (openNpy) beside numpy (np.load(mmap_mode='r') + np.ascontiguousarray of the same
// section layout) on one generated ~1 GiB float32 cube, from one run. Each side runs in its own fresh process so
// peak RSS is its own. The file is read once before timing so both sides start from a warm page cache.
// Usage: node --import tsx bench/io-npy.bench.ts [--shape I,X,S]
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openNpy } from '../src/io/npy';
import { DEFAULT_SECTION_CACHE_BYTES } from '../src/io/sectionCache';

const PY = '/usr/bin/python3';

interface SideResult {
  side: string;
  openFirstInlineMs: number;
  inlines: { count: number; seconds: number; bytes: number };
  crosslines: { count: number; seconds: number; bytes: number };
  timeslices: { count: number; seconds: number; bytes: number };
  browsing: { count: number; seconds: number; bytes: number };
  maxRssMiB: number;
  checksum: number[];
}

/** Evenly spaced time-slice indices, the same on both sides. */
function sliceIndices(ns: number): number[] {
  return Array.from({ length: 9 }, (_, i) => Math.round((i * (ns - 1)) / 8));
}

/** How many consecutive time slices the browsing row reads, and from where. */
const BROWSE = 64;
const BROWSE_FROM = (ns: number) => Math.max(0, (ns >> 2) - 1);

function sum(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

/** Our side, in a fresh process. */
async function child(file: string): Promise<void> {
  const t0 = performance.now();
  const first = await openNpy(file);
  const il0 = await first.inline(0);
  const openFirstInlineMs = performance.now() - t0;
  await first.close();
  const [ni, nx, ns] = first.info.shape;
  const v = await openNpy(file);
  const checksum = [sum(il0.data)];
  const time = async (count: number, read: (k: number) => Promise<{ data: Float32Array }>, check: number) => {
    const start = performance.now();
    let bytes = 0;
    for (let k = 0; k < count; k++) {
      const s = await read(k);
      bytes += s.data.byteLength;
      if (k === check) checksum.push(sum(s.data));
    }
    return { count, seconds: (performance.now() - start) / 1000, bytes };
  };
  const inlines = await time(ni, (i) => v.inline(i), ni >> 1);
  const crosslines = await time(nx, (x) => v.crossline(x), nx >> 1);
  const picks = sliceIndices(ns);
  const timeslices = await time(picks.length, (k) => v.timeslice(picks[k]), 4);
  await v.close();
  // Browsing: consecutive time slices from a fresh open, as an interpreter scrolls through time.
  const w = await openNpy(file);
  const browsing = await time(BROWSE, (k) => w.timeslice(BROWSE_FROM(ns) + k), -1);
  await w.close();
  const result: SideResult = {
    side: 'seisgrow', openFirstInlineMs, inlines, crosslines, timeslices, browsing,
    maxRssMiB: process.resourceUsage().maxRSS / 1024, checksum,
  };
  process.stdout.write(JSON.stringify(result));
}

const NUMPY_SIDE = String.raw`
import sys, json, time, resource, numpy as np
path, picks, browse, browse_from = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
t0 = time.perf_counter()
a = np.load(path, mmap_mode='r')
il0 = np.ascontiguousarray(a[0].T)
open_first = (time.perf_counter() - t0) * 1000
ni, nx, ns = a.shape
checksum = [float(il0.sum(dtype=np.float64))]
def timed(count, read, check):
    start = time.perf_counter(); nbytes = 0
    for k in range(count):
        s = read(k); nbytes += s.nbytes
        if k == check: checksum.append(float(s.sum(dtype=np.float64)))
    return {'count': count, 'seconds': time.perf_counter() - start, 'bytes': nbytes}
# the same layouts as ours: samples x traces for inline/crossline, inlines x crosslines for a time slice
inl = timed(ni, lambda i: np.ascontiguousarray(a[i].T), ni >> 1)
xl = timed(nx, lambda x: np.ascontiguousarray(a[:, x, :].T), nx >> 1)
ts = timed(len(picks), lambda k: np.ascontiguousarray(a[:, :, picks[k]]), 4)
a = np.load(path, mmap_mode='r')
br = timed(browse, lambda k: np.ascontiguousarray(a[:, :, browse_from + k]), -1)
print(json.dumps({'side': 'numpy mmap', 'openFirstInlineMs': open_first, 'inlines': inl, 'crosslines': xl, 'timeslices': ts, 'browsing': br,
                  'maxRssMiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 'checksum': checksum}))
`;

const GENERATE = String.raw`
import sys, numpy as np
path, ni, nx, ns = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
a = np.lib.format.open_memmap(path, mode='w+', dtype='<f4', shape=(ni, nx, ns))
t = np.arange(ns, dtype=np.float32)
x = np.arange(nx, dtype=np.float32)[:, None]
for i in range(ni):
    a[i] = np.sin(0.05 * t[None, :] + 0.01 * x + 0.02 * i) * 1000 + (i % 7)
a.flush(); del a
`;

async function main(): Promise<void> {
  const shapeArg = process.argv.indexOf('--shape');
  const [ni, nx, ns] = shapeArg > 0 ? process.argv[shapeArg + 1].split(',').map(Number) : [512, 512, 1024];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seisgrow-bench-npy-'));
  const file = path.join(dir, 'cube.npy');
  try {
    const g0 = performance.now();
    execFileSync(PY, ['-c', GENERATE, file, String(ni), String(nx), String(ns)], { stdio: 'inherit' });
    const size = fs.statSync(file).size;
    console.log(`generated ${file}: (${ni}, ${nx}, ${ns}) <f4 C order, ${(size / 2 ** 30).toFixed(2)} GiB in ${((performance.now() - g0) / 1000).toFixed(1)} s`);
    // Warm the page cache once so neither side pays the first disk read.
    const fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(16 << 20);
    for (let pos = 0; pos < size; pos += buf.length) fs.readSync(fd, buf, 0, buf.length, pos);
    fs.closeSync(fd);

    const ours = spawnSync(process.execPath, ['--import', 'tsx', __filename, '--child', file], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (ours.status !== 0) throw new Error(`our side failed: ${ours.stderr}`);
    const peer = spawnSync(PY, ['-c', NUMPY_SIDE, file, JSON.stringify(sliceIndices(ns)), String(BROWSE), String(BROWSE_FROM(ns))], { encoding: 'utf8' });
    if (peer.status !== 0) throw new Error(`numpy side failed: ${peer.stderr}`);
    const a: SideResult = JSON.parse(ours.stdout);
    const b: SideResult = JSON.parse(peer.stdout);

    const mbps = (r: { seconds: number; bytes: number }) => r.bytes / 1e6 / r.seconds;
    const msPer = (r: { seconds: number; count: number }) => (1000 * r.seconds) / r.count;
    const row = (cells: string[]) => `| ${cells.join(' | ')} |`;
    console.log(`\nsection reads, MB/s of float32 sections delivered (ms per section); ours with the default ${DEFAULT_SECTION_CACHE_BYTES >> 20} MiB section cache\n`);
    console.log(row(['task', 'sections', 'seisgrow MB/s', 'numpy MB/s', 'seisgrow ms/section', 'numpy ms/section', 'ratio']));
    console.log(row(['---', '---:', '---:', '---:', '---:', '---:', '---:']));
    for (const [task, key] of [['every inline', 'inlines'], ['every crossline', 'crosslines'], ['time slices (9 fixed, far apart)', 'timeslices'], [`${BROWSE} consecutive time slices`, 'browsing']] as const) {
      console.log(row([task, String(a[key].count), mbps(a[key]).toFixed(0), mbps(b[key]).toFixed(0), msPer(a[key]).toFixed(2), msPer(b[key]).toFixed(2), `${(mbps(a[key]) / mbps(b[key])).toFixed(2)}×`]));
    }
    console.log('');
    console.log(row(['measure', 'seisgrow', 'numpy']));
    console.log(row(['---', '---:', '---:']));
    console.log(row(['open + first inline (ms, fresh process)', a.openFirstInlineMs.toFixed(1), b.openFirstInlineMs.toFixed(1)]));
    console.log(row(['peak RSS (MiB)', a.maxRssMiB.toFixed(0), b.maxRssMiB.toFixed(0)]));
    const agree = a.checksum.every((c, i) => Math.abs(c - b.checksum[i]) <= 1e-6 * Math.max(1, Math.abs(c)));
    console.log(`\nchecksums of inline 0, the middle inline, crossline and time slice ${agree ? 'agree' : 'DIFFER'}: ${a.checksum.map((c) => c.toFixed(1)).join(', ')}`);
    console.log('numpy\'s RSS counts the file pages it mapped; ours counts the section cache and read buffers.');
    console.log('A time slice of a C-order cube touches every page of the file: numpy pays page faults, we (no mmap in Node)');
    console.log('read the file through, and decode a band of up to 32 neighbouring slices into the cache in the same pass.');
    if (!agree) process.exitCode = 1;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--child') {
  child(process.argv[3]).catch((e) => { console.error(e); process.exit(1); });
} else {
  main().catch((e) => { console.error(e); process.exit(1); });
}
