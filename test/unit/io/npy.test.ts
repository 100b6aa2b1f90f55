import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { SeisGrowError } from '../../../src/shared/errors';
import {
  encodeNpy, fortranToC, halfBitsToNumber, numberToHalfBits, openNpy, parsePythonLiteral, readNpy, writeNpy,
} from '../../../src/io/npy';
import type { NpyVolume } from '../../../src/io/npy';

let dir: string;
before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seisgrow-npy-unit-')); });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

let counter = 0;
function tmpFile(bytes: Uint8Array, name = `f${counter++}.npy`): string {
  const p = path.join(dir, name);
  fs.writeFileSync(p, bytes);
  return p;
}

/** C-order values → Fortran-order storage. */
function cToFortran(values: ArrayLike<number>, shape: readonly number[]): number[] {
  const out = new Array<number>(values.length);
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  for (let c = 0; c < values.length; c++) {
    let f = 0;
    let stride = 1;
    for (let a = 0; a < nd; a++) { f += idx[a] * stride; stride *= shape[a]; }
    out[f] = values[c];
    for (let a = nd - 1; a >= 0; a--) { if (++idx[a] < shape[a]) break; idx[a] = 0; }
  }
  return out;
}

/** An NPY image in Fortran order (numpy writes these for np.asfortranarray): same header length as C order. */
function encodeFortran(values: ArrayLike<number>, shape: readonly number[], descr: string): Buffer {
  const img = encodeNpy(cToFortran(values, shape), shape, descr);
  const text = img.toString('latin1');
  const at = text.indexOf("'fortran_order': False");
  assert.ok(at > 0);
  img.write("'fortran_order': True ", at, 'latin1');
  return img;
}

async function expectError(p: Promise<unknown>, code: string | RegExp, message?: RegExp): Promise<SeisGrowError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof SeisGrowError, `expected SeisGrowError, got ${(e as Error)?.stack ?? e}`);
    if (typeof code === 'string') assert.equal(e.code, code, e.message);
    else assert.match(e.code, code, e.message);
    if (message) assert.match(e.message, message);
    return e;
  }
  assert.fail(`expected a SeisGrowError (${code})`);
}

/** Expected sections from C-order values of (I, X, S) or (H, W), computed by plain indexing. */
function reference(values: ArrayLike<number>, shape: readonly number[]) {
  const [ni, nx, ns] = shape.length === 3 ? shape : [1, shape[1], shape[0]];
  const at = (i: number, x: number, s: number) => (shape.length === 3 ? values[(i * nx + x) * ns + s] : values[s * nx + x]);
  const f32 = (n: number) => Math.fround(n);
  return {
    dims: [ni, nx, ns],
    inline: (i: number) => Float32Array.from({ length: ns * nx }, (_, k) => f32(at(i, k % nx, Math.floor(k / nx)))),
    crossline: (x: number) => Float32Array.from({ length: ns * ni }, (_, k) => f32(at(k % ni, x, Math.floor(k / ni)))),
    timeslice: (s: number) => Float32Array.from({ length: ni * nx }, (_, k) => f32(at(Math.floor(k / nx), k % nx, s))),
    trace: (i: number, x: number) => Float32Array.from({ length: ns }, (_, s) => f32(at(i, x, s))),
  };
}

async function checkAllSections(v: NpyVolume, values: ArrayLike<number>, shape: readonly number[]): Promise<void> {
  const ref = reference(values, shape);
  const [ni, nx, ns] = ref.dims;
  assert.deepEqual(v.info.shape, [ni, nx, ns]);
  for (let i = 0; i < ni; i++) {
    const s = await v.inline(i);
    assert.equal(s.rows, ns); assert.equal(s.cols, nx);
    assert.deepEqual(s.data, ref.inline(i), `inline ${i}`);
  }
  for (let x = 0; x < nx; x++) {
    const s = await v.crossline(x);
    assert.equal(s.rows, ns); assert.equal(s.cols, ni);
    assert.deepEqual(s.data, ref.crossline(x), `crossline ${x}`);
  }
  for (let k = 0; k < ns; k++) {
    const s = await v.timeslice(k);
    assert.equal(s.rows, ni); assert.equal(s.cols, nx);
    assert.deepEqual(s.data, ref.timeslice(k), `timeslice ${k}`);
  }
  assert.deepEqual(await v.trace(ni - 1, nx - 1), ref.trace(ni - 1, nx - 1));
}

