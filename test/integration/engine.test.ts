import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeisGrowError } from '../../src/shared/errors';
import { readCheckpoint } from '../../src/ml/checkpoint';
import { predictSections, startTraining, type TrainingRequest } from '../../src/ml/engine';
import type { TrainingEvent } from '../../src/shared/trainingProtocol';
import { startTrainingInWorker } from '../../src/worker/engineClient';
import { TINY, buildWorker, layeredSection, tempDir, traces } from '../support/trainerFixtures';

const H = 40;
const W = 48;
const CLASSES = 3;
const { seismic, truth } = layeredSection(H, W, CLASSES);
const sparse = traces(truth, W, 6);

function request(runDir: string, extra: Partial<TrainingRequest> = {}): TrainingRequest {
  return { sections: [{ name: 'synthetic', seismic, labels: sparse, height: H, width: W }], classes: CLASSES, stages: [1], runDir, config: TINY, ...extra };
}

async function run(req: TrainingRequest): Promise<{ events: TrainingEvent[]; result: Awaited<ReturnType<typeof startTraining>['done']> }> {
  const events: TrainingEvent[] = [];
  const result = await startTraining(req, (e) => events.push(e)).done;
  return { events, result };
}

describe('engine: request validation (no workers started)', () => {
  it('refuses stage 2 without a stage-1 checkpoint, and labels outside the classes', async () => {
    await assert.rejects(startTraining(request(tempDir(), { stages: [2] })).done,
      (e: unknown) => e instanceof SeisGrowError && e.code === 'needs-previous-stage' && /run stage 1 first/.test(e.message));
    const bad = sparse.slice();
    bad[5] = 7;
    await assert.rejects(startTraining({ ...request(tempDir()), sections: [{ name: 'x.npy', seismic, labels: bad, height: H, width: W }] }).done,
      (e: unknown) => e instanceof SeisGrowError && e.code === 'bad-label' && /x\.npy: label 7 at pixel 5/.test(e.message));
    await assert.rejects(startTraining({ ...request(tempDir()), sections: [{ name: 'y', seismic: seismic.subarray(1), labels: sparse, height: H, width: W }] }).done, /expected 40×48/);
    await assert.rejects(startTraining({ ...request(tempDir()), sections: [{ name: 'z', seismic, labels: new Uint8Array(H * W).fill(255), height: H, width: W }] }).done,
      (e: unknown) => e instanceof SeisGrowError && e.code === 'no-labels');
    const events: TrainingEvent[] = [];
    await assert.rejects(startTraining(request(tempDir(), { config: { learningRate: -1 } }), (e) => events.push(e)).done, /learningRate/);
    assert.equal(events[0].type, 'error');
  });
});

