// Concat and SplitV along the channel axis, and MaxPoolGrad, as plain loops over the wasm heap: the stock wasm
// versions copy one pixel's channels per subarray().set() call or per generic slice, ~10× slower for U-Net skips.
import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from './native';
import { KernelScope, WasmBackend } from './wasmUtil';

const { util, backend_util } = tf;

/** Concat of float32 tensors: a run-length interleave, with a loop for short runs. */
export function makeConcat(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const inputs = args.inputs as unknown as tf.TensorInfo[];
    const { axis } = args.attrs as unknown as tf.ConcatAttrs;
    if (inputs.length < 2 || inputs.some((t) => t.dtype !== 'float32' || util.sizeFromShape(t.shape) === 0)) return stock(args);
    const $axis = util.parseAxisParam(axis, inputs[0].shape)[0];
    backend_util.assertParamsConsistent(inputs.map((t) => t.shape), $axis);
    const s = new KernelScope(args.backend as WasmBackend);
    const outShape = backend_util.computeOutShape(inputs.map((t) => t.shape), $axis);
    const outer = util.sizeFromShape(inputs[0].shape.slice(0, $axis));
    const inner = inputs.map((t) => util.sizeFromShape(t.shape.slice($axis)));
    const total = inner.reduce((a, b) => a + b, 0);
    const out = s.alloc(outShape);
    const native = nativeKernels(s.backend);
    let start = 0;
    inputs.forEach((t, k) => {
      const run = inner[k];
      if (native) native.copy_runs(ptr(s, t), run, ptr(s, out) + 4 * start, total, run, outer);
      else copyRuns(s.f32(t), 0, run, s.f32(out), start, total, run, outer);
      start += run;
    });
    return s.keep(out);
  };
}

/** SplitV of a float32 tensor: the inverse interleave of {@link makeConcat}. */
export function makeSplitV(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { numOrSizeSplits, axis } = args.attrs as unknown as tf.SplitVAttrs;
    if (x.dtype !== 'float32' || util.sizeFromShape(x.shape) === 0) return stock(args);
    const $axis = util.parseAxisParam(axis, x.shape)[0];
    const sizes = backend_util.prepareSplitSize(x as tf.Tensor, numOrSizeSplits, $axis);
    const s = new KernelScope(args.backend as WasmBackend);
    const outer = util.sizeFromShape(x.shape.slice(0, $axis));
    const innerUnit = util.sizeFromShape(x.shape.slice($axis + 1));
    const total = x.shape[$axis] * innerUnit;
    const outs = sizes.map((size) => { const shape = [...x.shape]; shape[$axis] = size; return s.alloc(shape); });
    const native = nativeKernels(s.backend);
    let start = 0;
    outs.forEach((o, k) => {
      const run = sizes[k] * innerUnit;
      if (native) native.copy_runs(ptr(s, x) + 4 * start, total, ptr(s, o), run, run, outer);
      else copyRuns(s.f32(x), start, total, s.f32(o), 0, run, run, outer);
      start += run;
    });
    return s.keepAll(outs);
  };
}

/**
 * Identity that shares the input's memory by reference count, as the CPU backend's does: tensor data is never
 * written in place, and tfjs clones every tensor a gradient saves (hundreds of full copies per training step).
 */
export function makeIdentity(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    if (x.dtype === 'string') return stock(args);
    (args.backend as WasmBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}

/**
 * Sum over leading axes (e.g. a bias gradient: dy summed over N, H, W, keeping channels) as one sweep (SIMD, or JS
 * with float64 accumulators): the stock wasm Sum first transposes the whole tensor so the reduced axes are innermost.
 */
export function makeSum(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
    if (x.dtype !== 'float32' || x.shape.length < 2 || util.sizeFromShape(x.shape) === 0) return stock(args);
    const axes = util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
    const k = axes.length;
    if (k === 0 || k >= x.shape.length || axes.some((a, i) => a !== i)) return stock(args);
    const s = new KernelScope(args.backend as WasmBackend);
    const kept = x.shape.slice(k);
    const out = s.alloc(keepDims ? [...new Array<number>(k).fill(1), ...kept] : kept);
    const inner = util.sizeFromShape(kept);
    const native = nativeKernels(s.backend);
    if (native) {
      const scratch = s.alloc([2 * inner]); // inner float64 accumulators
      native.sum_leading(ptr(s, x), ptr(s, out), util.sizeFromShape(x.shape) / inner, inner, ptr(s, scratch));
      return s.keep(out);
    }
    const src = s.f32(x);
    const acc = new Float64Array(inner);
    for (let base = 0; base < src.length; base += inner) {
      for (let j = 0; j < inner; j++) acc[j] += src[base + j];
    }
    s.f32(out).set(acc);
    return s.keep(out);
  };
}

/** Byte offset of a tensor in the wasm heap. */
function ptr(s: KernelScope, t: tf.TensorInfo): number {
  return s.backend.dataIdMap.get(t.dataId).memoryOffset;
}

/** Copy `count` runs of `run` floats: run r from src[srcStart + r·srcStride] to dst[dstStart + r·dstStride]. */
function copyRuns(src: Float32Array, srcStart: number, srcStride: number, dst: Float32Array, dstStart: number, dstStride: number,
  run: number, count: number): void {
  if (run >= 256) {
    for (let r = 0; r < count; r++) dst.set(src.subarray(srcStart + r * srcStride, srcStart + r * srcStride + run), dstStart + r * dstStride);
    return;
  }
  for (let r = 0; r < count; r++) {
    let i = srcStart + r * srcStride;
    let o = dstStart + r * dstStride;
    const end = i + run;
    while (i < end) dst[o++] = src[i++];
  }
}

/**
 * MaxPoolGrad (NHWC): each window's gradient goes to its first maximal input (row-major), as on the CPU
 * backend, so ties after a ReLU (all zeros) route identically on both.
 */
export function makeMaxPoolGrad(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = args.attrs as unknown as tf.MaxPoolGradAttrs;
    if (input.dtype !== 'float32') return stock(args) as tf.TensorInfo;
    const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    const s = new KernelScope(args.backend as WasmBackend);
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: ho, outWidth: wo, strideHeight: sh, strideWidth: sw,
      filterHeight: fh, filterWidth: fw } = info;
    const { top, left } = info.padInfo;
    const out = s.alloc(input.shape, true);
    const native = nativeKernels(s.backend);
    if (native) {
      native.maxpool_grad(ptr(s, input), ptr(s, dy), ptr(s, out), n, h, w, c, ho, wo, fh, fw, sh, sw, top, left);
      return s.keep(out);
    }
    const x = s.f32(input);
    const g = s.f32(dy);
    const dx = s.f32(out);
    const best = new Float32Array(c);
    const pos = new Int32Array(c);
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < ho; i++) {
        const r0 = i * sh - top;
        for (let j = 0; j < wo; j++) {
          const c0 = j * sw - left;
          best.fill(-Infinity);
          pos.fill(-1);
          for (let p = Math.max(r0, 0); p < Math.min(r0 + fh, h); p++) {
            for (let q = Math.max(c0, 0); q < Math.min(c0 + fw, w); q++) {
              const base = ((b * h + p) * w + q) * c;
              for (let k = 0; k < c; k++) {
                const v = x[base + k];
                if (v > best[k]) { best[k] = v; pos[k] = base + k; }
              }
            }
          }
          const o = ((b * ho + i) * wo + j) * c;
          for (let k = 0; k < c; k++) if (pos[k] >= 0) dx[pos[k]] += g[o + k];
        }
      }
    }
    return s.keep(out);
  };
}
