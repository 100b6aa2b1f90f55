// Conv2D gradients for the wasm backend, each rewritten as a forward XNNPACK conv2d: the backend has no
// Conv2DBackpropFilter at all and its Conv2DBackpropInput is a scalar loop (about 10x slower than these forms).
import * as tf from '@tensorflow/tfjs';
import { winograd3x3, winogradApplies, winogradScratchFloats, winogradTilesPerBlock } from './conv2d';
import { nativeKernels } from './native';
import { KernelArgs, KernelScope, WasmBackend } from './wasmUtil';

const { backend_util } = tf;

/** Spatial geometry of the forward convolution both gradients invert. */
function forwardInfo(inShape: number[], filterShape: number[], attrs: tf.NamedAttrMap): tf.backend_util.Conv2DInfo {
  const { strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const fmt = backend_util.convertConv2DDataFormat(dataFormat);
  if (fmt !== 'channelsLast') throw new Error(`wasm conv2d gradients support NHWC only, got ${dataFormat}`);
  return backend_util.computeConv2DInfo(inShape as [number, number, number, number],
    filterShape as [number, number, number, number], strides, 1, pad, dimRoundingMode, false, fmt);
}

/**
 * dW[a,b,ci,co] = Σ x[n, i·s+a−top, j·s+b−left, ci]·dy[n,i,j,co], as one matmul per tap (a,b): x is padded,
 * split into its s×s stride phases and laid out channel-major on a grid matching dy's (zero-padded) grid, so the
 * tap's operand is a zero-copy shifted window [ci, Q] of it and dy is the [Q, co] weight matrix XNNPACK packs once.
 * Reads that run past a row's end meet zero rows of dy, and a zero channel keeps the last window in bounds.
 */
export function conv2DBackpropFilter(args: KernelArgs): tf.TensorInfo {
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const { filterShape } = args.attrs as unknown as tf.Conv2DBackpropFilterAttrs;
  const info = forwardInfo(x.shape, filterShape, args.attrs!);
  const s = new KernelScope(args.backend as WasmBackend);
  const [n, h, w, ci] = x.shape;
  const [kh, kw, , co] = filterShape;
  const { strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo } = info;
  const { top, left } = info.padInfo;
  const native = nativeKernels(s.backend);
  if (native && x.dtype === 'float32' && dy.dtype === 'float32' && winogradApplies(kh, kw, sh, sw, ci, co)) {
    // Winograd F(3x3, 2x2): 16 multiplications per 2x2 pixels instead of 36.
    const out = s.alloc([kh, kw, ci, co]);
    const tb = winogradTilesPerBlock(ci, co);
    const scratch = s.alloc([winogradScratchFloats(ci, co, tb)]);
    const ptr = (t: tf.TensorInfo) => s.backend.dataIdMap.get(t.dataId).memoryOffset;
    native.conv3x3_winograd_filter_grad(ptr(x), ptr(dy), ptr(out), n, h, w, ci, ho, wo, co, top, left, ptr(scratch), tb);
    return s.keep(out);
  }
  if (native && x.dtype === 'float32' && dy.dtype === 'float32') {
    // Direct SIMD accumulation over rows that stay in cache: about the forward conv's cost.
    const out = s.alloc([kh, kw, ci, co]);
    const ptr = (t: tf.TensorInfo) => s.backend.dataIdMap.get(t.dataId).memoryOffset;
    native.conv2d_filter_grad(ptr(x), ptr(dy), ptr(out), n, h, w, ci, ho, wo, co, kh, kw, sh, sw, top, left);
    return s.keep(out);
  }
  const tapRows = Math.floor((kh - 1) / sh);
  const tapCols = Math.floor((kw - 1) / sw);
  // One spare grid row keeps every shifted read of a real dy pixel inside its own image.
  const hg = ho + tapRows + 1;
  const wg = wo + tapCols;
  const q = n * hg * wg;
  const xt = s.alloc([sh * sw * (ci + 1) * q], true);
  phaseSplit(s.f32(x), x.shape, s.f32(xt), sh, sw, top, left, hg, wg);
  const dyg = s.reshape(hg === ho && wg === wo ? dy : padBottomRight(s, dy, hg, wg), [1, q, co]);
  const taps: tf.TensorInfo[] = [];
  for (let a = 0; a < kh; a++) {
    for (let b = 0; b < kw; b++) {
      const plane = ((a % sh) * sw + (b % sw)) * (ci + 1) * q;
      const offset = plane + Math.floor(a / sh) * wg + Math.floor(b / sw);
      const window = s.view(xt, offset, [1, ci, q]);
      taps.push(s.run('BatchMatMul', { a: window, b: dyg }, { transposeA: false, transposeB: false }));
    }
  }
  const out = s.alloc([kh, kw, ci, co]);
  const dst = s.f32(out);
  taps.forEach((t, i) => dst.set(s.f32(t), i * ci * co));
  return s.keep(out);
}

/**
 * dx = dy (zeros inserted between elements for stride > 1) correlated with the spatially flipped kernel with
 * in/out channels swapped. When the kernel tiles the output exactly (kernel = stride, no padding: the
 * conv2dTranspose upsampling of a U-Net) it is one 1×1 conv2d followed by DepthToSpace instead.
 */
export function makeConv2DBackpropInput(stock: tf.KernelFunc | undefined): tf.KernelFunc {
  return (args) => {
    const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
    const attrs = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
    const fmt = backend_util.convertConv2DDataFormat(attrs.dataFormat);
    if (fmt !== 'channelsLast') {
      if (stock) return stock(args);
      throw new Error(`wasm Conv2DBackpropInput supports NHWC only, got ${attrs.dataFormat}`);
    }
    const inputShape = attrs.inputShape as number[];
    const info = forwardInfo(inputShape, filter.shape, args.attrs as tf.NamedAttrMap);
    const s = new KernelScope(args.backend as WasmBackend);
    const [n, h, w, ci] = inputShape;
    const [kh, kw, , co] = filter.shape;
    const { strideHeight: sh, strideWidth: sw, outHeight: ho, outWidth: wo } = info;
    const { top, left } = info.padInfo;

    if (kh === sh && kw === sw && top === 0 && left === 0) {
      // Each dy pixel owns one kh×kw block of dx: a channel matmul (1×1 conv), then the blocks are scattered.
      const wT = s.reshape(s.transpose(filter, [3, 0, 1, 2]), [1, 1, co, kh * kw * ci]);
      const y = s.conv2d(dy, wT, [1, 1], [0, 0, 0, 0]);
      return s.keep(depthToSpace(s, y, n, h, w, ci, kh, kw));
    }

    const native = nativeKernels(s.backend);
    if (native && dy.dtype === 'float32' && filter.dtype === 'float32' && winogradApplies(kh, kw, sh, sw, co, ci) &&
      kh - 1 - top >= 0 && kw - 1 - left >= 0) {
      // Stride 1: dx is dy correlated with the rotated, channel-swapped kernel at padding (k − 1 − pad); the
      // Winograd kernel reads the forward filter in that order itself.
      const dx = s.alloc([n, h, w, ci]);
      winograd3x3(s, native, dy, filter, dx, kh - 1 - top, kw - 1 - left, undefined, false, true);
      return s.keep(dx);
    }

    const hz = (ho - 1) * sh + 1;
    const wz = (wo - 1) * sw + 1;
    const padTop = kh - 1 - top;
    const padLeft = kw - 1 - left;
    const padBottom = h + kh - 1 - hz - padTop;
    const padRight = w + kw - 1 - wz - padLeft;
    if (Math.min(padTop, padLeft, padBottom, padRight) < 0) {
      // Only unusual explicit paddings get here; the stock loop is slow but exact.
      if (stock) { s.keepAll([]); return stock(args) as tf.TensorInfo; }
      throw new Error('wasm Conv2DBackpropInput: unsupported padding');
    }
    const dyz = sh === 1 && sw === 1 ? dy : zeroInsert(s, dy, sh, sw, hz, wz);
    const wFlip = s.run('Reverse', { x: s.transpose(filter, [0, 1, 3, 2]) }, { dims: [0, 1] });
    const dx = s.conv2d(dyz, wFlip, [1, 1], [padTop, padBottom, padLeft, padRight]);
    if (dx.shape[0] !== n || dx.shape[1] !== h || dx.shape[2] !== w || dx.shape[3] !== ci) {
      throw new Error(`wasm Conv2DBackpropInput: shape ${dx.shape} != ${inputShape}`);
    }
    return s.keep(dx);
  };
}

/**
 * dst[ph, pw, c, n, a, b] = x[n, a·sh + ph − top, b·sw + pw − left, c] over the hg×wg grid (dst zero-filled,
 * channel c = ci left zero). One pass in JS over the wasm heap: reads stay within an 8 KB row, writes are runs.
 */
function phaseSplit(src: Float32Array, shape: number[], dst: Float32Array, sh: number, sw: number, top: number, left: number,
  hg: number, wg: number): void {
  const [n, h, w, ci] = shape;
  const q = n * hg * wg;
  const rowLimit = Math.min(h, hg * sh - top);
  const colLimit = Math.min(w, wg * sw - left);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < rowLimit; i++) {
      const r = i + top;
      const ph = r % sh;
      const gridRow = (b * hg + ((r - ph) / sh)) * wg;
      const srcRow = (b * h + i) * w * ci;
      for (let c = 0; c < ci; c++) {
        for (let pw = 0; pw < sw; pw++) {
          const base = ((ph * sw + pw) * (ci + 1) + c) * q + gridRow;
          // Columns j with (j + left) % sw === pw land at grid column (j + left − pw) / sw.
          let j = ((pw - left) % sw + sw) % sw;
          let col = (j + left - pw) / sw;
          for (; j < colLimit; j += sw, col++) dst[base + col] = src[srcRow + j * ci + c];
        }
      }
    }
  }
}

