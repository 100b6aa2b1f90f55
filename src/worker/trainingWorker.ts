// The training worker (bundled to dist/worker.js): one network of the CPS pair on its own backend instance, so the
// two networks train on two cores in parallel and the extension host's thread never runs a training step.
import { parentPort } from 'node:worker_threads';
import { SeisGrowError } from '../shared/errors';
import type { FromWorker, ToWorker } from '../shared/trainingProtocol';
import { isToWorker, transferablesOf } from '../shared/trainingProtocol';
import { serveTrainer } from './server';

if (!parentPort) throw new Error('trainingWorker must run inside a worker thread');
const port = parentPort;

/** Post a reply, transferring its buffers (the worker never reuses them). */
function send(message: FromWorker): void {
  port.postMessage(message, transferablesOf(message));
}

const handle = serveTrainer(send);
port.on('message', (raw: unknown) => {
  if (!isToWorker(raw)) {
    send({ type: 'log', message: `training worker: ignored a malformed message ${JSON.stringify(raw)?.slice(0, 120)}` });
    return;
  }
  handle(raw as ToWorker).then((exit) => {
    if (exit) port.close();
  }, (e: unknown) => {
    const err = e instanceof SeisGrowError ? e : null;
    send({ type: 'error', id: (raw as ToWorker).id, message: e instanceof Error ? e.message : String(e), ...(err ? { code: err.code } : {}) });
  });
});
