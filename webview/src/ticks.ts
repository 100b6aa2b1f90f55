// Axis tick placement (pure, no DOM): round 1-2-5 values along a section's columns or rows.

/** Tick positions with round axis values, about `target` of them between positions p0 and p1. */
export function ticks(value: (pos: number) => number, p0: number, p1: number, target: number, integer = false): { pos: number; label: string }[] {
  if (!(p1 > p0)) return [];
  const v0 = value(Math.floor(p0));
  const v1 = value(Math.ceil(p1));
  const perPos = (v1 - v0) / (Math.ceil(p1) - Math.floor(p0) || 1);
  if (!(Math.abs(perPos) > 0)) return [];
  const raw = niceStep(Math.abs(v1 - v0) / Math.max(1, target));
  const step = integer ? Math.max(1, raw) : raw;
  const lo = Math.min(v0, v1);
  const hi = Math.max(v0, v1);
  const out: { pos: number; label: string }[] = [];
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9 && out.length < 200; v += step) {
    const pos = Math.floor(p0) + (v - v0) / perPos;
    if (pos < p0 - 0.5 || pos > p1 + 0.5) continue;
    out.push({ pos, label: v.toFixed(decimals) });
  }
  return out;
}

/** 1, 2 or 5 times a power of ten, at least x. */
export function niceStep(x: number): number {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  const m = x / p;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}
