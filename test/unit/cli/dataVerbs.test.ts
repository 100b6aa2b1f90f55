import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../../src/cli';
import { encodeNpy, readNpy } from '../../../src/io/npy';
import { lineRange } from '../../../src/cli/info';

const samples = path.resolve(__dirname, '../../../samples');
const f3 = path.join(samples, 'f3.sgy');
let dir: string;
before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seisgrow-cli-unit-')); });
after(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Run the CLI in-process, capturing stdout and stderr. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = console.log;
  const error = console.error;
  console.log = (...a: unknown[]) => out.push(a.join(' '));
  console.error = (...a: unknown[]) => err.push(a.join(' '));
  try {
    const code = await main(argv);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    console.log = log;
    console.error = error;
  }
}

/** The contract for bad input: exit 1, exactly one stderr line naming what is wrong, no stack trace, nothing written. */
async function expectFailure(args: string[], message: RegExp, out?: string): Promise<void> {
  const r = await cli(...args);
  assert.equal(r.code, 1, `exit code (stderr: ${r.err})`);
  assert.equal(r.err.split('\n').length, 1, `one stderr line: ${r.err}`);
  assert.doesNotMatch(r.err, /\n\s+at |Error:/);
  assert.match(r.err, message);
  if (out) {
    assert.equal(fs.existsSync(out), false, `${out} must not be written`);
    assert.deepEqual(fs.readdirSync(path.dirname(out)).filter((f) => f.includes(path.basename(out))), [], 'no temporary files left');
  }
}

describe('seisgrow info', () => {
  it('prints the table for SEG-Y: shape, line ranges, sample axis, format code, byte order', async () => {
    const r = await cli('info', f3);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /shape\s+23 inlines × 18 crosslines × 75 samples/);
    assert.match(r.out, /inlines\s+111–133 \(step 1, 23 lines\)/);
    assert.match(r.out, /crosslines\s+875–892 \(step 1, 18 lines\)/);
    assert.match(r.out, /every 4 ms/);
    assert.match(r.out, /dtype\s+int16/);
    assert.match(r.out, /byte order\s+big/);
    assert.match(r.out, /amplitudes\s+min -?\d/);
  });

  it('prints JSON for NPY, with the documented axis order', async () => {
    const file = path.join(dir, 'cube.npy');
    fs.writeFileSync(file, encodeNpy(Array.from({ length: 60 }, (_, i) => i), [3, 4, 5], '>i2'));
    const r = await cli('info', file, '--json');
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out);
    assert.equal(j.format, 'npy');
    assert.deepEqual(j.shape, [3, 4, 5]);
    assert.deepEqual(j.inlines, { first: 0, last: 2, count: 3, step: 1 });
    assert.equal(j.samples.unit, 'index');
    assert.equal(j.dtype, 'int16');
    assert.equal(j.byteOrder, 'big');
    assert.equal(j.details.descr, '>i2');
    assert.match(j.details.axisOrder, /inlines, crosslines, samples/);
    assert.equal(j.statistics.max, 59);
  });

  it('summarises irregular line numbers honestly', () => {
    assert.deepEqual(lineRange([1, 2, 4]), { first: 1, last: 4, count: 3, step: null });
    assert.deepEqual(lineRange([10, 20, 30]), { first: 10, last: 30, count: 3, step: 10 });
  });

  it('fails cleanly on missing, empty, unknown and garbage files', async () => {
    await expectFailure(['info', path.join(dir, 'missing.sgy')], /^seisgrow info: error: .*missing\.sgy: no such file$/);
    const empty = path.join(dir, 'empty.sgy');
    fs.writeFileSync(empty, '');
    await expectFailure(['info', empty], /empty\.sgy: .*empty/);
    const junk = path.join(dir, 'junk.bin');
    fs.writeFileSync(junk, 'not seismic');
    await expectFailure(['info', junk], /junk\.bin: unknown format/);
    const bad = path.join(dir, 'bad.npy');
    fs.writeFileSync(bad, Buffer.concat([Buffer.from('\x93NUMPY\x01\x00', 'latin1'), Buffer.from([10, 0]), Buffer.from("{'descr'  \n")]));
    await expectFailure(['info', bad], /bad\.npy: malformed NPY header/);
    await expectFailure(['info'], /missing FILE/);
    await expectFailure(['info', f3, '--jsn'], /unknown option --jsn; did you mean --json\?/);
  });

  it('prints help and exits 0', async () => {
    const r = await cli('info', '--help');
    assert.equal(r.code, 0);
    assert.match(r.out, /^usage: seisgrow info FILE \[--json\]/);
  });
});

