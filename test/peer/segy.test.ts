// SEG-Y agreement with Debian's python3-segyio 1.8.3: real files, files segyio writes, files we write.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSegy, writeSegy, type SegyVolume } from '../../src/io/segy';
import { describeWithSharedData, sharedData } from '../support/sharedData';
import { DUMP_SCRIPT, assertSameFloats, python, readF32, transpose, type SegyioMeta } from './segyPeer';

let work: string;
before(() => {
  work = mkdtempSync(join(tmpdir(), 'seisgrow-segy-peer-'));
});
after(() => rmSync(work, { recursive: true, force: true }));

function dump(path: string, endian: 'big' | 'little', geometry: boolean): { dir: string; meta: SegyioMeta } {
  const dir = mkdtempSync(join(work, 'dump-'));
  python(DUMP_SCRIPT, path, dir, endian, geometry ? 'yes' : 'none');
  return { dir, meta: JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as SegyioMeta };
}

/** Compare every trace, every trace header, and (for a grid) every inline, crossline and depth slice with segyio's dump. */
async function compareWithSegyio(vol: SegyVolume, dir: string, meta: SegyioMeta, name: string): Promise<void> {
  const ns = meta.samples.length;
  assert.equal(vol.traceCount, meta.tracecount, `${name}: trace count`);
  assert.equal(vol.sampleCount, ns, `${name}: samples`);
  assert.equal(vol.format.code, meta.format, `${name}: format`);
  for (const [k, v] of Object.entries(meta.bin)) assert.equal(vol.binaryHeader[k], v, `${name}: binary header ${k}`);
  const traces = readF32(join(dir, 'traces.f32'));
  for (let t = 0; t < meta.tracecount; t++) {
    assertSameFloats(await vol.readTrace(t), traces.subarray(t * ns, (t + 1) * ns), `${name}: trace ${t}`);
    const ours = await vol.traceHeader(t);
    for (const [k, v] of Object.entries(meta.headers[t])) assert.equal(ours[k], v, `${name}: trace ${t} header ${k}`);
  }
  if (meta.unstructured) {
    assert.equal(vol.sorting, 'none');
    assert.equal(vol.info.kind, '2d');
    assert.deepEqual(vol.info.shape, [1, meta.tracecount, ns]);
    const all = await vol.inline(0);
    assertSameFloats(all.data, transpose(traces, meta.tracecount, ns), `${name}: plain array`);
    return;
  }
  assert.equal(vol.sorting, meta.sorting === 2 ? 'inline' : meta.sorting === 1 ? 'crossline' : 'none', `${name}: sorting`);
  assert.deepEqual(vol.info.inlines, meta.ilines);
  assert.deepEqual(vol.info.crosslines, meta.xlines);
  assert.deepEqual(vol.info.shape, [meta.ilines!.length, meta.xlines!.length, ns]);
  for (const il of meta.ilines!) {
    const s = await vol.inline(il);
    assertSameFloats(s.data, transpose(readF32(join(dir, `il_${il}.f32`)), meta.xlines!.length, ns), `${name}: inline ${il}`);
  }
  for (const xl of meta.xlines!) {
    const s = await vol.crossline(xl);
    assertSameFloats(s.data, transpose(readF32(join(dir, `xl_${xl}.f32`)), meta.ilines!.length, ns), `${name}: crossline ${xl}`);
  }
  for (let k = 0; k < ns; k++) {
    const s = await vol.timeslice(k);
    // segyio's depth slice is in file trace order: crossline-major for a crossline-sorted file.
    const theirs = readF32(join(dir, `ds_${k}.f32`));
    const expected = meta.sorting === 1 ? transpose(theirs, meta.xlines!.length, meta.ilines!.length) : theirs;
    assertSameFloats(s.data, expected, `${name}: depth slice ${k}`);
  }
}

