// Training-mode BatchNorm followed by ReLU, with a hand-written gradient: autodiff through moments() would
// take a dozen elementwise passes (and tile()s) per layer; the closed form needs three.
import * as tf from '@tensorflow/tfjs';

/** Output of {@link batchNormRelu}: the activation and the batch statistics (kept: the caller disposes them). */
export interface BatchNormReluResult { y: tf.Tensor4D; mean: tf.Tensor1D; variance: tf.Tensor1D }

/**
 * y = relu(γ·(x − μ)/√(σ² + ε) + β) with μ, σ² the per-channel statistics of this batch (NHWC, over N, H, W).
 * The gradient flows through μ and σ² as well (the standard training-mode BatchNorm backward).
 */
export function batchNormRelu(x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, epsilon: number): BatchNormReluResult {
  let stats: { mean: tf.Tensor1D; variance: tf.Tensor1D } | undefined;
  const f = tf.customGrad((...args: (tf.Tensor | ((s: tf.Tensor[]) => void))[]) => {
    const [xt, g, b, save] = args as [tf.Tensor4D, tf.Tensor1D, tf.Tensor1D, (s: tf.Tensor[]) => void];
    const { mean, variance } = tf.moments(xt, [0, 1, 2]) as { mean: tf.Tensor1D; variance: tf.Tensor1D };
    // customGrad runs this in a tidy; the statistics escape it for the moving averages (the caller disposes them).
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