const DESCRS: Record<string, (i: number) => number> = {
  '<f4': (i) => Math.fround(Math.sin(i) * 1000),
  '>f4': (i) => Math.fround(Math.cos(i) * 1e-3),
  '<f8': (i) => Math.sin(i) * 1e10,
  '>f8': (i) => -i / 3,
  '<f2': (i) => halfBitsToNumber((i * 2654435761) & 0x7bff),
  '>f2': (i) => -halfBitsToNumber((i * 40503) & 0x7bff),
  '|i1': (i) => ((i * 37) % 256) - 128,
  '<i2': (i) => ((i * 7919) % 65536) - 32768,
  '>i2': (i) => 32767 - ((i * 31) % 65536),
  '<i4': (i) => (i * 1_000_003) % 2_000_000_000 - 1_000_000_000,
  '>i4': (i) => 0 - i * 65537,
  '<i8': (i) => (i - 20) * 2 ** 40 + i,
  '>i8': (i) => -(i * 2 ** 33) + 7,
  '|u1': (i) => (i * 13) % 256,
  '<u2': (i) => (i * 4099) % 65536,
  '>u2': (i) => 65535 - i,
  '<u4': (i) => (i * 2_654_435_761) % 4_294_967_296,
  '>u4': (i) => 4_294_967_295 - i * 3,
  '|b1': (i) => (i % 3 === 0 ? 1 : 0),
};

describe('NPY header literal parser', () => {
  it('parses the dicts numpy writes, including 1-tuples, empty tuples and trailing commas', () => {
    const v = parsePythonLiteral("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }");
    assert.ok(v instanceof Map);
    assert.equal(v.get('descr'), '<f4');
    assert.equal(v.get('fortran_order'), false);
    assert.deepEqual(v.get('shape'), [3n]);
    assert.deepEqual((parsePythonLiteral("{'shape': ()}") as Map<string, unknown>).get('shape'), []);
    assert.deepEqual(parsePythonLiteral('(1, 2,  3)'), [1n, 2n, 3n]);
    assert.equal(parsePythonLiteral('(7)'), 7n, 'parentheses without a comma are not a tuple');
    assert.deepEqual(parsePythonLiteral('(3L, 4L)'), [3n, 4n], 'Python 2 long literals');
    assert.deepEqual(parsePythonLiteral(`[("a", '<f4'), ('b', "<i2")]`), [['a', '<f4'], ['b', '<i2']]);
    assert.equal(parsePythonLiteral('None'), null);
    assert.equal(parsePythonLiteral("'it\\'s'"), "it's");
  });

  for (const bad of [
    "{'descr': '<f4'", "{'descr' '<f4'}", "{'descr': '<f4',, }", "{descr: 1}", "{'a': 1} extra", "{'a': 'unterminated}",
    "{'a': eval('x')}", "{'a': 1, 'a': 2}", "{1: 2}", '((((((((((((((((((((((((((((((((((((1))))))))))))))))))))))))))))))))))', '', '{',
  ]) {
    it(`rejects ${JSON.stringify(bad).slice(0, 50)}`, () => {
      assert.throws(() => parsePythonLiteral(bad));
    });
  }
});

describe('float16 conversion', () => {
  it('decodes subnormals, infinities and NaN exactly', () => {
    assert.equal(halfBitsToNumber(0x0001), 2 ** -24);
    assert.equal(halfBitsToNumber(0x03ff), 1023 * 2 ** -24);
    assert.equal(halfBitsToNumber(0x0400), 2 ** -14);
    assert.equal(halfBitsToNumber(0x3c00), 1);
    assert.equal(halfBitsToNumber(0x7bff), 65504);
    assert.equal(halfBitsToNumber(0x7c00), Infinity);
    assert.equal(halfBitsToNumber(0xfc00), -Infinity);
    assert.ok(Number.isNaN(halfBitsToNumber(0x7e00)));
    assert.ok(Object.is(halfBitsToNumber(0x8000), -0));
  });

  it('encodes every non-NaN half value back to its own bit pattern, and rounds ties to even', () => {
    for (let h = 0; h < 65536; h++) {
      const v = halfBitsToNumber(h);
      if (Number.isNaN(v)) continue;
      assert.equal(numberToHalfBits(v), h, `pattern 0x${h.toString(16)}`);
    }
    assert.equal(numberToHalfBits(1 + 2 ** -11), 0x3c00, 'tie rounds to even (down)');
    assert.equal(numberToHalfBits(1 + 3 * 2 ** -11), 0x3c02, 'tie rounds to even (up)');
    assert.equal(numberToHalfBits(65520), 0x7c00, 'overflow to infinity');
    assert.equal(numberToHalfBits(65519), 0x7bff);
    assert.equal(numberToHalfBits(2 ** -25), 0, 'half of the smallest subnormal rounds to even (zero)');
    assert.equal(numberToHalfBits(3 * 2 ** -25), 2);
  });
});