describeWithSharedData('SEG-Y vs segyio: every file in shared/data/segy', () => {
  const files = readdirSync(sharedData('segy')).filter((f) => f.endsWith('.sgy'));

  it('covers the expected files', () => {
    for (const f of ['f3.sgy', 'f3-lsb.sgy', 'small.sgy', 'delay-scalar.sgy', 'shot-gather.sgy']) assert.ok(files.includes(f), f);
  });

  for (const file of files) {
    it(`${file}: headers, traces, lines and slices identical`, async () => {
      const path = sharedData('segy', file);
      const vol = await openSegy(path);
      try {
        const { dir, meta } = dump(path, vol.byteOrder, vol.sorting !== 'none');
        await compareWithSegyio(vol, dir, meta, file);
        // segyio 1.8.3 converts every textual header from EBCDIC; ASCII ones (delay-scalar.sgy) we keep as stored.
        if (vol.textEncoding === 'ebcdic') assert.equal(vol.textualHeader, meta.text.padEnd(3200, '\0'));
        else assert.equal(vol.textualHeader, readFileSync(path).subarray(0, 3200).toString('latin1'));
        // segyio 1.8.3 ignores the time scalar (trace bytes 215-216); the standard applies it: 10000 with -10 is 1000 ms.
        const scalar = meta.headers[0].ScalarTraceHeader;
        const factor = scalar > 0 ? scalar : scalar < 0 ? 1 / -scalar : 1;
        assert.equal(vol.info.sampleStart, meta.samples[0] * factor, 'sample start');
        if (factor !== 1) assert.match(vol.info.notes.join(' '), new RegExp(`first sample at ${vol.info.sampleStart} ms`));
        assert.equal(vol.info.sampleInterval, meta.samples.length > 1 ? meta.samples[1] - meta.samples[0] : vol.info.sampleInterval);
      } finally {
        await vol.close();
      }
    });
  }

  it('statistics of the real F3 cube (every trace sampled: 414 < 2000) equal numpy on segyio\'s data', async () => {
    const out = python(
      String.raw`
import sys, json, segyio, numpy as np
with segyio.open(sys.argv[1]) as f:
    a = f.trace.raw[:].astype(np.float64).ravel()
ps = [0.5, 1, 2, 5, 50, 95, 98, 99, 99.5]
print(json.dumps(dict(min=a.min(), max=a.max(), mean=a.mean(), std=a.std(), n=a.size, p=[float(np.percentile(a, q)) for q in ps])))
`,
      sharedData('segy', 'f3.sgy'),
    );
    const ref = JSON.parse(out) as { min: number; max: number; mean: number; std: number; n: number; p: number[] };
    const vol = await openSegy(sharedData('segy', 'f3.sgy'));
    const s = await vol.statistics();
    await vol.close();
    assert.equal(s.sampleCount, ref.n);
    assert.equal(s.min, ref.min);
    assert.equal(s.max, ref.max);
    assert.ok(Math.abs(s.mean - ref.mean) <= 1e-9 * Math.abs(ref.mean), `mean ${s.mean} vs ${ref.mean}`);
    assert.ok(Math.abs(s.std - ref.std) <= 1e-9 * ref.std, `std ${s.std} vs ${ref.std}`);
    [0.5, 1, 2, 5, 50, 95, 98, 99, 99.5].forEach((q, i) => assert.ok(Math.abs(s.percentiles[String(q)] - ref.p[i]) <= 1e-9 * Math.max(1, Math.abs(ref.p[i])), `p${q}`));
  });

  it('reads the real F3 cube the same in both byte orders, and the embedded samples/f3.sgy is the same cube', async () => {
    const big = await openSegy(sharedData('segy', 'f3.sgy'));
    const little = await openSegy(sharedData('segy', 'f3-lsb.sgy'));
    const embedded = await openSegy(join(__dirname, '../../samples/f3.sgy'));
    assert.equal(big.byteOrder, 'big');
    assert.equal(little.byteOrder, 'little');
    assert.deepEqual(big.info.shape, [23, 18, 75]);
    for (const il of big.info.inlines) {
      const a = await big.inline(il);
      assertSameFloats((await little.inline(il)).data, a.data, `f3-lsb inline ${il}`);
      assertSameFloats((await embedded.inline(il)).data, a.data, `samples/f3.sgy inline ${il}`);
    }
    await Promise.all([big.close(), little.close(), embedded.close()]);
  });
});

const CREATE_SCRIPT = String.raw`
import sys, segyio, numpy as np
path, fmt, endian, sorting = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
spec = segyio.spec()
spec.format = fmt
spec.sorting = sorting
spec.ilines = [10, 11, 12, 13]
spec.xlines = [100, 102, 104]
spec.samples = list(range(0, 4 * 37, 4))
spec.endian = endian
rng = np.random.default_rng(fmt * 7 + (endian == 'little'))
with segyio.create(path, spec) as f:
    f.bin.update(hdt=4000, hns=37)
    tr = 0
    slow, fast = (spec.ilines, spec.xlines) if sorting == 2 else (spec.xlines, spec.ilines)
    for a in slow:
        for b in fast:
            il, xl = (a, b) if sorting == 2 else (b, a)
            f.header[tr] = {segyio.su.iline: il, segyio.su.xline: xl, segyio.su.offset: 1, segyio.su.ns: 37, segyio.su.dt: 4000}
            if fmt in (1, 5):
                data = (rng.standard_normal(37) * 10.0 ** rng.integers(-3, 4)).astype(np.float32)
            else:
                lim = {2: 2**31 - 1, 3: 2**15 - 1, 8: 127}[fmt]
                data = rng.integers(-lim, lim + 1, 37).astype(np.float32)
            f.trace[tr] = data
            tr += 1
# segyio 1.8.3 writes 1- and 2-byte formats one 4-byte word short at the end of the file; pad so that the file is
# well-formed and both readers see the same bytes.
import os
want = 3600 + len(spec.ilines) * len(spec.xlines) * (240 + 37 * {1: 4, 2: 4, 3: 2, 5: 4, 8: 1}[fmt])
size = os.path.getsize(path)
if size < want:
    with open(path, 'ab') as fh: fh.write(bytes(want - size))
`;

