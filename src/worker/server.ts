// The worker side of the training channel: one message handler that owns a NetTrainer. Requests run one at a time in
// arrival order, except the partner's pseudo labels, which a waiting training step needs while it is still running.
import { SeisGrowError } from '../shared/errors';
import { initBackend } from '../ml/backend';
import { NetTrainer, consistencyTargets, type ConsistencyTerm, type PseudoLabels } from '../ml/cps';
import type { FromWorker, ToWorker } from '../shared/trainingProtocol';

/** Build the message handler of one training worker; `send` posts a reply. Resolves true when the worker should exit. */
export function serveTrainer(send: (m: FromWorker) => void): (m: ToWorker) => Promise<boolean> {
  let trainer: NetTrainer | undefined;
  let chain: Promise<unknown> = Promise.resolve();
  const partners = new Map<number, PseudoLabels>();
  const waiting = new Map<number, (p: PseudoLabels) => void>();

  const need = (): NetTrainer => {
    if (!trainer) throw new SeisGrowError('protocol', 'training worker received a request before init');
    return trainer;
  };

  const partnerFor = (id: number): Promise<PseudoLabels> => {
    const early = partners.get(id);
    if (early) { partners.delete(id); return Promise.resolve(early); }
    return new Promise((resolve) => waiting.set(id, resolve));
  };

  async function run(m: ToWorker): Promise<boolean> {
    switch (m.type) {
      case 'init': {
        const backend = await initBackend(m.backend, { ...(m.wasmDir ? { wasmDir: m.wasmDir } : {}), log: (message) => send({ type: 'log', message }) });
        trainer?.dispose();
        trainer = new NetTrainer(m.network, m.training, m.seed);
        if (m.weights) await trainer.setState(m.weights, m.optimizer);
        send({ type: 'ready', id: m.id, backend, parameterCount: trainer.parameterCount });
        return false;
      }
      case 'setSections':
        need().setSections(m.sections);
        send({ type: 'ok', id: m.id });
        return false;
      case 'trainStep': {
        const t = need();
        if (m.learningRate !== undefined) t.setLearningRate(m.learningRate);
        if (m.pretrainMask) {
          send({ type: 'stepDone', id: m.id, losses: await t.pretrainStep(m.x, m.n, m.h, m.w, m.pretrainMask) });
          return false;
        }
        let partner: PseudoLabels | null = null;
        const c = m.consistency && m.consistency.weight > 0 ? m.consistency : null;
        // The network's own argmax on the batch serves both the partner (CPS) and its own consistency term.
        const mine = m.lambda > 0 || c ? await t.pseudoLabels(m.x, m.n, m.h, m.w) : null;
        // Moved before `mine` is sent: sending transfers (detaches) its buffers.
        let consistency: ConsistencyTerm | null = null;
        if (c && mine) consistency = { weight: c.weight, threshold: c.threshold, strong: c.strong, ...consistencyTargets(mine, m.labels, c.geometry, m.n, m.h, m.w) };
        if (m.lambda > 0 && mine) {
          send({ type: 'pseudo', id: m.id, argmax: mine.argmax, confidence: mine.confidence });
          partner = await partnerFor(m.id);
        }
        const losses = await t.trainStep(m.x, m.n, m.h, m.w, m.labels, partner, m.lambda, consistency, m.grown ?? null, m.mix ?? null);
        send({ type: 'stepDone', id: m.id, losses });
        return false;
      }
      case 'predict': {
        const sections = await need().predict(m.sections, m.patch, m.overlap, m.batchSize, m.flip === true);
        send({ type: 'probabilities', id: m.id, sections });
        return false;
      }
      case 'getState': {
        const s = await need().getState();
        send({ type: 'state', id: m.id, weights: s.weights, optimizer: s.optimizer });
        return false;
      }
      case 'dispose':
        trainer?.dispose();
        trainer = undefined;
        send({ type: 'ok', id: m.id });
        return true;
      case 'partnerPseudo':
        return false;
    }
  }

  return (m: ToWorker): Promise<boolean> => {
    if (m.type === 'partnerPseudo') {
      const labels = { argmax: m.argmax, confidence: m.confidence };
      const resolve = waiting.get(m.id);
      if (resolve) { waiting.delete(m.id); resolve(labels); } else partners.set(m.id, labels);
      return Promise.resolve(false);
    }
    const next = chain.then(() => run(m));
    chain = next.catch(() => undefined);
    return next;
  };
}
