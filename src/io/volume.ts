// The front door to seismic files: openVolume() recognises NPY by its magic bytes and SEG-Y by its extension,
// and answers everything else (missing, a directory, empty, unknown) with a SeisGrowError naming the file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SeisGrowError } from '../shared/errors';
import { hasNpyMagic, openNpy } from './npy';
import type { NpyOpenOptions } from './npy';
import { openSegy } from './segy';
import type { SegyOpenOptions } from './segy';

import type { Volume } from './types';

export type { Section, SectionAxis, Volume, VolumeInfo, VolumeStatistics } from './types';

/** Options passed on to the format's reader. */
export interface OpenVolumeOptions {
  /** Byte budget of the section cache, for either format. */
  cacheBytes?: number;
  /** NPY reader options. */
  npy?: NpyOpenOptions;
  /** SEG-Y reader options (header byte positions etc.). */
  segy?: SegyOpenOptions;
}

/** File extensions read as SEG-Y (case-insensitive). */
const SEGY_EXTENSIONS: readonly string[] = ['.sgy', '.segy', '.seg'];

/** What kind of file this is, by content first (NPY magic), then by extension. */
export type VolumeFormat = 'npy' | 'segy';

/** Decide the format of `file` without opening it as a volume; throws the same clear errors as openVolume. */
export async function detectFormat(file: string): Promise<VolumeFormat> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new SeisGrowError('not-found', 'no such file', file);
    if (code === 'EACCES' || code === 'EPERM') throw new SeisGrowError('permission', 'permission denied', file);
    throw new SeisGrowError('io', `cannot read: ${(e as Error).message}`, file);
  }
  if (stat.isDirectory()) throw new SeisGrowError('is-directory', 'is a directory, not a seismic file', file);
  if (!stat.isFile()) throw new SeisGrowError('not-a-file', 'is not a regular file', file);
  if (stat.size === 0) throw new SeisGrowError('empty', 'the file is empty (0 bytes)', file);
  const head = Buffer.alloc(6);
  let handle: fs.promises.FileHandle | undefined;
  try {
    handle = await fs.promises.open(file, 'r');
    await handle.read(head, 0, 6, 0);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') throw new SeisGrowError('permission', 'permission denied', file);
    throw new SeisGrowError('io', `cannot read: ${(e as Error).message}`, file);
  } finally {
    await handle?.close();
  }
  if (hasNpyMagic(head)) return 'npy';
  const ext = path.extname(file).toLowerCase();
  if (SEGY_EXTENSIONS.includes(ext)) return 'segy';
  if (ext === '.npy') {
    throw new SeisGrowError('bad-magic', 'named .npy but not an NPY file: it does not start with the magic bytes \\x93NUMPY', file);
  }
  throw new SeisGrowError('unknown-format', `unknown format: not an NPY file (no \\x93NUMPY magic) and not named ${SEGY_EXTENSIONS.join('/')} for SEG-Y`, file);
}

/** Open a SEG-Y or NPY file as a lazy Volume. */
export async function openVolume(file: string, options: OpenVolumeOptions = {}): Promise<Volume> {
  const format = await detectFormat(file);
  if (format === 'npy') return openNpy(file, { ...options.npy, cacheBytes: options.npy?.cacheBytes ?? options.cacheBytes });
  return openSegy(file, { ...options.segy, cacheBytes: options.segy?.cacheBytes ?? options.cacheBytes });
}
