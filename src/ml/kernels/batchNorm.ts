// Training-mode BatchNorm followed by ReLU, with a hand-written gradient: autodiff through moments() would
// take a dozen elementwise passes (and tile()s) per layer; the closed form needs two. On wasm both directions
// are fused loops over the heap (registered kernels); other backends compose tfjs ops.
import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from './native';
import { KernelArgs, KernelScope, WasmBackend } from './wasmUtil';

const { util } = tf;

/** Kernel names of the fused wasm implementation. */
export const BN_RELU_FORWARD = 'SeisGrowBatchNormReluTrain';
export const BN_RELU_BACKWARD = 'SeisGrowBatchNormReluGrad';

/** Output of {@link batchNormRelu}: the activation and the batch statistics (kept: the caller disposes them). */
export interface BatchNormReluResult { y: tf.Tensor4D; mean: tf.Tensor1D; variance: tf.Tensor1D }

/**
 * y = relu(γ·(x − μ)/√(σ² + ε) + β) with μ, σ² the per-channel statistics of this batch (NHWC, over N, H, W;
 * σ² biased, as in the normalisation). The gradient flows through μ and σ² as well.
 */
export function batchNormRelu(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): BatchNormReluResult {
  const fused = tf.getBackend() === 'wasm' && tf.getKernel(BN_RELU_FORWARD, 'wasm') !== undefined;
  let stats: { mean: tf.Tensor1D; variance: tf.Tensor1D } | undefined;
  const f = tf.customGrad((...args: (tf.Tensor | ((s: tf.Tensor[]) => void))[]) => {
    const [xt, g, b, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, (s: tf.Tensor[]) => void];
    if (fused) {
      const [y, mean, variance] = tf.engine().runKernel(BN_RELU_FORWARD, { x: xt, gamma: g, beta: b }, { epsilon }) as tf.Tensor[];
      // customGrad runs this in a tidy; the statistics escape it for the moving averages (the caller disposes them).
      stats = { mean: tf.keep(mean) as tf.Tensor1D, variance: tf.keep(variance) as tf.Tensor1D };
      save([xt, y, g, mean, variance]);
      return {
        value: y,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
          const [sx, sy, sg, sm, sv] = saved;
          return tf.engine().runKernel(BN_RELU_BACKWARD, { dy: dy as tf.Tensor, x: sx, y: sy, gamma: sg, mean: sm, variance: sv },
            { epsilon }) as tf.Tensor[];
        },
      };
    }
    const { mean, variance } = tf.moments(xt, [0, 1, 2]) as { mean: tf.Tensor1D; variance: tf.Tensor1D };
    stats = { mean: tf.keep(mean), variance: tf.keep(variance) };
    const rstd = tf.rsqrt(tf.add(variance, epsilon)) as tf.Tensor1D;
    const xhat = tf.mul(tf.sub(xt, mean), rstd) as tf.Tensor4D;
    const y = tf.relu(tf.add(tf.mul(xhat, g), b)) as tf.Tensor4D;
    save([xhat, rstd, g, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [sxhat, srstd, sg, sy] = saved as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, tf.Tensor4D];
        const dz = tf.mul(dy as tf.Tensor4D, tf.step(sy)) as tf.Tensor4D;
        const count = dz.size / dz.shape[3];
        const dbeta = tf.sum(dz, [0, 1, 2]) as tf.Tensor1D;
        const dgamma = tf.sum(tf.mul(dz, sxhat), [0, 1, 2]) as tf.Tensor1D;
        const scale = tf.div(tf.mul(sg, srstd), count);
        const dx = tf.mul(scale, tf.sub(tf.sub(tf.mul(dz, count), dbeta), tf.mul(sxhat, dgamma))) as tf.Tensor4D;
        return [dx, dgamma, dbeta];
      },
    };
  });
  const y = f(x, gamma, beta) as tf.Tensor4D;
  return { y, mean: stats!.mean, variance: stats!.variance };
}

/**
 * Forward on the wasm heap: one pass for shifted sums (float64, so no cancellation), one for y = max(0, (x − μ)·a + β).
 * Outputs [y, mean, variance].
 */
