// A U-Net in raw tfjs ops over tf.variable weights: we control BatchNorm modes, seeded initialisation and weight
// I/O exactly, which tf.layers does not allow. NHWC throughout (the layout XNNPACK is fast in).
import * as tf from '@tensorflow/tfjs';
import { SeisGrowError } from '../shared/errors';
import { batchNormRelu } from './kernels/batchNorm';
import type { NetworkDescription } from '../shared/trainingConfig';

/** Weights as plain arrays, keyed by a stable layer name (checkpoints and worker transfer use this). */
export type UNetWeights = Record<string, { shape: number[]; data: Float32Array }>;

const BN_EPSILON = 1e-5;
/** Moving statistics follow the batch ones with PyTorch's default momentum (0.1 of the new value). */
const BN_MOMENTUM = 0.9;

interface BatchNormParams { gamma: tf.Variable; beta: tf.Variable; movingMean: tf.Variable; movingVariance: tf.Variable }
interface ConvBlock { conv0: tf.Variable; bn0: BatchNormParams; conv1: tf.Variable; bn1: BatchNormParams }
interface Decoder { up: { kernel: tf.Variable; bias: tf.Variable }[]; blocks: ConvBlock[]; head: { kernel: tf.Variable; bias: tf.Variable } }

/** Small deterministic PRNG (mulberry32): the same seed gives the same weights on every platform. */
class Prng {
  private state: number;
  private spare: number | undefined;
  constructor(seed: number) { this.state = (seed >>> 0) ^ 0x9e3779b9; }
  uniform(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  normal(): number {
    if (this.spare !== undefined) { const v = this.spare; this.spare = undefined; return v; }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
  int(): number { return Math.floor(this.uniform() * 2147483647); }
}

/** The segmentation network of design.md, optionally with the S6 reconstruction decoder. */
export class UNet {
  readonly config: Readonly<NetworkDescription>;
  /** Every weight the optimiser updates (convolutions, BN scale/offset, biases). */
  readonly trainableVariables: tf.Variable[];
  /** All weights including BN moving statistics (counted as Keras does: 483,942 for the probe net). */
  readonly parameterCount: number;

  private readonly named = new Map<string, tf.Variable>();
  private readonly encoder: ConvBlock[] = [];
  private readonly bottleneck: ConvBlock;
  private readonly segDecoder: Decoder;
  private readonly reconDecoder?: Decoder;
  private readonly dropoutRng: Prng;
  private disposed = false;

  constructor(config: NetworkDescription, seed: number) {
    validateConfig(config);
    this.config = Object.freeze({ ...config });
    const rng = new Prng(seed);
    this.dropoutRng = new Prng(seed ^ 0x5bd1e995);
    const f = (level: number) => config.baseFilters * 2 ** level;
    let inC = config.inChannels;
    for (let level = 0; level < config.depth; level++) {
      this.encoder.push(this.convBlock(`enc${level}`, inC, f(level), rng));
      inC = f(level);
    }
    this.bottleneck = this.convBlock('bottleneck', inC, f(config.depth), rng);
    this.segDecoder = this.decoder('dec', config.classes, rng);
    if (config.reconstruction) this.reconDecoder = this.decoder('rec', 1, rng);
    this.trainableVariables = [...this.named.values()].filter((v) => v.trainable);
    this.parameterCount = [...this.named.values()].reduce((n, v) => n + v.size, 0);
  }

  /**
   * Run the network on NHWC input of any height and width (reflect-padded to a multiple of 2^depth and cropped
   * back). Training mode normalises with batch statistics and updates the moving ones; it also applies dropout.
   */
  forward(x: tf.Tensor4D, training: boolean, reconstruct = true): { logits: tf.Tensor4D; reconstruction?: tf.Tensor4D } {
    this.assertAlive();
    if (x.rank !== 4 || x.shape[3] !== this.config.inChannels) {
      throw new SeisGrowError('bad-shape', `U-Net input must be [batch, height, width, ${this.config.inChannels}], got [${x.shape.join(', ')}]`);
    }
    const [, h, w] = x.shape;
    const multiple = 2 ** this.config.depth;
    const padH = (multiple - (h % multiple)) % multiple;
    const padW = (multiple - (w % multiple)) % multiple;
    const top = padH >> 1;
    const left = padW >> 1;
    return tf.tidy(() => {
      let input = padReflect(x, top, padH - top, left, padW - left);
      const skips: tf.Tensor4D[] = [];
      for (const block of this.encoder) {
        input = this.applyBlock(block, input, training);
        skips.push(input);
        input = tf.maxPool(input, 2, 2, 'valid');
      }
      let bottom = this.applyBlock(this.bottleneck, input, training);
      if (training && this.config.dropout > 0) bottom = tf.dropout(bottom, this.config.dropout, undefined, this.dropoutRng.int()) as tf.Tensor4D;
      const crop = (t: tf.Tensor4D) => (padH || padW ? tf.slice(t, [0, top, left, 0], [-1, h, w, -1]) : t);
      const logits = crop(this.applyDecoder(this.segDecoder, bottom, skips, training));
      if (!this.reconDecoder || !reconstruct) return { logits };
      const reconstruction = crop(this.applyDecoder(this.reconDecoder, bottom, skips, training));
      return { logits, reconstruction };
    });
  }

  /** A copy of every weight (including BN moving statistics), keyed by layer name. */
  async getWeights(): Promise<UNetWeights> {
    this.assertAlive();
    const out: UNetWeights = {};
    for (const [name, v] of this.named) out[name] = { shape: [...v.shape], data: await v.data() as Float32Array };
    return out;
  }

  /** Load weights saved by {@link getWeights}; every name must be present with the same shape. */
  setWeights(weights: UNetWeights): void {
    this.assertAlive();
    const missing = [...this.named.keys()].filter((k) => !(k in weights));
    const extra = Object.keys(weights).filter((k) => !this.named.has(k));
    if (missing.length || extra.length) {
      throw new SeisGrowError('weights-mismatch', `weights do not fit this U-Net (${describeConfig(this.config)}): ` +
        [missing.length ? `missing ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}` : '',
          extra.length ? `unexpected ${extra.slice(0, 3).join(', ')}${extra.length > 3 ? ', …' : ''}` : ''].filter(Boolean).join('; '));
    }
    for (const [name, v] of this.named) {
      const { shape, data } = weights[name];
      const expected = v.shape.join('×');
      if (shape.join('×') !== expected || data.length !== v.size) {
        throw new SeisGrowError('weights-mismatch', `weight ${name} has shape ${shape.join('×')} (${data.length} values) but this U-Net ` +
          `(${describeConfig(this.config)}) needs ${expected}`);
      }
    }
    for (const [name, v] of this.named) {
      const { data } = weights[name];
      tf.tidy(() => v.assign(tf.tensor(Float32Array.from(data), v.shape)));
    }
  }

  /** Release every variable. */
  dispose(): void {
    if (this.disposed) return;
    for (const v of this.named.values()) v.dispose();
    this.disposed = true;
  }

  private assertAlive(): void {
    if (this.disposed) throw new Error('UNet used after dispose()');
  }

  private variable(name: string, shape: number[], values: Float32Array, trainable = true): tf.Variable {
    const initial = tf.tensor(values, shape);
    const v = tf.variable(initial, trainable);
    initial.dispose(); // the variable holds its own reference to the data
    this.named.set(name, v);
    return v;
  }

  private heNormal(name: string, shape: number[], fanIn: number, rng: Prng): tf.Variable {
    const std = Math.sqrt(2 / fanIn);
    const n = shape.reduce((a, b) => a * b, 1);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = rng.normal() * std;
    return this.variable(name, shape, values);
  }

  private constant(name: string, n: number, value: number, trainable: boolean): tf.Variable {
    return this.variable(name, [n], new Float32Array(n).fill(value), trainable);
  }

  private batchNorm(name: string, c: number): BatchNormParams {
    return {
      gamma: this.constant(`${name}.gamma`, c, 1, true),
      beta: this.constant(`${name}.beta`, c, 0, true),
      movingMean: this.constant(`${name}.movingMean`, c, 0, false),
      movingVariance: this.constant(`${name}.movingVariance`, c, 1, false),
    };
  }

  private convBlock(name: string, inC: number, outC: number, rng: Prng): ConvBlock {
    // No conv bias: BatchNorm's offset makes it redundant.
    const conv0 = this.heNormal(`${name}.conv0.kernel`, [3, 3, inC, outC], 9 * inC, rng);
    const bn0 = this.batchNorm(`${name}.bn0`, outC);
    const conv1 = this.heNormal(`${name}.conv1.kernel`, [3, 3, outC, outC], 9 * outC, rng);
    const bn1 = this.batchNorm(`${name}.bn1`, outC);
    return { conv0, bn0, conv1, bn1 };
  }

  private decoder(name: string, outputs: number, rng: Prng): Decoder {
    const f = (level: number) => this.config.baseFilters * 2 ** level;
    const up: Decoder['up'] = [];
    const blocks: ConvBlock[] = [];
    for (let level = this.config.depth - 1; level >= 0; level--) {
      // conv2dTranspose filters are [h, w, out, in].
      up.push({
        kernel: this.heNormal(`${name}${level}.up.kernel`, [2, 2, f(level), f(level + 1)], 4 * f(level + 1), rng),
        bias: this.constant(`${name}${level}.up.bias`, f(level), 0, true),
      });
      blocks.push(this.convBlock(`${name}${level}`, 2 * f(level), f(level), rng));
    }
    const head = {
      kernel: this.heNormal(`${name}.head.kernel`, [1, 1, f(0), outputs], f(0), rng),
      bias: this.constant(`${name}.head.bias`, outputs, 0, true),
    };
    return { up, blocks, head };
  }

  private applyBlock(block: ConvBlock, x: tf.Tensor4D, training: boolean): tf.Tensor4D {
    if (!training) return this.convBnReluFolded(this.convBnReluFolded(x, block.conv0, block.bn0), block.conv1, block.bn1);
    let y = tf.conv2d(x, block.conv0 as tf.Tensor4D, 1, 'same');
    y = this.applyBatchNormRelu(block.bn0, y);
    y = tf.conv2d(y, block.conv1 as tf.Tensor4D, 1, 'same');
    return this.applyBatchNormRelu(block.bn1, y);
  }

  /** Inference: BatchNorm with moving statistics folded into the conv's weights and bias, fused with the ReLU. */
  private convBnReluFolded(x: tf.Tensor4D, kernel: tf.Variable, bn: BatchNormParams): tf.Tensor4D {
    const scale = tf.mul(bn.gamma, tf.rsqrt(tf.add(bn.movingVariance, BN_EPSILON)));
    const shift = tf.sub(bn.beta, tf.mul(bn.movingMean, scale));
    return tf.fused.conv2d({ x, filter: tf.mul(kernel, scale) as tf.Tensor4D, strides: 1, pad: 'same', bias: shift, activation: 'relu' });
  }

  /** Training: normalise with the batch's statistics and move the running ones toward them. */
  private applyBatchNormRelu(bn: BatchNormParams, x: tf.Tensor4D): tf.Tensor4D {
    const { y, mean, variance } = batchNormRelu(x, bn.gamma as tf.Tensor1D, bn.beta as tf.Tensor1D, BN_EPSILON);
    // Moving variance uses the unbiased batch variance, as PyTorch does.
    const count = x.size / x.shape[3];
    const unbiased = count > 1 ? count / (count - 1) : 1;
    bn.movingMean.assign(tf.tidy(() => tf.add(tf.mul(bn.movingMean, BN_MOMENTUM), tf.mul(mean, 1 - BN_MOMENTUM))));
    bn.movingVariance.assign(tf.tidy(() => tf.add(tf.mul(bn.movingVariance, BN_MOMENTUM), tf.mul(variance, (1 - BN_MOMENTUM) * unbiased))));
    mean.dispose();
    variance.dispose();
    return y;
  }

  private applyDecoder(dec: Decoder, bottom: tf.Tensor4D, skips: tf.Tensor4D[], training: boolean): tf.Tensor4D {
    let x = bottom;
    for (let i = 0; i < dec.blocks.length; i++) {
      const skip = skips[skips.length - 1 - i];
      const up = dec.up[i];
      const [n, sh, sw] = skip.shape;
      x = tf.add(tf.conv2dTranspose(x, up.kernel as tf.Tensor4D, [n, sh, sw, up.kernel.shape[2] as number], 2, 'same'), up.bias);
      x = this.applyBlock(dec.blocks[i], tf.concat([x, skip], 3), training);
    }
    return tf.add(tf.conv2d(x, dec.head.kernel as tf.Tensor4D, 1, 'valid'), dec.head.bias);
  }
}

function validateConfig(c: NetworkDescription): void {
  const positiveInt = (v: number) => Number.isInteger(v) && v > 0;
  if (!positiveInt(c.inChannels) || !positiveInt(c.classes) || !positiveInt(c.depth) || !positiveInt(c.baseFilters)) {
    throw new SeisGrowError('bad-config', `U-Net config needs positive integers for inChannels, classes, depth and baseFilters (${describeConfig(c)})`);
  }
  if (c.depth > 8) throw new SeisGrowError('bad-config', `U-Net depth ${c.depth} is too deep (at most 8)`);
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new SeisGrowError('bad-config', `U-Net dropout must be in [0, 1), got ${c.dropout}`);
}

function describeConfig(c: NetworkDescription): string {
  return `in ${c.inChannels}, classes ${c.classes}, depth ${c.depth}, base ${c.baseFilters}${c.reconstruction ? ', reconstruction' : ''}`;
}

/**
 * Reflect-pad the spatial axes. Reflection cannot reach further than the size − 1, so large pads on tiny inputs
 * are done in several rounds, and a 1-pixel axis is repeated instead.
 */
export function padReflect(x: tf.Tensor4D, top: number, bottom: number, left: number, right: number): tf.Tensor4D {
  return padAxis(padAxis(x, 1, top, bottom), 2, left, right);
}

function padAxis(x: tf.Tensor4D, axis: 1 | 2, before: number, after: number): tf.Tensor4D {
  let y = x;
  while (before > 0 || after > 0) {
    const size = y.shape[axis];
    const mode = size === 1 ? 'symmetric' : 'reflect';
    const limit = size === 1 ? 1 : size - 1;
    const b = Math.min(before, limit);
    const a = Math.min(after, limit);
    const paddings: [number, number][] = [[0, 0], [0, 0], [0, 0], [0, 0]];
    paddings[axis] = [b, a];
    y = tf.mirrorPad(y, paddings, mode);
    before -= b;
    after -= a;
  }
  return y;
}
