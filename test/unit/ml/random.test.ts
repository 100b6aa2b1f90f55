import * as assert from 'node:assert/strict';
import { Rng } from '../../../src/ml/random';

describe('Rng', () => {
  it('replays the same sequence from the same seed and differs between seeds', () => {
    const a = new Rng(42);
    const b = new Rng(42);
    const c = new Rng(43);
    const xs = Array.from({ length: 100 }, () => a.next());
    const ys = Array.from({ length: 100 }, () => b.next());
    const zs = Array.from({ length: 100 }, () => c.next());
    assert.deepEqual(xs, ys);
    assert.notDeepEqual(xs, zs);
    for (const x of xs) assert.ok(x >= 0 && x < 1);
  });

  it('gives roughly uniform next() and unbiased int()', () => {
    const r = new Rng(7);
    const n = 200_000;
    let sum = 0;
    const bins = new Array(10).fill(0);
    for (let i = 0; i < n; i++) { const x = r.next(); sum += x; bins[r.int(10)]++; }
    assert.ok(Math.abs(sum / n - 0.5) < 0.005, `mean ${sum / n}`);
    // chi-square with 9 dof: 99.9th percentile is 27.9
    const chi = bins.reduce((acc, b) => acc + (b - n / 10) ** 2 / (n / 10), 0);
    assert.ok(chi < 27.9, `chi-square ${chi}`);
  });

  it('int() covers exactly 0..n-1 and rejects bad n', () => {
    const r = new Rng(1);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(r.int(5));
    assert.deepEqual([...seen].sort(), [0, 1, 2, 3, 4]);
    assert.equal(r.int(1), 0);
    assert.throws(() => r.int(0), RangeError);
    assert.throws(() => r.int(2.5), RangeError);
  });

  it('normal() has mean 0 and variance 1', () => {
    const r = new Rng(3);
    const n = 100_000;
    let s = 0, s2 = 0;
    for (let i = 0; i < n; i++) { const x = r.normal(); s += x; s2 += x * x; }
    const mean = s / n;
    assert.ok(Math.abs(mean) < 0.02, `mean ${mean}`);
    assert.ok(Math.abs(s2 / n - mean * mean - 1) < 0.03, `var ${s2 / n}`);
  });

  it('shuffle() permutes in place, deterministically', () => {
    const a = new Rng(5).shuffle(Array.from({ length: 50 }, (_, i) => i));
    const b = new Rng(5).shuffle(Array.from({ length: 50 }, (_, i) => i));
    assert.deepEqual(a, b);
    assert.deepEqual([...a].sort((x, y) => x - y), Array.from({ length: 50 }, (_, i) => i));
    assert.notDeepEqual(a, Array.from({ length: 50 }, (_, i) => i));
  });

  it('fork() streams depend on seed and label only, not on draws so far, and differ from each other', () => {
    const r = new Rng(9);
    const f1 = r.fork('init-A').next();
    r.next(); r.next();
    assert.equal(r.fork('init-A').next(), f1);
    assert.notEqual(r.fork('init-B').next(), f1);
    assert.notEqual(new Rng(10).fork('init-A').next(), f1);
    const parent = Array.from({ length: 20 }, () => new Rng(9).next());
    const child = Array.from({ length: 20 }, () => r.fork('x').next());
    assert.notDeepEqual(parent, child);
  });

  it('accepts any finite seed and rejects NaN', () => {
    assert.equal(new Rng(-1).seed, 0xffffffff);
    assert.deepEqual(new Rng(0.5).next(), new Rng(0.5).next());
    assert.throws(() => new Rng(NaN), RangeError);
  });
});
