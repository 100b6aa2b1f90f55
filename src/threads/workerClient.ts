// The host side of the training channel: spawns a training worker and turns its replies into promises (one
// request id per call, replies matched on it), transferring buffers instead of copying them. Thread plumbing only:
// it imports src/shared and node, never src/ml or src/worker, so the engine (ml) and the engine thread (worker) both
// use it without an import cycle.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { SeisGrowError } from '../shared/errors';
import type { FromWorker, ToWorker } from '../shared/trainingProtocol';
import { isFromWorker, transferablesOf } from '../shared/trainingProtocol';

/** A request without its id: the client numbers them. */
export type WorkerRequest = ToWorker extends infer M ? (M extends { id: number } ? Omit<M, 'id'> : never) : never;

/** Replies that end a request (the others, e.g. 'pseudo', are intermediate notices of a running request). */
const FINAL: ReadonlySet<FromWorker['type']> = new Set(['ready', 'ok', 'stepDone', 'probabilities', 'state', 'error']);

/**
 * A bundled thread script: dist/<file> beside the bundle that is running (the extension, the CLI), or, when running
 * from TypeScript sources (tests under tsx), the checkout's dist/<file> built by `node esbuild.mjs <target>`.
 */
export function bundledScript(file: string, target: string, what: string): string {
  const candidates = [path.join(__dirname, file), path.resolve(__dirname, '..', '..', 'dist', file)];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new SeisGrowError('not-found', `${what} bundle is missing (looked for ${candidates.join(', ')}); build it with "node esbuild.mjs ${target}"`);
}

/** The training worker's script (dist/worker.js). */
export function defaultWorkerScript(): string {
  return bundledScript('worker.js', 'worker', 'the training worker');
}

interface Pending {
  resolve: (m: FromWorker) => void;
  reject: (e: Error) => void;
  onNotice?: (m: FromWorker) => void;
}

/** One training worker thread and its request/reply bookkeeping. */
export class WorkerClient {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private failure: Error | undefined;
  private exited = false;

  constructor(script: string, readonly name: string, private readonly onLog: (message: string) => void = () => undefined) {
    this.worker = new Worker(script, { name });
    this.worker.on('message', (raw: unknown) => this.receive(raw));
    this.worker.on('error', (e) => this.fail(new SeisGrowError('worker-failed', `training worker ${name} crashed: ${e.message}`)));
    this.worker.on('exit', (code) => {
      this.exited = true;
      this.fail(new SeisGrowError('worker-failed', `training worker ${name} exited (code ${code})`));
    });
  }

  private receive(raw: unknown): void {
    if (!isFromWorker(raw)) {
      this.onLog(`${this.name}: ignored a malformed message from the worker`);
      return;
    }
    if (raw.type === 'log') { this.onLog(`${this.name}: ${raw.message}`); return; }
    const p = this.pending.get(raw.id);
    if (!p) { this.onLog(`${this.name}: reply to an unknown request ${raw.id} (${raw.type})`); return; }
    if (!FINAL.has(raw.type)) { p.onNotice?.(raw); return; }
    this.pending.delete(raw.id);
    if (raw.type === 'error') p.reject(new SeisGrowError(raw.code ?? 'worker-failed', raw.message));
    else p.resolve(raw);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }

  /** Send a request; resolves with its final reply; intermediate notices go to `onNotice`. Buffers are transferred. */
  request(message: WorkerRequest, onNotice?: (m: FromWorker) => void): Promise<FromWorker> {
    return this.begin(message, onNotice).reply;
  }

  /** Like request, but also returns the id the request carries (a partner's message for it must use that id). */
  begin(message: WorkerRequest, onNotice?: (m: FromWorker) => void): { id: number; reply: Promise<FromWorker> } {
    const id = this.nextId++;
    if (this.failure) return { id, reply: Promise.reject(this.failure) };
    const full = { ...message, id } as ToWorker;
    const reply = new Promise<FromWorker>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ...(onNotice ? { onNotice } : {}) });
      this.worker.postMessage(full, transferablesOf(full));
    });
    return { id, reply };
  }

  /** Send a message that expects no reply of its own (the partner's pseudo labels for a running step). */
  post(message: ToWorker): void {
    if (this.failure) return;
    this.worker.postMessage(message, transferablesOf(message));
  }

  /** Ask the worker to free its network, then stop the thread. */
  async close(): Promise<void> {
    if (!this.exited && !this.failure) {
      try { await Promise.race([this.request({ type: 'dispose' }), new Promise((r) => setTimeout(r, 2000))]); } catch { /* stopping anyway */ }
    }
    await this.worker.terminate();
  }

  /** Stop the thread at once (cancellation mid-step). */
  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}
