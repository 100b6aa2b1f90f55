// The engine thread (bundled to dist/engine.js): runs one training request end to end off the extension host's thread
// and reports its events, result or failure to the host, which then ends the thread. Cancellation arrives as a message.
import { parentPort } from 'node:worker_threads';
import { SeisGrowError } from '../shared/errors';
import { startTraining, type TrainingHandle } from '../ml/engine';
import { resultTransferables, type FromEngine, type ToEngine } from './engineProtocol';

if (!parentPort) throw new Error('engineWorker must run inside a worker thread');
const port = parentPort;
let handle: TrainingHandle | null = null;

function send(message: FromEngine, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

port.on('message', (m: ToEngine) => {
  if (m?.type === 'cancel') { handle?.cancel(); return; }
  if (m?.type !== 'start' || handle) {
    send({ type: 'failed', code: 'protocol', message: handle ? 'the engine thread runs one request only' : `engine thread: unknown message ${JSON.stringify(m)?.slice(0, 120)}` });
    return;
  }
  handle = startTraining(m.request, (event) => send({ type: 'event', event }));
  handle.done.then((result) => send({ type: 'done', result }, resultTransferables(result)), (e: unknown) => {
    const err = e instanceof SeisGrowError ? e : null;
    // The message already names the file; code and file travel so the host can rebuild the same error.
    send({ type: 'failed', message: e instanceof Error ? e.message : String(e), ...(err ? { code: err.code, ...(err.file ? { file: err.file } : {}) } : {}) });
  });
});
