// Our own wasm SIMD kernels (kernels.c, embedded), instantiated against tfjs-backend-wasm's memory so they read
// and write tensors in place: no copies between heaps.
import { NATIVE_KERNELS_WASM_BASE64 } from './nativeModule';
import { WasmBackend } from './wasmUtil';

// The project compiles without DOM typings; these are the few WebAssembly API pieces used here.
interface WasmMemory { readonly buffer: ArrayBuffer }
declare const WebAssembly: {
  Memory: abstract new (...args: never[]) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
};

/** Exports of kernels.c; pointers are byte offsets into the shared wasm memory. */
export interface NativeKernels {
  conv2d_filter_grad(x: number, dy: number, dw: number, n: number, h: number, w: number, ci: number, ho: number, wo: number, co: number,
    kh: number, kw: number, sh: number, sw: number, top: number, left: number): void;
  bn_relu_forward(x: number, gamma: number, beta: number, y: number, mean: number, variance: number, count: number, c: number,
    epsilon: number, scratch: number): void;
  bn_relu_backward(dy: number, x: number, y: number, gamma: number, mean: number, variance: number, dx: number, dgamma: number,
    dbeta: number, count: number, c: number, epsilon: number, scratch: number): void;
  softmax_rows(z: number, probs: number, rowMax: number, rowSum: number, pixels: number, c: number): void;
  adam_update(x: number, m: number, v: number, g: number, x2: number, m2: number, v2: number, n: number, learningRate: number,
    beta1: number, beta2: number, oneMinusBeta1: number, oneMinusBeta2: number, epsilon: number, correction1: number, correction2: number): void;
  sum_leading(x: number, out: number, rows: number, inner: number, scratch: number): void;
  copy_runs(src: number, srcStride: number, dst: number, dstStride: number, run: number, count: number): void;
  maxpool_grad(x: number, dy: number, dx: number, n: number, h: number, w: number, c: number, ho: number, wo: number, fh: number,
    fw: number, sh: number, sw: number, top: number, left: number): void;
  conv2d_forward(x: number, f: number, y: number, n: number, h: number, w: number, ci: number, ho: number, wo: number, co: number,
    kh: number, kw: number, sh: number, sw: number, top: number, left: number, bias: number, relu: number): void;
  conv3x3_winograd(x: number, f: number, y: number, n: number, h: number, w: number, ci: number, ho: number, wo: number, co: number,
    top: number, left: number, bias: number, relu: number, flip: number, scratch: number, tilesPerBlock: number): void;
  conv3x3_winograd4(x: number, f: number, y: number, n: number, h: number, w: number, ci: number, ho: number, wo: number, co: number,
    top: number, left: number, bias: number, relu: number, flip: number, scratch: number, tilesPerBlock: number): void;
  conv3x3_winograd_filter_grad(x: number, dy: number, dw: number, n: number, h: number, w: number, ci: number, ho: number, wo: number,
    co: number, top: number, left: number, scratch: number, tilesPerBlock: number): void;
}

let module: object | undefined;
let enabled = true;

/** Turn our SIMD module off or on (tests use this to exercise the portable fallbacks of every kernel). */
export function setNativeKernelsEnabled(on: boolean): void {
  enabled = on;
}

const instances = new WeakMap<WasmMemory, NativeKernels>();

/** The kernels bound to this backend's memory, or undefined when its memory is not reachable (then callers fall back). */
export function nativeKernels(backend: WasmBackend): NativeKernels | undefined {
  if (!enabled) return undefined;
  const memory = (backend.wasm as unknown as { asm?: { memory?: unknown } }).asm?.memory;
  if (!(memory instanceof WebAssembly.Memory)) return undefined;
  let k = instances.get(memory);
  if (!k) {
    module ??= new WebAssembly.Module(Buffer.from(NATIVE_KERNELS_WASM_BASE64, 'base64'));
    k = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as NativeKernels;
    instances.set(memory, k);
  }
  return k;
}
