// Helpers for kernels that run on the wasm backend by composing its own (XNNPACK) kernels and touching its heap.
import * as tf from '@tensorflow/tfjs';

type DataId = object;

/** The parts of tfjs-backend-wasm's BackendWasm our kernels use (its class is not exported with types we can reach). */
export interface WasmBackend extends tf.KernelBackend {
  dataIdMap: { get(dataId: DataId): { id: number; memoryOffset: number; shape: number[]; dtype: tf.DataType; refCount: number } };
  wasm: { HEAPU8: Uint8Array; tfjs: { disposeData(id: number): void } };
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: tf.backend_util.BackendValues): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: DataId, force?: boolean): boolean;
  incRef(dataId: DataId): void;
}

/** Arguments every kernel function receives. */
export interface KernelArgs {
  inputs: tf.NamedTensorInfoMap;
  backend: tf.KernelBackend;
  attrs?: tf.NamedAttrMap;
}

/**
 * Calls registered wasm kernels directly (no engine bookkeeping, no tape) and frees every intermediate it made
 * except the one returned, so a composite kernel cannot leak heap memory.
 */
export class KernelScope {
  private readonly made: tf.TensorInfo[] = [];
  private readonly views: tf.TensorInfo[] = [];

  constructor(readonly backend: WasmBackend) {}

  /** Run kernel `name` on this backend; the result is owned by the scope until {@link keep}. */
  run(name: string, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap = {}): tf.TensorInfo {
    const kernel = tf.getKernel(name, 'wasm');
    if (!kernel) throw new Error(`wasm kernel ${name} is not registered`);
    const out = kernel.kernelFunc({ inputs, backend: this.backend, attrs }) as tf.TensorInfo;
    this.made.push(out);
    return out;
  }

  /** A new float32 tensor on the heap (uninitialised unless `zero`), owned by the scope. */
  alloc(shape: number[], zero = false): tf.TensorInfo {
    const out = this.backend.makeOutput(shape, 'float32');
    if (zero) this.f32(out).fill(0);
    this.made.push(out);
    return out;
  }

  /** A Float32Array view of a tensor's heap memory; take it after the last allocation (the heap may grow). */
  f32(info: tf.TensorInfo): Float32Array {
    return this.backend.typedArrayFromHeap(info) as Float32Array;
  }

  /**
   * A float32 tensor aliasing `base`'s memory from element `offset` (no copy), e.g. a shifted window of a
   * padded image; released without freeing when the scope ends. The caller keeps it inside `base`'s bounds.
   */
  view(base: tf.TensorInfo, offset: number, shape: number[]): tf.TensorInfo {
    const size = shape.reduce((a, b) => a * b, 1);
    const baseSize = base.shape.reduce((a, b) => a * b, 1);
    if (offset < 0 || offset + size > baseSize) throw new Error(`view [${offset}, ${offset + size}) outside a tensor of ${baseSize}`);
    const { memoryOffset } = this.backend.dataIdMap.get(base.dataId);
    const out = this.backend.makeOutput(shape, 'float32', memoryOffset + 4 * offset);
    this.views.push(out);
    return out;
  }

  reshape(x: tf.TensorInfo, shape: number[]): tf.TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: tf.TensorInfo, perm: number[]): tf.TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  slice(x: tf.TensorInfo, begin: number[], size: number[]): tf.TensorInfo {
    return this.run('Slice', { x }, { begin, size });
  }

  /** NHWC conv2d through XNNPACK with explicit paddings [top, bottom, left, right]. */
  conv2d(x: tf.TensorInfo, filter: tf.TensorInfo, strides: [number, number], pads: [number, number, number, number],
    dilations: [number, number] = [1, 1]): tf.TensorInfo {
    const pad = [[0, 0], [pads[0], pads[1]], [pads[2], pads[3]], [0, 0]];
    return this.run('Conv2D', { x, filter }, { strides, pad, dilations, dataFormat: 'NHWC', dimRoundingMode: undefined } as unknown as tf.NamedAttrMap);
  }

  /** Frees everything made in this scope except `result`, which is returned. */
  keep(result: tf.TensorInfo): tf.TensorInfo {
    return this.keepAll([result])[0];
  }

  /** Frees everything made in this scope (for kernels with several outputs, pass them to keepAll). */
  keepAll(results: tf.TensorInfo[]): tf.TensorInfo[] {
    const keepSet = new Set(results);
    for (const v of this.views) {
      // Views own no memory: unregister them without the free() that disposeData would do.
      this.backend.wasm.tfjs.disposeData(this.backend.dataIdMap.get(v.dataId).id);
      (this.backend.dataIdMap as unknown as { delete(d: object): void }).delete(v.dataId);
    }
    // Reshapes share a data id with a reference count, so freeing their sources leaves kept results intact.
    for (const t of this.made) if (!keepSet.has(t)) this.backend.disposeData(t.dataId);
    this.made.length = 0;
    this.views.length = 0;
    return results;
  }
}
