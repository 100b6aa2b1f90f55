// The built command line (`node dist/cli.js info/slice`) against segyio and numpy on the shared real data.
import * as assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describeWithSharedData, sharedData } from '../support/sharedData';

const root = path.resolve(__dirname, '../..');
const cliJs = path.join(root, 'dist', 'cli.js');
const PY = '/usr/bin/python3';

function seisgrow(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cliJs, ...args], { encoding: 'utf8' });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

function python(script: string, ...args: string[]): string {
  return execFileSync(PY, ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
}

function f32(file: string): Float32Array {
  const b = fs.readFileSync(file);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Our NPY output must be exactly the float32 bytes numpy produced for the same section (C order). */
function assertSameSection(ours: string, reference: string, what: string): void {
  const header = fs.readFileSync(ours);
  const dataOffset = 10 + header.readUInt16LE(8);
  const a = new Float32Array(header.buffer.slice(header.byteOffset + dataOffset, header.byteOffset + header.byteLength));
  const b = f32(reference);
  assert.equal(a.length, b.length, `${what}: size`);
  for (let i = 0; i < b.length; i++) if (!Object.is(a[i], b[i])) assert.fail(`${what}: element ${i} is ${a[i]}, the peer says ${b[i]}`);
}

// For a SEG-Y file: segyio's geometry, and a handful of sections of its cube as float32 (samples × traces).
const SEGYIO = String.raw`
import sys, json, numpy as np, segyio
path, out, endian = sys.argv[1], sys.argv[2], sys.argv[3]
with segyio.open(path, endian=endian) as f:
    cube = segyio.tools.cube(f).astype('<f4')
    il, xl, samples = list(map(int, f.ilines)), list(map(int, f.xlines)), [float(s) for s in f.samples]
    picks = {'inline': sorted({il[0], il[len(il) // 2], il[-1]}), 'crossline': sorted({xl[0], xl[len(xl) // 2], xl[-1]}),
             'sample': sorted({0, len(samples) // 2, len(samples) - 1})}
    for n in picks['inline']: cube[il.index(n)].T.astype('<f4').tofile('%s/inline_%d.f4' % (out, n))
    for n in picks['crossline']: np.ascontiguousarray(cube[:, xl.index(n), :].T).tofile('%s/crossline_%d.f4' % (out, n))
    for k in picks['sample']: np.ascontiguousarray(cube[:, :, k]).tofile('%s/sample_%d.f4' % (out, k))
    print(json.dumps({'ilines': il, 'xlines': xl, 'samples': samples, 'format': int(f.format), 'picks': picks,
                      'sorting': 'inline' if f.sorting == segyio.TraceSortingFormat.INLINE_SORTING else 'crossline'}))
`;

describeWithSharedData('seisgrow info/slice against segyio and numpy', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    execFileSync(process.execPath, ['esbuild.mjs', 'cli'], { cwd: root, stdio: 'inherit' });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seisgrow-cli-peer-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  for (const [name, endian] of [['f3.sgy', 'big'], ['f3-lsb.sgy', 'little'], ['small.sgy', 'big']] as const) {
    it(`${name}: info and slices agree with segyio value for value`, () => {
      const file = sharedData('segy', name);
      const refDir = fs.mkdtempSync(path.join(dir, 'ref-'));
      const ref = JSON.parse(python(SEGYIO, file, refDir, endian));
      const info = seisgrow('info', file, '--json');
      assert.equal(info.code, 0, info.stderr);
      const j = JSON.parse(info.stdout);
      assert.equal(j.format, 'segy');
      assert.deepEqual(j.shape, [ref.ilines.length, ref.xlines.length, ref.samples.length]);
      assert.deepEqual([j.inlines.first, j.inlines.last, j.inlines.count], [ref.ilines[0], ref.ilines.at(-1), ref.ilines.length]);
      assert.deepEqual([j.crosslines.first, j.crosslines.last, j.crosslines.count], [ref.xlines[0], ref.xlines.at(-1), ref.xlines.length]);
      assert.equal(j.samples.start, ref.samples[0]);
      assert.equal(j.samples.interval, ref.samples[1] - ref.samples[0]);
      assert.equal(j.byteOrder, endian);
      assert.equal(j.details.formatCode, ref.format);
      assert.equal(j.details.sorting, ref.sorting);
      const table = seisgrow('info', file);
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, new RegExp(`shape\\s+${ref.ilines.length} inlines × ${ref.xlines.length} crosslines × ${ref.samples.length} samples`));
      for (const axis of ['inline', 'crossline', 'sample'] as const) {
        for (const n of ref.picks[axis] as number[]) {
          const out = path.join(dir, `${name}_${axis}_${n}.npy`);
          const r = seisgrow('slice', file, `--${axis}`, String(n), '--out', out);
          assert.equal(r.code, 0, r.stderr);
          assertSameSection(out, path.join(refDir, `${axis}_${n}.f4`), `${name} ${axis} ${n}`);
        }
      }
    });
  }

  it('an F3 section NPY: info reads (samples, traces) as one inline, slices equal numpy', () => {
    const file = sharedData('f3-sections', 'crossline_327_seismic_f32.npy');
    const info = seisgrow('info', file, '--json');
    assert.equal(info.code, 0, info.stderr);
    const j = JSON.parse(info.stdout);
    assert.deepEqual(j.shape, [1, 651, 462]);
    assert.equal(j.kind, '2d');
    python(String.raw`
import sys, numpy as np
a = np.load(sys.argv[1]).astype('<f4'); out = sys.argv[2]
np.ascontiguousarray(a).tofile(out + '/npy_inline_0.f4')
for x in (0, 325, 650): np.ascontiguousarray(a[:, x:x + 1]).tofile(out + '/npy_crossline_%d.f4' % x)
for k in (0, 231, 461): np.ascontiguousarray(a[k:k + 1, :]).tofile(out + '/npy_sample_%d.f4' % k)
`, file, dir);
    for (const [axis, n] of [['inline', 0], ['crossline', 0], ['crossline', 325], ['crossline', 650], ['sample', 0], ['sample', 231], ['sample', 461]] as const) {
      const out = path.join(dir, `npy_${axis}_${n}.npy`);
      const r = seisgrow('slice', file, `--${axis}`, String(n), '--out', out);
      assert.equal(r.code, 0, r.stderr);
      assertSameSection(out, path.join(dir, `npy_${axis}_${n}.f4`), `npy ${axis} ${n}`);
      // and numpy loads our file as float32 of the documented shape
      const shape = python('import sys, numpy as np; a = np.load(sys.argv[1]); print(a.dtype.str, a.shape)', out).trim();
      assert.equal(shape, `<f4 ${axis === 'inline' ? '(462, 651)' : axis === 'crossline' ? '(462, 1)' : '(1, 651)'}`);
    }
  });

  it('bad requests from the built CLI: exit 1, one stderr line, no stack trace, nothing written', () => {
    const out = path.join(dir, 'never.npy');
    for (const args of [
      ['slice', sharedData('segy', 'f3.sgy'), '--inline', '999', '--out', out],
      ['slice', sharedData('segy', 'f3.sgy'), '--crossline', '874', '--out', out],
      ['slice', sharedData('segy', 'small.sgy'), '--sample', '50', '--out', out],
      ['slice', sharedData('f3-sections', 'inline_130_labels.npy'), '--inline', '1', '--out', out],
      ['slice', sharedData('segy', 'f3.sgy'), '--inline', '111', '--out', sharedData('segy', 'f3.sgy')],
      ['info', sharedData('segy')],
      ['info', sharedData('segy', 'LICENSE-segyio.md')],
      ['info', path.join(dir, 'missing.npy')],
    ]) {
      const r = seisgrow(...args);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], /^seisgrow (info|slice): error: \//);
      assert.doesNotMatch(r.stderr, /\s at /);
      assert.equal(fs.existsSync(out), false);
    }
  });
});
