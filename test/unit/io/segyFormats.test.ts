// Sample formats, byte orders, sortings and header variants, on files built byte by byte.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { decodeIbm, floatToIbm, ibmToFloat } from '../../../src/io/ibm';
import { openSegy } from '../../../src/io/segy';
import { buildSegy, type BuildSpec } from '../../fixtures/segy/build';

let dir: string;
before(() => (dir = mkdtempSync(join(tmpdir(), 'seisgrow-segy-fmt-'))));
after(() => rmSync(dir, { recursive: true, force: true }));

let fileNo = 0;
function write(bytes: Uint8Array): string {
  const p = join(dir, `f${fileNo++}.sgy`);
  writeFileSync(p, bytes);
  return p;
}

/** Reference IBM decode with plain float maths. */
function ibmReference(word: number): number {
  const frac = word & 0xffffff;
  const exp = (word >>> 24) & 0x7f;
  const v = Math.fround(frac * 2 ** (4 * (exp - 64) - 24));
  return word >>> 31 ? -v : v;
}

describe('IBM float', () => {
  it('decodes known words', () => {
    assert.equal(ibmToFloat(0xc276a000), -118.625);
    assert.equal(ibmToFloat(0x42640000), 100);
    assert.equal(ibmToFloat(0x41100000), 1);
    assert.equal(ibmToFloat(0x3f200000), 0.0078125);
    assert.ok(Object.is(ibmToFloat(0x80000000), -0));
    assert.equal(ibmToFloat(0x7fffffff), Infinity); // beyond float32 range
    assert.equal(ibmToFloat(0x00100000), 0); // 16^-65: below float32's smallest denormal
  });

  it('the integer fast path equals the float reference for every kind of word', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 64 }), fc.boolean(), (words, little) => {
        const bytes = new DataView(new ArrayBuffer(words.length * 4));
        words.forEach((w, i) => bytes.setUint32(i * 4, w, little));
        const out = new Float32Array(words.length);
        decodeIbm(bytes, 0, words.length, little, out, 0, 1);
        words.forEach((w, i) => assert.ok(Object.is(out[i], ibmReference(w)) || (out[i] === 0 && ibmReference(w) === 0), `word ${w.toString(16)}`));
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips float32 values with up to 21 significant bits exactly, others within 2^-20', () => {
    fc.assert(
      fc.property(fc.float({ noNaN: true, noDefaultInfinity: true, min: Math.fround(-1e30), max: Math.fround(1e30) }), (x) => {
        const back = ibmToFloat(floatToIbm(x));
        if (x === 0 || Math.abs(x) < 1e-30) return;
        assert.ok(Math.abs(back - x) <= Math.abs(x) * 2 ** -20, `${x} -> ${back}`);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 21), max: 2 ** 21 }), fc.integer({ min: -40, max: 40 }), (m, e) => {
        const x = m * 2 ** e;
        assert.equal(ibmToFloat(floatToIbm(x)), x);
      }),
      { numRuns: 500 },
    );
  });
});

type Enc = Pick<BuildSpec, 'format' | 'bytesPerSample' | 'encode'> & { gen: (t: number, k: number) => number | bigint };
const FORMATS: Enc[] = [
  { format: 1, bytesPerSample: 4, encode: (v, p, x, l) => v.setUint32(p, floatToIbm(Number(x)), l), gen: (t, k) => (t - 3) * 0.5 + k * 0.25 },
  { format: 2, bytesPerSample: 4, encode: (v, p, x, l) => v.setInt32(p, Number(x), l), gen: (t, k) => (t * 1000003 + k * 7919) % 2147483647 - 1e9 },
  { format: 3, bytesPerSample: 2, encode: (v, p, x, l) => v.setInt16(p, Number(x), l), gen: (t, k) => ((t * 311 + k * 97) % 65536) - 32768 },
  { format: 5, bytesPerSample: 4, encode: (v, p, x, l) => v.setFloat32(p, Number(x), l), gen: (t, k) => Math.fround(Math.sin(t + k) * 1e3) },
  { format: 6, bytesPerSample: 8, encode: (v, p, x, l) => v.setFloat64(p, Number(x), l), gen: (t, k) => Math.cos(t * k) * 1e5 + 1e-9 },
  { format: 8, bytesPerSample: 1, encode: (v, p, x) => v.setInt8(p, Number(x)), gen: (t, k) => ((t * 13 + k) % 256) - 128 },
  { format: 9, bytesPerSample: 8, encode: (v, p, x, l) => v.setBigInt64(p, BigInt(x), l), gen: (t, k) => BigInt(t - 5) * 10n ** 15n + BigInt(k) },
  { format: 10, bytesPerSample: 4, encode: (v, p, x, l) => v.setUint32(p, Number(x), l), gen: (t, k) => (t * 2654435761 + k) % 4294967296 },
  { format: 11, bytesPerSample: 2, encode: (v, p, x, l) => v.setUint16(p, Number(x), l), gen: (t, k) => (t * 4099 + k * 3) % 65536 },
  { format: 12, bytesPerSample: 8, encode: (v, p, x, l) => v.setBigUint64(p, BigInt(x), l), gen: (t, k) => 2n ** 63n + BigInt(t * 1000 + k) },
  { format: 16, bytesPerSample: 1, encode: (v, p, x) => v.setUint8(p, Number(x)), gen: (t, k) => (t * 31 + k) % 256 },
];

