// Messages between the extension host and the engine thread (dist/engine.js), which runs the whole training engine:
// data preparation, the stage loop, region growing, validation scoring and checkpoints, with the two network
// workers as its own children. The host only relays events, so a large section never blocks VS Code's thread.
import type { RunResult, TrainingRequest } from '../ml/engine';
import type { ErrorCode } from '../shared/errors';
import { addTransferable, type TrainingEvent } from '../shared/trainingProtocol';

/** Host → engine thread. */
export type ToEngine =
  | { type: 'start'; request: TrainingRequest }
  | { type: 'cancel' };

/** Engine thread → host. */
export type FromEngine =
  | { type: 'event'; event: TrainingEvent }
  | { type: 'done'; result: RunResult }
  | { type: 'failed'; message: string; code?: ErrorCode; file?: string };

/** The buffers of a finished run, transferred instead of copied (probabilities can be hundreds of MB). */
export function resultTransferables(result: RunResult): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  for (const s of result.sections) {
    if (!s) continue;
    for (const a of [s.prediction, s.confidence, s.probabilities, s.grownLabels]) addTransferable(out, a);
  }
  return out;
}
