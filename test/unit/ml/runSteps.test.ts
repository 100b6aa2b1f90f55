// The engine's named steps driven with a fake TrainerPair: no worker thread, no network, no backend.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeisGrowError } from '../../../src/shared/errors';
import type { NetLosses, TrainingEvent, WorkerSection } from '../../../src/shared/trainingProtocol';
import type { PairStep, TrainerPair } from '../../../src/threads/trainerPair';
import { readCheckpoint } from '../../../src/ml/checkpoint';
import {
  growLabels, initialLabels, predictRun, prepareRun, pretrainContext, pretrainEpoch, pretrains, saveCheckpoint, stageContext, startNetworks, trainEpoch, validate, type TrainingRequest,
} from '../../../src/ml/runSteps';

const H = 24, W = 20, CLASSES = 2;
/** The truth: class 0 above row 12, class 1 below. */
const truth = new Uint8Array(H * W).map((_, i) => (Math.floor(i / W) < 12 ? 0 : 1));
/** Seeds: every pixel of columns 4 and 15 (a few traces, as an interpreter paints them). */
const seeds = truth.map((v, i) => (i % W === 4 || i % W === 15 ? v : 255));
const seismic = new Float32Array(H * W).map((_, i) => Math.sin(i / 7));
const losses: NetLosses = { sup: 1, pseudo: 0.5, recon: 0, total: 1.5 };

/** A pair that predicts the truth with confidence `p` and records every step. */
function fakePair(p = 0.95): TrainerPair & { steps: PairStep[]; held: WorkerSection[]; closed: boolean } {
  const probs = (height: number, width: number): Float32Array => {
    const out = new Float32Array(height * width * CLASSES);
    for (let i = 0; i < height * width; i++) { const c = Math.floor(i / width) < height / 2 ? 0 : 1; out[i * CLASSES + c] = p; out[i * CLASSES + 1 - c] = 1 - p; }
    return out;
  };
  const pair = {
    steps: [] as PairStep[], held: [] as WorkerSection[], closed: false,
    async init() {
      const ready = { backend: { name: 'fake', requested: 'wasm' as const, tfjsVersion: '0' }, parameterCount: 7 };
      return { a: ready, b: ready };
    },
    async setSections(sections: () => WorkerSection[]) { pair.held = sections(); },
    async trainStep(step: PairStep) { pair.steps.push(step); return { a: losses, b: { ...losses, sup: 3, total: 3.5 } }; },
    async predict(which: (number | WorkerSection)[]) {
      return which.map((s) => { const sec = typeof s === 'number' ? pair.held[s] : s; return { a: probs(sec.height, sec.width), b: probs(sec.height, sec.width) }; });
    },
    async getState() {
      const state = { weights: [{ name: 'w', shape: [2], data: new Float32Array([1, 2]) }], optimizer: [] };
      return { a: state, b: state };
    },
    async close() { pair.closed = true; },
  };
  return pair;
}

function request(over: Partial<TrainingRequest> = {}): TrainingRequest {
  return {
    sections: [
      { name: 'labelled', seismic, labels: seeds, height: H, width: W },
      { name: 'pool', seismic, labels: null, height: H, width: W, predict: false },
      { name: 'new', seismic, labels: null, height: H, width: W },
    ],
    classes: CLASSES, stages: [1, 2, 3], runDir: '/nonexistent',
    config: { seed: 3, stepsPerEpoch: 4, batchSize: 2, patchSize: 64, validationFraction: 0.2, validationBlock: 4, network: { depthChannel: false } },
    ...over,
  };
}