describe('SEG-Y sample formats and byte orders (files built byte by byte)', () => {
  for (const f of FORMATS) {
    for (const little of [false, true]) {
      for (const sorting of ['inline', 'crossline'] as const) {
        it(`format ${f.format}, ${little ? 'little' : 'big'}-endian, ${sorting}-sorted: every trace, line and slice`, async () => {
          const ilines = [3, 4, 5];
          const xlines = [10, 12, 14, 16];
          const ns = 9;
          const path = write(buildSegy({ ...f, little, ilines, xlines, samples: ns, sorting, values: f.gen }));
          const vol = await openSegy(path);
          assert.equal(vol.byteOrder, little ? 'little' : 'big');
          assert.equal(vol.format.code, f.format);
          assert.equal(vol.sorting, sorting);
          assert.deepEqual(vol.info.shape, [3, 4, ns]);
          // Expected cube from the generator, in file trace order → (il, xl).
          const expected = (il: number, xl: number, k: number): number => {
            const t = sorting === 'inline' ? ilines.indexOf(il) * xlines.length + xlines.indexOf(xl) : xlines.indexOf(xl) * ilines.length + ilines.indexOf(il);
            const raw = f.gen(t, k);
            return f.format === 1 ? ibmToFloat(floatToIbm(Number(raw))) : Math.fround(Number(raw));
          };
          for (const il of ilines) {
            const s = await vol.inline(il);
            for (let k = 0; k < ns; k++) xlines.forEach((xl, j) => assert.equal(s.data[k * 4 + j], expected(il, xl, k), `il ${il} xl ${xl} k ${k}`));
          }
          for (const xl of xlines) {
            const s = await vol.crossline(xl);
            for (let k = 0; k < ns; k++) ilines.forEach((il, i) => assert.equal(s.data[k * 3 + i], expected(il, xl, k)));
          }
          for (let k = 0; k < ns; k++) {
            const s = await vol.timeslice(k);
            ilines.forEach((il, i) => xlines.forEach((xl, j) => assert.equal(s.data[i * 4 + j], expected(il, xl, k))));
          }
          assert.deepEqual(Array.from(await vol.trace(4, 14)), Array.from({ length: ns }, (_, k) => expected(4, 14, k)));
          await vol.close();
        });
      }
    }
  }
});

