// Which loss series a run has, in a stable order, and a stable colour for each.
import type { EpochRow } from '../../src/shared/panelProtocol';

const termOrder = ['total', 'supervised', 'pseudo', 'consistency', 'reconstruction'];

/** Every loss series present in the rows, ordered by term (supervised, pseudo, consistency, reconstruction) then network. */
export function lossSeriesNames(rows: readonly EpochRow[]): string[] {
  const names = new Set<string>();
  for (const r of rows) for (const k of Object.keys(r.losses)) names.add(k);
  const rank = (n: string): number => {
    const term = termOrder.findIndex((t) => n.endsWith(t));
    return term < 0 ? termOrder.length : term;
  };
  return [...names].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

const palette = ['#4e9ff5', '#f5a524', '#3fbf7f', '#e5534b', '#a371f7', '#39c5cf', '#d4a72c', '#db61a2', '#8b949e', '#7ee787'];

/** A colour per series name: network A solid hues, B their partners; unknown names hash into the palette. */
export function seriesColor(name: string): string {
  const fixed: Record<string, string> = {
    'A supervised': '#4e9ff5', 'B supervised': '#9cc8fa',
    'A pseudo': '#f5a524', 'B pseudo': '#f9cf85',
    'A reconstruction': '#3fbf7f', 'B reconstruction': '#94dfb8',
    'A consistency': '#a371f7', 'B consistency': '#cfb3fb',
  };
  if (fixed[name]) return fixed[name];
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return palette[h % palette.length];
}
