// Conv2D forward for the wasm backend through our SIMD kernels (kernels.c). 3x3 stride-1 layers with channel counts
// divisible by 4 (every U-Net layer but the first) use Winograd: F(4x4, 3x3) (2.25 multiplications per output) up to
// 64 input channels, F(2x2, 3x3) (4 per output) above, against 9 for the direct SIMD loop (~1.7x / ~1.3x faster), which was itself ~20% faster than tfjs-wasm's XNNPACK (that
// re-creates its operator whenever the weights change, i.e. every training step). Other shapes use the direct loop;
// dilated, NCHW and non-float32 convolutions stay stock.
import * as tf from '@tensorflow/tfjs';
import { NativeKernels, nativeKernels } from './native';
import { KernelScope, WasmBackend } from './wasmUtil';

const { backend_util } = tf;

/** Conv2D kernel: native for NHWC float32 without dilation, else `stock`. */
export function makeConv2D(stock: tf.KernelFunc): tf.KernelFunc {
  return makeConvKernel(stock, false);
}

/**
 * FusedConv2D (conv + bias + ReLU, what inference runs after BatchNorm is folded into the weights): native for
 * the same cases as Conv2D with a linear or ReLU activation, else `stock`.
 */
export function makeFusedConv2D(stock: tf.KernelFunc): tf.KernelFunc {
  return makeConvKernel(stock, true);
}

function makeConvKernel(stock: tf.KernelFunc, fused: boolean): tf.KernelFunc {
  return (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, tf.TensorInfo | undefined> as
      { x: tf.TensorInfo; filter: tf.TensorInfo; bias?: tf.TensorInfo; preluActivationWeights?: tf.TensorInfo };
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs as unknown as tf.Conv2DAttrs;
    const activation = fused ? (args.attrs as unknown as { activation: string }).activation : 'linear';
    if (fused && ((activation !== 'linear' && activation !== 'relu') || preluActivationWeights ||
      (bias && (bias.dtype !== 'float32' || bias.shape.reduce((a, b) => a * b, 1) !== filter.shape[3])))) {
      return stock(args);
    }
    const fmt = backend_util.convertConv2DDataFormat(dataFormat);
    const backend = args.backend as WasmBackend;
    const native = nativeKernels(backend);
    const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
      strides, dilations, pad, dimRoundingMode, false, fmt);
    const winograd = native && winogradApplies(info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth,
      info.inChannels, info.outChannels);
    // Without Winograd, XNNPACK wins over our direct loop on the widest layers (128→128 channels and up).
    const wide = info.inChannels >= 128 && info.outChannels >= 128 && !winograd;
    // Output channels not in groups of 4 (a class head) leave our loop partly scalar: XNNPACK is ~3x faster there.
    const ragged = info.outChannels % 4 !== 0;
    if (!native || wide || ragged || fmt !== 'channelsLast' || info.dilationHeight !== 1 || info.dilationWidth !== 1 ||
      x.dtype !== 'float32' || filter.dtype !== 'float32') {
      return stock(args);
    }
    const s = new KernelScope(backend);
    const out = s.alloc(info.outShape);
    const ptr = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
    if (winograd) {
      winograd3x3(s, native, x, filter, out, info.padInfo.top, info.padInfo.left, bias, activation === 'relu', false);
      return s.keep(out);
    }
    native.conv2d_forward(ptr(x), ptr(filter), ptr(out), info.batchSize, info.inHeight, info.inWidth, info.inChannels,
      info.outHeight, info.outWidth, info.outChannels, info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth,
      info.padInfo.top, info.padInfo.left, bias ? ptr(bias) : 0, activation === 'relu' ? 1 : 0);
    return s.keep(out);
  };
}

/** Whether a convolution of this geometry runs as Winograd F(2x2, 3x3) (3x3, stride 1, channels divisible by 4). */
export function winogradApplies(kh: number, kw: number, sh: number, sw: number, ci: number, co: number): boolean {
  return kh === 3 && kw === 3 && sh === 1 && sw === 1 && ci % 4 === 0 && co % 4 === 0;
}

/**
 * out = x (NHWC, ci channels) correlated with a 3x3 filter at stride 1 with zero padding `top`/`left`; `out`'s shape
 * gives the output size. `flip`: `filter` is a forward filter [3, 3, co, ci] and this is its input gradient (the
 * kernel rotated 180 degrees with in/out channels swapped), so no transposed copy is made.
 */
export function winograd3x3(s: KernelScope, native: NativeKernels, x: tf.TensorInfo, filter: tf.TensorInfo, out: tf.TensorInfo, top: number,
  left: number, bias: tf.TensorInfo | undefined, relu: boolean, flip: boolean): void {
  const [n, h, w, ci] = x.shape;
  const [, ho, wo, co] = out.shape;
  const ptr = (t: tf.TensorInfo) => s.backend.dataIdMap.get(t.dataId).memoryOffset;
  // F(4x4) errs ~8x more than F(2x2) (max error / max |y| ≈ 5e-6 at 16 to 64 input channels, 1.5e-5 at 256): it is
  // used where the sum over input channels is short enough to stay below 1e-5.
  if (winogradTile === 4 || (winogradTile === 'auto' && ci <= 64)) {
    const tb = winograd4TilesPerBlock(ci, co);
    const scratch = s.alloc([36 * ci * co + 36 * (tb * ci + 16) + 36 * (tb * co + 16)]);
    native.conv3x3_winograd4(ptr(x), ptr(filter), ptr(out), n, h, w, ci, ho, wo, co, top, left, bias ? ptr(bias) : 0, relu ? 1 : 0,
      flip ? 1 : 0, ptr(scratch), tb);
    return;
  }
  const tb = winogradTilesPerBlock(ci, co);
  const scratch = s.alloc([winogradScratchFloats(ci, co, tb)]);
  native.conv3x3_winograd(ptr(x), ptr(filter), ptr(out), n, h, w, ci, ho, wo, co, top, left, bias ? ptr(bias) : 0, relu ? 1 : 0,
    flip ? 1 : 0, ptr(scratch), tb);
}

let winogradTile: 2 | 4 | 'auto' = 'auto';

/**
 * Output tile of the forward/input-gradient Winograd kernels: 'auto' (default) takes F(4x4, 3x3) up to 64 input
 * channels and F(2x2, 3x3) above; tests force one or the other.
 */
export function setWinogradTile(size: 2 | 4 | 'auto'): void {
  winogradTile = size;
}

/** Tiles per F(4x4, 3x3) block: 36·tb·(ci + co) floats within ~256 KB. */
function winograd4TilesPerBlock(ci: number, co: number): number {
  return Math.max(8, Math.min(128, 2 * Math.floor(910 / (ci + co))));
}

/** Tiles per Winograd block: a block's transformed inputs and products (16·tb·(ci + co) floats) stay within ~256 KB. */
export function winogradTilesPerBlock(ci: number, co: number): number {
  return Math.max(16, Math.min(256, 2 * Math.floor(2048 / (ci + co))));
}

/** Scratch floats a Winograd kernel needs: the 16 ci×co matrices plus one block's planes (each padded by a cache line). */
export function winogradScratchFloats(ci: number, co: number, tb: number): number {
  return 16 * ci * co + 16 * (tb * ci + 16) + 16 * (tb * co + 16);
}