describe('SEG-Y header variants', () => {
  const base = { ...FORMATS[3], ilines: [1, 2], xlines: [1, 2, 3], samples: 5, values: FORMATS[3].gen };

  it('skips extended textual headers counted in the binary header', async () => {
    const vol = await openSegy(write(buildSegy({ ...base, extendedHeaders: 2 })));
    assert.equal(vol.extendedTextualHeaders.length, 2);
    assert.equal(vol.dataOffset, 3600 + 6400);
    assert.equal((await vol.inline(2)).data[0], Math.fround(Number(base.values(3, 0))));
  });

  it('detects an ASCII textual header and an EBCDIC one', async () => {
    const ascii = await openSegy(write(buildSegy({ ...base, asciiText: 'C 1 CLIENT ascii header' })));
    assert.equal(ascii.textEncoding, 'ascii');
    assert.ok(ascii.textualHeader.startsWith('C 1 CLIENT ascii header'));
    const ebcdic = await openSegy(write(buildSegy(base)));
    assert.equal(ebcdic.textEncoding, 'ebcdic');
    assert.ok(ebcdic.textualHeader.startsWith('C   '));
  });

  it('honours a rev2 byte-order mark and a forced byte order', async () => {
    const vol = await openSegy(write(buildSegy({ ...base, little: true, revision: 0x0200, byteOrderMark: true })));
    assert.equal(vol.byteOrder, 'little');
    assert.equal(vol.info.details.revision, 2);
    const forced = await openSegy(write(buildSegy({ ...base, little: true })), { endian: 'little' });
    assert.equal(forced.byteOrder, 'little');
  });

  it('reads geometry from other header bytes when asked', async () => {
    const bytes = buildSegy(base);
    // Move the line numbers to bytes 9 (FieldRecord) and 21 (CDP), and clear 189/193.
    const v = new DataView(bytes.buffer);
    for (let t = 0; t < 6; t++) {
      const o = 3600 + t * (240 + 20);
      v.setInt32(o + 8, v.getInt32(o + 188));
      v.setInt32(o + 20, v.getInt32(o + 192));
      v.setInt32(o + 188, 0);
      v.setInt32(o + 192, 0);
    }
    const path = write(bytes);
    const plain = await openSegy(path);
    assert.equal(plain.sorting, 'none');
    assert.equal(plain.info.kind, '2d');
    assert.match(plain.info.notes.join(' '), /plain trace × sample array/);
    const vol = await openSegy(path, { inlineByte: 9, crosslineByte: 21 });
    assert.deepEqual(vol.info.inlines, [1, 2]);
    assert.deepEqual(vol.info.crosslines, [1, 2, 3]);
  });

  it('opens an irregular grid (a missing trace) as a plain array, never a wrong cube', async () => {
    const bytes = buildSegy({ ...base, ilines: [1, 2, 3], xlines: [1, 2] });
    const v = new DataView(bytes.buffer);
    v.setInt32(3600 + 5 * 260 + 192, 7); // last trace claims crossline 7
    const vol = await openSegy(write(bytes));
    assert.equal(vol.sorting, 'none');
    assert.match(vol.info.notes[0], /trace 5 has inline 3, crossline 7/);
    const all = await vol.inline(0);
    assert.equal(all.cols, 6);
    assert.equal((await vol.crossline(5)).cols, 1);
    assert.equal((await vol.timeslice(0)).cols, 6);
  });

  it('time slices are the same whatever window of neighbouring slices the cache budget allows', async () => {
    const spec = { ...base, ilines: [1, 2, 3], xlines: [4, 5], samples: 11 };
    const path = write(buildSegy(spec));
    const sliceBytes = 3 * 2 * 4;
    const vols = await Promise.all([0, sliceBytes * 4, sliceBytes * 4 * 3, 1 << 20].map((cacheBytes) => openSegy(path, { cacheBytes })));
    for (const k of [10, 0, 5, 6, 3, 9]) {
      const ref = Array.from((await vols[0].timeslice(k)).data);
      assert.deepEqual(ref, [0, 1, 2, 3, 4, 5].map((t) => Math.fround(Number(spec.values(t, k)))));
      for (const v of vols.slice(1)) assert.deepEqual(Array.from((await v.timeslice(k)).data), ref, `slice ${k}`);
    }
    // With room for them, one read pass decodes the neighbours too: later slices in the window are cache hits.
    const big = vols[3];
    const before = big.cache.hits;
    for (let k = 0; k < 11; k++) await big.timeslice(k);
    assert.ok(big.cache.hits - before >= 9, `hits ${big.cache.hits - before}`);
  });

  it('takes the sample interval and count from the trace header when the binary header has none', async () => {
    const bytes = buildSegy({ ...base, intervalUs: 2000 });
    const v = new DataView(bytes.buffer);
    v.setInt16(3216, 0);
    v.setInt16(3220, 0);
    const vol = await openSegy(write(bytes));
    assert.equal(vol.sampleCount, 5);
    assert.equal(vol.info.sampleInterval, 2);
  });
});
