// Typed messages of the training channel: engine → subscribers (CLI, extension, panel) and host ↔ training worker.
// Protocol types only: no vscode, DOM or node imports, so the webview, the host and the worker all share them.
import type { ErrorCode } from './errors';
import type { BackendPreference, FrozenConfig, NetworkDescription } from './trainingConfig';

/** A training stage: 1 supervised, 2 cross pseudo supervision, 3 seeded region growing. */
export type StageNumber = 1 | 2 | 3;

/** The loss terms of one network for one step or averaged over an epoch. */
export interface NetLosses {
  /** Confidence-aware focal loss on (possibly grown) labelled pixels. */
  sup: number;
  /** Pseudo loss against the partner network's argmax (0 in stage 1). */
  pseudo: number;
  /** Reconstruction MSE of the optional S6 decoder (0 when off). */
  recon: number;
  /** Weak/strong consistency loss (FixMatch style, stages 2 and 3); absent when the option is off. */
  consistency?: number;
  /** sup + λ·pseudo + w·recon (+ weight·consistency), what the optimizer minimised. */
  total: number;
}

/** Scores of a confusion matrix, as the metrics module defines them (design.md). */
export interface SegmentationScores {
  perClassIoU: (number | null)[];
  meanIoU: number;
  pixelAccuracy: number;
  meanClassAccuracy: number;
  frequencyWeightedIoU: number;
}

/** One epoch's record: what metrics.json stores and what the panel charts. */
export interface EpochRecord {
  stage: StageNumber;
  /** 1-based epoch within the stage. */
  epoch: number;
  /** Loss averages over the epoch's steps, per network. */
  losses: { a: NetLosses; b: NetLosses };
  /** λ of the pseudo term at the end of the epoch (after ramp-up). */
  lambda: number;
  /** The learning rate of the epoch's last step (see the config's schedule). */
  learningRate?: number;
  /** Scores of the two networks' mean prediction on the validation split of the labelled pixels (null when empty). */
  validation: SegmentationScores | null;
  /** How many validation pixels were scored. */
  validationPixels: number;
  /** Pixels carrying a training label after this epoch (grown labels in stage 3). */
  labelledPixels: number;
  seconds: number;
  /** Estimated seconds left for the whole request. */
  etaSeconds: number;
}

/** Per-iteration (per flood wave) growth counts of one region-growing pass. */
export interface GrowthRecord {
  stage: StageNumber;
  epoch: number;
  /** Counts of newly labelled pixels per class, one entry per wave. */
  iterations: number[][];
  addedTotal: number;
  /** Labelled pixels per class after growing (training labels, all sections). */
  labelledPerClass: number[];
  /** Fraction of all pixels that carry a label after growing. */
  labelledFraction: number;
  /** The confidence threshold each class had to reach in this epoch (class-adaptive growth lowers it for hard classes). */
  thresholds?: number[];
  /** Labels that crossing sections passed to each other in this epoch, before growing from them. */
  carriedAcross?: number;
}

/** What the backend turned out to be, with the reason when it is not what was asked for. */
export interface BackendReport {
  name: string;
  requested: BackendPreference;
  fallbackReason?: string;
  /** The WebGPU adapter, when the backend is 'webgpu'. */
  device?: string;
  tfjsVersion: string;
  /** Worker threads training in parallel (one network each). */
  workers: number;
  parameterCount: number;
}

/** The outcome of a training request. */
export interface RunSummary {
  status: 'completed' | 'cancelled';
  stagesCompleted: StageNumber[];
  /** Directory of the last complete checkpoint, when one was written. */
  checkpoint: string | null;
  epochs: EpochRecord[];
  seconds: number;
}