/** dy zero-extended at the bottom and right to hg×wg, row by row. */
function padBottomRight(s: KernelScope, dy: tf.TensorInfo, hg: number, wg: number): tf.TensorInfo {
  const [n, ho, wo, c] = dy.shape;
  const out = s.alloc([n, hg, wg, c], true);
  const src = s.f32(dy);
  const dst = s.f32(out);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < ho; i++) {
      const from = (b * ho + i) * wo * c;
      dst.set(src.subarray(from, from + wo * c), (b * hg + i) * wg * c);
    }
  }
  return out;
}

/** dy with (stride − 1) zeros between neighbouring pixels, written straight into the wasm heap. */
function zeroInsert(s: KernelScope, dy: tf.TensorInfo, sh: number, sw: number, hz: number, wz: number): tf.TensorInfo {
  const [n, ho, wo, c] = dy.shape;
  const out = s.alloc([n, hz, wz, c], true);
  const src = s.f32(dy);
  const dst = s.f32(out);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < ho; i++) {
      for (let j = 0; j < wo; j++) {
        const from = ((b * ho + i) * wo + j) * c;
        const to = ((b * hz + i * sh) * wz + j * sw) * c;
        dst.set(src.subarray(from, from + c), to);
      }
    }
  }
  return out;
}

/**
 * out[n, i·kh + a, j·kw + b, c] = y[n, i, j, (a·kw + b)·ci + c], cropped or zero-extended to h×w (pixels no
 * kernel tap reached get zero gradient), copied as runs of kw·ci floats. tfjs-wasm's DepthToSpace is ~20× slower.
 */
