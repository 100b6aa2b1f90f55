import * as assert from 'node:assert/strict';
import { SeisGrowError } from '../../../src/shared/errors';
import { DEFAULT_CONFIG, learningRateAt, makeConfig, rampedLambda, validateConfig, withDefaults } from '../../../src/ml/config';

describe('training config', () => {
  it('has valid, deeply frozen defaults with a recorded seed', () => {
    assert.doesNotThrow(() => validateConfig(JSON.parse(JSON.stringify(DEFAULT_CONFIG))));
    assert.ok(Object.isFrozen(DEFAULT_CONFIG) && Object.isFrozen(DEFAULT_CONFIG.network) && Object.isFrozen(DEFAULT_CONFIG.clipPercentiles));
    assert.equal(typeof DEFAULT_CONFIG.seed, 'number');
    assert.throws(() => { (DEFAULT_CONFIG.network as { depth: number }).depth = 9; }, TypeError);
  });

  it('merges nested overrides without touching the defaults', () => {
    const c = makeConfig({ seed: 7, network: { baseFilters: 8 }, epochs: { 2: 3 } });
    assert.equal(c.seed, 7);
    assert.equal(c.network.baseFilters, 8);
    assert.equal(c.network.depth, DEFAULT_CONFIG.network.depth);
    assert.equal(c.epochs[2], 3);
    assert.equal(c.epochs[1], DEFAULT_CONFIG.epochs[1]);
    assert.equal(DEFAULT_CONFIG.network.baseFilters, 16);
    assert.ok(Object.isFrozen(c.network));
  });

  it('rejects unknown settings and out-of-range values with a message naming the setting', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ learningrate: 1 }, /unknown setting "learningrate"/],
      [{ network: { widht: 3 } }, /unknown setting "network.widht"/],
      [{ network: { depth: 0 } }, /network.depth/],
      [{ learningRate: 0 }, /learningRate/],
      [{ cps: { confidenceThreshold: 1.5 } }, /cps.confidenceThreshold/],
      [{ cps: { pseudoGamma: -1 } }, /cps.pseudoGamma/],
      [{ growth: { grownWeight: -0.5 } }, /growth.grownWeight/],
      [{ backend: 'gpu' }, /backend/],
      [{ batchSize: 2.5 }, /batchSize/],
      [{ clipPercentiles: [99, 1] }, /clipPercentiles/],
      [{ growth: 3 }, /must be an object/],
      [{ network: { reconstruction: 'yes' } }, /network.reconstruction/],
      [{ labelSampling: 'random' }, /labelSampling/],
      [{ growth: { adaptive: 1 } }, /growth.adaptive/],
      [{ growth: { adaptiveShare: 0 } }, /growth.adaptiveShare/],
      [{ growth: { minThreshold: -0.1 } }, /growth.minThreshold/],
      [{ growth: { patchCentres: 'labels' } }, /growth.patchCentres/],
      [{ consistency: { weight: -1 } }, /consistency.weight/],
      [{ consistency: { weight: Number.NaN } }, /consistency.weight/],
      [{ consistency: { threshold: 1.2 } }, /consistency.threshold/],
      [{ consistency: { threshold: '0.9' } }, /consistency.threshold/],
      [{ consistency: { strength: 2 } }, /unknown setting "consistency.strength"/],
      [{ consistency: 1 }, /must be an object/],
      [{ augment: { lateralStretch: 1.5 } }, /augment.lateralStretch/],
      [{ augment: { lateralStretch: -0.1 } }, /augment.lateralStretch/],
      [{ augment: { depthJitter: 3 } }, /augment.depthJitter/],
      [{ cps: { cutMix: 1.5 } }, /cps.cutMix/],
      [{ cps: { cutMix: -0.5 } }, /cps.cutMix/],
    ];
    for (const [o, re] of bad) {
      assert.throws(() => makeConfig(o), (e: unknown) => e instanceof SeisGrowError && e.code === 'bad-config' && re.test(e.message), JSON.stringify(o));
    }
  });

  it('has the weak/strong consistency term off by default, and takes a weight and threshold', () => {
    assert.equal(DEFAULT_CONFIG.consistency.weight, 0);
    const c = makeConfig({ consistency: { weight: 0.5 } });
    assert.deepEqual(c.consistency, { weight: 0.5, threshold: DEFAULT_CONFIG.consistency.threshold });
    const stored = JSON.parse(JSON.stringify(makeConfig({}))) as Record<string, unknown>;
    delete stored.consistency;
    assert.deepEqual(withDefaults(stored).consistency, DEFAULT_CONFIG.consistency, 'a checkpoint from before the option resumes with it off');
  });

  it('completes a config stored by an earlier version with the defaults of settings it predates', () => {
    const stored = JSON.parse(JSON.stringify(makeConfig({ seed: 9, growth: { threshold: 0.8 } }))) as Record<string, Record<string, unknown>>;
    delete stored.labelSampling;
    delete stored.growth.adaptive;
    const c = withDefaults(stored);
    assert.equal(c.seed, 9);
    assert.equal(c.growth.threshold, 0.8);
    assert.equal(c.growth.adaptive, DEFAULT_CONFIG.growth.adaptive);
    assert.equal(c.labelSampling, DEFAULT_CONFIG.labelSampling);
    assert.doesNotThrow(() => makeConfig({}, c));
    assert.throws(() => makeConfig({}, stored as never), /labelSampling/);
  });

  it('decays the learning rate by a cosine within each stage, from a lower peak in the fine-tuning stages', () => {
    const c = makeConfig({ learningRate: 1e-2, epochs: { 1: 4, 2: 2, 3: 1 }, stepsPerEpoch: 10 });
    const close = (a: number, b: number): boolean => Math.abs(a - b) < 1e-12;
    assert.equal(learningRateAt(c, 1, 0, 0), 1e-2);
    assert.ok(close(learningRateAt(c, 1, 2, 0), 1e-2 * (0.05 + 0.95 * 0.5)), 'half-way: the mean of peak and floor');
    assert.ok(close(learningRateAt(c, 1, 4, 0), 1e-2 * 0.05), 'the end: finalFraction of the peak');
    assert.equal(learningRateAt(c, 2, 0, 0), 2e-3);
    assert.equal(learningRateAt(c, 3, 0, 0), 2e-3);
    let prev = Infinity;
    for (let e = 0; e < 4; e++) for (let s = 0; s < 10; s++) { const r = learningRateAt(c, 1, e, s); assert.ok(r < prev); prev = r; }
    const flat = makeConfig({ learningRate: 1e-2, schedule: { decay: 'none', laterStagesScale: 1 } });
    assert.equal(learningRateAt(flat, 1, 3, 5), 1e-2);
    assert.equal(learningRateAt(flat, 3, 3, 5), 1e-2);
    assert.throws(() => makeConfig({ schedule: { decay: 'step' as never } }), /schedule.decay/);
    assert.throws(() => makeConfig({ schedule: { laterStagesScale: 0 } }), /schedule.laterStagesScale/);
  });

  it('ramps λ up with exp(-5(1-t)^2) over the first stage-2 epochs, 0 in stage 1, full in stage 3', () => {
    const c = makeConfig({ cps: { lambda: 2, rampUpEpochs: 2 }, stepsPerEpoch: 10 });
    assert.equal(rampedLambda(c, 1, 0, 0), 0);
    assert.ok(Math.abs(rampedLambda(c, 2, 0, 0) - 2 * Math.exp(-5)) < 1e-12);
    assert.ok(Math.abs(rampedLambda(c, 2, 1, 0) - 2 * Math.exp(-5 * 0.25)) < 1e-12);
    assert.equal(rampedLambda(c, 2, 2, 0), 2);
    assert.equal(rampedLambda(c, 3, 0, 0), 2);
    let prev = -1;
    for (let e = 0; e < 2; e++) for (let s = 0; s < 10; s++) { const l = rampedLambda(c, 2, e, s); assert.ok(l > prev); prev = l; }
    assert.equal(rampedLambda(makeConfig({ cps: { rampUpEpochs: 0 } }), 2, 0, 0), DEFAULT_CONFIG.cps.lambda);
  });
});