/** Events of a training run, keyed on `type`; the CLI prints them, the extension forwards them to the panel. */
export type TrainingEvent =
  | { type: 'backend'; backend: BackendReport }
  | { type: 'stageStart'; stage: StageNumber; epochs: number; stepsPerEpoch: number }
  | { type: 'step'; stage: StageNumber; epoch: number; step: number; steps: number; losses: { a: NetLosses; b: NetLosses } }
  | { type: 'epoch'; record: EpochRecord }
  | { type: 'growth'; record: GrowthRecord }
  | { type: 'checkpoint'; path: string; stage: StageNumber; epoch: number }
  | { type: 'stageEnd'; stage: StageNumber; seconds: number }
  /** 'notice': a fact of the run the user should see (the command line prints it); 'info': for the log only. */
  | { type: 'log'; level: 'info' | 'notice' | 'warn'; message: string }
  | { type: 'error'; message: string; code?: ErrorCode }
  | { type: 'done'; summary: RunSummary };

/** Weights or optimizer slots: named tensors as flat float32 buffers (transferable). */
export interface SerializedTensor {
  name: string;
  shape: number[];
  data: Float32Array;
}

/**
 * What a worker trains with: the run's config as it is (the worker reads the settings it uses from it, so a new loss
 * setting needs no message field of its own) and the class weights derived from the run's labels (null = equal).
 */
export interface TrainerSettings {
  config: FrozenConfig;
  classWeights: number[] | null;
  /** The depth order of the units the labels imply (orderedUnits); pseudo labels keep it with `cps.orderedPseudoLabels`. */
  unitOrder?: number[] | null;
}

/** Grown labels in a batch: their own mean, weighted, beside the seeds' (so half a section of grown labels cannot drown the seeds). */
export interface GrownLabelsTerm {
  /** n·h·w: 1 where the batch label was grown, 0 elsewhere. */
  mask: Uint8Array;
  weight: number;
}

/**
 * The consistency term of one step: the network's own argmax on the batch (the weak view), where its confidence reaches
 * `threshold`, supervises its prediction on `strong`, a strongly augmented view of the same patches.
 */
export interface ConsistencyRequest {
  weight: number;
  threshold: number;
  /** NHWC strong view, n·h·w·inChannels. */
  strong: Float32Array;
  /** How each patch was moved to make the strong view: n × (flip 0/1, dy, dx); the pseudo labels are moved alike. */
  geometry: Int32Array;
}

/** A 2D section held by a worker for inference (already normalised). */
export interface WorkerSection {
  height: number;
  width: number;
  data: Float32Array;
}

/** Host → worker requests; each carries an id that the matching reply echoes. */
export type ToWorker =
  | {
      type: 'init';
      id: number;
      role: 'a' | 'b';
      backend: BackendPreference;
      wasmDir?: string;
      network: NetworkDescription;
      training: TrainerSettings;
      seed: number;
      weights?: SerializedTensor[];
      optimizer?: SerializedTensor[];
    }
  | { type: 'setSections'; id: number; sections: WorkerSection[] }
  | {
      type: 'trainStep';
      id: number;
      /** NHWC input batch, n·h·w·inChannels. */
      x: Float32Array;
      n: number;
      h: number;
      w: number;
      /** n·h·w labels, 255 = unlabelled. */
      labels: Uint8Array;
      /** Weight of the pseudo term; 0 = no pseudo exchange this step. */
      lambda: number;
      /** The optimizer's learning rate for this step (the schedule lives on the host); absent = unchanged. */
      learningRate?: number;
      /** The weak/strong consistency term for this step; absent = off. */
      consistency?: ConsistencyRequest;
      /** Stage 3: which labels were grown (1) rather than the user's seeds (0), and their weight; absent = all seeds. */
      grown?: GrownLabelsTerm;
      /** Pretraining: n·h·w, 1 = hidden from the network, whose loss is then only the rebuilt amplitude there; absent = a training step. */
      pretrainMask?: Uint8Array;
      /**
       * CutMix (`cps.cutMix`): for each of the n·h·w pixels the network trains on, the pixel of `x` it comes from; pseudo
       * labels are made on `x` as sent, and inputs, labels, grown mask and partner's pseudo labels all follow the map.
       */
      mix?: Int32Array;
    }
  | { type: 'partnerPseudo'; id: number; argmax: Uint8Array; confidence: Float32Array }
  | {
      type: 'predict';
      id: number;
      /** Indices of held sections, or sections sent with the request (predicted without being kept). */
      sections: (number | WorkerSection)[];
      patch: number;
      overlap: number;
      batchSize: number;
      /** Average with the left-right mirrored sections' probabilities (test-time augmentation); absent = off. */
      flip?: boolean;
    }
  | { type: 'getState'; id: number }
  | { type: 'dispose'; id: number };