describe('seisgrow slice', () => {
  const values = Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 0.5);
  let cube: string;
  before(() => {
    cube = path.join(dir, 'slice-cube.npy');
    fs.writeFileSync(cube, encodeNpy(values, [2, 3, 4], '<f8'));
  });

  it('writes an NPY inline as float32 samples × crosslines', async () => {
    const out = path.join(dir, 'il1.npy');
    const r = await cli('slice', cube, '--inline', '1', '--out', out);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /wrote inline 1 \(4 samples × 3 crosslines, float32\)/);
    const back = await readNpy(out);
    assert.equal(back.descr, '<f4');
    assert.deepEqual(back.shape, [4, 3]);
    // arr[1, x, s] = (12 + 4x + s) / 2, laid out as rows s, columns x
    assert.deepEqual(Array.from(back.data), [0, 1, 2, 3].flatMap((s) => [0, 1, 2].map((x) => (12 + 4 * x + s) * 0.5)));
  });

  it('writes a crossline and a time slice of the embedded SEG-Y by line number / sample index', async () => {
    const xl = path.join(dir, 'xl.npy');
    assert.equal((await cli('slice', f3, '--crossline', '880', '--out', xl)).code, 0);
    assert.deepEqual((await readNpy(xl)).shape, [75, 23]);
    const ts = path.join(dir, 'ts.npy');
    assert.equal((await cli('slice', f3, '--sample', '10', '--out', ts)).code, 0);
    assert.deepEqual((await readNpy(ts)).shape, [23, 18]);
  });

  it('fails with one line, exit 1 and nothing written on every kind of bad request', async () => {
    const out = path.join(dir, 'never.npy');
    await expectFailure(['slice', f3, '--inline', '140', '--out', out], /inline 140 is not in the volume: inlines are 111–133 \(step 1, 23 inlines\)/, out);
    await expectFailure(['slice', cube, '--crossline', '3', '--out', out], /crossline 3 is not in the volume: crosslines are 0–2 .*0-based indices/, out);
    await expectFailure(['slice', cube, '--sample', '-1', '--out', out], /sample index -1 is out of range: sample indices are 0–3/, out);
    await expectFailure(['slice', cube, '--inline', '0'], /missing required option --out/, out);
    await expectFailure(['slice', cube, '--out', out], /give one of --inline N, --crossline N or --sample K/, out);
    await expectFailure(['slice', cube, '--inline', '0', '--sample', '1', '--out', out], /give only one of --inline, --sample/, out);
    await expectFailure(['slice', cube, '--inline', 'one', '--out', out], /--inline needs a number/, out);
    await expectFailure(['slice', path.join(dir, 'missing.npy'), '--inline', '0', '--out', out], /missing\.npy: no such file/, out);
    await expectFailure(['slice', cube, '--inline', '0', '--out', path.join(dir, 'no-folder', 'x.npy')], /does not exist/);
    assert.equal(fs.existsSync(path.join(dir, 'no-folder')), false);
  });

  it('refuses to write over its input, by path or through a link, leaving it untouched', async () => {
    const before = fs.readFileSync(cube);
    await expectFailure(['slice', cube, '--inline', '0', '--out', cube], /refusing to write the slice over the input file/);
    const link = path.join(dir, 'link.npy');
    fs.symlinkSync(cube, link);
    await expectFailure(['slice', cube, '--inline', '0', '--out', link], /refusing/);
    assert.deepEqual(fs.readFileSync(cube), before);
  });
});