describe('NPY write → read round trip', () => {
  for (const [descr, gen] of Object.entries(DESCRS)) {
    for (const shape of [[5, 7], [3, 4, 6]]) {
      for (const order of ['C', 'F'] as const) {
        it(`${descr} ${order}-order (${shape.join(', ')})`, async () => {
          const n = shape.reduce((a, b) => a * b, 1);
          const values = Array.from({ length: n }, (_, i) => gen(i));
          const img = order === 'C' ? encodeNpy(values, shape, descr) : encodeFortran(values, shape, descr);
          const file = tmpFile(img);
          const whole = await readNpy(file);
          assert.deepEqual(whole.shape, shape);
          assert.equal(whole.fortranOrder, order === 'F');
          assert.deepEqual(Array.from(whole.data), values);
          const v = await openNpy(file);
          try {
            assert.equal(v.info.byteOrder, descr.startsWith('>') ? 'big' : 'little');
            await checkAllSections(v, values, shape);
          } finally {
            await v.close();
          }
        });
      }
    }
  }

  it('reads sections identically whatever the block-read tuning (tiny chunks, no gap coalescing)', async () => {
    const shape = [6, 5, 9];
    const values = Array.from({ length: 270 }, (_, i) => i * 1.5 - 100);
    for (const img of [encodeNpy(values, shape, '<f4'), encodeFortran(values, shape, '>f8')]) {
      const file = tmpFile(img);
      for (const gather of [{ maxGapBytes: 0, maxChunkBytes: 1 }, { maxGapBytes: 16, maxChunkBytes: 64 }, { maxGapBytes: 1 << 30 }]) {
        const v = await openNpy(file, { gather, cacheBytes: 0 });
        try { await checkAllSections(v, values, shape); } finally { await v.close(); }
      }
    }
  });

  it('writes versions 1.0, 2.0 and 3.0 with 64-byte aligned data, readable back', async () => {
    for (const version of [1, 2, 3] as const) {
      const img = encodeNpy([1, 2, 3, 4, 5, 6], [2, 3], '<f8', { version });
      assert.equal(img[6], version);
      const headerLength = version === 1 ? img.readUInt16LE(8) : img.readUInt32LE(8);
      const dataOffset = (version === 1 ? 10 : 12) + headerLength;
      assert.equal(dataOffset % 64, 0);
      assert.equal(img[dataOffset - 1], 0x0a);
      const back = await readNpy(tmpFile(img));
      assert.equal(back.version, version);
      assert.deepEqual(Array.from(back.data), [1, 2, 3, 4, 5, 6]);
    }
  });

  it('switches to version 2.0 when the header outgrows 1.0 (numpy does the same)', async () => {
    const shape = [...new Array(25000).fill(1), 2];
    const img = encodeNpy([3, 4], shape, '<f4');
    assert.equal(img[6], 2);
    const back = await readNpy(tmpFile(img));
    assert.deepEqual(Array.from(back.data), [3, 4]);
    assert.throws(() => encodeNpy([3, 4], shape, '<f4', { version: 1 }), SeisGrowError);
  });

  it('reads 0-d and 1-d arrays whole, but refuses them as volumes', async () => {
    const scalar = tmpFile(encodeNpy([42], [], '<i4'));
    assert.deepEqual(Array.from((await readNpy(scalar)).data), [42]);
    await expectError(openNpy(scalar), 'bad-shape', /0-d scalar/);
    const line = tmpFile(encodeNpy([1, 2, 3], [3], '<i4'));
    assert.deepEqual((await readNpy(line)).shape, [3]);
    await expectError(openNpy(line), 'bad-shape', /1-D array of 3 values.*needs 2 dimensions/);
    const four = tmpFile(encodeNpy([1, 2], [1, 1, 1, 2], '<i4'));
    await expectError(openNpy(four), 'bad-shape', /4-D/);
    const empty = tmpFile(encodeNpy([], [0, 5], '<f4'));
    await expectError(openNpy(empty), 'bad-shape', /empty/);
  });

  it('refuses values that the integer dtype cannot hold, instead of wrapping them', () => {
    assert.throws(() => encodeNpy([256], [1], '|u1'), /cannot store 256/);
    assert.throws(() => encodeNpy([1.5], [1], '<i4'), /cannot store 1.5/);
    assert.throws(() => encodeNpy([NaN], [1], '<i2'), SeisGrowError);
    assert.throws(() => encodeNpy([2 ** 63], [1], '<i8'), SeisGrowError);
    assert.throws(() => encodeNpy([1, 2], [3], '<f4'), /holds 3 values but 2/);
  });

  it('converts Fortran order to C order for any dimension count', () => {
    const shape = [2, 3, 4, 2];
    const c = Float64Array.from({ length: 48 }, (_, i) => i);
    assert.deepEqual(fortranToC(Float64Array.from(cToFortran(c, shape)), shape), c);
  });
});

