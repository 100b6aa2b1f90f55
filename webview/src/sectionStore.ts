// Sections fetched from the host on demand, kept in a small LRU cache (bounded in bytes), with a priority queue so the
// line on screen is always fetched before prefetched neighbours, and at most a couple of requests in flight.
import type { EditorAxis, SectionMessage } from '../../src/shared/editorProtocol';

/** A section ready to draw: typed views on the host's buffers. */
export interface LoadedSection {
  readonly axis: EditorAxis;
  readonly index: number;
  readonly rows: number;
  readonly cols: number;
  readonly amplitudes: Float32Array;
  /** Seed labels; replaced by a fresh all-255 array on the first stroke when the host had none. */
  labels: Uint8Array | null;
  readonly grown: Uint8Array | null;
  readonly prediction: Uint8Array | null;
  readonly confidence: Float32Array | null;
  /** The store generation it was fetched in; older generations are stale (labels changed since). */
  readonly generation: number;
}

/** Turn a section message into typed arrays, refusing buffers whose sizes do not match rows × cols. */
export function decodeSection(m: SectionMessage, generation: number): LoadedSection {
  const n = m.rows * m.cols;
  const check = (name: string, buffer: ArrayBuffer | null | undefined, bytesPerPixel: number): void => {
    if (buffer !== null && buffer !== undefined && buffer.byteLength !== n * bytesPerPixel) {
      throw new Error(`${m.axis} ${m.index}: ${name} has ${buffer.byteLength} bytes, expected ${n * bytesPerPixel} for ${m.rows} × ${m.cols}`);
    }
  };
  check('amplitudes', m.amplitudes, 4);
  check('labels', m.labels, 1);
  check('grown labels', m.overlays?.grown, 1);
  check('prediction', m.overlays?.prediction, 1);
  check('confidence', m.overlays?.confidence, 4);
  return {
    axis: m.axis,
    index: m.index,
    rows: m.rows,
    cols: m.cols,
    amplitudes: new Float32Array(m.amplitudes),
    labels: m.labels ? new Uint8Array(m.labels) : null,
    grown: m.overlays?.grown ? new Uint8Array(m.overlays.grown) : null,
    prediction: m.overlays?.prediction ? new Uint8Array(m.overlays.prediction) : null,
    confidence: m.overlays?.confidence ? new Float32Array(m.overlays.confidence) : null,
    generation,
  };
}

function sectionBytes(s: LoadedSection): number {
  // Labels count even when absent: the first stroke allocates them in place, after the section was cached.
  return s.amplitudes.byteLength + (s.labels?.byteLength ?? s.rows * s.cols) + (s.grown?.byteLength ?? 0)
    + (s.prediction?.byteLength ?? 0) + (s.confidence?.byteLength ?? 0);
}


/** Cache key of a section. */
export function sectionKey(axis: EditorAxis, index: number): string {
  return `${axis}:${index}`;
}

interface Job {
  readonly axis: EditorAxis;
  readonly index: number;
  readonly key: string;
  readonly waiters: { resolve: (s: LoadedSection) => void; reject: (e: Error) => void }[];
}

/** LRU cache + request scheduler for sections. */
export class SectionStore {
  private readonly cache = new Map<string, LoadedSection>();
  private bytes = 0;
  private readonly inFlight = new Map<string, Job>();
  private urgent: Job[] = [];
  private prefetchQueue: Job[] = [];
  private currentGeneration = 0;

  constructor(
    private readonly fetchSection: (axis: EditorAxis, index: number) => Promise<SectionMessage>,
    private readonly capacityBytes = 384 * 1024 * 1024,
    private readonly maxInFlight = 2,
  ) {}

  /** Generation of the cached data; bumped by invalidate(). */
  get generation(): number {
    return this.currentGeneration;
  }

  /** A cached section (marked most recently used), or undefined. */
  get(axis: EditorAxis, index: number): LoadedSection | undefined {
    const key = sectionKey(axis, index);
    const s = this.cache.get(key);
    if (s) { this.cache.delete(key); this.cache.set(key, s); }
    return s;
  }

  /** True when a section is cached. */
  has(axis: EditorAxis, index: number): boolean {
    return this.cache.has(sectionKey(axis, index));
  }

  /** Load a section for display: from the cache, or fetched ahead of any prefetch. */
  load(axis: EditorAxis, index: number): Promise<LoadedSection> {
    const cached = this.get(axis, index);
    if (cached) return Promise.resolve(cached);
    return this.enqueue(axis, index, true);
  }

