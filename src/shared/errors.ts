// SeisGrowError and the fixed list of its codes. No vscode, DOM or node imports: the host, the workers, the command
// line and the webviews share it, and codes travel in protocol messages as the typed ErrorCode.

/** Every code a SeisGrowError may carry, each with its one meaning. Add a code here before using it; never a synonym. */
export const ERROR_CODES = {
  // Files and folders
  'not-found': 'a file, folder, run, checkpoint or bundle does not exist',
  'is-directory': 'a path names a directory where a file was expected',
  'not-a-file': 'a path names something that is neither a regular file nor a directory',
  'empty': 'a file is empty (0 bytes)',
  'permission': 'the file system refuses to read or write (permission denied, read-only folder or file system)',
  'no-space': 'no space left on the device',
  'io': 'any other read or write failure of the file system',
  'would-overwrite': 'refusing to write over an input (the source volume, its labels, the input file)',
  // File formats
  'truncated': 'a file ends before its headers or data do',
  'size-mismatch': 'a file holds more data bytes than its header announces',
  'bad-magic': 'a file does not start with its format\'s magic bytes',
  'bad-header': 'a header is malformed or inconsistent',
  'bad-version': 'a file format version this build does not read',
  'unknown-format': 'not a file format SeisGrow reads (or a sample format code it does not know)',
  'unsupported-dtype': 'an NPY dtype SeisGrow does not read or write',
  'corrupt': 'a file of SeisGrow\'s own (run.json, checkpoint, label sidecar, backup) is damaged or not in its format',
  'too-large': 'more than one buffer may hold, or an absurd size',
  'closed': 'the volume, sidecar or document was already closed',
  // Data
  'out-of-range': 'a line, section, sample or trace index that is not in the volume',
  'bad-shape': 'an array\'s shape is invalid or does not match its number of values',
  'shape-mismatch': 'two arrays that must have one shape (labels and seismic, prediction and truth) do not',
  'bad-value': 'a value that cannot be used (not finite, or not representable in the dtype)',
  'bad-label': 'a label that is not a class id (0..classes−1) or 255 (unlabelled)',
  'no-labels': 'nothing is labelled, so there is nothing to train on',
  'bad-cube': 'a cube to write as SEG-Y is inconsistent',
  'bad-stroke': 'a painted stroke does not fit the volume or the palette',
  // Requests, settings, command line
  'usage': 'the command line is wrong (unknown option, missing or bad argument)',
  'bad-request': 'a request or an option asks for something invalid (stages, class count, tile size, run id, header byte)',
  'bad-config': 'a training setting is unknown or out of range',
  'mismatch': 'a run or checkpoint does not fit the data or settings it is used with',
  'weights-mismatch': 'a set of weights does not fit the network\'s layers',
  'needs-previous-stage': 'a stage was asked for before the stage it starts from has run',
  'no-prediction': 'nothing has been predicted yet',
  // Editor and extension
  'unreadable': 'the volume could not be read, so there is nothing to work on',
  'not-open': 'the volume must be open in the SeisGrow editor',
  'not-local': 'the resource is not a file on disk',
  'no-storage': 'no folder to keep training runs in',
  'no-headers': 'the file has no SEG-Y headers to show',
  'labels-read-only': 'the labels could not be read, so they cannot be edited or saved',
  // Training and workers
  'protocol': 'a message between host and worker is malformed, unexpected or out of order',
  'diverged': 'training diverged (a non-finite loss)',
  'backend-unavailable': 'the requested tensor backend could not start',
  'worker-failed': 'a worker thread crashed, exited, or failed without a code of its own',
} as const satisfies Record<string, string>;

/** A machine-readable reason of a SeisGrowError: one of {@link ERROR_CODES}. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** The one error type our readers, writers, engine and extension throw for bad input: a clear message naming the file. */
export class SeisGrowError extends Error {
  /** The machine-readable reason. */
  readonly code: ErrorCode;
  /** The file the error is about, when there is one. */
  readonly file?: string;

  constructor(code: ErrorCode, message: string, file?: string) {
    super(file ? `${file}: ${message}` : message);
    this.name = 'SeisGrowError';
    this.code = code;
    this.file = file;
  }
}
