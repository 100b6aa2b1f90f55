// Adam with one fused update per variable on the wasm backend: tfjs's AdamOptimizer runs ~12 small ops per
// variable (~600 kernel calls per step for the U-Net, 25-45 ms of engine overhead for 10 ms of arithmetic). Same
// slots, names and checkpoint format as tf.AdamOptimizer (this is a subclass); other backends use the stock update.
import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from './native';
import { KernelArgs, KernelScope, WasmBackend } from './wasmUtil';

const { util } = tf;

/** Kernel name of the fused update. */
export const ADAM_UPDATE = 'SeisGrowAdamUpdate';

/** The tf.AdamOptimizer fields this subclass drives (tfjs keeps them public in JS but not in its typings). */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: { originalName: string; variable: tf.Variable }[];
  accumulatedSecondMoment: { originalName: string; variable: tf.Variable }[];
  incrementIterations(): void;
}

/** Adam whose per-variable update is the fused {@link ADAM_UPDATE} kernel where available. */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  /** Same arguments as tf.train.adam (epsilon defaults to the backend's). */
  constructor(learningRate: number, beta1 = 0.9, beta2 = 0.999, epsilon?: number) {
    super(learningRate, beta1, beta2, epsilon as number);
  }

  /** As tf.AdamOptimizer.applyGradients, one kernel per variable. */
  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    if (tf.getBackend() !== 'wasm' || tf.getKernel(ADAM_UPDATE, 'wasm') === undefined) {
      super.applyGradients(variableGradients);
      return;
    }
    const self = this as unknown as AdamState;
    const names = Array.isArray(variableGradients) ? variableGradients.map((v: { name: string }) => v.name) : Object.keys(variableGradients);
    // The bias corrections from the running products, exactly as the stock update reads them.
    const correction1 = 1 - (self.accBeta1.dataSync()[0]);
    const correction2 = 1 - (self.accBeta2.dataSync()[0]);
    tf.tidy(() => {
      names.forEach((name, i) => {
        const value = tf.engine().registeredVariables[name];
        self.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        self.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
        const gradient = Array.isArray(variableGradients) ? variableGradients[i].tensor : (variableGradients as tf.NamedTensorMap)[name];
        if (gradient == null) return;
        const m = self.accumulatedFirstMoment[i].variable;
        const v = self.accumulatedSecondMoment[i].variable;
        const [x2, m2, v2] = tf.engine().runKernel(ADAM_UPDATE, { x: value, m, v, g: gradient }, {
          learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, correction1, correction2,
        }) as tf.Tensor[];
        m.assign(m2);
        v.assign(v2);
        value.assign(x2);
      });
      self.accBeta1.assign(tf.mul(self.accBeta1, this.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, this.beta2));
    });
    self.incrementIterations();
  }
}

/** An Adam optimizer for training: fused on wasm, the stock one elsewhere (same state either way). */
export function createAdam(learningRate: number): tf.AdamOptimizer {
  return new FusedAdamOptimizer(learningRate);
}

/**
 * m' = β1·m + (1 − β1)·g, v' = β2·v + (1 − β2)·g², x' = x − lr·(m'/c1)/(√(v'/c2) + ε) with c1, c2 the bias
 * corrections; outputs [x', m', v'] (inputs are never written: variables take the new buffers by assign).
 */
export function adamUpdate(args: KernelArgs): tf.TensorInfo[] {
  const { x, m, v, g } = args.inputs as Record<'x' | 'm' | 'v' | 'g', tf.TensorInfo>;
  const { learningRate, beta1, beta2, epsilon, correction1, correction2 } = args.attrs as Record<string, number>;
  const s = new KernelScope(args.backend as WasmBackend);
  const x2 = s.alloc(x.shape);
  const m2 = s.alloc(x.shape);
  const v2 = s.alloc(x.shape);
  const native = nativeKernels(s.backend);
  if (native && [x, m, v, g].every((t) => t.dtype === 'float32')) {
    const [px, pm, pv, pg, px2, pm2, pv2] = [x, m, v, g, x2, m2, v2].map((t) => s.backend.dataIdMap.get(t.dataId).memoryOffset);
    native.adam_update(px, pm, pv, pg, px2, pm2, pv2, util.sizeFromShape(x.shape), learningRate, beta1, beta2, 1 - beta1, 1 - beta2, epsilon,
      correction1, correction2);
    return s.keepAll([x2, m2, v2]);
  }
  const [xs, ms, vs, gs, xo, mo, vo] = [x, m, v, g, x2, m2, v2].map((t) => s.f32(t));
  const a1 = 1 - beta1;
  const a2 = 1 - beta2;
  for (let i = 0; i < xs.length; i++) {
    const gi = gs[i];
    const mi = beta1 * ms[i] + a1 * gi;
    const vi = beta2 * vs[i] + a2 * gi * gi;
    mo[i] = mi;
    vo[i] = vi;
    xo[i] = xs[i] - (learningRate * (mi / correction1)) / (Math.sqrt(vi / correction2) + epsilon);
  }
  return s.keepAll([x2, m2, v2]);
}
