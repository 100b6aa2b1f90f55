// NPY against numpy (/usr/bin/python3): files numpy writes in every supported dtype × order × byte order × 2D/3D
// and format version read identically by us (whole arrays and every section), and our files load in numpy.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { openNpy, readNpy, writeNpy } from '../../src/io/npy';
import type { WritableDescr } from '../../src/io/npy';

const PY = '/usr/bin/python3';
let dir: string;
before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seisgrow-npy-peer-')); });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function python(script: string, ...args: string[]): string {
  return execFileSync(PY, ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

/** Element-wise equality where every NaN equals every NaN (payloads differ legitimately) but -0 ≠ +0. */
function assertSameValues(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (Number.isNaN(e) && Number.isNaN(a)) continue;
    if (!Object.is(a, e)) assert.fail(`${what}: element ${i} is ${a}, numpy says ${e}`);
  }
}

function f64(file: string): Float64Array {
  const b = fs.readFileSync(file);
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function f32(file: string): Float32Array {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

const CODES = ['f4', 'f8', 'f2', 'i1', 'i2', 'i4', 'i8', 'u1', 'u2', 'u4', 'b1'];

// Writes, for each case, NAME.npy plus NAME.whole.f8 (the array in C order as float64) and NAME.sections.f4 (every
// inline, then every crossline, then every time slice, as numpy's float32 cast lays them out: samples × traces).
const GENERATE = String.raw`
import sys, json, numpy as np
from numpy.lib import format as npf
out = sys.argv[1]
codes = json.loads(sys.argv[2])
rng = np.random.default_rng(20251125)
def values(code, shape):
    n = int(np.prod(shape))
    k, size = code[0], int(code[1])
    if code == 'f2':
        # every half bit pattern class: subnormals, normals, inf, nan, signed zeros
        bits = rng.integers(0, 65536, n, dtype=np.uint32).astype(np.uint16)
        bits[:8] = [0x0000, 0x8000, 0x0001, 0x83ff, 0x7c00, 0xfc00, 0x7e00, 0x7bff]
        return bits.view('<f2').reshape(shape)
    if k == 'f':
        a = (rng.standard_normal(n) * 10.0 ** rng.integers(-40, 30, n)).astype(code)
        a[:6] = [0.0, -0.0, np.inf, -np.inf, np.nan, np.finfo(code).tiny / 4]
        return a.reshape(shape)
    if k == 'b':
        return (rng.integers(0, 2, n) == 1).reshape(shape)
    info = np.iinfo(code)
    hi = min(int(info.max), 2**53)
    lo = max(int(info.min), -2**53)
    a = rng.integers(lo, hi, n, dtype=np.int64 if k == 'i' else np.uint64, endpoint=True).astype(code)
    a[:2] = [info.min, info.max]
    return a.reshape(shape)
def sections(a):
    if a.ndim == 2:
        a = a.T[np.newaxis, :, :]   # (H, W) = (samples, traces) -> one inline of W crosslines
    f = a.astype('<f4')
    parts = [f[i].T for i in range(f.shape[0])] + [f[:, x, :].T for x in range(f.shape[1])] + [f[:, :, k] for k in range(f.shape[2])]
    return b''.join(np.ascontiguousarray(p, dtype='<f4').tobytes() for p in parts)
cases = []
for code in codes:
    for endian in (['|'] if code[1] == '1' else ['<', '>']):
        for order in 'CF':
            for shape in [(7, 9), (4, 5, 6)]:
                a = values(code, shape).astype(endian + code)
                a = np.asfortranarray(a) if order == 'F' else np.ascontiguousarray(a)
                name = '%s%s_%s_%dd' % ('le' if endian == '<' else 'be' if endian == '>' else 'na', code, order, len(shape))
                np.save('%s/%s.npy' % (out, name), a)
                open('%s/%s.whole.f8' % (out, name), 'wb').write(np.ascontiguousarray(a, dtype='<f8').tobytes())
                open('%s/%s.sections.f4' % (out, name), 'wb').write(sections(a))
                cases.append({'name': name, 'descr': a.dtype.str, 'shape': list(shape), 'fortran': order == 'F'})
# format versions 1.0, 2.0 and 3.0 explicitly
for version in [(1, 0), (2, 0), (3, 0)]:
    for order in 'CF':
        a = values('f4', (3, 4, 5)).astype('>f4')
        a = np.asfortranarray(a) if order == 'F' else a
        name = 'v%d_%s' % (version[0], order)
        with open('%s/%s.npy' % (out, name), 'wb') as fh:
            npf.write_array(fh, a, version=version)
        open('%s/%s.whole.f8' % (out, name), 'wb').write(np.ascontiguousarray(a, dtype='<f8').tobytes())
        open('%s/%s.sections.f4' % (out, name), 'wb').write(sections(a))
        cases.append({'name': name, 'descr': a.dtype.str, 'shape': [3, 4, 5], 'fortran': order == 'F', 'version': version[0]})
print(json.dumps(cases))
`;

interface Case { name: string; descr: string; shape: number[]; fortran: boolean; version?: number }

describe('NPY files written by numpy read identically', function () {
  this.timeout(120_000);
  let cases: Case[] = [];
  before(() => { cases = JSON.parse(python(GENERATE, dir, JSON.stringify(CODES))); });

  it('covers every dtype × order × byte order × 2D/3D, and versions 1.0/2.0/3.0', () => {
    // 8 multi-byte codes × 2 byte orders + 3 single-byte codes, × 2 orders × 2 shapes, + 6 version files
    assert.equal(cases.length, (8 * 2 + 3) * 2 * 2 + 6);
    for (const code of CODES) assert.ok(cases.some((c) => c.descr.endsWith(code)), code);
  });

  it('whole arrays (readNpy): same shape, order flag, version and every value', async () => {
    for (const c of cases) {
      const file = path.join(dir, `${c.name}.npy`);
      const got = await readNpy(file);
      assert.deepEqual(got.shape, c.shape, c.name);
      assert.equal(got.fortranOrder, c.fortran, c.name);
      assert.equal(got.descr, c.descr, c.name);
      if (c.version) assert.equal(got.version, c.version, c.name);
      assertSameValues(got.data, f64(path.join(dir, `${c.name}.whole.f8`)), `${c.name} (whole)`);
    }
  });

  it('every inline, crossline and time slice (openNpy) equals numpy\'s float32 section', async () => {
    for (const c of cases) {
      const v = await openNpy(path.join(dir, `${c.name}.npy`), { cacheBytes: 0 });
      try {
        const [ni, nx, ns] = v.info.shape;
        const parts: Float32Array[] = [];
        for (let i = 0; i < ni; i++) parts.push((await v.inline(i)).data);
        for (let x = 0; x < nx; x++) parts.push((await v.crossline(x)).data);
        for (let k = 0; k < ns; k++) parts.push((await v.timeslice(k)).data);
        const ours = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
        let at = 0;
        for (const p of parts) { ours.set(p, at); at += p.length; }
        assertSameValues(ours, f32(path.join(dir, `${c.name}.sections.f4`)), `${c.name} (sections)`);
      } finally {
        await v.close();
      }
    }
  });
});

describe('NPY files we write load in numpy identically', function () {
  this.timeout(120_000);
  const DESCRS: WritableDescr[] = ['<f2', '>f2', '<f4', '>f4', '<f8', '>f8', '|i1', '<i2', '>i2', '<i4', '>i4', '<i8', '>i8', '|u1', '<u2', '>u2', '<u4', '>u4', '|b1'];
  const value = (descr: string, i: number): number => {
    const code = descr.slice(1);
    switch (code) {
      case 'f2': return [0, -0, 65504, -65504, 2 ** -24, 1 / 3, Infinity, NaN][i % 8] * (i > 8 ? 1 + (i % 5) / 8 : 1);
      case 'f4': return Math.fround([1e-45, -3.4028234663852886e38, Math.PI, -0, NaN, -Infinity][i % 6] * (i % 7 + 1));
      case 'f8': return [Number.MIN_VALUE, -Number.MAX_VALUE, Math.E, -0, NaN, Infinity][i % 6] / (i % 3 + 1);
      case 'i1': return (i * 37) % 256 - 128;
      case 'u1': return (i * 91) % 256;
      case 'i2': return [-32768, 32767][i % 2] - (i % 2 ? i : -i);
      case 'u2': return (i * 4099) % 65536;
      case 'i4': return [-2147483648, 2147483647][i % 2] - (i % 2 ? i : -i);
      case 'u4': return 4294967295 - i * 77;
      case 'i8': return [-(2 ** 63), 2 ** 53 - 1, -(2 ** 53) + 1][i % 3] + (i % 3 === 0 ? 0 : (i % 3 === 1 ? -i : i));
      case 'b1': return i % 3 === 0 ? 1 : 0;
      default: throw new Error(descr);
    }
  };

  it('every dtype, 2D and 3D, versions 1.0/2.0/3.0: numpy sees the same descr, shape and values', async () => {
    const written: { name: string; descr: string; shape: number[]; values: number[] }[] = [];
    for (const descr of DESCRS) {
      for (const shape of [[6, 7], [3, 4, 5]]) {
        for (const version of [1, 2, 3] as const) {
          const n = shape.reduce((a, b) => a * b, 1);
          const values = Array.from({ length: n }, (_, i) => value(descr, i));
          const name = `ours_${descr.replace(/[<>|]/, (m) => ({ '<': 'le', '>': 'be', '|': 'na' }[m]!))}_${shape.length}d_v${version}`;
          await writeNpy(path.join(dir, `${name}.npy`), values, shape, descr, { version });
          fs.writeFileSync(path.join(dir, `${name}.want.f8`), new Float64Array(values));
          written.push({ name, descr, shape, values });
        }
      }
    }
    const report = JSON.parse(python(String.raw`
import sys, json, numpy as np
np.seterr(over='ignore')  # float16 overflow to inf is one of the cases under test
out, names = sys.argv[1], json.loads(sys.argv[2])
res = {}
for n in names:
    a = np.load('%s/%s.npy' % (out, n))
    with open('%s/%s.npy' % (out, n), 'rb') as fh:
        version = np.lib.format.read_magic(fh)
    open('%s/%s.back.f8' % (out, n), 'wb').write(np.ascontiguousarray(a, dtype='<f8').tobytes())
    # numpy's own cast of the values we meant to store, for the rounding of float16/float32
    want = np.fromfile('%s/%s.want.f8' % (out, n), dtype='<f8')
    open('%s/%s.cast.f8' % (out, n), 'wb').write(want.astype(a.dtype).astype('<f8').tobytes())
    res[n] = {'descr': a.dtype.str, 'shape': list(a.shape), 'fortran': bool(np.isfortran(a)) and a.ndim > 1, 'version': version[0]}
print(json.dumps(res))
`, dir, JSON.stringify(written.map((w) => w.name))));
    for (const w of written) {
      const r = report[w.name];
      assert.equal(r.descr, w.descr, w.name);
      assert.deepEqual(r.shape, w.shape, w.name);
      assert.equal(r.fortran, false, w.name);
      assert.equal(r.version, Number(w.name.slice(-1)), w.name);
      const back = f64(path.join(dir, `${w.name}.back.f8`));
      assertSameValues(back, f64(path.join(dir, `${w.name}.cast.f8`)), `${w.name} (numpy's cast of the same values)`);
      if (!w.descr.endsWith('f2')) {
        assertSameValues(back, w.values.map((v) => (w.descr.endsWith('f4') ? Math.fround(v) : v)), w.name);
      }
    }
  });
});
