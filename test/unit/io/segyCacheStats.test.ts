import * as assert from 'node:assert/strict';
import { SectionCache } from '../../../src/io/sectionCache';
import { estimateStatistics, percentileOfSorted, sampleTraceIndices, STATISTICS_PERCENTILES } from '../../../src/io/statistics';
import type { Section } from '../../../src/io/types';

function section(floats: number, fill = 0): Section {
  return { data: new Float32Array(floats).fill(fill), rows: 1, cols: floats };
}

describe('SectionCache', () => {
  it('returns what was stored and counts hits and misses', () => {
    const c = new SectionCache(1024);
    const s = section(10, 3);
    assert.equal(c.get('a'), undefined);
    c.set('a', s);
    assert.equal(c.get('a'), s);
    assert.equal(c.hits, 1);
    assert.equal(c.misses, 1);
    assert.equal(c.byteSize, 40);
  });

  it('evicts the least recently used entries to stay within the byte budget', () => {
    const c = new SectionCache(100); // 25 floats
    c.set('a', section(10));
    c.set('b', section(10));
    c.get('a'); // a is now more recent than b
    c.set('c', section(10)); // 120 bytes needed: b goes
    assert.ok(c.has('a'));
    assert.ok(!c.has('b'));
    assert.ok(c.has('c'));
    assert.ok(c.byteSize <= 100);
  });

  it('never keeps a section larger than the whole budget, and replacing a key updates the size', () => {
    const c = new SectionCache(100);
    c.set('big', section(26));
    assert.equal(c.size, 0);
    c.set('x', section(5));
    c.set('x', section(20));
    assert.equal(c.size, 1);
    assert.equal(c.byteSize, 80);
    c.clear();
    assert.equal(c.size, 0);
    assert.equal(c.byteSize, 0);
  });

  it('keeps the total under budget across many random inserts', () => {
    const c = new SectionCache(1000);
    let seed = 7;
    for (let i = 0; i < 500; i++) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      c.set(`k${seed % 40}`, section(1 + (seed % 90)));
      assert.ok(c.byteSize <= 1000);
    }
  });
});

describe('estimateStatistics', () => {
  it('samples evenly spaced traces deterministically and covers both ends', () => {
    const idx = sampleTraceIndices(1000, 10);
    assert.equal(idx.length, 10);
    assert.deepEqual(idx, sampleTraceIndices(1000, 10));
    assert.equal(idx[0], 50);
    assert.equal(idx[9], 950);
    assert.deepEqual(sampleTraceIndices(3, 10), [0, 1, 2]);
    assert.deepEqual(sampleTraceIndices(0, 10), []);
  });

  it('matches exact statistics when every trace is sampled, ignoring NaN and Inf', async () => {
    const traces = [new Float32Array([1, 2, NaN]), new Float32Array([3, Infinity, 4]), new Float32Array([-Infinity, 5, 0])];
    const seen: number[] = [];
    const s = await estimateStatistics(async (i) => (seen.push(i), traces[i]), 3);
    assert.deepEqual(seen, [0, 1, 2]);
    assert.equal(s.sampleCount, 6);
    assert.equal(s.min, 0);
    assert.equal(s.max, 5);
    assert.equal(s.mean, 2.5);
    assert.ok(Math.abs(s.std - Math.sqrt(17.5 / 6)) < 1e-12);
    assert.equal(s.percentiles['50'], 2.5);

    for (const p of STATISTICS_PERCENTILES) assert.ok(String(p) in s.percentiles);
  });

  it('reads at most maxTraces traces', async () => {
    let reads = 0;
    const s = await estimateStatistics(async (i) => (reads++, new Float32Array([i])), 100000, 2000);
    assert.equal(reads, 2000);
    assert.ok(s.min >= 0 && s.max < 100000);
    assert.ok(Math.abs(s.mean - 50000) < 100);
  });

  it('answers zeros for an all-NaN volume rather than NaN', async () => {
    const s = await estimateStatistics(async () => new Float32Array([NaN, NaN]), 4);
    assert.equal(s.sampleCount, 0);
    assert.equal(s.min, 0);
    assert.equal(s.std, 0);
  });

  it('interpolates percentiles like numpy', () => {
    const v = [1, 2, 3, 4];
    assert.equal(percentileOfSorted(v, 50), 2.5);
    assert.equal(percentileOfSorted(v, 0), 1);
    assert.equal(percentileOfSorted(v, 100), 4);
    assert.ok(Math.abs(percentileOfSorted(v, 99) - 3.97) < 1e-12);
  });
});
