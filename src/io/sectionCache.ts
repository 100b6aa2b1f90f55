// A byte-bounded LRU for decoded sections, shared by the SEG-Y and NPY readers.
import type { Section } from './types';

/** Default budget: enough for dozens of large sections, small next to a volume larger than RAM. */
export const DEFAULT_SECTION_CACHE_BYTES = 256 * 1024 * 1024;

/** A least-recently-used cache of sections keyed by string, bounded by the total bytes of the section data. */
export class SectionCache {
  /** Map iteration order is insertion order, so re-inserting on access keeps the oldest entry first. */
  private readonly entries = new Map<string, Section>();
  private bytes = 0;
  /** Lookups answered from the cache. */
  hits = 0;
  /** Lookups that missed. */
  misses = 0;

  constructor(readonly maxBytes: number = DEFAULT_SECTION_CACHE_BYTES) {
    if (!(maxBytes >= 0)) throw new RangeError(`SectionCache: maxBytes must be >= 0, got ${maxBytes}`);
  }

  /** The cached section for key (marking it most recently used), or undefined. */
  get(key: string): Section | undefined {
    const section = this.entries.get(key);
    if (section === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.entries.delete(key);
    this.entries.set(key, section);
    return section;
  }

  /** Store a section, evicting the least recently used ones to stay within maxBytes; a section larger than the whole budget is not kept. */
  set(key: string, section: Section): void {
    const old = this.entries.get(key);
    if (old !== undefined) {
      this.entries.delete(key);
      this.bytes -= old.data.byteLength;
    }
    const size = section.data.byteLength;
    if (size > this.maxBytes) return;
    while (this.bytes + size > this.maxBytes) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      const evicted = this.entries.get(oldest.value)!;
      this.entries.delete(oldest.value);
      this.bytes -= evicted.data.byteLength;
    }
    this.entries.set(key, section);
    this.bytes += size;
  }

  /** True when key is cached (does not count as a hit or refresh recency). */
  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Drop every entry (the counters are kept). */
  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }

  /** Number of cached sections. */
  get size(): number {
    return this.entries.size;
  }

  /** Total bytes of the cached section data. */
  get byteSize(): number {
    return this.bytes;
  }
}
