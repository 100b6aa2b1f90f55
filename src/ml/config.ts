// The training configuration: defaults that work on any real section on a 2-core laptop, plus validated overrides,
// deep-frozen so no stage can change a setting behind the run's back; the seed is part of it and is recorded.
import { SeisGrowError } from '../shared/errors';
import type { DeepReadonly, FrozenConfig, TrainingConfig } from '../shared/trainingConfig';
import { BACKEND_PREFERENCES } from '../shared/trainingConfig';

export type { DeepReadonly, FrozenConfig, TrainingConfig } from '../shared/trainingConfig';

/** A partial override of any part of the config (deep). */
export type ConfigOverrides = {
  [K in keyof TrainingConfig]?: TrainingConfig[K] extends readonly unknown[] ? TrainingConfig[K]
    : TrainingConfig[K] extends object ? Partial<TrainingConfig[K]> : TrainingConfig[K];
};

/** Defaults sized for a 2-core laptop: a small U-Net, 128-pixel patches, short epochs. */
export const DEFAULT_CONFIG: FrozenConfig = deepFreeze<TrainingConfig>({
  seed: 1234,
  backend: 'auto',
  network: { depth: 3, baseFilters: 16, dropout: 0, reconstruction: false, depthChannel: true },
  epochs: { 1: 12, 2: 8, 3: 4 },
  stepsPerEpoch: 25,
  batchSize: 8,
  patchSize: 128,
  labelledPatchShare: 0.5,
  labelSampling: 'class-balanced',
  learningRate: 5e-3,
  schedule: { decay: 'cosine', finalFraction: 0.05, laterStagesScale: 0.2 },
  focalGamma: 2,
  classWeights: 'none',
  cps: { lambda: 1, rampUpEpochs: 3, confidenceThreshold: 0.7, pseudoGamma: 2, orderedPseudoLabels: false, cutMix: 0 },
  consistency: { weight: 0, threshold: 0.95 },
  growth: { radius: 2, threshold: 0.9, adaptive: true, adaptiveShare: 0.5, minThreshold: 0.5, patchCentres: 'seeds', grownWeight: 0.5, requireAgreement: true, sameClassOnly: false, acrossSections: true },
  reconWeight: 1,
  validationFraction: 0.1,
  validationBlock: 16,
  inferenceOverlap: 32,
  inferenceFlip: false,
  orderedUnits: 'auto',
  augment: { flip: true, amplitudeScale: 0.2, noise: 0.03, shift: 0, lateralStretch: 0, depthJitter: 0 },
  pretrain: { epochs: 0, maskRatio: 0.5, block: 16 },
  clipPercentiles: [1, 99],
});

/** Freeze an object and everything it holds. */
export function deepFreeze<T>(value: T): DeepReadonly<T> {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value as DeepReadonly<T>;
}

/** A mutable deep copy (for merging). */
function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** A config stored by an earlier version (a checkpoint) completed with today's defaults for settings it predates. */
export function withDefaults(stored: unknown, defaults: FrozenConfig = DEFAULT_CONFIG): FrozenConfig {
  const fill = (d: unknown, s: unknown): unknown => {
    if (typeof d !== 'object' || d === null || Array.isArray(d)) return s === undefined ? d : s;
    if (typeof s !== 'object' || s === null || Array.isArray(s)) return s === undefined ? d : s;
    const out: Record<string, unknown> = { ...(s as Record<string, unknown>) };
    for (const [k, v] of Object.entries(d)) out[k] = fill(v, (s as Record<string, unknown>)[k]);
    return out;
  };
  return deepFreeze(clone(fill(defaults, stored)) as TrainingConfig);
}

/** Defaults + overrides → a validated, frozen config. Unknown keys and out-of-range values are clear errors. */
export function makeConfig(overrides: ConfigOverrides | Record<string, unknown> = {}, base: FrozenConfig = DEFAULT_CONFIG): FrozenConfig {
  const merged = clone(base) as unknown as Record<string, unknown>;
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    if (!(key in merged)) throw new SeisGrowError('bad-config', `unknown setting "${key}" (known: ${Object.keys(merged).join(', ')})`);
    const current = merged[key];
    if (typeof current === 'object' && current !== null && !Array.isArray(current)) {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SeisGrowError('bad-config', `setting "${key}" must be an object`);
      const sub = current as Record<string, unknown>;
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v === undefined) continue;
        if (!(k in sub)) throw new SeisGrowError('bad-config', `unknown setting "${key}.${k}" (known: ${Object.keys(sub).join(', ')})`);
        sub[k] = v;
      }
    } else {
      merged[key] = value;
    }
  }
  const config = merged as unknown as TrainingConfig;
  validateConfig(config);
  return deepFreeze(config);
}

function fail(name: string, why: string, value: unknown): never {
  throw new SeisGrowError('bad-config', `setting "${name}" ${why}, got ${JSON.stringify(value)}`);
}

function integer(name: string, v: unknown, min: number, max: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(name, `must be an integer in [${min}, ${max}]`, v);
}

function real(name: string, v: unknown, min: number, max: number, openMin = false): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max || (openMin && v === min)) fail(name, `must be a number in ${openMin ? '(' : '['}${min}, ${max}]`, v);
}

function bool(name: string, v: unknown): void {
  if (typeof v !== 'boolean') fail(name, 'must be true or false', v);
}