export function batchNormReluForward(args: KernelArgs): tf.TensorInfo[] {
  const { x, gamma, beta } = args.inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
  const { epsilon } = args.attrs as { epsilon: number };
  const s = new KernelScope(args.backend as WasmBackend);
  const c = x.shape[x.shape.length - 1];
  const y = s.alloc(x.shape);
  const mean = s.alloc([c]);
  const variance = s.alloc([c]);
  const native = nativeKernels(s.backend);
  if (native && c % 4 === 0 && x.dtype === 'float32') {
    const scratch = s.alloc([8 * c]); // 4c float64 accumulators
    const p = (t: tf.TensorInfo) => s.backend.dataIdMap.get(t.dataId).memoryOffset;
    native.bn_relu_forward(p(x), p(gamma), p(beta), p(y), p(mean), p(variance), util.sizeFromShape(x.shape) / c, c, epsilon, p(scratch));
    return s.keepAll([y, mean, variance]);
  }
  const xs = s.f32(x);
  const count = xs.length / c;
  const shift = xs.slice(0, c);
  const s1 = new Float64Array(c);
  const s2 = new Float64Array(c);
  for (let i = 0, k = 0; i < xs.length; i++) {
    const d = xs[i] - shift[k];
    s1[k] += d;
    s2[k] += d * d;
    if (++k === c) k = 0;
  }
  const m = s.f32(mean);
  const v = s.f32(variance);
  const g = s.f32(gamma);
  const b = s.f32(beta);
  const a = new Float32Array(c);
  for (let k = 0; k < c; k++) {
    const mu = s1[k] / count;
    m[k] = shift[k] + mu;
    v[k] = Math.max(s2[k] / count - mu * mu, 0);
    a[k] = g[k] / Math.sqrt(v[k] + epsilon);
  }
  const ys = s.f32(y);
  for (let i = 0, k = 0; i < xs.length; i++) {
    // (x − μ) first: folding μ into an offset loses digits when |μ| ≫ σ.
    const t = (xs[i] - m[k]) * a[k] + b[k];
    ys[i] = t > 0 ? t : 0;
    if (++k === c) k = 0;
  }
  return s.keepAll([y, mean, variance]);
}

/**
 * Backward: with g = dy·[y > 0] and x̂ = (x − μ)·r, r = 1/√(σ² + ε): dβ = Σg, dγ = Σg·x̂ and
 * dx = γr·g − γr²/M·dγ·(x − μ) − γr/M·dβ. One pass for the sums, one writing dx. Outputs [dx, dγ, dβ].
 */
export function batchNormReluBackward(args: KernelArgs): tf.TensorInfo[] {
  const { dy, x, y, gamma, mean, variance } = args.inputs as Record<'dy' | 'x' | 'y' | 'gamma' | 'mean' | 'variance', tf.TensorInfo>;
  const { epsilon } = args.attrs as { epsilon: number };
  const s = new KernelScope(args.backend as WasmBackend);
  const c = x.shape[x.shape.length - 1];
  const dx = s.alloc(x.shape);
  const dgamma = s.alloc([c]);
  const dbeta = s.alloc([c]);
  const native = nativeKernels(s.backend);
  if (native && c % 4 === 0 && x.dtype === 'float32') {
    const scratch = s.alloc([8 * c]);
    const p = (t: tf.TensorInfo) => s.backend.dataIdMap.get(t.dataId).memoryOffset;
    native.bn_relu_backward(p(dy), p(x), p(y), p(gamma), p(mean), p(variance), p(dx), p(dgamma), p(dbeta),
      util.sizeFromShape(x.shape) / c, c, epsilon, p(scratch));
    return s.keepAll([dx, dgamma, dbeta]);
  }
  const gs = s.f32(dy);
  const xs = s.f32(x);
  const ys = s.f32(y);
  const m = s.f32(mean);
  const v = s.f32(variance);
  const gam = s.f32(gamma);
  const count = xs.length / c;
  const sumG = new Float64Array(c);
  const sumGX = new Float64Array(c);
  for (let i = 0, k = 0; i < xs.length; i++) {
    if (ys[i] > 0) {
      const g = gs[i];
      sumG[k] += g;
      sumGX[k] += g * (xs[i] - m[k]);
    }
    if (++k === c) k = 0;
  }
  const dg = s.f32(dgamma);
  const db = s.f32(dbeta);
  const ca = new Float32Array(c);
  const cb = new Float32Array(c);
  const cd = new Float32Array(c);
  for (let k = 0; k < c; k++) {
    const r = 1 / Math.sqrt(v[k] + epsilon);
    db[k] = sumG[k];
    dg[k] = sumGX[k] * r;
    ca[k] = gam[k] * r;
    cb[k] = (-gam[k] * r * r * dg[k]) / count;
    cd[k] = (-gam[k] * r * db[k]) / count;
  }
  const out = s.f32(dx);
  for (let i = 0, k = 0; i < xs.length; i++) {
    out[i] = (ys[i] > 0 ? ca[k] * gs[i] : 0) + cb[k] * (xs[i] - m[k]) + cd[k];
    if (++k === c) k = 0;
  }
  return s.keepAll([dx, dgamma, dbeta]);
}
