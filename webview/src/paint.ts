// Painting in section coordinates: brush discs, thick polylines and a bounded flood fill. Each gesture edits the
// label array in place (the optimistic display) and remembers what it changed, so it can be sent as ONE stroke or
// cancelled exactly.
import { MAX_STROKE_PIXELS } from '../../src/shared/editorProtocol';

/** Pixel rectangle [x0, x1) × [y0, y1) in section coordinates. */
export interface PixelRect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** One paint gesture on one section: applies a value and records the changed pixels and their old values. */
export class StrokeBuilder {
  private readonly changedIndices: number[] = [];
  private readonly oldValues: number[] = [];
  private readonly seen: Uint8Array;
  /** Bounding box of everything changed so far (empty when x1 ≤ x0). */
  readonly bounds: PixelRect = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };

  constructor(
    readonly rows: number,
    readonly cols: number,
    private readonly labels: Uint8Array,
    readonly value: number,
  ) {
    this.seen = new Uint8Array(rows * cols);
  }

  /** Number of pixels changed so far. */
  get size(): number {
    return this.changedIndices.length;
  }

  /** True when the stroke reached MAX_STROKE_PIXELS and ignores further pixels. */
  get full(): boolean {
    return this.changedIndices.length >= MAX_STROKE_PIXELS;
  }

  /** Set one pixel (ignored outside the section, when already set by this stroke, or already of this value). */
  setPixel(col: number, row: number): void {
    if (col < 0 || row < 0 || col >= this.cols || row >= this.rows) return;
    const i = row * this.cols + col;
    if (this.seen[i]) return;
    this.seen[i] = 1;
    const old = this.labels[i]!;
    if (old === this.value || this.full) return;
    this.changedIndices.push(i);
    this.oldValues.push(old);
    this.labels[i] = this.value;
    const b = this.bounds;
    if (col < b.x0) b.x0 = col;
    if (col + 1 > b.x1) b.x1 = col + 1;
    if (row < b.y0) b.y0 = row;
    if (row + 1 > b.y1) b.y1 = row + 1;
  }

  /** A filled disc of the given diameter (in pixels) centred on a point in section coordinates. */
  addDisc(x: number, y: number, diameter: number): void {
    if (diameter <= 1) { this.setPixel(Math.floor(x), Math.floor(y)); return; }
    const r = diameter / 2;
    const r2 = r * r;
    const cx = Math.floor(x) + 0.5;
    const cy = Math.floor(y) + 0.5;
    const yMin = Math.floor(cy - r);
    const yMax = Math.ceil(cy + r);
    for (let row = yMin; row <= yMax; row++) {
      const dy = row + 0.5 - cy;
      const h = r2 - dy * dy;
      if (h < 0) continue;
      const w = Math.sqrt(h);
      const c0 = Math.ceil(cx - w - 0.5);
      const c1 = Math.floor(cx + w - 0.5);
      for (let col = c0; col <= c1; col++) this.setPixel(col, row);
    }
  }

  /** A thick segment: discs stamped at most half a radius (and half a pixel) apart. */
  addSegment(x0: number, y0: number, x1: number, y1: number, diameter: number): void {
    const length = Math.hypot(x1 - x0, y1 - y0);
    const spacing = Math.max(0.5, Math.min(diameter / 4, 4));
    const steps = Math.max(1, Math.ceil(length / spacing));
    for (let s = 0; s <= steps; s++) {
      const t = s / steps;
      this.addDisc(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, diameter);
    }
  }

  /**
   * Flood fill (4-connected, scanline) from a seed over the pixels that share the seed's current label, i.e. the
   * region bounded by other labels and the section's edges.
   */
  fill(col: number, row: number): void {
    if (col < 0 || row < 0 || col >= this.cols || row >= this.rows) return;
    const { cols, rows, labels } = this;
    const target = labels[row * cols + col]!;
    if (target === this.value) return;
    const stack: number[] = [col, row];
    while (stack.length > 0 && !this.full) {
      const y = stack.pop()!;
      let x = stack.pop()!;
      const base = y * cols;
      if (labels[base + x] !== target || this.seen[base + x]) continue;
      while (x > 0 && labels[base + x - 1] === target && !this.seen[base + x - 1]) x--;
      let upOpen = false;
      let downOpen = false;
      for (; x < cols && labels[base + x] === target && !this.seen[base + x]; x++) {
        this.setPixel(x, y);
        if (y > 0) {
          const up = labels[base - cols + x] === target && !this.seen[base - cols + x];
          if (up && !upOpen) stack.push(x, y - 1);
          upOpen = up;
        }
        if (y < rows - 1) {
          const down = labels[base + cols + x] === target && !this.seen[base + cols + x];
          if (down && !downOpen) stack.push(x, y + 1);
          downOpen = down;
        }
      }
    }
  }

  /** Put back every old value (the gesture was cancelled or refused). */
  revert(): void {
    for (let k = 0; k < this.changedIndices.length; k++) this.labels[this.changedIndices[k]!] = this.oldValues[k]!;
  }

  /** The changed pixels as flat section indices, in a fresh buffer (to transfer to the host). */
  pixels(): Uint32Array {
    return Uint32Array.from(this.changedIndices);
  }
}
