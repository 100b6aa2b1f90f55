// A small, fast, seeded PRNG (sfc32 seeded by splitmix32) so that training, sampling and augmentation are
// reproducible bit for bit from one recorded seed, on any backend and in any worker.

/** 32-bit FNV-1a of a string: turns a fork label into a number. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** One splitmix32 step: spreads nearby seeds (0, 1, 2…) into unrelated states. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Deterministic random numbers from a seed; `fork(label)` derives an independent stream for a named consumer. */
export class Rng {
  /** The seed this generator was built from (recorded in configs and checkpoints). */
  readonly seed: number;
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new RangeError(`Rng seed must be a finite number, got ${seed}`);
    // Fractional or huge seeds fold to 32 bits deterministically, so any recorded number replays.
    this.seed = Number.isInteger(seed) && Math.abs(seed) < 2 ** 32 ? seed >>> 0 : fnv1a(String(seed));
    const st = { s: this.seed };
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st);
    // sfc32 needs a few rounds before the state is well mixed.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A uniform unsigned 32-bit integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform number in [0, 1) with 32 random bits. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A uniform integer in [0, n); n must be a positive integer ≤ 2^32. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296) throw new RangeError(`Rng.int needs a positive integer ≤ 2^32, got ${n}`);
    // Rejection sampling keeps every value exactly equally likely (no modulo bias).
    const limit = 4294967296 - (4294967296 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** A uniform number in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** True with probability p. */
  bool(p = 0.5): boolean {
    return this.next() < p;
  }

  /** A standard normal deviate (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Shuffle an array in place (Fisher–Yates) and return it. */
  shuffle<T>(a: T[]): T[] {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }

  /** One element chosen uniformly. */
  pick<T>(a: readonly T[]): T {
    if (a.length === 0) throw new RangeError('Rng.pick from an empty array');
    return a[this.int(a.length)];
  }

  /**
   * An independent generator for a named consumer. It depends only on this generator's seed and the label,
   * never on how many numbers were drawn, so adding draws in one place does not change any other stream.
   */
  fork(label: string): Rng {
    const st = { s: (this.seed ^ Math.imul(fnv1a(label), 0x9e3779b1)) | 0 };
    splitmix32(st);
    return new Rng(splitmix32(st) ^ fnv1a(`${label}#${this.seed}`));
  }
}
