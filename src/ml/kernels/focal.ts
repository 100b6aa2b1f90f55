// The per-pixel focal term −(1 − p_t)^γ·log p_t of softmax logits as one fused pass on the wasm backend, with its
// gradient in another: composed from tfjs ops it is a dozen passes over N·H·W·C values forward and as many backward
// (logSoftmax, oneHot, mul, sum, exp, sub, maximum, pow and their gradients), ~50 ms of a probe training step.
import * as tf from '@tensorflow/tfjs';
import { nativeKernels } from './native';
import { KernelArgs, KernelScope, WasmBackend } from './wasmUtil';

/** Kernel names of the fused wasm implementation. */
export const FOCAL_FORWARD = 'SeisGrowFocalForward';
export const FOCAL_BACKWARD = 'SeisGrowFocalGrad';

/**
 * Per-pixel −(1 − p_t)^γ·log p_t (N,H,W) of logits (N,H,W,C) for integer labels in [0, C) (callers map ignored
 * pixels to a valid class and weight them 0). (1 − p_t) is clamped at 1e-12 for γ < 1 (x^γ has an infinite slope
 * at 0) and at 0 otherwise, with no gradient through a clamped value, exactly as the composed form.
 */
export function focalPerPixel(logits: tf.Tensor, labels: tf.Tensor, gamma: number): tf.Tensor {
  if (tf.getBackend() === 'wasm' && tf.getKernel(FOCAL_FORWARD, 'wasm') !== undefined && logits.dtype === 'float32') {
    const intLabels = labels.dtype === 'int32' ? labels : tf.cast(labels, 'int32');
    const f = tf.customGrad((...args: (tf.Tensor | ((s: tf.Tensor[]) => void))[]) => {
      const [z, save] = args as [tf.Tensor, (s: tf.Tensor[]) => void];
      const [loss, probs, slope] = tf.engine().runKernel(FOCAL_FORWARD, { logits: z, labels: intLabels }, { gamma }) as tf.Tensor[];
      // Saved (kept past the caller's tidy until the backward pass), labels included.
      save([probs, slope, intLabels]);
      return {
        value: loss,
        gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
          tf.engine().runKernel(FOCAL_BACKWARD, { dy: dy as tf.Tensor, probs: saved[0], labels: saved[2], slope: saved[1] }, {}) as tf.Tensor,
      };
    });
    return f(logits);
  }
  const classes = logits.shape[logits.rank - 1];
  const logp = tf.logSoftmax(logits, -1);
  const logPt = tf.sum(tf.mul(logp, tf.oneHot(labels as tf.Tensor3D, classes)), -1);
  const perPixel = tf.neg(logPt);
  if (gamma === 0) return perPixel;
  const oneMinusPt = tf.maximum(tf.sub(1, tf.exp(logPt)), gamma < 1 ? 1e-12 : 0);
  return tf.mul(tf.pow(oneMinusPt, gamma), perPixel);
}

/**
 * Forward: outputs [loss (N,H,W), softmax probabilities (N,H,W,C), slope (N,H,W) = d loss / d log p_t]; the
 * backward pass needs only the last two: d loss / d z_c = slope·([c = t] − p_c).
 */
export function focalForward(args: KernelArgs): tf.TensorInfo[] {
  const { logits, labels } = args.inputs as { logits: tf.TensorInfo; labels: tf.TensorInfo };
  const { gamma } = args.attrs as { gamma: number };
  const s = new KernelScope(args.backend as WasmBackend);
  const c = logits.shape[logits.shape.length - 1];
  const pixelShape = logits.shape.slice(0, -1);
  const loss = s.alloc(pixelShape);
  const probs = s.alloc(logits.shape);
  const slope = s.alloc(pixelShape);
  const z = s.f32(logits);
  const t = s.backend.typedArrayFromHeap(labels);
  const l = s.f32(loss);
  const p = s.f32(probs);
  const d = s.f32(slope);
  const clamp = gamma < 1 ? 1e-12 : 0;
  // u^γ and γ·u^(γ−1) without Math.pow for the usual integer γ.
  const powG = gamma === 2 ? (u: number) => u * u : gamma === 1 ? (u: number) => u : (u: number) => Math.pow(u, gamma);
  const slopeG = gamma === 2 ? (u: number) => 2 * u : gamma === 1 ? () => 1 : (u: number) => gamma * Math.pow(u, gamma - 1);
  /** The per-pixel term from log p_t and p_t. */
  const term = (i: number, logPt: number, pt: number) => {
    if (gamma === 0) {
      l[i] = -logPt;
      d[i] = -1;
      return;
    }
    const raw = 1 - pt;
    const u = raw >= clamp ? raw : clamp;
    const ug = powG(u);
    l[i] = -ug * logPt;
    // d/dlogp_t of −u^γ·log p_t with du/dlogp_t = −p_t, and no gradient through the clamp (as tf.maximum).
    d[i] = -ug + (raw >= clamp ? slopeG(u) * pt * logPt : 0);
  };
  const native = nativeKernels(s.backend);
  if (native && c >= 1) {
    // The exponentials (N·H·W·C of them) in SIMD; the SIMD pass leaves each row's max in `loss` and its sum of
    // exponentials in `slope`, which the per-pixel loop then overwrites.
    const ptr = (ti: tf.TensorInfo) => s.backend.dataIdMap.get(ti.dataId).memoryOffset;
    native.softmax_rows(ptr(logits), ptr(probs), ptr(loss), ptr(slope), l.length, c);
    for (let i = 0, base = 0; i < l.length; i++, base += c) {
      const label = t[i];
      if (!(label >= 0 && label < c)) { l[i] = 0; d[i] = 0; continue; }
      term(i, z[base + label] - l[i] - Math.log(d[i]), p[base + label]);
    }
    return s.keepAll([loss, probs, slope]);
  }
  const e = new Float64Array(c);
  for (let i = 0, base = 0; i < l.length; i++, base += c) {
    let m = z[base];
    for (let k = 1; k < c; k++) if (z[base + k] > m) m = z[base + k];
    let sum = 0;
    for (let k = 0; k < c; k++) {
      e[k] = Math.exp(z[base + k] - m);
      sum += e[k];
    }
    const inv = 1 / sum;
    for (let k = 0; k < c; k++) p[base + k] = e[k] * inv;
    const label = t[i];
    if (!(label >= 0 && label < c)) {
      // As oneHot: a label outside [0, C) selects nothing, so the term and its gradient are 0.
      l[i] = 0;
      d[i] = 0;
      continue;
    }
    term(i, z[base + label] - m - Math.log(sum), e[label] * inv);
  }
  return s.keepAll([loss, probs, slope]);
}

/** Backward: dz[·, c] = dy·slope·([c = t] − p_c). */
export function focalBackward(args: KernelArgs): tf.TensorInfo {
  const { dy, probs, labels, slope } = args.inputs as Record<'dy' | 'probs' | 'labels' | 'slope', tf.TensorInfo>;
  const s = new KernelScope(args.backend as WasmBackend);
  const c = probs.shape[probs.shape.length - 1];
  const out = s.alloc(probs.shape);
  const g = s.f32(dy);
  const p = s.f32(probs);
  const t = s.backend.typedArrayFromHeap(labels);
  const d = s.f32(slope);
  const o = s.f32(out);
  for (let i = 0, base = 0; i < g.length; i++, base += c) {
    const a = g[i] * d[i];
    for (let k = 0; k < c; k++) o[base + k] = -a * p[base + k];
    if (t[i] >= 0 && t[i] < c) o[base + t[i]] += a;
  }
  return s.keep(out);
}
