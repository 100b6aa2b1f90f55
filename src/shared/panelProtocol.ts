// Host ↔ training side panel (webview view) protocol. Unions keyed on `type`; no vscode, DOM or node imports.

/** Lifecycle of a training run as the panel shows it. */
export type RunStatus = 'idle' | 'running' | 'done' | 'cancelled' | 'failed';

/** A network of the CPS pair. */
export type NetworkId = 'a' | 'b';

/** The terms of a network's loss, in the order the loss chart lists them. */
const LOSS_TERMS = ['supervised', 'pseudo', 'consistency', 'reconstruction'] as const;

/** A term of a network's loss. */
export type LossTerm = (typeof LOSS_TERMS)[number];

/** A loss series of the chart, keyed by network and term (never by its display text): e.g. 'a.supervised'. */
export type LossSeriesId = `${NetworkId}.${LossTerm}`;

/** Every loss series in chart order: by term, then network. */
export const LOSS_SERIES: readonly LossSeriesId[] = LOSS_TERMS.flatMap((t) => (['a', 'b'] as const).map((n): LossSeriesId => `${n}.${t}`));

/** The legend text of a series: "A supervised", "B pseudo". */
export function lossSeriesLabel(id: LossSeriesId): string {
  const [network, term] = id.split('.');
  return `${network!.toUpperCase()} ${term}`;
}

/** One finished epoch: the losses per series, IoU per class on the validation pixels. */
export interface EpochRow {
  /** 0-based position along the whole run, across stages: the x axis of the loss chart. */
  readonly index: number;
  readonly stage: number;
  /** 1-based epoch within its stage. */
  readonly epoch: number;
  /** Loss values by series; a series absent in an epoch (pseudo in stage 1) has no entry. */
  readonly losses: Readonly<Partial<Record<LossSeriesId, number>>>;
  /** IoU per class, null where the class is absent from both truth and prediction. */
  readonly iou: readonly (number | null)[];
  readonly miou: number | null;
  readonly seconds: number;
}

/** One region-growing iteration: how many pixels each class gained. */
export interface GrowthRow {
  readonly stage: number;
  readonly epoch: number;
  /** 1-based iteration within its growth round. */
  readonly iteration: number;
  readonly added: readonly number[];
  /** The confidence each class needed to grow in this round (class-adaptive thresholds); absent in older runs. */
  readonly thresholds?: readonly number[];
}

/** Everything the panel draws for one run; the host reduces engine events into it (src/training/panelState.ts). */
export interface PanelRun {
  readonly runId: string;
  /** Human label: volume name and start time. */
  readonly title: string;
  readonly status: RunStatus;
  readonly backend: string | null;
  readonly classNames: readonly string[];
  /** CSS colours of the classes (the label palette), same order as classNames. */
  readonly classColors: readonly string[];
  /** Stage now running (or last run), its epoch and its planned epoch count. */
  readonly stage: number | null;
  readonly epoch: number | null;
  readonly stageEpochs: number | null;
  /** Seconds of the last epoch and the estimated seconds left in the stage. */
  readonly secondsPerEpoch: number | null;
  readonly etaSeconds: number | null;
  /** Fraction of the current stage done, 0..1 (updates within an epoch too). */
  readonly stageFraction: number;
  readonly epochs: readonly EpochRow[];
  readonly growth: readonly GrowthRow[];
  /** Grown labels waiting for a decision: how many pixels they add over the seed labels. */
  readonly grown: { readonly addedPixels: number; readonly sections: number; readonly decision: 'pending' | 'accepted' | 'discarded' } | null;
  /** The last error or warning worth showing. */
  readonly message: string | null;
  /**
   * The run's notices (the unit order its labels imply, pretraining progress), oldest first: one per topic, a later
   * notice of a topic replacing the earlier one. Absent in runs stored before notices were shown.
   */
  readonly notes?: readonly string[];
}

/** Two runs' final IoU side by side. */
export interface PanelComparison {
  readonly classNames: readonly string[];
  readonly runs: readonly { readonly title: string; readonly iou: readonly (number | null)[]; readonly miou: number | null }[];
}

/** The whole panel state; the webview persists it with setState so a hidden panel comes back as it was. */
export interface PanelState {
  readonly run: PanelRun | null;
  readonly comparison: PanelComparison | null;
}

/** Host → panel. */
export type ToPanelMessage =
  | { readonly type: 'state'; readonly state: PanelState };

/** Panel → host. */
export type FromPanelMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'inspect' }
  | { readonly type: 'accept' }
  | { readonly type: 'discard' }
  | { readonly type: 'stop' }
  | { readonly type: 'closeComparison' };

const panelRequestTypes: ReadonlySet<string> = new Set(['ready', 'inspect', 'accept', 'discard', 'stop', 'closeComparison']);

/** Validates an untrusted message from the panel webview; anything else is null. */
export function parseFromPanelMessage(value: unknown): FromPanelMessage | null {
  if (typeof value !== 'object' || value === null) return null;
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !panelRequestTypes.has(type)) return null;
  if (Object.keys(value).length !== 1) return null;
  return { type } as FromPanelMessage;
}

// ---------------------------------------------------------------- the inspect view (same bundle, data-view="inspect")

/** One section a run trained on, as the inspect view lists it. */
export interface InspectSectionEntry {
  readonly k: number;
  readonly title: string;
}

/** Host → inspect view. Arrays are binary (rows × cols, row-major), never JSON number lists. */
export type ToInspectMessage =
  | { readonly type: 'inspectInit'; readonly title: string; readonly classNames: readonly string[]; readonly classColors: readonly string[]; readonly sections: readonly InspectSectionEntry[]; readonly current: number }
  | {
      readonly type: 'inspectSection'; readonly k: number; readonly title: string; readonly rows: number; readonly cols: number;
      /** Float32 amplitudes. */
      readonly seismic: ArrayBuffer;
      /** Uint8 seed labels (the user's), 255 = none. */
      readonly seeds: ArrayBuffer;
      /** Uint8 labels added by growing, 255 = none. */
      readonly grown: ArrayBuffer | null;
      /** Uint8 predicted classes. */
      readonly prediction: ArrayBuffer | null;
      /** Float32 confidence 0..1. */
      readonly confidence: ArrayBuffer | null;
    }
  | { readonly type: 'inspectError'; readonly message: string };

/** Inspect view → host. */
export type FromInspectMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'select'; readonly k: number };

/** Validates an untrusted message from the inspect view; anything else is null. */
export function parseFromInspectMessage(value: unknown, sectionCount: number): FromInspectMessage | null {
  if (typeof value !== 'object' || value === null) return null;
  const m = value as { type?: unknown; k?: unknown };
  if (m.type === 'ready' && Object.keys(value).length === 1) return { type: 'ready' };
  if (m.type === 'select' && Object.keys(value).length === 2 && typeof m.k === 'number' && Number.isInteger(m.k) && m.k >= 0 && m.k < sectionCount) return { type: 'select', k: m.k };
  return null;
}
