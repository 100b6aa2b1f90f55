// seisgrow.training.* settings → engine config, through a stubbed reader.
import * as assert from 'node:assert/strict';
import { DEFAULT_CONFIG } from '../../../src/ml/config';
import { SeisGrowError } from '../../../src/shared/errors';
import { readPredictVolumeViews, readTrainingSettings, TRAINING_SETTING_DEFAULTS, type SettingsReader } from '../../../src/training/settings';
import { DEFAULT_VOLUME_VIEWS, VOLUME_VIEWS } from '../../../src/training/volumePrediction';

function reader(values: Record<string, unknown>): SettingsReader {
  return { get: <T>(key: string) => values[key] as T | undefined };
}

describe('training settings', () => {
  it('falls back to the engine defaults when nothing is set', () => {
    const s = readTrainingSettings(reader({}));
    assert.deepEqual(s.config, DEFAULT_CONFIG);
    assert.equal(s.unlabelledSections, 4);
  });

  it('maps every setting onto its config field', () => {
    const s = readTrainingSettings(reader({
      'training.backend': 'wasm', 'training.epochs.stage1': 1, 'training.epochs.stage2': 2, 'training.epochs.stage3': 3,
      'training.stepsPerEpoch': 2, 'training.batchSize': 2, 'training.patchSize': 32, 'training.baseFilters': 4,
      'training.lambda': 0.5, 'training.lambdaRampUpEpochs': 0, 'training.focalGamma': 1, 'training.confidenceThreshold': 0.6,
      'training.growth.radius': 4, 'training.growth.threshold': 0.8, 'training.reconstruction': true,
      'training.reconstructionWeight': 0.3, 'training.seed': 7, 'training.unlabelledSections': 0,
      'training.consistency.weight': 0.25, 'training.consistency.threshold': 0.8, 'training.growth.adaptive': false, 'training.growth.grownWeight': 2,
      'training.orderedUnits': 'off', 'training.pretrainEpochs': 5,
    }));
    const c = s.config;
    assert.equal(c.backend, 'wasm');
    assert.deepEqual(c.epochs, { 1: 1, 2: 2, 3: 3 });
    assert.deepEqual([c.stepsPerEpoch, c.batchSize, c.patchSize, c.network.baseFilters], [2, 2, 32, 4]);
    assert.deepEqual(c.cps, { lambda: 0.5, rampUpEpochs: 0, confidenceThreshold: 0.6, pseudoGamma: 2, orderedPseudoLabels: false, cutMix: 0 });
    assert.deepEqual(c.consistency, { weight: 0.25, threshold: 0.8 });
    assert.deepEqual([c.growth.radius, c.growth.threshold, c.growth.adaptive, c.growth.grownWeight], [4, 0.8, false, 2]);
    assert.deepEqual([c.network.reconstruction, c.reconWeight, c.seed, c.focalGamma], [true, 0.3, 7, 1]);
    assert.equal(c.orderedUnits, 'off');
    assert.deepEqual(c.pretrain, { ...DEFAULT_CONFIG.pretrain, epochs: 5 });
    assert.equal(s.unlabelledSections, 0);
    // A patch smaller than the default overlap pulls the overlap down instead of failing validation.
    assert.ok(c.inferenceOverlap < 32);
  });

  it('reports a bad value as a SeisGrowError naming the setting', () => {
    assert.throws(() => readTrainingSettings(reader({ 'training.growth.threshold': 2 })), (e: unknown) => e instanceof SeisGrowError && /growth\.threshold/.test(e.message));
    assert.throws(() => readTrainingSettings(reader({ 'training.backend': 'gpu' })), /backend/);
    assert.throws(() => readTrainingSettings(reader({ 'training.consistency.weight': -1 })), /consistency\.weight/);
    assert.throws(() => readTrainingSettings(reader({ 'training.orderedUnits': 'on' })), /orderedUnits/);
    assert.throws(() => readTrainingSettings(reader({ 'training.pretrainEpochs': -1 })), /pretrain\.epochs/);
  });

  it('declares the same defaults in package.json as the engine uses', () => {
    const pkg = require('../../../package.json') as { contributes: { configuration: { properties: Record<string, { default: unknown }> } | { properties: Record<string, { default: unknown }> }[] } };
    const sections = Array.isArray(pkg.contributes.configuration) ? pkg.contributes.configuration : [pkg.contributes.configuration];
    const props = Object.assign({}, ...sections.map((s) => s.properties)) as Record<string, { default: unknown }>;
    for (const [key, value] of Object.entries(TRAINING_SETTING_DEFAULTS)) {
      assert.ok(props[`seisgrow.${key}`], `package.json declares seisgrow.${key}`);
      assert.deepEqual(props[`seisgrow.${key}`].default, value, `default of seisgrow.${key}`);
    }
  });

  it('reads seisgrow.predictVolume.views: the default when unset, a view when set, an error naming the setting otherwise', () => {
    assert.equal(readPredictVolumeViews(reader({})), DEFAULT_VOLUME_VIEWS);
    assert.equal(readPredictVolumeViews(reader({ 'predictVolume.views': 'inline+crossline' })), 'inline+crossline');
    assert.equal(readPredictVolumeViews(reader({ 'predictVolume.views': 'inline' })), 'inline');
    assert.throws(() => readPredictVolumeViews(reader({ 'predictVolume.views': 'sample' })),
      (e: unknown) => e instanceof SeisGrowError && e.code === 'bad-config' && /seisgrow\.predictVolume\.views must be one of inline, inline\+crossline, got "sample"/.test(e.message));
    const pkg = require('../../../package.json') as { contributes: { configuration: { properties: Record<string, { default: unknown; enum?: unknown[] }> } } };
    const declared = pkg.contributes.configuration.properties['seisgrow.predictVolume.views'];
    assert.ok(declared, 'package.json declares seisgrow.predictVolume.views');
    assert.equal(declared.default, DEFAULT_VOLUME_VIEWS);
    assert.deepEqual(declared.enum, [...VOLUME_VIEWS]);
  });
});