describe('NPY volume behaviour', () => {
  it('documents the axis order and reports indices as line numbers', async () => {
    const v3 = await openNpy(tmpFile(encodeNpy(new Array(24).fill(0), [2, 3, 4], '<f4')));
    assert.equal(v3.info.kind, '3d');
    assert.deepEqual(v3.info.inlines, [0, 1]);
    assert.deepEqual(v3.info.crosslines, [0, 1, 2]);
    assert.match(v3.info.notes.join(' '), /\(inlines, crosslines, samples\)/);
    await v3.close();
    const v2 = await openNpy(tmpFile(encodeNpy(new Array(12).fill(0), [4, 3], '<f4')));
    assert.equal(v2.info.kind, '2d');
    assert.deepEqual(v2.info.shape, [1, 3, 4]);
    assert.match(v2.info.notes.join(' '), /\(samples, traces\)/);
    await v2.close();
  });

  it('rejects out-of-range and fractional line numbers with the valid range, and calls after close', async () => {
    const v = await openNpy(tmpFile(encodeNpy(new Array(24).fill(0), [2, 3, 4], '<f4')));
    await expectError(v.inline(2), 'out-of-range', /inline 2 is out of range: inlines of this NPY volume are 0–1/);
    await expectError(v.crossline(-1), 'out-of-range', /0–2/);
    await expectError(v.timeslice(1.5), 'out-of-range', /0–3/);
    await expectError(v.trace(0, 3), 'out-of-range');
    await v.close();
    await expectError(v.inline(0), 'closed');
  });

  it('estimates statistics from sampled runs (exact on a small volume), in either order', async () => {
    const values = Array.from({ length: 60 }, (_, i) => i);
    for (const img of [encodeNpy(values, [3, 4, 5], '<f4'), encodeFortran(values, [3, 4, 5], '<f4')]) {
      const v = await openNpy(tmpFile(img));
      const s = await v.statistics();
      assert.equal(s.min, 0); assert.equal(s.max, 59); assert.equal(s.mean, 29.5); assert.equal(s.sampleCount, 60);
      await v.close();
    }
    const big = Array.from({ length: 200 * 50 }, (_, i) => i % 50);
    const v = await openNpy(tmpFile(encodeNpy(big, [200, 50], '<f4')), { statisticsTraces: 10 });
    const s = await v.statistics();
    assert.equal(s.sampleCount, 500, 'only 10 runs of 50 were sampled');
    await v.close();
  });

  it('time slices read in bands (C-order cubes, Fortran 2D) are right in any browsing order and cache size', async () => {
    const cases = [
      { shape: [4, 5, 40], img: (v: number[]) => encodeNpy(v, [4, 5, 40], '<f4') },
      { shape: [40, 6], img: (v: number[]) => encodeFortran(v, [40, 6], '>i4') },
    ];
    for (const c of cases) {
      const n = c.shape.reduce((a, b) => a * b, 1);
      const values = Array.from({ length: n }, (_, i) => (i * 7919) % 1000 - 500);
      const file = tmpFile(c.img(values));
      const ref = reference(values, c.shape);
      const ns = ref.dims[2];
      const orders = [
        Array.from({ length: ns }, (_, k) => ns - 1 - k),
        Array.from({ length: ns }, (_, k) => (k * 17) % ns),
        [5, 6, 7, 4, 3, 39, 38, 0, 20, 21, 19],
      ];
      for (const cacheBytes of [256 << 20, ref.dims[0] * ref.dims[1] * 4 * 40, 0]) {
        for (const order of orders) {
          const v = await openNpy(file, { cacheBytes });
          try {
            for (const k of order) assert.deepEqual((await v.timeslice(k)).data, ref.timeslice(k), `slice ${k}, cache ${cacheBytes}`);
          } finally {
            await v.close();
          }
        }
      }
    }
  });

  it('serves repeated sections from the cache', async () => {
    const v = await openNpy(tmpFile(encodeNpy(new Array(24).fill(1), [2, 3, 4], '<f4')));
    const a = await v.inline(1);
    const b = await v.inline(1);
    assert.equal(a, b);
    await v.close();
  });
});