  /** Replace the prefetch queue with these sections (nearest first); cached or in-flight ones are skipped. */
  prefetch(axis: EditorAxis, indices: readonly number[]): void {
    this.prefetchQueue = [];
    for (const index of indices) {
      const key = sectionKey(axis, index);
      if (this.cache.has(key) || this.inFlight.has(key) || this.urgent.some((j) => j.key === key)) continue;
      this.prefetchQueue.push({ axis, index, key, waiters: [] });
    }
    this.pump();
  }

  /** Forget one section (or every section): its labels/overlays changed on the host. */
  invalidate(axis?: EditorAxis, index?: number): void {
    if (axis !== undefined && index !== undefined) {
      const key = sectionKey(axis, index);
      const s = this.cache.get(key);
      if (s) { this.bytes -= sectionBytes(s); this.cache.delete(key); }
      // A reply already on its way was read before the change: do not cache it.
      this.inFlight.delete(key);
      return;
    }
    this.currentGeneration++;
    this.cache.clear();
    this.bytes = 0;
    this.inFlight.clear();
    this.prefetchQueue = [];
  }

  /**
   * Labels on one section changed: every cached section of another axis crosses it and is stale too. With an index,
   * that section is dropped as well; without one (our own optimistic stroke) the same-axis sections are kept.
   */
  invalidateCrossing(axis: EditorAxis, index?: number): void {
    for (const [key, s] of this.cache) {
      if (s.axis !== axis || s.index === index) { this.bytes -= sectionBytes(s); this.cache.delete(key); }
    }
    for (const [key, job] of this.inFlight) if (job.axis !== axis || job.index === index) this.inFlight.delete(key);
  }

  private enqueue(axis: EditorAxis, index: number, urgent: boolean): Promise<LoadedSection> {
    const key = sectionKey(axis, index);
    return new Promise<LoadedSection>((resolve, reject) => {
      const waiter = { resolve, reject };
      const running = this.inFlight.get(key);
      if (running) { running.waiters.push(waiter); return; }
      const queued = this.urgent.find((j) => j.key === key);
      if (queued) { queued.waiters.push(waiter); return; }
      this.prefetchQueue = this.prefetchQueue.filter((j) => j.key !== key);
      // Only the newest display request matters while scrubbing: older unstarted ones are dropped.
      for (const old of this.urgent) for (const w of old.waiters) w.reject(new SupersededError());
      this.urgent = urgent ? [{ axis, index, key, waiters: [waiter] }] : this.urgent;
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight.size < this.maxInFlight) {
      const job = this.urgent.shift() ?? this.prefetchQueue.shift();
      if (!job) return;
      this.start(job);
    }
  }

  private start(job: Job): void {
    const generation = this.currentGeneration;
    this.inFlight.set(job.key, job);
    this.fetchSection(job.axis, job.index).then(
      (message) => {
        const stillWanted = this.inFlight.get(job.key) === job;
        if (stillWanted) this.inFlight.delete(job.key);
        let section: LoadedSection;
        try {
          section = decodeSection(message, generation);
        } catch (e) {
          for (const w of job.waiters) w.reject(e as Error);
          this.pump();
          return;
        }
        if (stillWanted && generation === this.currentGeneration) this.insert(job.key, section);
        for (const w of job.waiters) w.resolve(section);
        this.pump();
      },
      (error: Error) => {
        if (this.inFlight.get(job.key) === job) this.inFlight.delete(job.key);
        for (const w of job.waiters) w.reject(error);
        this.pump();
      },
    );
  }

  private insert(key: string, section: LoadedSection): void {
    const old = this.cache.get(key);
    if (old) { this.bytes -= sectionBytes(old); this.cache.delete(key); }
    this.cache.set(key, section);
    this.bytes += sectionBytes(section);
    while (this.bytes > this.capacityBytes && this.cache.size > 1) {
      const oldestKey = this.cache.keys().next().value as string;
      this.bytes -= sectionBytes(this.cache.get(oldestKey)!);
      this.cache.delete(oldestKey);
    }
  }
}

/** A display request replaced by a newer one before it started (scrubbing); not an error to show. */
export class SupersededError extends Error {
  constructor() {
    super('superseded by a newer section request');
    this.name = 'SupersededError';
  }
}
