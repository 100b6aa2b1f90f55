// The two networks of a CPS pair as the engine sees them: an interface the engine drives (so its steps run in tests
// with a fake pair, without threads) and its implementation over two training worker threads. Thread plumbing only:
// src/shared and node, never src/ml, so the engine imports this and the worker imports ml without a cycle.
import { SeisGrowError } from '../shared/errors';
import type {
  ConsistencyRequest, FromWorker, GrownLabelsTerm, NetLosses, SerializedTensor, ToWorker, WorkerSection,
} from '../shared/trainingProtocol';
import { WorkerClient, defaultWorkerScript } from './workerClient';

/** Which network of the pair. */
export type Role = 'a' | 'b';

/** The init request of one network, without the role the pair adds. */
export type PairInit = Omit<Extract<ToWorker, { type: 'init' }>, 'type' | 'id' | 'role'>;

/** What a network reports once initialised. */
export type PairReady = Omit<Extract<FromWorker, { type: 'ready' }>, 'type' | 'id'>;

/** One CPS step's batch, the same for both networks. */
export interface PairStep {
  x: Float32Array; labels: Uint8Array; n: number; h: number; w: number; lambda: number; learningRate: number;
  consistency?: ConsistencyRequest; grown?: GrownLabelsTerm;
  /** Pretraining (1 = hidden pixel): each network rebuilds the hidden amplitude instead of learning the labels. */
  pretrainMask?: Uint8Array;
  /** CutMix: the source pixel of each pixel trained on; pseudo labels are made on the batch before it. */
  mix?: Int32Array;
}

/** Tiled-inference settings of a prediction. */
export interface PairPredictOptions { patch: number; overlap: number; batchSize: number; flip?: boolean }

/** The two CPS networks, wherever they run. Buffers passed in may be transferred (detached). */
export interface TrainerPair {
  /** Build (or restore) both networks; `init(role)` gives each its request. */
  init(init: (role: Role) => PairInit): Promise<Record<Role, PairReady>>;
  /** Hand both networks the sections they predict by index; `sections()` makes a fresh copy per network. */
  setSections(sections: () => WorkerSection[]): Promise<void>;
  /** One step of both networks on the same batch, each one's argmax going to the other (CPS). */
  trainStep(step: PairStep): Promise<Record<Role, NetLosses>>;
  /** Both networks' probabilities for held section indices or sent sections. */
  predict(which: (number | WorkerSection)[], opts: PairPredictOptions): Promise<Record<Role, Float32Array>[]>;
  /** Both networks' weights and optimizer slots. */
  getState(): Promise<Record<Role, { weights: SerializedTensor[]; optimizer: SerializedTensor[] }>>;
  /** Stop both networks. */
  close(): Promise<void>;
}

function expect<T extends FromWorker['type']>(m: FromWorker, type: T): Extract<FromWorker, { type: T }> {
  if (m.type !== type) throw new SeisGrowError('protocol', `training worker answered "${m.type}" where "${type}" was expected`);
  return m as Extract<FromWorker, { type: T }>;
}

/** A pair of training worker threads running the bundled worker script (default dist/worker.js). */
export function workerTrainerPair(name: string, script: string = defaultWorkerScript(), log: (message: string) => void = () => undefined): TrainerPair {
  const a = new WorkerClient(script, `${name}-a`, log);
  const b = new WorkerClient(script, `${name}-b`, log);
  // Each worker gets its own copy of a sent section: the buffers are transferred, so one array cannot go to both.
  const copy = (list: (number | WorkerSection)[]): (number | WorkerSection)[] => list.map((s) => (typeof s === 'number' ? s : { ...s, data: s.data.slice() }));
  return {
    async init(init) {
      const [ra, rb] = await Promise.all([a.request({ type: 'init', role: 'a', ...init('a') }), b.request({ type: 'init', role: 'b', ...init('b') })]);
      const ready = (m: FromWorker): PairReady => { const r = expect(m, 'ready'); return { backend: r.backend, parameterCount: r.parameterCount }; };
      return { a: ready(ra), b: ready(rb) };
    },
    async setSections(sections) {
      await Promise.all([a.request({ type: 'setSections', sections: sections() }), b.request({ type: 'setSections', sections: sections() })]);
    },
    async trainStep({ x, labels, n, h, w, lambda, learningRate, consistency, grown, pretrainMask, mix }) {
      let idA = 0;
      let idB = 0;
      const copyA = consistency ? { consistency: { ...consistency, strong: consistency.strong.slice(), geometry: consistency.geometry.slice() } } : {};
      const ra = a.begin({ type: 'trainStep', x: x.slice(), labels: labels.slice(), n, h, w, lambda, learningRate, ...copyA, ...(grown ? { grown: { ...grown, mask: grown.mask.slice() } } : {}), ...(pretrainMask ? { pretrainMask: pretrainMask.slice() } : {}), ...(mix ? { mix: mix.slice() } : {}) }, (m) => {
        if (m.type === 'pseudo') b.post({ type: 'partnerPseudo', id: idB, argmax: m.argmax, confidence: m.confidence });
      });
      idA = ra.id;
      const rb = b.begin({ type: 'trainStep', x, labels, n, h, w, lambda, learningRate, ...(consistency ? { consistency } : {}), ...(grown ? { grown } : {}), ...(pretrainMask ? { pretrainMask } : {}), ...(mix ? { mix } : {}) }, (m) => {
        if (m.type === 'pseudo') a.post({ type: 'partnerPseudo', id: idA, argmax: m.argmax, confidence: m.confidence });
      });
      idB = rb.id;
      const [sa, sb] = await Promise.all([ra.reply, rb.reply]);
      return { a: expect(sa, 'stepDone').losses, b: expect(sb, 'stepDone').losses };
    },
    async predict(which, opts) {
      const [ra, rb] = await Promise.all([a.request({ type: 'predict', sections: copy(which), ...opts }), b.request({ type: 'predict', sections: copy(which), ...opts })]);
      const pa = expect(ra, 'probabilities').sections;
      const pb = expect(rb, 'probabilities').sections;
      return pa.map((s, i) => ({ a: s.probs, b: pb[i].probs }));
    },
    async getState() {
      const [sa, sb] = await Promise.all([a.request({ type: 'getState' }), b.request({ type: 'getState' })]);
      const state = (m: FromWorker) => { const s = expect(m, 'state'); return { weights: s.weights, optimizer: s.optimizer }; };
      return { a: state(sa), b: state(sb) };
    },
    async close() {
      await Promise.all([a.close(), b.close()]);
    },
  };
}
