/** The one error type our readers, writers and engine throw for bad input: a clear message naming the file. */
export class SeisGrowError extends Error {
  /** A short machine-readable reason, e.g. 'truncated', 'bad-magic', 'too-large', 'not-found'. */
  readonly code: string;
  /** The file the error is about, when there is one. */
  readonly file?: string;

  constructor(code: string, message: string, file?: string) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'SeisGrowError';
    this.code = code;
    this.file = file;
  }
}

/** Largest in-memory buffer we agree to allocate for a single read, so absurd headers fail cleanly. */
export const MAX_ALLOCATION_BYTES = 2 ** 31 - 1;
