// A minimal event emitter with vscode.Event's shape, so the document model needs no vscode import.

/** Something to dispose (vscode.Disposable's shape). */
export interface Disposable {
  dispose(): void;
}

/** A subscribe function (vscode.Event's shape). */
export type Event<T> = (listener: (e: T) => void) => Disposable;

/** Fires events to listeners in subscription order; a throwing listener does not stop the others. */
export class Emitter<T> {
  private readonly listeners = new Set<(e: T) => void>();

  /** Subscribe. */
  readonly event: Event<T> = (listener) => {
    this.listeners.add(listener);
    return { dispose: () => { this.listeners.delete(listener); } };
  };

  /** Deliver `e` to every listener. */
  fire(e: T): void {
    for (const l of [...this.listeners]) {
      try { l(e); } catch (err) { console.error('SeisGrow: event listener failed', err); }
    }
  }

  /** Drop all listeners. */
  dispose(): void {
    this.listeners.clear();
  }
}
