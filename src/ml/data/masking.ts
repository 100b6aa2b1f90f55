// Masks of the self-supervised pretext (masked reconstruction, as in SimMIM / MAE for convolutional networks): square
// blocks of a patch hidden from the network, which learns to rebuild their amplitude from the context around them.
// Blocks rather than pixels, because a hidden pixel between visible neighbours is rebuilt by interpolation alone.
import type { Rng } from '../random';

/**
 * An n·h·w mask (1 = hidden) of square blocks of `block` pixels on a grid shifted at random per patch, each block
 * hidden with probability `ratio`; at least one block of every patch is hidden and at least one left visible.
 */
export function blockMask(n: number, h: number, w: number, block: number, ratio: number, rng: Rng): Uint8Array {
  const out = new Uint8Array(n * h * w);
  const b = Math.max(1, Math.min(block, h, w));
  for (let k = 0; k < n; k++) {
    const oy = rng.int(b);
    const ox = rng.int(b);
    const rows = Math.ceil((h + oy) / b);
    const cols = Math.ceil((w + ox) / b);
    const hide = Array.from({ length: rows * cols }, () => rng.next() < ratio);
    if (hide.every((v) => v)) hide[rng.int(hide.length)] = false;
    if (hide.every((v) => !v)) hide[rng.int(hide.length)] = true;
    const o = k * h * w;
    for (let y = 0; y < h; y++) {
      const r = Math.floor((y + oy) / b);
      for (let x = 0; x < w; x++) if (hide[r * cols + Math.floor((x + ox) / b)]) out[o + y * w + x] = 1;
    }
  }
  return out;
}
