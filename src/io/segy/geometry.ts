// Regular post-stack grid detection from per-trace inline/crossline numbers, without reading every header of a large file.

/** Inline-sorted: crosslines vary fastest (fast = crossline numbers in file order). Crossline-sorted: the reverse. */
export type Geometry =
  | { readonly sorting: 'inline' | 'crossline'; readonly slow: readonly number[]; readonly fast: readonly number[] }
  | { readonly sorting: 'none'; readonly reason: string };

/** Spot checks when not every trace is verified: enough to catch a missing or shuffled trace in practice. */
const SAMPLED_CHECKS = 512;

/**
 * Find a regular grid: count traces until the slow line number changes (the fast dimension), require the
 * trace count to be a multiple, then verify trace positions against the grid — every trace when `checkAll`,
 * otherwise every line's first and last trace plus evenly spaced traces (as segyio, we trust a regular file).
 */
export function detectGeometry(traceCount: number, lineNumbers: (t: number) => readonly [number, number], checkAll: boolean): Geometry {
  const [il0, xl0] = lineNumbers(0);
  // segyio calls a single trace crossline-sorted; agree, since either is true.
  if (traceCount === 1) return { sorting: 'crossline', slow: [xl0], fast: [il0] };
  const [il1, xl1] = lineNumbers(1);
  let sorting: 'inline' | 'crossline';
  if (il0 === il1 && xl0 !== xl1) sorting = 'inline';
  else if (xl0 === xl1 && il0 !== il1) sorting = 'crossline';
  else if (il0 === il1) return { sorting: 'none', reason: `the first two traces share inline ${il0} and crossline ${xl0} (pre-stack gathers or no 3D geometry in the headers)` };
  else return { sorting: 'none', reason: 'both inline and crossline change between the first two traces (no inline or crossline sorting)' };
  const slowOf = (p: readonly [number, number]) => (sorting === 'inline' ? p[0] : p[1]);
  const fastOf = (p: readonly [number, number]) => (sorting === 'inline' ? p[1] : p[0]);
  const slow0 = slowOf([il0, xl0]);
  const fast: number[] = [fastOf([il0, xl0]), fastOf([il1, xl1])];
  let t = 2;
  for (; t < traceCount; t++) {
    const p = lineNumbers(t);
    if (slowOf(p) !== slow0) break;
    fast.push(fastOf(p));
  }
  const nFast = t;
  if (traceCount % nFast !== 0) {
    return { sorting: 'none', reason: `${traceCount} traces are not a whole number of lines of ${nFast} traces (irregular grid)` };
  }
  if (new Set(fast).size !== nFast) return { sorting: 'none', reason: 'repeated line numbers within the first line (pre-stack or irregular)' };
  const nSlow = traceCount / nFast;
  const slow: number[] = [];
  for (let k = 0; k < nSlow; k++) slow.push(slowOf(lineNumbers(k * nFast)));
  if (new Set(slow).size !== nSlow) return { sorting: 'none', reason: 'repeated line numbers across lines (pre-stack or irregular)' };
  const verify = (tr: number): string | undefined => {
    const p = lineNumbers(tr);
    const a = Math.floor(tr / nFast);
    const b = tr % nFast;
    if (slowOf(p) === slow[a] && fastOf(p) === fast[b]) return undefined;
    return `trace ${tr} has inline ${p[0]}, crossline ${p[1]}, off the regular grid the first traces define`;
  };
  const toCheck: number[] = [];
  if (checkAll) for (let tr = nFast; tr < traceCount; tr++) toCheck.push(tr);
  else {
    for (let k = 1; k < nSlow; k++) toCheck.push(k * nFast + nFast - 1);
    const step = Math.max(1, Math.floor(traceCount / SAMPLED_CHECKS));
    for (let tr = nFast + (step >> 1); tr < traceCount; tr += step) toCheck.push(tr);
  }
  for (const tr of toCheck) {
    const problem = verify(tr);
    if (problem) return { sorting: 'none', reason: problem };
  }
  return { sorting, slow, fast };
}