describe('SEG-Y vs segyio: files segyio writes, every format it writes, both byte orders and sortings', () => {
  for (const fmt of [1, 2, 3, 5, 8]) {
    for (const endian of ['big', 'little'] as const) {
      for (const sorting of [2, 1]) {
        it(`format ${fmt}, ${endian}-endian, ${sorting === 2 ? 'inline' : 'crossline'}-sorted`, async () => {
          const path = join(work, `segyio-f${fmt}-${endian}-${sorting}.sgy`);
          python(CREATE_SCRIPT, path, String(fmt), endian, String(sorting));
          const vol = await openSegy(path);
          try {
            assert.equal(vol.byteOrder, endian);
            const { dir, meta } = dump(path, endian, true);
            await compareWithSegyio(vol, dir, meta, `format ${fmt} ${endian}`);
          } finally {
            await vol.close();
          }
        });
      }
    }
  }
});

/** Trace header fields the writer sets for the new data rather than copying (sequence numbers, sample count/interval, delay and its scalar). */
const REWRITTEN_TRACE_FIELDS = new Set(['TRACE_SEQUENCE_LINE', 'TRACE_SEQUENCE_FILE', 'TRACE_SAMPLE_COUNT', 'TRACE_SAMPLE_INTERVAL', 'DelayRecordingTime', 'ScalarTraceHeader']);

describe('SEG-Y: files we write read back identically by segyio', () => {
  it('a synthetic cube without a source', async () => {
    const inlines = [5, 6, 7];
    const crosslines = [20, 22, 24, 26];
    const samples = 33;
    const data = new Float32Array(inlines.length * crosslines.length * samples);
    for (let i = 0; i < data.length; i++) data[i] = Math.fround(Math.sin(i * 0.37) * 1000 + (i % 7 === 0 ? 1e-30 : 0));
    data[5] = -0;
    data[6] = 3.4e38;
    const path = join(work, 'ours-plain.sgy');
    await writeSegy(path, { data, inlines, crosslines, samples, sampleInterval: 2, sampleStart: 100 });
    const { dir, meta } = dump(path, 'big', true);
    assert.deepEqual(meta.ilines, inlines);
    assert.deepEqual(meta.xlines, crosslines);
    assert.equal(meta.format, 5);
    assert.deepEqual(meta.samples, Array.from({ length: samples }, (_, k) => 100 + 2 * k));
    assertSameFloats(readF32(join(dir, 'traces.f32')), data, 'segyio traces of our file');
    const vol = await openSegy(path);
    await compareWithSegyio(vol, dir, meta, 'ours-plain');
    assert.ok(vol.textualHeader.startsWith('C 1 Written by SeisGrow'));
    await vol.close();
  });

  describeWithSharedData('re-export of a real cube with its source headers', () => {
    for (const file of ['f3.sgy', 'f3-lsb.sgy', 'small.sgy']) {
      it(`${file} → float32 SEG-Y with the source's headers`, async () => {
        const src = await openSegy(sharedData('segy', file));
        const [ni, nx, ns] = src.info.shape;
        const data = new Float32Array(ni * nx * ns);
        for (let i = 0; i < ni; i++) {
          for (let j = 0; j < nx; j++) data.set(await src.trace(src.info.inlines[i], src.info.crosslines[j]), (i * nx + j) * ns);
        }
        const path = join(work, `export-${file}`);
        await writeSegy(path, { data, inlines: src.info.inlines, crosslines: src.info.crosslines, samples: ns }, src);
        const { dir, meta } = dump(path, 'big', true);
        const orig = dump(sharedData('segy', file), src.byteOrder, true).meta;
        assert.equal(meta.format, 5);
        assert.deepEqual(meta.samples, orig.samples);
        assert.equal(meta.text, orig.text);
        for (const k of ['JobID', 'Interval', 'Samples', 'SortingCode', 'MeasurementSystem']) assert.equal(meta.bin[k], orig.bin[k], k);
        for (let t = 0; t < meta.tracecount; t++) {
          for (const [k, v] of Object.entries(orig.headers[t])) {
            if (!REWRITTEN_TRACE_FIELDS.has(k)) assert.equal(meta.headers[t][k], v, `trace ${t} ${k}`);
          }
          assert.equal(meta.headers[t].TRACE_SAMPLE_COUNT, ns);
          assert.equal(meta.headers[t].TRACE_SAMPLE_INTERVAL, orig.bin.Interval);
        }
        assertSameFloats(readF32(join(dir, 'traces.f32')), data, 'segyio reads our export');
        const back = await openSegy(path);
        await compareWithSegyio(back, dir, meta, `export ${file}`);
        await Promise.all([src.close(), back.close()]);
      });
    }
  });
});
