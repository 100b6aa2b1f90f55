// Safe writes: every file SeisGrow produces appears whole or not at all. The content goes to a temp file in the
// target's own folder (so the final rename stays on one file system), is fsynced, then renamed over the target; on
// any failure the temp file is removed and the original target is left as it was. No vscode import.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { SeisGrowError } from '../shared/errors';

/** Whole content to write: bytes, or text written as UTF-8. */
export type SafeContent = Uint8Array | string;

/** Where streamed content of a synchronous safe write goes, appended in order. */
export interface SafeWriteSink { write(bytes: Uint8Array): void }

/** Where streamed content of an asynchronous safe write goes, appended in order (await each write before reusing its buffer). */
export interface AsyncSafeWriteSink { write(bytes: Uint8Array): Promise<void> }

/** A temp path beside `target`, unique to this process and call, hidden and ending in `.tmp`. */
function tempPathFor(target: string): string {
  const abs = path.resolve(target);
  return path.join(path.dirname(abs), `.${path.basename(abs)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Write `target` safely (temp file in the same folder, write, fsync, rename). `content` is the whole content or a
 * function that streams it into a sink. On failure the temp file is removed, the target is untouched and the error
 * is rethrown as it is (see {@link writeFailure} to report it as a SeisGrowError).
 */
export async function safeWrite(target: string, content: SafeContent | ((sink: AsyncSafeWriteSink) => Promise<void>)): Promise<void> {
  const temp = tempPathFor(target);
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(temp, 'wx');
    if (typeof content === 'function') {
      const h = handle;
      await content({ write: (bytes) => writeAllAsync(h, bytes) });
    } else {
      await handle.writeFile(content);
    }
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.promises.rename(temp, target);
  } catch (e) {
    if (handle) await handle.close().catch(() => undefined);
    await fs.promises.rm(temp, { force: true }).catch(() => undefined);
    throw e;
  }
}

/** The synchronous form of {@link safeWrite}, for callers that must finish before returning (the editor's save). */
export function safeWriteSync(target: string, content: SafeContent | ((sink: SafeWriteSink) => void)): void {
  const temp = tempPathFor(target);
  let fd: number | undefined;
  try {
    fd = fs.openSync(temp, 'wx');
    const out = fd;
    if (typeof content === 'function') content({ write: (bytes) => writeAllSync(out, bytes) });
    else fs.writeFileSync(out, content);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temp, target);
  } catch (e) {
    if (fd !== undefined) { try { fs.closeSync(fd); } catch { /* already failing */ } }
    fs.rmSync(temp, { force: true });
    throw e;
  }
}

/** A failed write as a SeisGrowError naming the file, with the reason in words (folder missing, permission, space, …). */
export function writeFailure(e: unknown, file: string): SeisGrowError {
  if (e instanceof SeisGrowError) return e;
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT') return new SeisGrowError('not-found', `cannot write: the folder ${path.dirname(path.resolve(file))} does not exist`, file);
  if (err?.code === 'EISDIR') return new SeisGrowError('is-directory', 'cannot write: the output path is a directory', file);
  if (err?.code === 'EACCES' || err?.code === 'EPERM' || err?.code === 'EROFS') {
    return new SeisGrowError('permission', `cannot write: ${err.code === 'EROFS' ? 'read-only file system' : 'permission denied'}`, file);
  }
  if (err?.code === 'ENOSPC') return new SeisGrowError('no-space', 'cannot write: no space left on the device', file);
  return new SeisGrowError('io', `cannot write: ${err?.message ?? String(e)}`, file);
}

function writeAllSync(fd: number, bytes: Uint8Array): void {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(fd, bytes, done, bytes.length - done);
}

async function writeAllAsync(handle: fs.promises.FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.length) done += (await handle.write(bytes, done, bytes.length - done)).bytesWritten;
}
