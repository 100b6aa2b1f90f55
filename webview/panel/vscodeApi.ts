// The slice of VS Code's webview API the panel bundle uses.
/** acquireVsCodeApi()'s result. */
export interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
