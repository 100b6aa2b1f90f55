// The optional WebGPU backend: Dawn for Node (npm `webgpu`, loaded at run time when installed) under tfjs's webgpu
// backend. Dawn exposes an adapter for a real GPU (Vulkan, Metal, D3D12) or a software one (lavapipe, SwiftShader);
// 'auto' takes only a real GPU, since a software adapter trains slower than our wasm kernels.
import * as tf from '@tensorflow/tfjs';

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
