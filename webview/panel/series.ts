// Which loss series a run has, in a stable order, and a stable colour for each.
import { LOSS_SERIES, type EpochRow, type LossSeriesId } from '../../src/shared/panelProtocol';

/** Every loss series present in the rows, in chart order (by term: supervised, pseudo, consistency, reconstruction; then network). */
export function lossSeriesIds(rows: readonly EpochRow[]): LossSeriesId[] {
  return LOSS_SERIES.filter((id) => rows.some((r) => r.losses[id] !== undefined));
}

/** Network A's series in solid hues, B's in their lighter partners. */
const LOSS_COLORS: Readonly<Record<LossSeriesId, string>> = {
  'a.supervised': '#4e9ff5', 'b.supervised': '#9cc8fa',
  'a.pseudo': '#f5a524', 'b.pseudo': '#f9cf85',
  'a.reconstruction': '#3fbf7f', 'b.reconstruction': '#94dfb8',
  'a.consistency': '#a371f7', 'b.consistency': '#cfb3fb',
};

/** The colour of a loss series. */
export function lossSeriesColor(id: LossSeriesId): string {
  return LOSS_COLORS[id];
}

const palette = ['#4e9ff5', '#f5a524', '#3fbf7f', '#e5534b', '#a371f7', '#39c5cf', '#d4a72c', '#db61a2', '#8b949e', '#7ee787'];

/** A stable colour for any name (a class without a palette colour): the name hashes into the palette. */
export function hashedColor(name: string): string {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) >>> 0;
  return palette[h % palette.length];
}