function depthToSpace(s: KernelScope, y: tf.TensorInfo, n: number, h: number, w: number, ci: number, kh: number, kw: number): tf.TensorInfo {
  const [, ho, wo] = y.shape;
  const out = s.alloc([n, h, w, ci], ho * kh < h || wo * kw < w);
  const rows = Math.min(ho * kh, h);
  const cols = Math.min(wo * kw, w);
  const block = kh * kw * ci;
  const native = nativeKernels(s.backend);
  // Row r of the output, for each dy column j, is one run of kw·ci floats (the block's row a = r mod kh).
  const full = Math.floor(cols / kw);
  const rest = (cols - full * kw) * ci;
  const src = native ? undefined : s.f32(y);
  const dst = native ? undefined : s.f32(out);
  const yPtr = s.backend.dataIdMap.get(y.dataId).memoryOffset;
  const outPtr = s.backend.dataIdMap.get(out.dataId).memoryOffset;
  for (let b = 0; b < n; b++) {
    for (let r = 0; r < rows; r++) {
      const i = Math.floor(r / kh);
      const srcRow = (b * ho + i) * wo * block + (r - i * kh) * kw * ci;
      const dstRow = (b * h + r) * w * ci;
      if (native) {
        native.copy_runs(yPtr + 4 * srcRow, block, outPtr + 4 * dstRow, kw * ci, kw * ci, full);
        if (rest > 0) native.copy_runs(yPtr + 4 * (srcRow + full * block), block, outPtr + 4 * (dstRow + full * kw * ci), rest, rest, 1);
        continue;
      }
      for (let j = 0; j < full; j++) dst!.set(src!.subarray(srcRow + j * block, srcRow + j * block + kw * ci), dstRow + j * kw * ci);
      if (rest > 0) dst!.set(src!.subarray(srcRow + full * block, srcRow + full * block + rest), dstRow + full * kw * ci);
    }
  }
  return out;
}
