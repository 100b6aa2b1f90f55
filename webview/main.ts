// Webview entry point (browser). Knows nothing of Node; talks to the host only through src/shared protocol types.
export {};
