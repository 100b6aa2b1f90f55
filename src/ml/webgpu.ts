// The optional WebGPU backend: Dawn for Node (npm `webgpu`, loaded at run time when installed) under tfjs's webgpu
// backend. Dawn exposes an adapter for a real GPU (Vulkan, Metal, D3D12) or a software one (lavapipe, SwiftShader);
// 'auto' takes only a real GPU, since a software adapter trains slower than our wasm kernels.
import * as tf from '@tensorflow/tfjs';
import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** What Dawn offers on this machine. */
export type WebGpuProbe =
  | { ok: true; adapter: WebGpuAdapterInfo }
  | { ok: false; reason: string };

/** The adapter's identity as Dawn reports it, shown to the user beside the backend name. */
export interface WebGpuAdapterInfo {
  vendor: string;
  architecture: string;
  description: string;
  /** A CPU implementation (lavapipe/llvmpipe, SwiftShader), not a GPU. */
  software: boolean;
}

interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}
interface AdapterLike {
  info?: { vendor?: string; architecture?: string; description?: string; device?: string };
  features: ReadonlySet<string>;
}
interface GpuLike { requestAdapter(options?: { powerPreference?: string }): Promise<AdapterLike | null> }

let probed: Promise<WebGpuProbe> | undefined;
let registered: Promise<void> | undefined;

/**
 * Load Dawn and ask it for an adapter, once per process. Never throws: a missing package, a platform without a
 * prebuilt dawn.node, or no adapter at all come back as the reason.
 */
export function probeWebGpu(): Promise<WebGpuProbe> {
  probed ??= probe();
  return probed;
}

async function probe(): Promise<WebGpuProbe> {
  // Without any Vulkan driver Dawn can only fail, and on the way it prints the Vulkan loader's and its own warnings
  // to stderr (outside our control): on the many Linux machines without a GPU, do not wake it.
  const noDriver = process.platform === 'linux' ? missingVulkanDriver(process.env) : undefined;
  if (noDriver) return { ok: false, reason: noDriver };
  let dawn: DawnModule;
  try {
    // `webgpu` is an ES module, external to the bundles; a dynamic import loads it from CommonJS too.
    dawn = (await import('webgpu')) as unknown as DawnModule;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const missing = e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND';
    return { ok: false, reason: missing ? 'the webgpu package (Dawn for Node) is not installed'
      : `the webgpu package failed to load: ${firstLine(e.message)}` };
  }
  let gpu: GpuLike;
  let adapter: AdapterLike | null;
  try {
    gpu = dawn.create([]);
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    return { ok: false, reason: `Dawn failed to start: ${firstLine(err instanceof Error ? err.message : String(err))}` };
  }
  if (!adapter) {
    return { ok: false, reason: 'Dawn found no WebGPU adapter (no GPU with a Vulkan, Metal or D3D12 driver, and no software driver Dawn accepts)' };
  }
  installGlobals(dawn, gpu);
  return { ok: true, adapter: describe(adapter) };
}

/**
 * Why the Vulkan loader would find no driver, or undefined when it may find one. The folders are the loader's own
 * search path; a VK_* driver variable means the user steers the loader, so Dawn is asked whatever it names.
 */
export function missingVulkanDriver(env: NodeJS.ProcessEnv): string | undefined {
  if (env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES || env.VK_ADD_DRIVER_FILES) return undefined;
  const config = [env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), ...(env.XDG_CONFIG_DIRS || '/etc/xdg').split(':'), '/etc'];
  const data = [env.XDG_DATA_HOME ?? join(homedir(), '.local', 'share'), ...(env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':')];
  const dirs = [...config, ...data].filter(Boolean).map((d) => join(d, 'vulkan', 'icd.d'));
  // A folder we cannot read might hold a driver: let Dawn decide there, since probeWebGpu must never throw.
  const hasDriver = (dir: string): boolean => {
    try { return existsSync(dir) && readdirSync(dir).some((f) => f.endsWith('.json')); } catch { return true; }
  };
  return dirs.some(hasDriver) ? undefined
    : 'no Vulkan driver is installed (no ICD file in /usr/share/vulkan/icd.d or the loader\'s other folders), so Dawn has no adapter';
}

/** tfjs-backend-webgpu looks for navigator.gpu and the GPU* constants (GPUBufferUsage, …) on the global object. */
function installGlobals(dawn: DawnModule, gpu: GpuLike): void {
  const g = globalThis as { navigator?: object };
  for (const [name, value] of Object.entries(dawn.globals)) {
    if (!(name in globalThis)) Object.defineProperty(globalThis, name, { value, configurable: true, writable: true });
  }
  // Node 21+ has a navigator object without gpu; Node 20 has none.
  if (g.navigator === undefined) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  Object.defineProperty(g.navigator!, 'gpu', { value: gpu, configurable: true });
}

function describe(adapter: AdapterLike): WebGpuAdapterInfo {
  const info = adapter.info ?? {};
  const vendor = info.vendor ?? '';
  const architecture = info.architecture ?? '';
  const description = info.description || info.device || 'unknown adapter';
  const software = /software|cpu/i.test(architecture) || /llvmpipe|lavapipe|swiftshader/i.test(`${description} ${info.device ?? ''}`);
  return { vendor, architecture, description, software };
}

/** Register tfjs's 'webgpu' backend over the probed adapter; call after a successful {@link probeWebGpu}. */
export function registerWebGpuBackend(): Promise<void> {
  // The package registers its backend when it is first evaluated, and only if navigator.gpu exists by then.
  registered ??= import('@tensorflow/tfjs-backend-webgpu').then(() => {
    if (!tf.findBackendFactory('webgpu')) throw new Error('tfjs-backend-webgpu registered no backend (navigator.gpu was missing)');
  });
  return registered;
}

/** A one-line name for the adapter, e.g. "NVIDIA H100 (nvidia, hopper)". */
export function adapterLabel(a: WebGpuAdapterInfo): string {
  const detail = [a.vendor, a.architecture].filter(Boolean).join(', ');
  return detail ? `${a.description} (${detail})` : a.description;
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}
