// Engine events → what the side panel draws. Pure functions (no vscode), so the reduction is unit-tested directly
// and the same state is stored with a run and shown again when the run is reopened.
import type { EpochRow, GrowthRow, LossSeriesId, PanelComparison, PanelRun } from '../shared/panelProtocol';
import type { EpochRecord, NetLosses, TrainingEvent } from '../shared/trainingProtocol';

/** A fresh run as the panel shows it before the engine's first event. */
export function initialRun(runId: string, title: string, classNames: readonly string[], classColors: readonly string[]): PanelRun {
  return {
    runId, title, status: 'running', backend: null, classNames: [...classNames], classColors: [...classColors],
    stage: null, epoch: null, stageEpochs: null, secondsPerEpoch: null, etaSeconds: null, stageFraction: 0,
    epochs: [], growth: [], grown: null, message: null, notes: [],
  };
}

/** Most notices a run keeps: a run emits a handful, and the header must stay short. */
export const MAX_NOTES = 6;

/**
 * The topic of a notice: its text before the first colon, digits dropped, so "pretraining epoch 4/10: …" replaces
 * "pretraining epoch 3/10: …" while "pretraining: 10 epochs …" and "ordered units: …" stay beside it.
 */
export function noteTopic(note: string): string {
  const colon = note.indexOf(':');
  return (colon < 0 ? note : note.slice(0, colon)).replace(/\d+/g, '#').trim();
}

/** The run's notes with `note` added: it replaces a note of the same topic, and the oldest go past MAX_NOTES. */
export function withNote(notes: readonly string[], note: string): string[] {
  const topic = noteTopic(note);
  const kept = notes.filter((n) => noteTopic(n) !== topic);
  return [...kept, note].slice(-MAX_NOTES);
}

/** A run that continues an earlier one (stage 2 after stage 1): its curves carry on from where the earlier run ended. */
export function continueRun(previous: PanelRun, runId: string, title: string): PanelRun {
  return { ...previous, runId, title, status: 'running', stageFraction: 0, etaSeconds: null, grown: null, message: null };
}

/** The loss series of one epoch: supervised always, pseudo from stage 2 on, reconstruction and consistency when on. */
export function lossesOf(record: EpochRecord): Partial<Record<LossSeriesId, number>> {
  const out: Partial<Record<LossSeriesId, number>> = {};
  for (const network of ['a', 'b'] as const) {
    const l: NetLosses = record.losses[network];
    out[`${network}.supervised`] = l.sup;
    if (record.stage >= 2) out[`${network}.pseudo`] = l.pseudo;
    if (l.recon !== 0) out[`${network}.reconstruction`] = l.recon;
    if (l.consistency !== undefined) out[`${network}.consistency`] = l.consistency;
  }
  return out;
}

/** One epoch record as a chart row at position `index` of the run. */
export function epochRow(record: EpochRecord, index: number): EpochRow {
  return {
    index, stage: record.stage, epoch: record.epoch, losses: lossesOf(record),
    iou: record.validation ? [...record.validation.perClassIoU] : [],
    miou: record.validation ? record.validation.meanIoU : null,
    seconds: record.seconds,
  };
}

/** Apply one engine event to the run. Unknown or irrelevant events leave it unchanged (same object). */
export function reduceRun(run: PanelRun, event: TrainingEvent): PanelRun {
  switch (event.type) {
    case 'backend': {
      const b = event.backend;
      const backend = `${b.name}${b.device ? ` (${b.device})` : ''}${b.workers > 1 ? ` ×${b.workers}` : ''}`;
      return { ...run, backend, message: b.fallbackReason ? `backend fell back to ${b.name}: ${b.fallbackReason}` : run.message };
    }
    case 'stageStart':
      return { ...run, stage: event.stage, epoch: 0, stageEpochs: event.epochs, stageFraction: 0, etaSeconds: null };
    case 'step': {
      const total = run.stage === event.stage && run.stageEpochs ? run.stageEpochs : null;
      if (!total || event.steps <= 0) return run;
      const fraction = Math.min(1, ((event.epoch - 1) + event.step / event.steps) / total);
      return { ...run, stageFraction: fraction };
    }
    case 'epoch': {
      const r = event.record;
      const row = epochRow(r, run.epochs.length);
      const total = run.stage === r.stage && run.stageEpochs ? run.stageEpochs : null;
      return {
        ...run, stage: r.stage, epoch: r.epoch, epochs: [...run.epochs, row], secondsPerEpoch: r.seconds, etaSeconds: r.etaSeconds,
        stageFraction: total ? Math.min(1, r.epoch / total) : run.stageFraction,
      };
    }
    case 'growth': {
      const g = event.record;
      const thresholds = g.thresholds ? { thresholds: [...g.thresholds] } : {};
      const rows: GrowthRow[] = g.iterations.map((added, i) => ({ stage: g.stage, epoch: g.epoch, iteration: i + 1, added: [...added], ...thresholds }));
      return { ...run, growth: [...run.growth, ...rows] };
    }
    case 'stageEnd':
      return { ...run, stageFraction: 1 };
    case 'log':
      if (event.level === 'warn') return { ...run, message: event.message };
      return event.level === 'notice' ? { ...run, notes: withNote(run.notes ?? [], event.message) } : run;
    case 'error':
      return { ...run, status: 'failed', message: event.message, etaSeconds: null };
    case 'done':
      return event.summary.status === 'completed'
        ? { ...run, status: 'done', etaSeconds: null }
        : { ...run, status: 'cancelled', etaSeconds: null, message: event.summary.checkpoint ? 'stopped; the last complete checkpoint is kept' : 'stopped before the first epoch finished: no checkpoint' };
    case 'checkpoint':
      return run;
    default:
      return run;
  }
}

/** Reduce a whole sequence of events. */
export function reduceEvents(run: PanelRun, events: readonly TrainingEvent[]): PanelRun {
  return events.reduce(reduceRun, run);
}

/** The grown labels of a finished stage 3, waiting for the user's decision. */
export function withGrown(run: PanelRun, addedPixels: number, sections: number): PanelRun {
  return { ...run, grown: { addedPixels, sections, decision: 'pending' } };
}

/** Record the user's accept/discard decision on the grown labels. */
export function withGrownDecision(run: PanelRun, decision: 'accepted' | 'discarded'): PanelRun {
  return run.grown ? { ...run, grown: { ...run.grown, decision } } : run;
}

/** The run marked as failed or interrupted with a message (e.g. when the engine threw instead of emitting `error`). */
export function withFailure(run: PanelRun, message: string): PanelRun {
  return { ...run, status: 'failed', message, etaSeconds: null };
}

/** The last epoch that was scored on validation pixels: the run's "final IoU". */
export function finalScores(run: PanelRun): { iou: readonly (number | null)[]; miou: number | null } {
  for (let i = run.epochs.length - 1; i >= 0; i--) {
    const row = run.epochs[i];
    if (row.iou.length > 0) return { iou: row.iou, miou: row.miou };
  }
  return { iou: [], miou: null };
}

/** Two (or more) runs' final IoU side by side; class names from the run with the most classes. */
export function compareRuns(runs: readonly PanelRun[]): PanelComparison {
  const widest = runs.reduce<PanelRun | null>((w, r) => (!w || r.classNames.length > w.classNames.length ? r : w), null);
  return {
    classNames: widest ? [...widest.classNames] : [],
    runs: runs.map((r) => {
      const s = finalScores(r);
      return { title: r.title, iou: [...s.iou], miou: s.miou };
    }),
  };
}
