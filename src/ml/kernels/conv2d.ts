// Conv2D forward for the wasm backend through our SIMD kernel (kernels.c): on this U-Net's layers it is ~20%
// faster than tfjs-wasm's XNNPACK path, which re-creates its operator (packing weights, indirection) whenever the
// weights change, i.e. every training step. Dilated, NCHW, non-float32 and very wide convolutions stay stock.
import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from './native';
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
    // XNNPACK wins only on the widest layers (128→128 channels and up).
    const wide = info.inChannels >= 128 && info.outChannels >= 128;
    if (!native || wide || fmt !== 'channelsLast' || info.dilationHeight !== 1 || info.dilationWidth !== 1 ||
      x.dtype !== 'float32' || filter.dtype !== 'float32') {
      return stock(args);
    }
    const s = new KernelScope(backend);
    const out = s.alloc(info.outShape);
    const ptr = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
    native.conv2d_forward(ptr(x), ptr(filter), ptr(out), info.batchSize, info.inHeight, info.inWidth, info.inChannels,
      info.outHeight, info.outWidth, info.outChannels, info.filterHeight, info.filterWidth, info.strideHeight, info.strideWidth,
      info.padInfo.top, info.padInfo.left, bias ? ptr(bias) : 0, activation === 'relu' ? 1 : 0);
    return s.keep(out);
  };
}
