// Our replacements and additions to the wasm backend's kernel set, registered once before the backend is used.
import * as tf from '@tensorflow/tfjs';
// Importing the backend package registers its stock kernels, which we then replace.
import '@tensorflow/tfjs-backend-wasm';
import { ADAM_UPDATE, adamUpdate } from './adam';
import { BN_RELU_BACKWARD, BN_RELU_FORWARD, batchNormReluBackward, batchNormReluForward } from './batchNorm';
import { makeConv2D, makeFusedConv2D } from './conv2d';
import { FOCAL_BACKWARD, FOCAL_FORWARD, focalBackward, focalForward } from './focal';
import { conv2DBackpropFilter, makeConv2DBackpropInput } from './conv2dGrad';
import { makeConcat, makeIdentity, makeMaxPoolGrad, makeSplitV, makeSum } from './layout';

let registered = false;

/** Names of the kernels {@link registerWasmKernels} installs for the 'wasm' backend. */
export const WASM_KERNEL_NAMES: readonly string[] = ['Conv2D', 'FusedConv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'Concat', 'SplitV', 'MaxPoolGrad', 'Identity', 'Sum',
  BN_RELU_FORWARD, BN_RELU_BACKWARD, FOCAL_FORWARD, FOCAL_BACKWARD, ADAM_UPDATE];

/** Register (or replace) our wasm kernels; idempotent. Must run before gradients are taken on 'wasm'. */
export function registerWasmKernels(): void {
  if (registered) return;
  const stockInput = tf.getKernel('Conv2DBackpropInput', 'wasm');
  replace({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc });
  replace({ kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: makeConv2DBackpropInput(stockInput?.kernelFunc),
    // The stock kernel stays the fallback for NCHW and odd explicit paddings, so its wasm binding is still set up.
    setupFunc: stockInput?.setupFunc });
  // Stock kernels stay the fallback for other dtypes, so their wasm bindings (setupFunc) are still set up.
  for (const [name, make] of [['Conv2D', makeConv2D], ['FusedConv2D', makeFusedConv2D], ['Concat', makeConcat], ['SplitV', makeSplitV], ['MaxPoolGrad', makeMaxPoolGrad], ['Identity', makeIdentity], ['Sum', makeSum]] as const) {
    const stock = tf.getKernel(name, 'wasm');
    if (!stock) throw new Error(`tfjs-backend-wasm has no ${name} kernel to extend`);
    replace({ kernelName: name, backendName: 'wasm', kernelFunc: make(stock.kernelFunc), setupFunc: stock.setupFunc });
  }
  replace({ kernelName: BN_RELU_FORWARD, backendName: 'wasm', kernelFunc: batchNormReluForward as unknown as tf.KernelFunc });
  replace({ kernelName: BN_RELU_BACKWARD, backendName: 'wasm', kernelFunc: batchNormReluBackward as unknown as tf.KernelFunc });
  replace({ kernelName: FOCAL_FORWARD, backendName: 'wasm', kernelFunc: focalForward as unknown as tf.KernelFunc });
  replace({ kernelName: FOCAL_BACKWARD, backendName: 'wasm', kernelFunc: focalBackward as unknown as tf.KernelFunc });
  replace({ kernelName: ADAM_UPDATE, backendName: 'wasm', kernelFunc: adamUpdate as unknown as tf.KernelFunc });
  registered = true;
}

function replace(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}
