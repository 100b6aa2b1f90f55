// Words and numbers the training commands show (progress, messages, the status bar, the log). No vscode import.
import type { StageNumber } from '../shared/trainingProtocol';

/** The title of each stage as the interpreter reads it. */
export const STAGE_TITLES: Record<StageNumber, string> = { 1: 'Stage 1 (supervised)', 2: 'Stage 2 (cross pseudo supervision)', 3: 'Stage 3 (region growing)' };

/** A duration in seconds, minutes or hours as a person reads it; '–' when unknown. */
export function formatSeconds(s: number | null | undefined): string {
  if (s === null || s === undefined || !Number.isFinite(s)) return '–';
  if (s < 60) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${Math.round(s - 60 * m)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}
