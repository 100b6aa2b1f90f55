// The host side of the engine thread: the same TrainingHandle as startTraining, with the engine running in a worker.
import { Worker } from 'node:worker_threads';
import { SeisGrowError } from '../shared/errors';
import type { RunResult, TrainingHandle, TrainingRequest } from '../ml/engine';
import type { TrainingEvent } from '../shared/trainingProtocol';
import { bundledScript } from '../threads/workerClient';
import type { FromEngine, ToEngine } from './engineProtocol';

/** The engine thread's script (dist/engine.js). */
export function defaultEngineScript(): string {
  return bundledScript('engine.js', 'engine', 'the engine');
}

/**
 * Start training in an engine thread: events arrive through `onEvent` as with startTraining, `done` settles with the
 * run's result or a SeisGrowError carrying the engine's code, and `cancel` stops it within a step.
 */
export function startTrainingInWorker(request: TrainingRequest, onEvent: (e: TrainingEvent) => void = () => undefined, script = defaultEngineScript()): TrainingHandle {
  const worker = new Worker(script, { name: 'seisgrow-engine' });
  let settled = false;
  const done = new Promise<RunResult>((resolve, reject) => {
    const settle = (f: () => void): void => {
      if (settled) return;
      settled = true;
      f();
      // The engine has closed its network workers before reporting; its own thread has nothing left to do.
      void worker.terminate();
    };
    worker.on('message', (m: FromEngine) => {
      if (m.type === 'event') {
        try { onEvent(m.event); } catch { /* a subscriber's failure must not break training */ }
      } else if (m.type === 'done') {
        settle(() => resolve(m.result));
      } else if (m.type === 'failed') {
        const e = new SeisGrowError(m.code ?? 'worker-failed', m.message);
        if (m.file) Object.defineProperty(e, 'file', { value: m.file });
        settle(() => reject(e));
      }
    });
    worker.on('error', (e) => settle(() => reject(new SeisGrowError('worker-failed', `the training engine thread crashed: ${e.message}`))));
    worker.on('exit', (code) => settle(() => reject(new SeisGrowError('worker-failed', `the training engine thread exited (code ${code}) before finishing`))));
  });
  // Sections are copied, not transferred: the caller keeps its arrays (e.g. to score or write the results).
  worker.postMessage({ type: 'start', request } satisfies ToEngine);
  return { done, cancel: () => { if (!settled) worker.postMessage({ type: 'cancel' } satisfies ToEngine); } };
}
