import * as assert from 'node:assert/strict';
import { SeisGrowError } from '../../src/shared/errors';
import { FROM_WORKER_TYPES, TO_WORKER_TYPES, isFromWorker, isToWorker, transferablesOf, type FromWorker, type ToWorker } from '../../src/shared/trainingProtocol';
import { WorkerClient } from '../../src/threads/workerClient';
import { makeConfig } from '../../src/ml/config';
import { buildWorker } from '../support/trainerFixtures';
import { cutMixSources, gatherPixels } from '../../src/ml/data/cutMix';
import { Rng } from '../../src/ml/random';

describe('training protocol', () => {
  it('accepts every well-formed message type and rejects malformed ones', () => {
    for (const type of TO_WORKER_TYPES) assert.ok(isToWorker({ type, id: 1 }), type);
    for (const type of FROM_WORKER_TYPES) assert.ok(isFromWorker({ type, id: 1 }), type);
    assert.ok(isFromWorker({ type: 'log', message: 'x' }));
    for (const bad of [null, 1, 'x', {}, { type: 'nope', id: 1 }, { type: 'init' }, { type: 'init', id: 1.5 }, { type: 'init', id: '1' }]) {
      assert.ok(!isToWorker(bad), JSON.stringify(bad));
    }
    assert.ok(!isFromWorker({ type: 'stepDone' }));
  });

  it('lists each distinct whole buffer of a message once for transfer, and survives a structured-clone round trip', () => {
    const x = new Float32Array(8);
    const labels = new Uint8Array(8);
    const step: ToWorker = { type: 'trainStep', id: 3, x, labels, n: 1, h: 2, w: 4, lambda: 0.5 };
    assert.deepEqual(transferablesOf(step), [x.buffer, labels.buffer]);
    const strong = new Float32Array(8);
    const geometry = new Int32Array(3);
    const withConsistency: ToWorker = { ...step, x: new Float32Array(8), labels: new Uint8Array(8), consistency: { weight: 1, threshold: 0.9, strong, geometry } };
    assert.deepEqual(transferablesOf(withConsistency).slice(2), [strong.buffer, geometry.buffer]);
    const mix = new Int32Array(8);
    assert.deepEqual(transferablesOf({ ...step, x: new Float32Array(8), labels: new Uint8Array(8), mix }).slice(2), [mix.buffer]);
    const shared = new Float32Array(16);
    const view = shared.subarray(0, 8);
    assert.deepEqual(transferablesOf({ type: 'pseudo', id: 1, argmax: new Uint8Array(2), confidence: view }).length, 1, 'a view of a larger buffer is copied, not transferred');
    const state: FromWorker = { type: 'state', id: 2, weights: [{ name: 'w', shape: [2], data: Float32Array.from([1, 2]) }], optimizer: [] };
    const back = structuredClone(state);
    assert.deepEqual(back, state);
    assert.ok(isFromWorker(back));
  });
});