describe('engine: training in two worker threads (wasm, tiny network)', function () {
  this.timeout(600_000);
  before(() => { buildWorker(); });
  const stage1Dir = tempDir();
  let first: Awaited<ReturnType<typeof run>>;

  it('runs stage 1 and reports backend, stage, step, epoch (losses, validation IoU, seconds, ETA) and checkpoint events', async () => {
    first = await run(request(stage1Dir));
    const types = first.events.map((e) => e.type);
    assert.equal(types[0], 'backend');
    const backend = first.events[0] as Extract<TrainingEvent, { type: 'backend' }>;
    assert.equal(backend.backend.name, 'wasm');
    assert.equal(backend.backend.workers, 2);
    assert.ok(backend.backend.parameterCount > 0);
    assert.deepEqual(types.filter((t) => t === 'step').length, 4);
    const epochs = first.events.filter((e): e is Extract<TrainingEvent, { type: 'epoch' }> => e.type === 'epoch').map((e) => e.record);
    assert.equal(epochs.length, 2);
    for (const r of epochs) {
      assert.equal(r.stage, 1);
      assert.ok(r.losses.a.sup > 0 && r.losses.b.sup > 0 && r.losses.a.pseudo === 0);
      assert.ok(r.validation && r.validation.perClassIoU.length === CLASSES && r.validation.meanIoU >= 0 && r.validation.meanIoU <= 1);
      assert.ok(r.validationPixels > 0 && r.seconds > 0 && r.etaSeconds >= 0);
    }
    assert.equal(types.filter((t) => t === 'checkpoint').length, 2);
    assert.equal(types[types.length - 1], 'done');
    assert.equal(first.result.summary.status, 'completed');
    const out = first.result.sections[0]!;
    assert.equal(out.prediction.length, H * W);
    assert.equal(out.probabilities.length, H * W * CLASSES);
    assert.ok(out.prediction.every((c) => c < CLASSES));
    for (let i = 0; i < H * W; i += 97) {
      const p = out.probabilities.subarray(i * CLASSES, (i + 1) * CLASSES);
      assert.ok(Math.abs(p[0] + p[1] + p[2] - 1) < 1e-4);
    }
    const metrics = JSON.parse(fs.readFileSync(path.join(stage1Dir, 'metrics.json'), 'utf8'));
    assert.equal(metrics.status, 'completed');
    assert.equal(metrics.backend.name, 'wasm');
    assert.equal(metrics.epochs.length, 2);
    const ck = await readCheckpoint(stage1Dir, { classes: CLASSES });
    assert.deepEqual(ck.stagesCompleted, [1]);
    assert.equal(ck.config.seed, TINY.seed ?? 1234);
  });

  it('is deterministic with a seed on wasm: the same request gives the same losses and validation scores', async () => {
    const again = await run(request(tempDir()));
    const strip = (r: { summary: { epochs: { losses: unknown; validation: unknown }[] } }) => r.summary.epochs.map((e) => ({ l: e.losses, v: e.validation }));
    assert.deepEqual(strip(again.result), strip(first.result));
    assert.deepEqual(again.result.sections[0]!.prediction, first.result.sections[0]!.prediction);
  });

  it('resumes stages 2 and 3 from the stage-1 checkpoint: CPS losses, growth counts, grown labels', async () => {
    const dir = tempDir();
    const { events, result } = await run(request(dir, { stages: [2, 3], resumeFrom: stage1Dir, config: { ...TINY, growth: { radius: 2, threshold: 0.34, requireAgreement: true, sameClassOnly: false }, cps: { confidenceThreshold: 0 } } }));
    assert.equal(result.summary.status, 'completed');
    assert.deepEqual(result.summary.stagesCompleted, [1, 2, 3]);
    const stage2 = result.summary.epochs.filter((e) => e.stage === 2);
    assert.ok(stage2.length === 2 && stage2.every((e) => e.losses.a.pseudo > 0 && e.losses.b.pseudo > 0 && e.lambda > 0));
    const growth = events.filter((e): e is Extract<TrainingEvent, { type: 'growth' }> => e.type === 'growth');
    assert.equal(growth.length, 2);
    assert.ok(growth[0].record.addedTotal > 0, 'labels grew');
    assert.equal(growth[0].record.iterations.flat().reduce((a, b) => a + b, 0), growth[0].record.addedTotal);
    const grown = result.sections[0]!.grownLabels;
    for (let i = 0; i < sparse.length; i++) if (sparse[i] !== 255) assert.equal(grown[i], sparse[i], 'user labels are never changed');
    assert.ok(grown.filter((v) => v !== 255).length > sparse.filter((v) => v !== 255).length);
    const ck = await readCheckpoint(dir);
    assert.deepEqual(ck.stagesCompleted, [1, 2, 3]);
    assert.ok(ck.grownLabels[0].filter((v) => v !== 255).length > 0);
    // A checkpoint for 3 classes cannot resume a 4-class problem.
    await assert.rejects(startTraining({ ...request(tempDir(), { stages: [2], resumeFrom: dir }), classes: 4 }).done, /3 classes, the data has 4/);
    const p = await predictSections(dir, [{ name: 'again', seismic, height: H, width: W }]);
    assert.deepEqual(p[0].classes, result.sections[0]!.prediction, 'predictSections reproduces the run\'s final prediction');
  });

  it('carries grown labels into an unlabelled line that crosses a labelled one (growth across sections), and not when off', async () => {
    // An inline at position 5 (labelled) and a crossline at position 10 (no labels): they share inline column 10 / crossline column 5.
    const cross = layeredSection(H, 40, CLASSES, 7);
    const sections: TrainingRequest['sections'] = [
      { name: 'inline 5', seismic, labels: sparse, height: H, width: W, place: { axis: 'inline', position: 5 } },
      { name: 'crossline 10', seismic: cross.seismic, labels: null, height: H, width: 40, place: { axis: 'crossline', position: 10 } },
    ];
    const growth = { radius: 2, threshold: 0.34, adaptive: false, requireAgreement: true, sameClassOnly: false };
    const withAcross = await run({ ...request(tempDir()), sections, stages: [1, 2, 3], config: { ...TINY, growth } });
    const records = withAcross.result.growth;
    assert.ok(records.length === 2 && records.every((r) => r.carriedAcross !== undefined));
    assert.ok(records.some((r) => (r.carriedAcross ?? 0) > 0), 'labels crossed over');
    const received = withAcross.result.sections[1]!.grownLabels;
    assert.ok(received.some((v) => v !== 255), 'the unlabelled line now carries labels');
    const without = await run({ ...request(tempDir()), sections, stages: [1, 2, 3], config: { ...TINY, growth: { ...growth, acrossSections: false } } });
    assert.ok(without.result.growth.every((r) => r.carriedAcross === undefined));
    assert.ok(without.result.sections[1]!.grownLabels.every((v) => v === 255), 'nothing reaches the crossline without growth across sections');
  });

  it('adds the weak/strong consistency term in stage 2 when asked (absent otherwise), recorded in metrics.json', async () => {
    assert.ok(first.result.summary.epochs.every((e) => !('consistency' in e.losses.a) && !('consistency' in e.losses.b)), 'off by default');
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(stage1Dir, 'metrics.json'), 'utf8')).config.consistency, { weight: 0, threshold: 0.95 });
    const dir = tempDir();
    const { events, result } = await run(request(dir, { stages: [2], resumeFrom: stage1Dir, config: { ...TINY, cps: { confidenceThreshold: 0 }, consistency: { weight: 0.5, threshold: 0 } } }));
    assert.equal(result.summary.status, 'completed');
    const steps = events.filter((e): e is Extract<TrainingEvent, { type: 'step' }> => e.type === 'step');
    assert.equal(steps.length, 4);
    for (const st of steps) for (const l of [st.losses.a, st.losses.b]) {
      assert.ok(l.consistency !== undefined && Number.isFinite(l.consistency) && l.consistency > 0, JSON.stringify(l));
      // total = sup + λ·pseudo + 0.5·consistency with 0 ≤ λ ≤ 1 (ramp-up)
      const rest = l.total - l.sup - 0.5 * l.consistency;
      assert.ok(rest >= -1e-5 && rest <= l.pseudo + 1e-5, JSON.stringify(l));
    }
    const stage2 = result.summary.epochs.filter((e) => e.stage === 2);
    assert.ok(stage2.length === 2 && stage2.every((e) => e.losses.a.consistency! > 0 && e.losses.b.consistency! > 0));
    const metrics = JSON.parse(fs.readFileSync(path.join(dir, 'metrics.json'), 'utf8'));
    assert.deepEqual(metrics.config.consistency, { weight: 0.5, threshold: 0 });
    assert.ok(metrics.epochs.filter((e: { stage: number }) => e.stage === 2).every((e: { losses: { a: { consistency?: number } } }) => e.losses.a.consistency! > 0));
  });

  it('pretrains both networks by masked reconstruction before stage 1 when asked: notices, a falling loss, a checkpoint that predicts', async () => {
    const dir = tempDir();
    const { events, result } = await run(request(dir, { config: { ...TINY, pretrain: { epochs: 3, maskRatio: 0.5, block: 8 } } }));
    assert.equal(result.summary.status, 'completed');
    const notices = events.filter((e): e is Extract<TrainingEvent, { type: 'log' }> => e.type === 'log' && e.level === 'notice').map((e) => e.message).filter((m) => m.startsWith('pretraining'));
    assert.match(notices[0], /^pretraining: 3 epochs rebuilding the amplitude of 50 % of 8-pixel blocks/);
    const losses = notices.slice(1).map((m) => Number(/reconstruction loss ([\d.]+)/.exec(m)?.[1]));
    assert.equal(losses.length, 3);
    assert.ok(losses.every((l) => Number.isFinite(l) && l > 0) && losses[2] < losses[0], losses.join(', '));
    // Before stage 1's first step, and stage 1 then trains as usual with no joint reconstruction term.
    const firstStep = events.findIndex((e) => e.type === 'step');
    assert.ok(events.findIndex((e) => e.type === 'log' && /^pretraining epoch 3/.test(e.message)) < firstStep);
    assert.ok(result.summary.epochs.every((e) => e.losses.a.recon === 0 && e.losses.a.sup > 0));
    const ck = await readCheckpoint(dir);
    assert.equal(ck.network.reconstruction, true);
    assert.equal(ck.config.reconWeight, 0);
    const [p] = await predictSections(dir, [{ name: 'synthetic', seismic, height: H, width: W }]);
    assert.equal(p.classes.length, H * W);
  });

  it('stops within a step when cancelled and leaves the last complete checkpoint loadable', async () => {
    const dir = tempDir();
    let handle: ReturnType<typeof startTraining> | undefined;
    let checkpoints = 0;
    let stepsAfterCancel = 0;
    let cancelled = false;
    handle = startTraining(request(dir, { stages: [1, 2], config: { ...TINY, stepsPerEpoch: 3, epochs: { 1: 3, 2: 3, 3: 0 } } }), (e) => {
      if (cancelled && e.type === 'step') stepsAfterCancel++;
      if (e.type === 'checkpoint') checkpoints++;
      if (e.type === 'step' && checkpoints === 1 && e.step === 2 && !cancelled) { cancelled = true; handle!.cancel(); }
    });
    const result = await handle.done;
    assert.equal(result.summary.status, 'cancelled');
    assert.equal(stepsAfterCancel, 0);
    assert.equal(checkpoints, 1);
    const ck = await readCheckpoint(dir);
    assert.deepEqual([ck.stage, ck.epoch], [1, 1]);
    assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'metrics.json'), 'utf8')).status, 'cancelled');
    assert.ok(!fs.readdirSync(dir).some((f) => f.includes('.tmp-')));
  });
});

