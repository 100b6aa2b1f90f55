// Chooses the TensorFlow.js backend for training and inference: native TensorFlow when its optional package is
// installed on the user's machine, else the wasm backend with our own gradient kernels, else the pure-JS CPU one.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { SeisGrowError } from '../shared/errors';
import { registerWasmKernels } from './kernels';

/** What the user (setting or CLI flag) asked for. */
export type BackendPreference = 'auto' | 'wasm' | 'tensorflow' | 'cpu';

/** The backend actually in use, reported in metrics.json and the UI. */
export interface BackendInfo {
  /** tfjs backend name: 'tensorflow', 'wasm' or 'cpu'. */
  name: string;
  requested: BackendPreference;
  /** Why a preferred backend was not used (e.g. tfjs-node not installed). */
  fallbackReason?: string;
  tfjsVersion: string;
}

/** Options for {@link initBackend}. */
export interface BackendOptions {
  /** Folder holding tfjs-backend-wasm's .wasm binaries; defaults to the bundle's folder or node_modules. */
  wasmDir?: string;
  log?: (message: string) => void;
}

const WASM_BINARY = 'tfjs-backend-wasm-simd.wasm';
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

let current: BackendInfo | undefined;
let pending: { key: string; promise: Promise<BackendInfo> } | undefined;
let wasmPathsSet: string | undefined;

/** The backend chosen by the last successful {@link initBackend}, if any. */
export function currentBackend(): BackendInfo | undefined {
  return current;
}

/**
 * Select and initialise a backend; idempotent (a repeated call with the same preference returns the same info).
 * 'auto' tries native TensorFlow (GPU, then CPU) and falls back to wasm, then cpu, logging why; an explicit
 * preference that cannot be honoured is a SeisGrowError.
 */
export function initBackend(pref: BackendPreference, opts: BackendOptions = {}): Promise<BackendInfo> {
  const key = `${pref}\0${opts.wasmDir ?? ''}`;
  if (pending && pending.key === key && current && tf.getBackend() === current.name) return pending.promise;
  const promise = select(pref, opts).then(
    (info) => { current = info; return info; },
    (err) => { if (pending?.promise === promise) pending = undefined; throw err; },
  );
  pending = { key, promise };
  return promise;
}

async function select(pref: BackendPreference, opts: BackendOptions): Promise<BackendInfo> {
  const log = opts.log ?? (() => undefined);
  const info = (name: string, fallbackReason?: string): BackendInfo =>
    ({ name, requested: pref, ...(fallbackReason ? { fallbackReason } : {}), tfjsVersion: tf.version.tfjs });

  if (pref === 'cpu') {
    await activate('cpu');
    return info('cpu');
  }
  let reason: string | undefined;
  if (pref === 'auto' || pref === 'tensorflow') {
    const native = loadNative();
    if (native.ok) {
      await activate('tensorflow');
      log(`backend: tensorflow (${native.pkg})`);
      return info('tensorflow');
    }
    if (pref === 'tensorflow') {
      throw new SeisGrowError('backend-unavailable',
        `the native TensorFlow backend is not available: ${native.reason}. Install @tensorflow/tfjs-node (or -gpu) ` +
        `next to SeisGrow, or choose the 'wasm' backend`);
    }
    reason = native.reason;
    log(`backend: native TensorFlow unavailable (${reason}); using wasm`);
  }
  try {
    await activateWasm(opts.wasmDir);
    return info('wasm', reason);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    if (pref === 'wasm') throw new SeisGrowError('backend-unavailable', `the wasm backend failed to start: ${why}`);
    log(`backend: wasm failed (${why}); using the pure-JS cpu backend (slow)`);
    await activate('cpu');
    return info('cpu', [reason, `wasm: ${why}`].filter(Boolean).join('; '));
  }
}

/** Try the optional native packages; esbuild leaves these requires alone (they are external). */
function loadNative(): { ok: true; pkg: string } | { ok: false; reason: string } {
  const req = nodeRequire();
  const reasons: string[] = [];
  for (const pkg of NATIVE_PACKAGES) {
    try {
      req(pkg);
      if (tf.findBackendFactory('tensorflow')) return { ok: true, pkg };
      reasons.push(`${pkg} loaded but registered no 'tensorflow' backend`);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      reasons.push(e.code === 'MODULE_NOT_FOUND' ? `${pkg} is not installed` : `${pkg}: ${e.message?.split('\n')[0]}`);
    }
  }
  return { ok: false, reason: reasons.join('; ') };
}

function nodeRequire(): NodeRequire {
  // In the CJS bundles and under tsx `require` exists; the fallback resolves from the working folder.
  return typeof require === 'function' ? require : createRequire(join(process.cwd(), 'noop.js'));
}

async function activate(name: string): Promise<void> {
  if (tf.getBackend() === name) return;
  const ok = await tf.setBackend(name);
  if (!ok) throw new SeisGrowError('backend-unavailable', `the '${name}' backend failed to initialise`);
  await tf.ready();
}

async function activateWasm(wasmDir: string | undefined): Promise<void> {
  registerWasmKernels();
  const dir = wasmDir ?? defaultWasmDir();
  if (!existsSync(join(dir, WASM_BINARY))) {
    throw new Error(`no ${WASM_BINARY} in ${dir}`);
  }
  // The path is read once, when the wasm instance is created; later calls reuse that instance.
  if (wasmPathsSet === undefined) {
    setWasmPaths(dir.endsWith('/') ? dir : `${dir}/`);
    wasmPathsSet = dir;
  }
  await activate('wasm');
}

/** The esbuild bundles sit beside copies of the .wasm files; in the checkout they are in node_modules. */
function defaultWasmDir(): string {
  if (typeof __dirname === 'string' && existsSync(join(__dirname, WASM_BINARY))) return __dirname;
  const req = nodeRequire();
  const main = req.resolve('@tensorflow/tfjs-backend-wasm');
  return dirname(main);
}