describe('training worker thread', function () {
  this.timeout(300_000);
  let script: string;
  before(() => { script = buildWorker(); });

  it('a step with CPS and the consistency term: the own argmax goes to the partner and feeds the term, which is reported', async () => {
    const client = new WorkerClient(script, 'test-worker-consistency');
    try {
      await client.request({
        type: 'init', role: 'b', backend: 'wasm', seed: 4,
        network: { inChannels: 1, classes: 2, depth: 1, baseFilters: 2, dropout: 0, reconstruction: false },
        training: { config: makeConfig({ learningRate: 1e-3, focalGamma: 2, cps: { confidenceThreshold: 0, pseudoGamma: 2 }, reconWeight: 0 }), classWeights: null },
      });
      const x = new Float32Array(2 * 8 * 8).map((_, i) => Math.sin(i / 4));
      const labels = new Uint8Array(2 * 8 * 8).map((_, i) => (i % 9 === 0 ? i % 2 : 255));
      const strong = x.map((v, i) => 1.3 * v + 0.1 * Math.cos(i));
      const geometry = Int32Array.of(0, 1, -2, 1, 0, 3);
      let pseudoSeen = 0;
      const { id, reply } = client.begin({ type: 'trainStep', x, labels, n: 2, h: 8, w: 8, lambda: 1, consistency: { weight: 0.5, threshold: 0, strong, geometry } }, (m) => {
        if (m.type === 'pseudo') { pseudoSeen++; client.post({ type: 'partnerPseudo', id, argmax: m.argmax, confidence: m.confidence }); }
      });
      const done = await reply;
      assert.equal(pseudoSeen, 1);
      assert.ok(done.type === 'stepDone', done.type);
      const l = done.losses;
      assert.ok(l.consistency !== undefined && Number.isFinite(l.consistency) && l.consistency > 0, JSON.stringify(l));
      assert.ok(Math.abs(l.total - (l.sup + l.pseudo + 0.5 * l.consistency)) < 1e-4, JSON.stringify(l));
      // Without the term (and without CPS) the reply has no consistency key at all.
      const plain = await client.request({ type: 'trainStep', x: new Float32Array(128), labels: new Uint8Array(128).fill(1), n: 2, h: 8, w: 8, lambda: 0 });
      assert.ok(plain.type === 'stepDone' && !('consistency' in plain.losses));
    } finally {
      await client.close();
    }
  });

  it('a CutMix step: pseudo labels made on the batch as sent, then the same step as on the batch gathered by hand', async () => {
    const init = {
      type: 'init' as const, role: 'a' as const, backend: 'wasm' as const, seed: 8,
      network: { inChannels: 2, classes: 3, depth: 1, baseFilters: 2, dropout: 0, reconstruction: false },
      training: { config: makeConfig({ learningRate: 1e-3, cps: { confidenceThreshold: 0 }, reconWeight: 0 }), classWeights: null },
    };
    const [mixed, byHand] = [new WorkerClient(script, 'test-worker-cutmix'), new WorkerClient(script, 'test-worker-cutmix-gathered')];
    try {
      await Promise.all([mixed.request(init), byHand.request(init)]);
      const n = 2, h = 8, w = 8;
      const x = new Float32Array(n * h * w * 2).map((_, i) => Math.sin(i / 4));
      const labels = new Uint8Array(n * h * w).map((_, i) => (i % 9 === 0 ? i % 3 : 255));
      const mix = cutMixSources(n, h, w, 1, new Rng(5));
      let sent: { argmax: Uint8Array; confidence: Float32Array } | null = null;
      const a = mixed.begin({ type: 'trainStep', x: x.slice(), labels: labels.slice(), n, h, w, lambda: 1, mix: mix.slice() }, (m) => {
        if (m.type === 'pseudo') { sent = { argmax: m.argmax.slice(), confidence: m.confidence.slice() }; mixed.post({ type: 'partnerPseudo', id: a.id, argmax: m.argmax, confidence: m.confidence }); }
      });
      const da = await a.reply;
      assert.ok(sent !== null && da.type === 'stepDone');
      const own: { argmax: Uint8Array; confidence: Float32Array } = sent;
      const b = byHand.begin({ type: 'trainStep', x: gatherPixels(x, mix, 2), labels: gatherPixels(labels, mix), n, h, w, lambda: 1 }, (m) => {
        if (m.type === 'pseudo') byHand.post({ type: 'partnerPseudo', id: b.id, argmax: gatherPixels(own.argmax, mix), confidence: gatherPixels(own.confidence, mix) });
      });
      const db = await b.reply;
      assert.ok(db.type === 'stepDone');
      assert.ok(da.losses.pseudo > 0);
      assert.deepEqual(da.losses, db.losses);
    } finally {
      await Promise.all([mixed.close(), byHand.close()]);
    }
  });

  it('answers requests by id, relays errors as SeisGrowError, ignores malformed messages, and exchanges pseudo labels', async () => {
    const logs: string[] = [];
    const client = new WorkerClient(script, 'test-worker', (m) => logs.push(m));
    try {
      await assert.rejects(client.request({ type: 'getState' }), (e: unknown) => e instanceof SeisGrowError && e.code === 'protocol');
      const ready = await client.request({
        type: 'init', role: 'a', backend: 'wasm', seed: 3,
        network: { inChannels: 1, classes: 2, depth: 1, baseFilters: 2, dropout: 0, reconstruction: false },
        training: { config: makeConfig({ learningRate: 1e-3, focalGamma: 2, cps: { confidenceThreshold: 0, pseudoGamma: 2 }, reconWeight: 0 }), classWeights: null },
      });
      assert.equal(ready.type, 'ready');
      assert.ok(ready.type === 'ready' && ready.backend.name === 'wasm' && ready.parameterCount > 0);
      await assert.rejects(client.request({ type: 'predict', sections: [4], patch: 8, overlap: 2, batchSize: 2 }), /no section 4/);
      // A step with λ > 0 posts this network's argmax + confidence, then waits for the partner's before training.
      const x = new Float32Array(2 * 8 * 8).map((_, i) => Math.sin(i));
      const labels = new Uint8Array(2 * 8 * 8).map((_, i) => (i % 5 === 0 ? i % 2 : 255));
      const notices: FromWorker[] = [];
      const sizes: number[] = [];
      const { id, reply } = client.begin({ type: 'trainStep', x, labels, n: 2, h: 8, w: 8, lambda: 1 }, (m) => {
        notices.push(m);
        if (m.type === 'pseudo') sizes.push(m.argmax.length, m.confidence.length);
        if (m.type === 'pseudo') client.post({ type: 'partnerPseudo', id, argmax: m.argmax, confidence: m.confidence });
      });
      const done = await reply;
      assert.equal(done.type, 'stepDone');
      assert.equal(notices.length, 1);
      const pseudo = notices[0];
      assert.equal(pseudo.type, 'pseudo');
      assert.deepEqual(sizes, [128, 128]);
      assert.ok(pseudo.type === 'pseudo' && pseudo.argmax.byteLength === 0, 'the pseudo labels were transferred on to the partner');
      assert.equal(x.byteLength, 0, 'the batch was transferred, not copied');
      const probs = await client.request({ type: 'predict', sections: [{ height: 5, width: 7, data: new Float32Array(35) }], patch: 8, overlap: 2, batchSize: 2 });
      assert.equal(probs.type, 'probabilities');
      assert.equal(probs.type === 'probabilities' && probs.sections[0].probs.length, 70);
      (client as unknown as { worker: { postMessage(m: unknown): void } }).worker.postMessage({ type: 'bogus' });
      const state = await client.request({ type: 'getState' });
      assert.equal(state.type, 'state');
      assert.ok(state.type === 'state' && state.weights.length > 0, 'weights');
      assert.ok(state.type === 'state' && state.optimizer.length > 0, 'optimizer slots');
      assert.ok(logs.some((l) => /ignored a malformed message/.test(l)), `logs: ${logs.join(' | ')}`);
    } finally {
      await client.close();
    }
    await assert.rejects(client.request({ type: 'getState' }), /exited|crashed/);
  });
});
