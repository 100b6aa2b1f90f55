// Bad input: every malformed file is answered with a SeisGrowError naming the file, never another error or a hang.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { SeisGrowError } from '../../../src/shared/errors';
import { openSegy, writeSegy, type SegyVolume } from '../../../src/io/segy';

const F3 = join(__dirname, '../../../samples/f3.sgy');
const f3 = new Uint8Array(readFileSync(F3));
const SMALL = join(__dirname, '../../fixtures/segy/small.sgy');

let dir: string;
before(() => (dir = mkdtempSync(join(tmpdir(), 'seisgrow-segy-err-'))));
after(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function write(bytes: Uint8Array): string {
  const p = join(dir, `bad${n++}.sgy`);
  writeFileSync(p, bytes);
  return p;
}

async function rejectsWith(p: Promise<unknown>, code: string, file?: string, message?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(e instanceof SeisGrowError, `expected SeisGrowError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (file) assert.ok(e.message.includes(file), `message names the file: ${e.message}`);
    if (message) assert.match(e.message, message);
    return true;
  });
}

describe('SEG-Y malformed input', () => {
  const TRACE = 240 + 75 * 2;
  const cuts: [string, number, string][] = [
    ['zero length', 0, 'empty'],
    ['inside the textual header', 3199, 'truncated'],
    ['right after the textual header', 3200, 'truncated'],
    ['one byte short of the binary header', 3599, 'truncated'],
    ['right after the binary header (no traces)', 3600, 'truncated'],
    ['inside the first trace header', 3839, 'truncated'],
    ['right after the first trace header', 3840, 'truncated'],
    ['mid-trace', 3600 + 7 * TRACE + 100, 'truncated'],
    ['one byte short', f3.length - 1, 'truncated'],
  ];
  for (const [what, len, code] of cuts) {
    it(`f3.sgy cut ${what} (${len} bytes) → ${code}`, async () => {
      const p = write(f3.subarray(0, len));
      await rejectsWith(openSegy(p), code, p);
    });
  }

  it('the intact copy opens (so the cuts above fail for the cut, not for the file)', async () => {
    const vol = await openSegy(write(f3));
    assert.deepEqual(vol.info.shape, [23, 18, 75]);
    await vol.close();
  });

  it('a missing file, a directory', async () => {
    await rejectsWith(openSegy(join(dir, 'nope.sgy')), 'not-found', 'nope.sgy');
    await rejectsWith(openSegy(dir), 'is-directory', dir);
  });

  it('an unknown or unsupported format code', async () => {
    const b = f3.slice();
    new DataView(b.buffer).setInt16(3224, 0x0063);
    await rejectsWith(openSegy(write(b)), 'unknown-format', undefined, /99 read big-endian/);
    new DataView(b.buffer).setInt16(3224, 4);
    await rejectsWith(openSegy(write(b)), 'unknown-format', undefined, /format code 4 .* not supported/);
  });

  it('garbage headers (random text where the binary header should be)', async () => {
    const b = f3.slice();
    b.fill(0x41, 3200, 3600);
    await rejectsWith(openSegy(write(b)), 'unknown-format');
  });

  it('an absurd sample count fails on the file size before allocating', async () => {
    const b = f3.slice();
    const v = new DataView(b.buffer);
    v.setInt16(3224, 5);
    v.setUint16(3220, 65535);
    v.setUint16(3600 + 114, 65535);
    await rejectsWith(openSegy(write(b)), 'truncated', undefined, /needs 262380 bytes but only 161460/);
    // rev2's 32-bit extended sample count: 2^31-1 samples.
    v.setUint16(3220, 0);
    v.setUint16(3600 + 114, 0);
    v.setInt16(3500, 0x0200);
    v.setInt32(3268, 2 ** 31 - 1);
    await rejectsWith(openSegy(write(b)), 'truncated');
  });

  it('a zero sample count everywhere', async () => {
    const b = f3.slice();
    const v = new DataView(b.buffer);
    v.setUint16(3220, 0);
    v.setUint16(3600 + 114, 0);
    await rejectsWith(openSegy(write(b)), 'bad-header');
  });

  it('more extended textual headers than the file holds', async () => {
    const b = f3.slice();
    new DataView(b.buffer).setInt16(3504, 32000);
    await rejectsWith(openSegy(write(b)), 'truncated', undefined, /32000 extended textual headers/);
  });

  it('bad options, unknown line numbers, sample indices and trace indices, a closed volume', async () => {
    await rejectsWith(openSegy(F3, { inlineByte: 0 }), 'bad-request');
    await rejectsWith(openSegy(F3, { crosslineByte: 239 }), 'bad-request');
    const vol = await openSegy(F3);
    await rejectsWith(vol.inline(110), 'out-of-range', F3, /inlines 111\.\.133/);
    await rejectsWith(vol.crossline(1), 'out-of-range');
    await rejectsWith(vol.timeslice(75), 'out-of-range');
    await rejectsWith(vol.timeslice(-1), 'out-of-range');
    await rejectsWith(vol.readTrace(414), 'out-of-range');
    await rejectsWith(vol.trace(111, 874), 'out-of-range');
    await vol.close();
    await rejectsWith(vol.inline(111), 'closed');
    await rejectsWith(vol.statistics(), 'closed');
  });
});

describe('SEG-Y fuzz (fast-check): random and mutated bytes', () => {
  /** Open and touch every kind of access; only SeisGrowError may come out. */
  async function exercise(bytes: Uint8Array): Promise<'ok' | 'rejected'> {
    const p = write(bytes);
    let vol: SegyVolume | undefined;
    try {
      vol = await openSegy(p);
      const [ni, nx, ns] = vol.info.shape;
      assert.equal(vol.info.inlines.length, ni);
      assert.equal(vol.info.crosslines.length, nx);
      const s = await vol.inline(vol.info.inlines[0]);
      assert.equal(s.data.length, ns * nx);
      await vol.crossline(vol.info.crosslines[nx - 1]);
      await vol.timeslice(ns - 1);
      await vol.traceHeader(vol.traceCount - 1);
      await vol.statistics();
      return 'ok';
    } catch (e) {
      if (!(e instanceof SeisGrowError)) throw e;
      assert.ok(e.message.includes(p), `error names the file: ${e.message}`);
      return 'rejected';
    } finally {
      await vol?.close();
      rmSync(p, { force: true });
    }
  }

  it('random bytes (up to 8 KiB) never raise anything but SeisGrowError', async () => {
    await fc.assert(fc.asyncProperty(fc.uint8Array({ maxLength: 8192 }), async (b) => void (await exercise(b))), { numRuns: 200 });
  });

  it('random bytes behind a valid binary header never raise anything but SeisGrowError', async () => {
    const header = f3.subarray(0, 3600);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 6000 }), async (tail) => {
        const b = new Uint8Array(3600 + tail.length);
        b.set(header);
        b.set(tail, 3600);
        await exercise(b);
      }),
      { numRuns: 200 },
    );
  });

  for (const [name, source] of [['f3.sgy', F3], ['small.sgy (IBM float)', SMALL]] as const) {
    it(`${name} with flipped header bytes and random truncation: valid open or SeisGrowError`, async () => {
      const orig = new Uint8Array(readFileSync(source));
      const traceBytes = name.startsWith('f3') ? 390 : 440;
      let opened = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.oneof(fc.integer({ min: 3200, max: 3599 }), fc.integer({ min: 3600, max: 3600 + 4 * traceBytes }), fc.integer({ min: 0, max: orig.length - 1 })), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }),
          fc.option(fc.integer({ min: 0, max: orig.length }), { nil: undefined }),
          async (flips, cut) => {
            const b = orig.slice(0, cut ?? orig.length);
            for (const [at, value] of flips) if (at < b.length) b[at] = value;
            if ((await exercise(b)) === 'ok') opened++;
          },
        ),
        { numRuns: 150 },
      );
      assert.ok(opened > 0, 'some mutations still open (the property is not vacuous)');
    });
  }
});

describe('SEG-Y writer errors and atomicity', () => {
  const cube = { data: new Float32Array(2 * 3 * 4).map((_, i) => i), inlines: [1, 2], crosslines: [5, 6, 7], samples: 4 };

  it('round-trips through our reader', async () => {
    const p = join(dir, 'out.sgy');
    await writeSegy(p, cube);
    const vol = await openSegy(p);
    assert.deepEqual(vol.info.shape, [2, 3, 4]);
    assert.deepEqual(Array.from(await vol.trace(2, 6)), [16, 17, 18, 19]);
    assert.equal(vol.format.code, 5);
    assert.equal(vol.byteOrder, 'big');
    await vol.close();
  });

  it('refuses inconsistent cubes and writes nothing', async () => {
    const p = join(dir, 'never.sgy');
    await rejectsWith(writeSegy(p, { ...cube, samples: 5 }), 'bad-cube', p);
    await rejectsWith(writeSegy(p, { ...cube, inlines: [] }), 'bad-cube', p);
    await rejectsWith(writeSegy(p, { ...cube, inlines: [1.5, 2] }), 'bad-cube', p);
    await rejectsWith(writeSegy(p, { ...cube, sampleInterval: 100 }), 'bad-cube', p);
    assert.ok(!existsSync(p));
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes('never')), []);
  });

  it('never writes over its source, and leaves no temp file when the folder is missing', async () => {
    const p = join(dir, 'src.sgy');
    await writeSegy(p, cube);
    const before = readFileSync(p);
    const src = await openSegy(p);
    await rejectsWith(writeSegy(p, cube, src), 'would-overwrite', p);
    assert.deepEqual(readFileSync(p), before);
    await src.close();
    const missing = join(dir, 'no-such-folder', 'x.sgy');
    await rejectsWith(writeSegy(missing, cube), 'io', missing);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), []);
  });
});
