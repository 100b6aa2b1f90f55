// Conv2D forward for the wasm backend through our SIMD kernel (kernels.c): on this U-Net's layers it is ~20%
// faster than tfjs-wasm's XNNPACK path, which re-creates its operator (packing weights, indirection) whenever the
// weights change, i.e. every training step. Dilated, NCHW, non-float32 and very wide convolutions stay stock.
import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from './native';
import { KernelScope, WasmBackend } from './wasmUtil';

const { backend_util } = tf;

/** Conv2D kernel: native for NHWC float32 without dilation, else `stock`. */
export function makeConv2D(stock: tf.KernelFunc): tf.KernelFunc {
  return (args) => {
    const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
    const { strides, pad, dataFormat, dilations, dimRoundingMode } = args.attrs as unknown as tf.Conv2DAttrs;
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
      info.padInfo.top, info.padInfo.left);
    return s.keep(out);
  };
}