describe('engine steps, with a fake pair of networks', () => {
  it('prepareRun derives the network from the config, holds only labelled sections, clamps the patch, and refuses a later stage without a checkpoint', async () => {
    const plan = await prepareRun(request());
    assert.deepEqual(plan.network, { ...plan.config.network, inChannels: 1, classes: CLASSES });
    assert.deepEqual(plan.heldIndex, [0]);
    assert.equal(plan.patch, Math.max(H, W));
    assert.ok(plan.validationPixels > 0);
    assert.equal(plan.seeds[0].filter((v) => v !== 255).length + plan.validationPixels, seeds.filter((v) => v !== 255).length);
    await assert.rejects(prepareRun(request({ stages: [2] })), (e: unknown) => e instanceof SeisGrowError && e.code === 'needs-previous-stage');
  });

  it('the same seed gives the same plan (split, network seeds)', async () => {
    const [a, b] = [await prepareRun(request()), await prepareRun(request())];
    assert.deepEqual(a.splits[0].validation, b.splits[0].validation);
    assert.equal(a.root.fork('net-a').nextUint32(), b.root.fork('net-a').nextUint32());
  });

  it('startNetworks reports the backend of the pair and hands it the held sections', async () => {
    const plan = await prepareRun(request());
    const pair = fakePair();
    const { backend } = await startNetworks(plan, pair);
    assert.equal(backend.workers, 2);
    assert.equal(backend.parameterCount, 7);
    assert.equal(pair.held.length, 1);
  });

  it('trainEpoch runs stepsPerEpoch CPS steps (λ 0 in stage 1), emits each, averages the losses, and stops when cancelled', async () => {
    const plan = await prepareRun(request());
    const labels = initialLabels(plan);
    const pair = fakePair();
    const events: TrainingEvent[] = [];
    const r = await trainEpoch(plan, pair, stageContext(plan, labels, 1), 1, () => false, (e) => events.push(e));
    assert.equal(pair.steps.length, 4);
    assert.ok(pair.steps.every((s) => s.lambda === 0 && s.n === 2));
    assert.equal(events.filter((e) => e.type === 'step').length, 4);
    assert.equal(r?.losses.b.sup, 3);
    let calls = 0;
    assert.equal(await trainEpoch(plan, pair, stageContext(plan, labels, 2), 1, () => ++calls > 2, () => undefined), null);
    assert.equal(pair.steps.length, 6);
  });

  it('CutMix: stages 2 and 3 send a gather map on their own random stream, stage 1 and runs without it none', async () => {
    const on = await prepareRun(request({ config: { ...request().config, cps: { cutMix: 1 } } }));
    const off = await prepareRun(request());
    const steps = async (plan: typeof on, stage: 1 | 2 | 3): Promise<PairStep[]> => {
      const pair = fakePair();
      await trainEpoch(plan, pair, stageContext(plan, initialLabels(plan), stage), 1, () => false, () => undefined);
      return pair.steps;
    };
    assert.ok((await steps(on, 1)).every((s) => s.mix === undefined));
    assert.ok((await steps(off, 2)).every((s) => s.mix === undefined));
    for (const stage of [2, 3] as const) {
      const mixed = await steps(on, stage);
      const plain = await steps(off, stage);
      assert.ok(mixed.every((s) => s.mix instanceof Int32Array && s.mix.length === s.n * s.h * s.w));
      // with probability 1 every patch takes a box from another one
      assert.ok(mixed.every((s) => s.mix!.some((src, p) => src !== p)));
      // the batches themselves are drawn exactly as without CutMix
      mixed.forEach((s, k) => { assert.deepEqual(s.x, plain[k].x); assert.deepEqual(s.labels, plain[k].labels); });
    }
  });

  it('growLabels grows the seeds with confident agreeing predictions and records what it added', async () => {
    const plan = await prepareRun(request());
    const labels = initialLabels(plan);
    const pair = fakePair();
    await startNetworks(plan, pair);
    const record = await growLabels(plan, labels, pair, 3, 1);
    const grown = labels.trainLabels[0];
    let added = 0;
    for (let i = 0; i < grown.length; i++) {
      if (grown[i] === 255) continue;
      assert.equal(grown[i], truth[i], `pixel ${i} grown to the predicted class`);
      if (plan.seeds[0][i] === 255) added++;
    }
    assert.ok(added > 0);
    assert.equal(record.addedTotal, added);
    assert.equal(record.stage, 3);
  });

  it('validate scores the mean prediction on the held-out pixels', async () => {
    const plan = await prepareRun(request());
    const pair = fakePair();
    await startNetworks(plan, pair);
    const v = await validate(plan, pair);
    assert.equal(v?.meanIoU, 1);
  });

  it('predictRun predicts every section but those marked predict: false, with the user labels merged into the grown ones', async () => {
    const plan = await prepareRun(request());
    const pair = fakePair();
    await startNetworks(plan, pair);
    const out = await predictRun(plan, initialLabels(plan), pair);
    assert.equal(out[1], null);
    assert.deepEqual(out[0]?.prediction, truth);
    assert.deepEqual(out[2]?.prediction, truth);
    assert.deepEqual(out[0]?.grownLabels, seeds, 'validation pixels come back as labels');
  });

  it('pretraining: builds a reconstruction decoder with no joint term, masks every patch, and leaves the stages\' random streams alone', async () => {
    const config = { ...request().config, pretrain: { epochs: 2, maskRatio: 0.5, block: 4 } };
    const plan = await prepareRun(request({ config }));
    assert.ok(pretrains(plan.config, plan.req));
    assert.equal(plan.network.reconstruction, true, 'the decoder the pretext trains');
    assert.equal(plan.config.reconWeight, 0, 'no S6 joint term the user did not ask for');
    const joint = await prepareRun(request({ config: { ...config, network: { depthChannel: false, reconstruction: true } } }));
    assert.equal(joint.config.reconWeight, 1, 'asked for, the joint term stays');
    const plain = await prepareRun(request());
    assert.equal(plain.network.reconstruction, false);
    assert.ok(!pretrains(plain.config, plain.req));
    assert.ok(!pretrains(plan.config, { ...plan.req, stages: [2, 3] }), 'a run starting after stage 1 does not pretrain');
    assert.ok(!pretrains(plan.config, { ...plan.req, resumeFrom: '/a/run' }), 'nor does a resumed one');
    // Stage 1 draws the same batches with pretraining as without: its streams are forked by name.
    assert.deepEqual(stageContext(plan, initialLabels(plan), 1).sampler.next(1).x, stageContext(plain, initialLabels(plain), 1).sampler.next(1).x);

    const pair = fakePair();
    await startNetworks(plan, pair);
    const ctx = pretrainContext(plan);
    const loss = await pretrainEpoch(plan, pair, ctx, () => false);
    assert.deepEqual(loss, { a: 0, b: 0 }, 'the mean of the fake pair\'s recon term');
    assert.equal(pair.steps.length, plan.config.stepsPerEpoch);
    for (const step of pair.steps) {
      const mask = step.pretrainMask;
      assert.ok(mask && mask.length === step.n * step.h * step.w);
      const hidden = mask.reduce((a, v) => a + v, 0);
      assert.ok(hidden > 0 && hidden < mask.length);
      assert.equal(step.lambda, 0);
      assert.ok(step.labels.every((v) => v === 255), 'no label reaches the pretext');
      assert.equal(step.learningRate, plan.config.learningRate);
    }
    let calls = 0;
    assert.equal(await pretrainEpoch(plan, pair, ctx, () => calls++ > 0), null, 'cancelled between steps');
    assert.equal(pair.steps.length, plan.config.stepsPerEpoch + 1);
  });

  it('ordered units: the labels\' order down the traces is found, recorded in the checkpoint, and keeps the final prediction free of islands', async () => {
    const island = 3 * W + 9; // row 3, far above the boundary at row 12: the pair says class 1 there, unsure
    const islandPair = (): ReturnType<typeof fakePair> => {
      const pair = fakePair();
      const plain = pair.predict.bind(pair);
      pair.predict = async (which, opts) => (await plain(which, opts)).map((p) => {
        for (const probs of [p.a, p.b]) { probs[island * CLASSES] = 0.4; probs[island * CLASSES + 1] = 0.6; }
        return p;
      });
      return pair;
    };
    const dir = mkdtempSync(join(tmpdir(), 'seisgrow-steps-'));
    try {
      const plan = await prepareRun(request({ runDir: dir }));
      assert.deepEqual(plan.unitOrder, [0, 1], 'every labelled trace has class 0 above class 1');
      const pair = islandPair();
      await startNetworks(plan, pair);
      const out = await predictRun(plan, initialLabels(plan), pair);
      assert.deepEqual(out[2]?.prediction, truth, 'the island is decoded away');
      assert.ok(Math.abs((out[2]?.confidence[island] ?? 0) - 0.4) < 1e-6, 'the confidence is that of the class kept');
      assert.equal((await readCheckpoint(await saveCheckpoint(plan, pair, initialLabels(plan).trainLabels, 1, 1, [1], 'fake'))).unitOrder?.join(), '0,1');

      const off = await prepareRun(request({ config: { ...request().config, orderedUnits: 'off' } }));
      assert.equal(off.unitOrder, null);
      const offPair = islandPair();
      await startNetworks(off, offPair);
      assert.equal((await predictRun(off, initialLabels(off), offPair))[2]?.prediction[island], 1, 'off: the per-pixel argmax');

      // Labels that put class 1 above class 0 in one trace and below it in another imply no order.
      const crossed = seeds.map((v, i) => (i % W === 15 ? 1 - v : v));
      const none = await prepareRun(request({ sections: [{ name: 'labelled', seismic, labels: crossed, height: H, width: W }] }));
      assert.equal(none.unitOrder, null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('saveCheckpoint writes a checkpoint that loads back with the plan\'s network and the pair\'s state', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seisgrow-steps-'));
    try {
      const plan = await prepareRun(request({ runDir: dir }));
      const where = await saveCheckpoint(plan, fakePair(), initialLabels(plan).trainLabels, 1, 2, [1], 'fake');
      const ck = await readCheckpoint(where);
      assert.deepEqual(ck.network, plan.network);
      assert.deepEqual([ck.stage, ck.epoch, ck.stagesCompleted], [1, 2, [1]]);
      assert.deepEqual(ck.nets.b.weights[0].data, new Float32Array([1, 2]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
