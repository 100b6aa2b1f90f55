// Store what a finished training run produced per section (prediction, confidence, and after stage 3 the labels
// growing added) in its run folder. No vscode import; the extension and its tests share it.
import type { RunResult, TrainingSection } from '../../ml/engine';
import type { RunMeta, RunStore } from '../runStore';
import { addedOnly } from '../sectionResults';

/** What was stored: per section the grown labels (only what growing added; undefined where none), and whether any. */
export interface StoredRunOutputs {
  readonly grown: readonly (Uint8Array | undefined)[];
  readonly grownAny: boolean;
  readonly predicted: boolean;
}

/** Write every section result of `result` to the run `meta` in `store`; `sections` are the inputs (their seed labels). */
export async function storeRunOutputs(store: RunStore, meta: RunMeta, result: RunResult, sections: readonly TrainingSection[]): Promise<StoredRunOutputs> {
  const grownAfterStage3 = result.summary.stagesCompleted.includes(3);
  const grown: (Uint8Array | undefined)[] = [];
  let predicted = false;
  for (let k = 0; k < meta.sections.length; k++) {
    const sr = result.sections[k];
    // Only what growing added is kept, so accepting never re-applies the interpreter's own labels.
    const g = sr && grownAfterStage3 ? addedOnly(sr.grownLabels, sections[k].labels) : undefined;
    grown.push(g);
    if (!sr) continue;
    predicted = true;
    await store.writeSection(meta.id, k, sr.height, sr.width, { ...(g ? { grown: g } : {}), prediction: sr.prediction, confidence: sr.confidence });
  }
  return { grown, grownAny: grown.some((g) => g !== undefined), predicted };
}