describe('NPY bad input', () => {
  const valid = encodeNpy(Array.from({ length: 24 }, (_, i) => i), [2, 3, 4], '<f4');
  const dataOffset = 10 + valid.readUInt16LE(8);

  it('rejects the file cut at every length, naming the file', async () => {
    for (let cut = 0; cut < valid.length; cut += cut < dataOffset + 8 ? 1 : 7) {
      const file = tmpFile(valid.subarray(0, cut), `cut${cut}.npy`);
      const code = cut === 0 ? 'empty' : cut < dataOffset ? /truncated|bad-header/ : 'truncated';
      const e = await expectError(openNpy(file), code);
      assert.ok(e.message.startsWith(file), e.message);
      await expectError(readNpy(file), code);
    }
  });

  it('rejects bad magic, bad versions and broken headers', async () => {
    const mutate = (f: (b: Buffer) => void) => { const b = Buffer.from(valid); f(b); return tmpFile(b); };
    await expectError(openNpy(mutate((b) => { b[0] = 0x92; })), 'bad-magic', /magic/);
    await expectError(openNpy(tmpFile(Buffer.from('PK\x03\x04 a zip file, not npy'))), 'bad-magic');
    await expectError(openNpy(mutate((b) => { b[6] = 4; })), 'bad-version', /4\.0/);
    await expectError(openNpy(mutate((b) => { b[7] = 1; })), 'bad-version', /1\.1/);
    await expectError(openNpy(mutate((b) => { b.writeUInt16LE(60000, 8); })), 'truncated');
    await expectError(openNpy(mutate((b) => { b.write('[', 10, 'latin1'); })), 'bad-header');
    const header = (text: string, version = 1) => {
      const body = Buffer.from(text.padEnd(118) + '\n', version === 3 ? 'utf8' : 'latin1');
      const pre = Buffer.alloc(version === 1 ? 10 : 12);
      Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]).copy(pre);
      if (version === 1) pre.writeUInt16LE(body.length, 8); else pre.writeUInt32LE(body.length, 8);
      return (data: Buffer = Buffer.alloc(0)) => tmpFile(Buffer.concat([pre, body, data]));
    };
    await expectError(openNpy(header("('<f4', False, (2,))")()), 'bad-header', /expected a dict/);
    await expectError(openNpy(header("{'descr': '<f4', 'shape': (2,)}")()), 'bad-header', /'fortran_order' is missing/);
    await expectError(openNpy(header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'x': 1}")()), 'bad-header', /unexpected key/);
    await expectError(openNpy(header("{'descr': '<f4', 'fortran_order': 0, 'shape': (2,)}")()), 'bad-header', /True or False/);
    await expectError(openNpy(header("{'descr': '<f4', 'fortran_order': False, 'shape': [2, -3]}")()), 'bad-header', /negative/);
    await expectError(openNpy(header("{'descr': '<f4', 'fortran_order': False, 'shape': (2.5,)}")()), 'bad-header', /integers/);
    await expectError(openNpy(header("{'descr': '<c8', 'fortran_order': False, 'shape': (2, 2)}")()), 'unsupported-dtype', /'<c8' \(complex/);
    await expectError(openNpy(header("{'descr': '|O', 'fortran_order': False, 'shape': (2, 2)}")()), 'unsupported-dtype', /'\|O'/);
    await expectError(openNpy(header("{'descr': '<U5', 'fortran_order': False, 'shape': (2, 2)}")()), 'unsupported-dtype', /unicode/);
    await expectError(openNpy(header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2, 2)}")()), 'unsupported-dtype', /structured/);
    await expectError(openNpy(header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)}")(Buffer.alloc(17))), 'size-mismatch', /needs 16 data bytes but 17/);
    await expectError(openNpy(header("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000)}")(Buffer.alloc(16))), 'truncated', /needs 40000000000 data bytes but only 16/);
    await expectError(openNpy(header("{'descr': '<f4', 'fortran_order': False, 'shape': (100000000000, 100000000000)}")(Buffer.alloc(16))), 'too-large', /absurd/);
    await expectError(openNpy(header("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999, 2)}")()), 'too-large', /absurd/);
    await expectError(openNpy(header("{'descr': '<f8', 'fortran_order': False, 'shape': (3037000500, 3037000500)}")()), 'too-large', /absurd/);
    await expectError(openNpy(header("{'descr': '<f4', 'fortran_order': False, 'shape': (2,)}\u00e9", 1)()), 'bad-header', /non-ASCII/);
    await expectError(openNpy(tmpFile(Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 3, 0, 4, 0, 0, 0]), Buffer.from([0xff, 0xfe, 0x7b, 0x0a])]))), 'bad-header', /UTF-8/);
    const ok3 = header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", 3)(Buffer.alloc(16));
    assert.deepEqual(Array.from((await readNpy(ok3)).data), [0, 0, 0, 0]);
  });

  it('answers a missing file, a directory and an empty file clearly', async () => {
    await expectError(openNpy(path.join(dir, 'nope.npy')), 'not-found', /nope\.npy: no such file/);
    await expectError(openNpy(dir), 'is-directory', /directory/);
    await expectError(openNpy(tmpFile(Buffer.alloc(0))), 'empty', /empty/);
    await expectError(readNpy(path.join(dir, 'nope.npy')), 'not-found');
  });

  it('guards whole-array reads by size', async () => {
    const file = tmpFile(encodeNpy(new Array(100).fill(0), [10, 10], '<f8'));
    await expectError(readNpy(file, { maxBytes: 799 }), 'too-large', /open it as a volume/);
    assert.equal((await readNpy(file, { maxBytes: 800 })).data.length, 100);
  });

  it('never lets anything but SeisGrowError out of random or mutated bytes (fuzz)', async function () {
    this.timeout(60_000);
    const seeds = [valid, encodeFortran(Array.from({ length: 30 }, (_, i) => i), [5, 6], '>i2'), encodeNpy([1, 2, 3, 4], [2, 2], '|u1', { version: 3 })];
    const check = async (bytes: Uint8Array) => {
      const file = tmpFile(bytes, 'fuzz.npy');
      for (const attempt of [
        async () => {
          const v = await openNpy(file, { cacheBytes: 0 });
          try {
            const [ni, nx, ns] = v.info.shape;
            await v.inline(ni - 1); await v.crossline(nx - 1); await v.timeslice(ns - 1); await v.statistics();
          } finally { await v.close(); }
        },
        async () => { await readNpy(file, { maxBytes: 1 << 20 }); },
      ]) {
        try { await attempt(); } catch (e) { if (!(e instanceof SeisGrowError)) throw e; }
      }
    };
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (bytes) => {
      await check(bytes);
      await check(Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]), bytes]));
    }), { numRuns: 200 });
    await fc.assert(fc.asyncProperty(
      fc.constantFrom(...seeds), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), fc.option(fc.nat()),
      async (seed, flips, cut) => {
        const b = Buffer.from(seed);
        for (const [at, value] of flips) b[at % Math.min(b.length, 140)] = value;
        await check(cut === null ? b : b.subarray(0, cut % (b.length + 1)));
      },
    ), { numRuns: 400 });
  });
});

describe('writeNpy', () => {
  it('writes atomically: no temporary files left, and a failed write leaves the old file intact', async () => {
    const sub = fs.mkdtempSync(path.join(dir, 'w-'));
    const file = path.join(sub, 'out.npy');
    await writeNpy(file, [1, 2, 3, 4], [2, 2], '|u1');
    assert.deepEqual(fs.readdirSync(sub), ['out.npy']);
    const before = fs.readFileSync(file);
    await assert.rejects(writeNpy(file, [1, 2, 3, 999], [2, 2], '|u1'), SeisGrowError);
    assert.deepEqual(fs.readFileSync(file), before);
    assert.deepEqual(fs.readdirSync(sub), ['out.npy']);
  });

  it('reports a missing folder or a directory target as SeisGrowError and creates nothing', async () => {
    await expectError(writeNpy(path.join(dir, 'no-such-folder', 'x.npy'), [1], [1]), 'not-found', /does not exist/);
    assert.equal(fs.existsSync(path.join(dir, 'no-such-folder')), false);
    await expectError(writeNpy(dir, [1], [1]), 'is-directory');
  });
});
