// Our replacements and additions to the wasm backend's kernel set, registered once before the backend is used.
import * as tf from '@tensorflow/tfjs';
// Importing the backend package registers its stock kernels, which we then replace.
import '@tensorflow/tfjs-backend-wasm';
import { conv2DBackpropFilter, makeConv2DBackpropInput } from './conv2dGrad';

let registered = false;

/** Names of the kernels {@link registerWasmKernels} installs for the 'wasm' backend. */
export const WASM_KERNEL_NAMES: readonly string[] = ['Conv2DBackpropFilter', 'Conv2DBackpropInput'];

/** Register (or replace) our wasm kernels; idempotent. Must run before gradients are taken on 'wasm'. */
export function registerWasmKernels(): void {
  if (registered) return;
  const stockInput = tf.getKernel('Conv2DBackpropInput', 'wasm');
  replace({ kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', kernelFunc: conv2DBackpropFilter as unknown as tf.KernelFunc });
  replace({ kernelName: 'Conv2DBackpropInput', backendName: 'wasm', kernelFunc: makeConv2DBackpropInput(stockInput?.kernelFunc),
    // The stock kernel stays the fallback for NCHW and odd explicit paddings, so its wasm binding is still set up.
    setupFunc: stockInput?.setupFunc });
  registered = true;
}

function replace(config: tf.KernelConfig): void {
  if (tf.getKernel(config.kernelName, config.backendName)) tf.unregisterKernel(config.kernelName, config.backendName);
  tf.registerKernel(config);
}