/** Worker → host replies and notices. */
export type FromWorker =
  | { type: 'ready'; id: number; backend: Omit<BackendReport, 'workers' | 'parameterCount'>; parameterCount: number }
  | { type: 'ok'; id: number }
  | { type: 'pseudo'; id: number; argmax: Uint8Array; confidence: Float32Array }
  | { type: 'stepDone'; id: number; losses: NetLosses }
  | { type: 'probabilities'; id: number; sections: { height: number; width: number; probs: Float32Array }[] }
  | { type: 'state'; id: number; weights: SerializedTensor[]; optimizer: SerializedTensor[] }
  | { type: 'error'; id: number; message: string; code?: ErrorCode }
  | { type: 'log'; message: string };

/** The `type` of every host → worker message, for validation at the boundary. */
export const TO_WORKER_TYPES: readonly ToWorker['type'][] = ['init', 'setSections', 'trainStep', 'partnerPseudo', 'predict', 'getState', 'dispose'];

/** The `type` of every worker → host message. */
export const FROM_WORKER_TYPES: readonly FromWorker['type'][] = ['ready', 'ok', 'pseudo', 'stepDone', 'probabilities', 'state', 'error', 'log'];

/** Add a view's buffer to a transfer list when the view spans all of it (a part of a shared buffer is copied instead). */
export function addTransferable(list: ArrayBuffer[], a: ArrayBufferView): void {
  if (a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength && !list.includes(a.buffer)) list.push(a.buffer);
}

/** The buffers of a message that can be transferred instead of copied (never shared between two receivers). */
export function transferablesOf(message: ToWorker | FromWorker): ArrayBuffer[] {
  const out: ArrayBuffer[] = [];
  const add = (a: ArrayBufferView): void => addTransferable(out, a);
  switch (message.type) {
    case 'trainStep':
      add(message.x); add(message.labels);
      if (message.grown) add(message.grown.mask);
      if (message.pretrainMask) add(message.pretrainMask);
      if (message.mix) add(message.mix);
      if (message.consistency) { add(message.consistency.strong); add(message.consistency.geometry); }
      break;
    case 'partnerPseudo': case 'pseudo': add(message.argmax); add(message.confidence); break;
    case 'probabilities': for (const s of message.sections) add(s.probs); break;
    case 'state': for (const t of [...message.weights, ...message.optimizer]) add(t.data); break;
    case 'setSections': for (const s of message.sections) add(s.data); break;
    case 'predict': for (const s of message.sections) if (typeof s !== 'number') add(s.data); break;
    case 'init': for (const t of [...(message.weights ?? []), ...(message.optimizer ?? [])]) add(t.data); break;
    default: break;
  }
  return out;
}

/** True when a value from a message port is a well-formed worker → host message (checked before use). */
export function isFromWorker(value: unknown): value is FromWorker {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as { type?: unknown; id?: unknown };
  if (typeof m.type !== 'string' || !(FROM_WORKER_TYPES as readonly string[]).includes(m.type)) return false;
  return m.type === 'log' || (typeof m.id === 'number' && Number.isInteger(m.id));
}

/** True when a value is a well-formed host → worker message. */
export function isToWorker(value: unknown): value is ToWorker {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as { type?: unknown; id?: unknown };
  return typeof m.type === 'string' && (TO_WORKER_TYPES as readonly string[]).includes(m.type) && typeof m.id === 'number' && Number.isInteger(m.id);
}