describe('engine thread: the same engine off the calling thread (what the extension uses)', function () {
  this.timeout(600_000);
  let script: string;
  before(() => { script = path.join(path.dirname(buildWorker()), 'engine.js'); });

  it('gives the same events and results as the engine on the calling thread, and the arrays arrive typed', async () => {
    const req = request(tempDir());
    const direct = await run(req);
    const events: TrainingEvent[] = [];
    const threaded = await startTrainingInWorker(request(tempDir()), (e) => events.push(e), script).done;
    assert.deepEqual(events.map((e) => e.type), direct.events.map((e) => e.type));
    const strip = (r: { summary: { epochs: { losses: unknown; validation: unknown }[] } }) => r.summary.epochs.map((e) => ({ l: e.losses, v: e.validation }));
    assert.deepEqual(strip(threaded), strip(direct.result));
    const s = threaded.sections[0]!;
    assert.ok(s.prediction instanceof Uint8Array && s.probabilities instanceof Float32Array && s.grownLabels instanceof Uint8Array);
    assert.deepEqual(s.prediction, direct.result.sections[0]!.prediction);
    assert.deepEqual(s.probabilities, direct.result.sections[0]!.probabilities);
  });

  it('rebuilds the engine\'s SeisGrowError with its code, and cancels within a step leaving a loadable checkpoint', async () => {
    const bad = sparse.slice();
    bad[5] = 7;
    await assert.rejects(startTrainingInWorker({ ...request(tempDir()), sections: [{ name: 'x.npy', seismic, labels: bad, height: H, width: W }] }, () => undefined, script).done,
      (e: unknown) => e instanceof SeisGrowError && e.code === 'bad-label' && /x\.npy: label 7 at pixel 5/.test(e.message));
    const dir = tempDir();
    let checkpoints = 0;
    let stepsAfterCancel = 0;
    let cancelled = false;
    const handle = startTrainingInWorker(request(dir, { stages: [1, 2], config: { ...TINY, stepsPerEpoch: 3, epochs: { 1: 3, 2: 3, 3: 0 } } }), (e) => {
      if (cancelled && e.type === 'step') stepsAfterCancel++;
      if (e.type === 'checkpoint') checkpoints++;
      if (e.type === 'step' && checkpoints === 1 && e.step === 1 && !cancelled) { cancelled = true; handle.cancel(); }
    }, script);
    const result = await handle.done;
    assert.equal(result.summary.status, 'cancelled');
    // The request crosses a thread, so the step already under way may finish: one at most.
    assert.ok(stepsAfterCancel <= 1, `${stepsAfterCancel} steps after cancel`);
    const ck = await readCheckpoint(dir);
    assert.deepEqual([ck.stage, ck.epoch], [1, 1]);
    assert.ok(!fs.readdirSync(dir).some((f) => f.includes('.tmp-')));
  });
});