/** Throws a SeisGrowError naming the first bad setting. */
export function validateConfig(c: TrainingConfig): void {
  integer('seed', c.seed, 0, 2 ** 32 - 1);
  if (!(BACKEND_PREFERENCES as readonly string[]).includes(c.backend)) fail('backend', `must be ${BACKEND_PREFERENCES.join(', ')}`, c.backend);
  integer('network.depth', c.network.depth, 1, 6);
  integer('network.baseFilters', c.network.baseFilters, 1, 256);
  real('network.dropout', c.network.dropout, 0, 0.9);
  bool('network.reconstruction', c.network.reconstruction);
  bool('network.depthChannel', c.network.depthChannel);
  for (const s of [1, 2, 3] as const) integer(`epochs.${s}`, c.epochs[s], 0, 100000);
  integer('stepsPerEpoch', c.stepsPerEpoch, 1, 1000000);
  integer('batchSize', c.batchSize, 1, 1024);
  integer('patchSize', c.patchSize, 8, 4096);
  real('labelledPatchShare', c.labelledPatchShare, 0, 1);
  if (c.labelSampling !== 'class-balanced' && c.labelSampling !== 'uniform') fail('labelSampling', 'must be "class-balanced" or "uniform"', c.labelSampling);
  real('learningRate', c.learningRate, 0, 10, true);
  if (c.schedule.decay !== 'cosine' && c.schedule.decay !== 'none') fail('schedule.decay', 'must be "cosine" or "none"', c.schedule.decay);
  real('schedule.finalFraction', c.schedule.finalFraction, 0, 1);
  real('schedule.laterStagesScale', c.schedule.laterStagesScale, 0, 10, true);
  real('focalGamma', c.focalGamma, 0, 10);
  if (c.classWeights !== 'none' && c.classWeights !== 'balanced') fail('classWeights', 'must be "none" or "balanced"', c.classWeights);
  real('cps.lambda', c.cps.lambda, 0, 1000);
  integer('cps.rampUpEpochs', c.cps.rampUpEpochs, 0, 100000);
  real('cps.confidenceThreshold', c.cps.confidenceThreshold, 0, 1);
  real('cps.pseudoGamma', c.cps.pseudoGamma, 0, 10);
  bool('cps.orderedPseudoLabels', c.cps.orderedPseudoLabels);
  real('cps.cutMix', c.cps.cutMix, 0, 1);
  real('consistency.weight', c.consistency.weight, 0, 1000);
  real('consistency.threshold', c.consistency.threshold, 0, 1);
  integer('growth.radius', c.growth.radius, 0, 64);
  real('growth.threshold', c.growth.threshold, 0, 1);
  bool('growth.adaptive', c.growth.adaptive);
  real('growth.adaptiveShare', c.growth.adaptiveShare, 0, 1, true);
  real('growth.minThreshold', c.growth.minThreshold, 0, 1);
  if (c.growth.patchCentres !== 'seeds' && c.growth.patchCentres !== 'grown') fail('growth.patchCentres', 'must be "seeds" or "grown"', c.growth.patchCentres);
  real('growth.grownWeight', c.growth.grownWeight, 0, 1000);
  bool('growth.requireAgreement', c.growth.requireAgreement);
  bool('growth.sameClassOnly', c.growth.sameClassOnly);
  bool('growth.acrossSections', c.growth.acrossSections);
  real('reconWeight', c.reconWeight, 0, 1000);
  real('validationFraction', c.validationFraction, 0, 0.9);
  integer('validationBlock', c.validationBlock, 1, 4096);
  integer('inferenceOverlap', c.inferenceOverlap, 0, 4096);
  bool('inferenceFlip', c.inferenceFlip);
  if (c.orderedUnits !== 'auto' && c.orderedUnits !== 'off') fail('orderedUnits', 'must be "auto" or "off"', c.orderedUnits);
  bool('augment.flip', c.augment.flip);
  real('augment.amplitudeScale', c.augment.amplitudeScale, 0, 1);
  real('augment.noise', c.augment.noise, 0, 10);
  integer('augment.shift', c.augment.shift, 0, 1024);
  real('augment.lateralStretch', c.augment.lateralStretch, 0, 1);
  real('augment.depthJitter', c.augment.depthJitter, 0, 2);
  integer('pretrain.epochs', c.pretrain.epochs, 0, 100000);
  real('pretrain.maskRatio', c.pretrain.maskRatio, 0.05, 0.95);
  integer('pretrain.block', c.pretrain.block, 1, 4096);
  const p = c.clipPercentiles;
  if (!Array.isArray(p) || p.length !== 2) fail('clipPercentiles', 'must be [low, high]', p);
  real('clipPercentiles[0]', p[0], 0, 50);
  real('clipPercentiles[1]', p[1], 50, 100);
  if (p[0] >= p[1]) fail('clipPercentiles', 'must be increasing', p);
}

/** λ of the pseudo term at a point of stage 2: the sigmoid ramp-up exp(-5(1-t)²) of Laine & Aila, used by CPS. */
export function rampedLambda(config: FrozenConfig, stage: number, epochIndex: number, step: number): number {
  if (stage < 2) return 0;
  const ramp = config.cps.rampUpEpochs;
  if (stage > 2 || ramp === 0) return config.cps.lambda;
  const t = Math.min(1, (epochIndex + step / config.stepsPerEpoch) / ramp);
  return config.cps.lambda * Math.exp(-5 * (1 - t) * (1 - t));
}

/** The learning rate of a step (`epochIndex` from 0 within the stage): the stage's peak, decayed per `schedule`. */
export function learningRateAt(config: FrozenConfig, stage: number, epochIndex: number, step: number): number {
  const peak = config.learningRate * (stage > 1 ? config.schedule.laterStagesScale : 1);
  if (config.schedule.decay === 'none') return peak;
  const total = Math.max(1, config.epochs[stage as 1 | 2 | 3] * config.stepsPerEpoch);
  const t = Math.min(1, (epochIndex * config.stepsPerEpoch + step) / total);
  const low = peak * config.schedule.finalFraction;
  return low + (peak - low) * 0.5 * (1 + Math.cos(Math.PI * t));
}
