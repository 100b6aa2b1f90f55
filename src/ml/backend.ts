// Chooses the TensorFlow.js backend for training and inference: native TensorFlow or WebGPU (Dawn) on a real GPU
// when their optional packages are installed on the user's machine, else the wasm backend with our own gradient
// kernels, else the pure-JS CPU one.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { SeisGrowError } from '../shared/errors';
import type { BackendPreference } from '../shared/trainingConfig';
import { registerWasmKernels } from './kernels';
import { adapterLabel, probeWebGpu, registerWebGpuBackend, type WebGpuAdapterInfo } from './webgpu';

/** The backend actually in use, reported in metrics.json and the UI. */
export interface BackendInfo {
  /** tfjs backend name: 'tensorflow', 'webgpu', 'wasm' or 'cpu'. */
  name: string;
  requested: BackendPreference;
  /** Why a preferred backend was not used (e.g. tfjs-node not installed). */
  fallbackReason?: string;
  /** The WebGPU adapter in use, e.g. "NVIDIA H100 (nvidia, hopper)"; only on 'webgpu'. */
  device?: string;
  tfjsVersion: string;
}

/** Options for {@link initBackend}. */
export interface BackendOptions {
  /** Folder holding tfjs-backend-wasm's .wasm binaries; defaults to the bundle's folder or node_modules. */
  wasmDir?: string;
  log?: (message: string) => void;
}

const WASM_BINARY = 'tfjs-backend-wasm-simd.wasm';
const NATIVE_GPU = '@tensorflow/tfjs-node-gpu';
const NATIVE_CPU = '@tensorflow/tfjs-node';

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
  const info = (name: string, reasons: string[] = [], device?: string): BackendInfo => ({
    name, requested: pref, ...(reasons.length ? { fallbackReason: reasons.join('; ') } : {}),
    ...(device ? { device } : {}), tfjsVersion: tf.version.tfjs,
  });

  if (pref === 'cpu') {
    await activate('cpu');
    return info('cpu');
  }
  const reasons: string[] = [];
  // 'auto' goes from the fastest likely backend down: CUDA TensorFlow, WebGPU on a real GPU, TensorFlow on the CPU,
  // then our wasm kernels.
  if (pref === 'auto' || pref === 'tensorflow') {
    const native = loadNative(pref === 'auto' ? [NATIVE_GPU] : [NATIVE_GPU, NATIVE_CPU]);
    if (native.ok) return info(await activateNative(native.pkg, log));
    if (pref === 'tensorflow') {
      throw new SeisGrowError('backend-unavailable',
        `the native TensorFlow backend is not available: ${native.reason}. Install @tensorflow/tfjs-node (or -gpu) ` +
        `next to SeisGrow, or choose the 'wasm' backend`);
    }
    reasons.push(native.reason);
  }
  if (pref === 'auto' || pref === 'webgpu') {
    const gpu = await tryWebGpu(pref === 'auto');
    if (gpu.ok) {
      log(`backend: webgpu on ${adapterLabel(gpu.adapter)}`);
      return info('webgpu', reasons, adapterLabel(gpu.adapter));
    }
    if (pref === 'webgpu') {
      throw new SeisGrowError('backend-unavailable',
        `the WebGPU backend is not available: ${gpu.reason}. Choose 'auto' or 'wasm'`);
    }
    reasons.push(gpu.reason);
  }
  if (pref === 'auto') {
    const native = loadNative([NATIVE_CPU]);
    if (native.ok) return info(await activateNative(native.pkg, log), reasons);
    reasons.push(native.reason);
    log(`backend: native TensorFlow unavailable and no GPU adapter (${reasons.join('; ')}); using wasm`);
  }
  try {
    await activateWasm(opts.wasmDir);
    return info('wasm', reasons);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    if (pref === 'wasm') throw new SeisGrowError('backend-unavailable', `the wasm backend failed to start: ${why}`);
    log(`backend: wasm failed (${why}); using the pure-JS cpu backend (slow)`);
    await activate('cpu');
    return info('cpu', [...reasons, `wasm: ${why}`]);
  }
}

async function activateNative(pkg: string, log: (message: string) => void): Promise<string> {
  await activate('tensorflow');
  log(`backend: tensorflow (${pkg})`);
  return 'tensorflow';
}

/**
 * Start the webgpu backend when Dawn has an adapter; `realGpuOnly` refuses a software adapter, which 'auto' must not
 * prefer to wasm. A failure to initialise is a reason, not an exception, so 'auto' can go on.
 */
async function tryWebGpu(realGpuOnly: boolean): Promise<{ ok: true; adapter: WebGpuAdapterInfo } | { ok: false; reason: string }> {
  const probe = await probeWebGpu();
  if (!probe.ok) return { ok: false, reason: `webgpu: ${probe.reason}` };
  if (realGpuOnly && probe.adapter.software) {
    return { ok: false, reason: `webgpu: only a software adapter (${adapterLabel(probe.adapter)}), slower than wasm` };
  }
  try {
    await registerWebGpuBackend();
    await activate('webgpu');
    return { ok: true, adapter: probe.adapter };
  } catch (err) {
    return { ok: false, reason: `webgpu: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
  }
}

/** Try the optional native packages; esbuild leaves these requires alone (they are external). */
function loadNative(packages: readonly string[]): { ok: true; pkg: string } | { ok: false; reason: string } {
  const req = nodeRequire();
  const reasons: string[] = [];
  for (const pkg of packages) {
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
