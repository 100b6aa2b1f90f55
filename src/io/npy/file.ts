// Opening an NPY file and reading its header, shared by the lazy volume and the whole-array reader.
import * as fs from 'node:fs';
import { SeisGrowError } from '../../shared/errors';
import { MAX_HEADER_BYTES, NpyHeader, parseHeaderText, parsePreamble } from './header';

/** Open `path` for reading as a regular, non-empty file; every failure is a SeisGrowError naming the file. */
export function openRegularFile(path: string): { fd: number; size: number } {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(path);
  } catch (e) {
    throw fileSystemError(e, path);
  }
  if (stat.isDirectory()) throw new SeisGrowError('is-directory', 'is a directory, not a file', path);
  if (!stat.isFile()) throw new SeisGrowError('not-a-file', 'is not a regular file', path);
  if (stat.size === 0) throw new SeisGrowError('empty', 'the file is empty (0 bytes)', path);
  let fd: number;
  try {
    fd = fs.openSync(path, 'r');
  } catch (e) {
    throw fileSystemError(e, path);
  }
  return { fd, size: stat.size };
}

/** Turn a Node file-system error into a SeisGrowError with a plain-words reason. */
export function fileSystemError(e: unknown, path: string): SeisGrowError {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT') return new SeisGrowError('not-found', 'no such file', path);
  if (err?.code === 'EACCES' || err?.code === 'EPERM') return new SeisGrowError('permission', 'permission denied', path);
  if (err?.code === 'EISDIR') return new SeisGrowError('is-directory', 'is a directory, not a file', path);
  return new SeisGrowError('io', `cannot read: ${err?.message ?? String(e)}`, path);
}

/** Read exactly `length` bytes at `position` (fewer only at end of file); the count actually read is returned. */
export function readAt(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, buffer, offset + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** Read and validate the preamble and header of an open NPY file, including that the data fits the file exactly. */
export function readNpyHeader(fd: number, size: number, path: string): NpyHeader {
  const head = new Uint8Array(Math.min(size, 12));
  readAt(fd, head, 0, head.length, 0);
  const { version, headerLength, headerStart } = parsePreamble(head, path);
  if (headerLength > MAX_HEADER_BYTES) {
    throw new SeisGrowError('bad-header', `NPY header claims ${headerLength} bytes, more than any real array needs (limit ${MAX_HEADER_BYTES})`, path);
  }
  if (headerStart + headerLength > size) {
    throw new SeisGrowError('truncated', `truncated NPY file: the header needs ${headerStart + headerLength} bytes but the file has ${size}`, path);
  }
  const raw = new Uint8Array(headerLength);
  readAt(fd, raw, 0, headerLength, headerStart);
  const header = parseHeaderText(raw, version, headerStart, path);
  const dataBytes = header.count * header.dtype.itemSize;
  const available = size - header.dataOffset;
  const shapeText = `(${header.shape.join(', ')})`;
  if (dataBytes > available) {
    throw new SeisGrowError('truncated', `truncated NPY file: shape ${shapeText} of ${header.descr} needs ${dataBytes} data bytes but only ${available} follow the header`, path);
  }
  if (dataBytes < available) {
    throw new SeisGrowError('size-mismatch', `NPY shape ${shapeText} of ${header.descr} needs ${dataBytes} data bytes but ${available} follow the header (${available - dataBytes} extra)`, path);
  }
  return header;
}

/** Close a descriptor, ignoring errors (used on the failure path where the first error is the one to report). */
export function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {
    // the original error matters more
  }
}
