// Which training commands make sense now: context keys for `when`/`enablement` clauses, computed by a pure function.
/** What the training side knows about the moment. */
export interface TrainingSituation {
  /** A seismic editor is the active editor. */
  readonly editorActive: boolean;
  /** At least one seismic volume is open in an editor. */
  readonly volumeOpen: boolean;
  readonly training: boolean;
  /** The target volume (active, or the only open one) has a run with stage 1 (2, 3) completed. */
  readonly stagesDone: readonly number[];
  /** Grown labels of the shown run wait for accept/discard. */
  readonly grownPending: boolean;
  /** The target volume has a prediction (from a finished run or Predict Volume). */
  readonly hasPrediction: boolean;
}

/** Every context key this extension sets, with its value. */
export type ContextKeys = Readonly<Record<
  'seisgrow.editorActive' | 'seisgrow.volumeOpen' | 'seisgrow.training' | 'seisgrow.hasStage1' | 'seisgrow.hasStage2'
  | 'seisgrow.hasStage3' | 'seisgrow.hasTrainedRun' | 'seisgrow.hasGrown' | 'seisgrow.hasPrediction', boolean>>;

/** The context keys for a situation. */
export function contextKeys(s: TrainingSituation): ContextKeys {
  const has = (n: number): boolean => s.stagesDone.includes(n);
  return {
    'seisgrow.editorActive': s.editorActive,
    'seisgrow.volumeOpen': s.volumeOpen,
    'seisgrow.training': s.training,
    'seisgrow.hasStage1': has(1),
    'seisgrow.hasStage2': has(2),
    'seisgrow.hasStage3': has(3),
    'seisgrow.hasTrainedRun': has(1) || has(2) || has(3),
    'seisgrow.hasGrown': s.grownPending,
    'seisgrow.hasPrediction': s.hasPrediction,
  };
}

/** The stage that must run before `stage` can start, or null when it can start now (its predecessor is done). */
export function missingPredecessor(stage: 1 | 2 | 3, stagesDone: readonly number[]): 1 | 2 | null {
  return stage === 1 || stagesDone.includes(stage - 1) ? null : (stage - 1) as 1 | 2;
}

/** The stages to run, in order, to reach `stage`: back to the first stage whose predecessor is done, then up to it. */
export function stagesWithPredecessors(stage: 1 | 2 | 3, stagesDone: readonly number[]): (1 | 2 | 3)[] {
  let first: number = stage;
  while (first > 1 && !stagesDone.includes(first - 1)) first--;
  const out: (1 | 2 | 3)[] = [];
  for (let s = first; s <= stage; s++) out.push(s as 1 | 2 | 3);
  return out;
}
