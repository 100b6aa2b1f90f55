// The webview's side of the host channel (vscode-hexeditor pattern): sendEvent for fire-and-forget messages,
// sendRequest for messages answered by a reply carrying the same requestId, and ONE handler for everything else.
import type { FromWebview, ToWebview } from '../../src/shared/editorProtocol';

/** What acquireVsCodeApi() returns (the subset we use). */
export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** Messages that answer a request: they carry its requestId. */
type Reply = Extract<ToWebview, { requestId: number }> | Extract<ToWebview, { requestId?: number }>;

/** A request is any FromWebview message with a requestId; the caller supplies everything but the id. */
type RequestOf<T> = T extends { requestId: number } ? Omit<T, 'requestId'> : never;

/** The channel to the extension host. */
export class HostChannel {
  private readonly api: VsCodeApi;
  private nextRequestId = 1;
  private readonly pending = new Map<number, { resolve: (m: ToWebview) => void; reject: (e: Error) => void }>();
  private handler: (message: ToWebview) => void = () => undefined;

  constructor(api?: VsCodeApi) {
    this.api = api ?? acquireVsCodeApi();
    window.addEventListener('message', (event: MessageEvent) => this.receive(event.data));
  }

  /** Set the one handler for host messages that are not replies to a request. */
  onMessage(handler: (message: ToWebview) => void): void {
    this.handler = handler;
  }

  /** Post a message that expects no reply. */
  sendEvent(message: FromWebview): void {
    this.api.postMessage(message);
  }

  /** Post a request and resolve with the host's reply of the same requestId (an `error` reply rejects). */
  sendRequest<R extends ToWebview>(message: RequestOf<FromWebview>): Promise<R> {
    const requestId = this.nextRequestId++;
    return new Promise<R>((resolve, reject) => {
      this.pending.set(requestId, { resolve: resolve as (m: ToWebview) => void, reject });
      this.api.postMessage({ ...message, requestId } as FromWebview);
    });
  }

  /** Persisted view state (survives the webview being hidden and VS Code restarts). */
  getState<T>(): T | undefined {
    return (this.api.getState() ?? undefined) as T | undefined;
  }

  /** Save view state. */
  setState(state: unknown): void {
    this.api.setState(state);
  }

  private receive(data: unknown): void {
    if (typeof data !== 'object' || data === null || typeof (data as { type?: unknown }).type !== 'string') return;
    const message = data as ToWebview;
    const requestId = (message as Partial<Reply>).requestId;
    if (typeof requestId === 'number' && this.pending.has(requestId)) {
      const waiter = this.pending.get(requestId)!;
      this.pending.delete(requestId);
      if (message.type === 'error') waiter.reject(new Error(message.message));
      else waiter.resolve(message);
      return;
    }
    this.handler(message);
  }
}
