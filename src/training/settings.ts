// The seisgrow.training.* settings → engine config overrides. Reads through a one-method interface so unit tests
// stub it with a plain object; the extension passes vscode.workspace.getConfiguration('seisgrow').
import { DEFAULT_CONFIG, makeConfig, type ConfigOverrides, type FrozenConfig } from '../ml/config';
import type { BackendPreference } from '../shared/trainingConfig';
import { SeisGrowError } from '../shared/errors';
import { DEFAULT_UNLABELLED_SECTIONS } from './trainingData';
import { DEFAULT_VOLUME_VIEWS, isVolumeViews, VOLUME_VIEWS, type VolumeViews } from './volumePrediction';

/** What we need of a WorkspaceConfiguration: a typed get that returns undefined when the key is unset. */
export interface SettingsReader {
  get<T>(key: string): T | undefined;
}

/** Every setting this module reads, relative to the `seisgrow` section, with the engine default it falls back to. */
export const TRAINING_SETTING_DEFAULTS = {
  'training.backend': DEFAULT_CONFIG.backend as BackendPreference,
  'training.epochs.stage1': DEFAULT_CONFIG.epochs[1],
  'training.epochs.stage2': DEFAULT_CONFIG.epochs[2],
  'training.epochs.stage3': DEFAULT_CONFIG.epochs[3],
  'training.stepsPerEpoch': DEFAULT_CONFIG.stepsPerEpoch,
  'training.batchSize': DEFAULT_CONFIG.batchSize,
  'training.patchSize': DEFAULT_CONFIG.patchSize,
  'training.baseFilters': DEFAULT_CONFIG.network.baseFilters,
  'training.lambda': DEFAULT_CONFIG.cps.lambda,
  'training.lambdaRampUpEpochs': DEFAULT_CONFIG.cps.rampUpEpochs,
  'training.focalGamma': DEFAULT_CONFIG.focalGamma,
  'training.confidenceThreshold': DEFAULT_CONFIG.cps.confidenceThreshold,
  'training.consistency.weight': DEFAULT_CONFIG.consistency.weight,
  'training.consistency.threshold': DEFAULT_CONFIG.consistency.threshold,
  'training.growth.radius': DEFAULT_CONFIG.growth.radius,
  'training.growth.threshold': DEFAULT_CONFIG.growth.threshold,
  'training.growth.adaptive': DEFAULT_CONFIG.growth.adaptive,
  'training.growth.grownWeight': DEFAULT_CONFIG.growth.grownWeight,
  'training.orderedUnits': DEFAULT_CONFIG.orderedUnits,
  'training.reconstruction': DEFAULT_CONFIG.network.reconstruction,
  'training.reconstructionWeight': DEFAULT_CONFIG.reconWeight,
  'training.pretrainEpochs': DEFAULT_CONFIG.pretrain.epochs,
  'training.seed': DEFAULT_CONFIG.seed,
  'training.unlabelledSections': DEFAULT_UNLABELLED_SECTIONS,
} as const;

/** A setting key this module knows. */
export type TrainingSettingKey = keyof typeof TRAINING_SETTING_DEFAULTS;

/** The settings as the training commands use them: the engine overrides plus our own data-selection knobs. */
export interface TrainingSettings {
  readonly overrides: ConfigOverrides;
  /** The validated config the overrides produce (so a bad setting is reported before a run starts). */
  readonly config: FrozenConfig;
  /** How many unlabelled sections to add to the labelled ones for the semi-supervised stages. */
  readonly unlabelledSections: number;
}

function value<K extends TrainingSettingKey>(reader: SettingsReader, key: K): (typeof TRAINING_SETTING_DEFAULTS)[K] {
  const v = reader.get<(typeof TRAINING_SETTING_DEFAULTS)[K]>(key);
  return v === undefined || v === null ? TRAINING_SETTING_DEFAULTS[key] : v;
}

/** Read the settings; throws SeisGrowError('bad-config') naming the setting when one is out of range. */
export function readTrainingSettings(reader: SettingsReader): TrainingSettings {
  const overrides: ConfigOverrides = {
    seed: value(reader, 'training.seed'),
    backend: value(reader, 'training.backend'),
    network: { baseFilters: value(reader, 'training.baseFilters'), reconstruction: value(reader, 'training.reconstruction') },
    epochs: { 1: value(reader, 'training.epochs.stage1'), 2: value(reader, 'training.epochs.stage2'), 3: value(reader, 'training.epochs.stage3') },
    stepsPerEpoch: value(reader, 'training.stepsPerEpoch'),
    batchSize: value(reader, 'training.batchSize'),
    patchSize: value(reader, 'training.patchSize'),
    focalGamma: value(reader, 'training.focalGamma'),
    cps: {
      lambda: value(reader, 'training.lambda'),
      rampUpEpochs: value(reader, 'training.lambdaRampUpEpochs'),
      confidenceThreshold: value(reader, 'training.confidenceThreshold'),
    },
    consistency: { weight: value(reader, 'training.consistency.weight'), threshold: value(reader, 'training.consistency.threshold') },
    growth: { radius: value(reader, 'training.growth.radius'), threshold: value(reader, 'training.growth.threshold'), adaptive: value(reader, 'training.growth.adaptive'), grownWeight: value(reader, 'training.growth.grownWeight') },
    reconWeight: value(reader, 'training.reconstructionWeight'),
    pretrain: { epochs: value(reader, 'training.pretrainEpochs') },
    orderedUnits: value(reader, 'training.orderedUnits'),
  };
  // The inference overlap must stay under the patch; a small patch setting pulls it down rather than failing.
  const patch = overrides.patchSize ?? DEFAULT_CONFIG.patchSize;
  if (DEFAULT_CONFIG.inferenceOverlap >= patch) overrides.inferenceOverlap = Math.floor(patch / 4);
  const config = makeConfig(overrides);
  const unlabelled = value(reader, 'training.unlabelledSections');
  const unlabelledSections = Number.isInteger(unlabelled) && unlabelled >= 0 ? Math.min(unlabelled, 1000) : TRAINING_SETTING_DEFAULTS['training.unlabelledSections'];
  return { overrides, config, unlabelledSections };
}

/** The setting behind Predict Volume's views, relative to the `seisgrow` section. */
export const PREDICT_VOLUME_VIEWS_SETTING = 'predictVolume.views';

/** seisgrow.predictVolume.views: which sections predict each voxel; unset means the default; a bad value is a SeisGrowError naming the setting. */
export function readPredictVolumeViews(reader: SettingsReader): VolumeViews {
  const v = reader.get<unknown>(PREDICT_VOLUME_VIEWS_SETTING);
  if (v === undefined || v === null) return DEFAULT_VOLUME_VIEWS;
  if (!isVolumeViews(v)) throw new SeisGrowError('bad-config', `the setting seisgrow.${PREDICT_VOLUME_VIEWS_SETTING} must be one of ${VOLUME_VIEWS.join(', ')}, got ${JSON.stringify(v)}`);
  return v;
}
