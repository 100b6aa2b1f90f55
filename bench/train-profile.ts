// Where one training step of the probe U-Net spends its time on the wasm backend: every registered wasm kernel is
// wrapped with a timer (exclusive time: a composite kernel's calls into other kernels are charged to those), and
// the step is split into phases (forward + loss, backward, optimizer). Not part of `npm run bench` (no peer):
//   node --import tsx bench/train-profile.ts [--filters 16] [--steps 3] [--loss bench|product] [--cps] [--shapes]
// 'product' is NetTrainer.trainStep (focal loss γ = 2, optionally with the CPS pseudo term); 'bench' is the
// cross-entropy step of bench/train-worker.ts.
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/ml/backend';
import { createAdam } from '../src/ml/kernels/adam';
import { NetTrainer } from '../src/ml/cps';
import { makeConfig } from '../src/ml/config';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => { const i = args.indexOf(`--${name}`); return i >= 0 ? args[i + 1] : dflt; };
const FILTERS = Number(opt('filters', '16'));
const STEPS = Number(opt('steps', '3'));
const MODE = opt('loss', 'product');
const CPS = args.includes('--cps');
/** Split convolution rows by input and filter shape. */
const SHAPES = args.includes('--shapes');
const BATCH = 8;
const SIZE = 128;
const CLASSES = 6;

interface Acc { calls: number; ms: number }
const table = new Map<string, Acc>();
let phase = 'other';
let recording = false;
const stack: number[] = []; // child time accumulated per open frame

function wrapKernels(): void {
  for (const config of tf.getKernelsForBackend('wasm')) {
    const inner = config.kernelFunc;
    const name = config.kernelName;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      ...config,
      kernelFunc: ((a: Parameters<tf.KernelFunc>[0]) => {
        if (!recording) return inner(a);
        stack.push(0);
        const t = performance.now();
        try {
          return inner(a);
        } finally {
          const total = performance.now() - t;
          const child = stack.pop()!;
          if (stack.length) stack[stack.length - 1] += total;
          const ins = a.inputs as Record<string, tf.TensorInfo | undefined>;
          const shape = SHAPES && name.startsWith('Conv2D') ? ` ${Object.values(ins).map((t) => t?.shape.join('×')).join(' ')}` : '';
          const key = `${phase}\t${name}${shape}`;
          const e = table.get(key) ?? { calls: 0, ms: 0 };
          e.calls++;
          e.ms += total - child;
          table.set(key, e);
        }
      }) as tf.KernelFunc,
    });
  }
}

async function main(): Promise<void> {
  await initBackend('wasm');
  wrapKernels();
  const spec = { inChannels: 1, classes: CLASSES, depth: 3, baseFilters: FILTERS, dropout: 0, reconstruction: false };
  const trainer = new NetTrainer(spec, { config: makeConfig({ learningRate: 1e-3, focalGamma: 2, cps: { confidenceThreshold: 0.7, pseudoGamma: 2 }, reconWeight: 0 }), classWeights: null }, 1);
  const pixels = BATCH * SIZE * SIZE;
  const x = tf.randomNormal([BATCH, SIZE, SIZE, 1], 0, 1, 'float32', 7).dataSync() as Float32Array;
  const labels = new Uint8Array(pixels);
  for (let i = 0; i < pixels; i++) labels[i] = (i * 7919) % 97 < 3 ? (i % CLASSES) : 255; // ~3 % labelled, as in the product
  const partner = CPS ? { argmax: Uint8Array.from({ length: pixels }, (_, i) => i % CLASSES), confidence: new Float32Array(pixels).fill(0.8) } : null;

  const net = trainer.net;
  const optimizer = createAdam(1e-3);
  const xt = tf.tensor4d(x, [BATCH, SIZE, SIZE, 1]);
  const oneHot = tf.oneHot(tf.tensor3d(Int32Array.from(labels, (v) => v % CLASSES), [BATCH, SIZE, SIZE], 'int32'), CLASSES);

  // Phase markers: forward ends when the loss function returns; backward ends when the gradients are back.
  const origApply = optimizer.applyGradients.bind(optimizer);
  const benchStep = () => tf.tidy(() => {
    phase = 'forward+loss';
    const { value, grads } = tf.variableGrads(() => {
      const { logits } = net.forward(xt, true);
      const r = tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), -1))) as tf.Scalar;
      phase = 'backward';
      return r;
    }, net.trainableVariables);
    phase = 'optimizer';
    origApply(grads as Parameters<typeof origApply>[0]);
    phase = 'read';
    value.dataSync();
  });
  // For the product step, phase switches come from patching the trainer's optimizer and the loss read-back.
  const tOpt = (trainer as unknown as { optimizer: tf.Optimizer }).optimizer;
  const tApply = tOpt.applyGradients.bind(tOpt);
  tOpt.applyGradients = (g) => { phase = 'optimizer'; tApply(g); phase = 'read'; };
  const origForward = net.forward.bind(net);
  net.forward = (input, training) => { phase = 'forward'; const r = origForward(input, training); phase = 'loss'; return r; };
  const origGrads = tf.variableGrads;
  void origGrads;
  const productStep = async () => {
    phase = 'input';
    // Backward begins when the taped function returns: mark it from a tf.keep hook on the kept loss terms.
    await trainer.trainStep(x, BATCH, SIZE, SIZE, labels, partner, CPS ? 1 : 0);
  };
  const step = MODE === 'bench' ? benchStep : productStep;

  await step(); await step();
  const phaseWall = new Map<string, number>();
  let wall = 0;
  let cpu = 0;
  for (let s = 0; s < STEPS; s++) {
    recording = true;
    const c = process.cpuUsage();
    const t = performance.now();
    if (MODE === 'product') {
      // The loss terms are kept (engine.keep) inside the tape just before backward: flip the phase at the first scalar
      // kept (a scalar the loss saves for its own gradient flips it a few tiny ops early).
      const engine = tf.engine() as unknown as { keep: (t: tf.Tensor) => tf.Tensor };
      const keep = engine.keep;
      engine.keep = function (this: unknown, t: tf.Tensor) { if (phase === 'loss' && t.rank === 0) phase = 'backward'; return keep.call(this, t); };
      try { await step(); } finally { engine.keep = keep; }
    } else {
      await step();
    }
    wall += performance.now() - t;
    const d = process.cpuUsage(c);
    cpu += (d.user + d.system) / 1000;
    recording = false;
  }
  const rows = [...table.entries()].map(([k, v]) => { const [p, n] = k.split('\t'); return { p, n, calls: v.calls / STEPS, ms: v.ms / STEPS }; });
  for (const r of rows) phaseWall.set(r.p, (phaseWall.get(r.p) ?? 0) + r.ms);
  rows.sort((a, b) => b.ms - a.ms);
  const kernelMs = rows.reduce((a, r) => a + r.ms, 0);
  console.log(`probe U-Net ${FILTERS} base filters, batch ${BATCH}×${SIZE}², loss ${MODE}${CPS ? ' + CPS pseudo term' : ''}; per step: ` +
    `wall ${(wall / STEPS).toFixed(0)} ms, CPU ${(cpu / STEPS).toFixed(0)} ms, inside kernels ${kernelMs.toFixed(0)} ms, ` +
    `outside (JS engine, tape, allocation) ${(wall / STEPS - kernelMs).toFixed(0)} ms`);
  console.log('\n| phase | kernel ms |\n|---|---|');
  for (const [p, ms] of [...phaseWall.entries()].sort((a, b) => b[1] - a[1])) console.log(`| ${p} | ${ms.toFixed(1)} |`);
  console.log('\n| phase | kernel | calls | ms | % of step |\n|---|---|---|---|---|');
  for (const r of rows) {
    if (r.ms < 0.5) continue;
    console.log(`| ${r.p} | ${r.n} | ${r.calls.toFixed(0)} | ${r.ms.toFixed(1)} | ${(100 * r.ms / (wall / STEPS)).toFixed(1)} |`);
  }
  const small = rows.filter((r) => r.ms < 0.5);
  console.log(`| (${small.length} more) | < 0.5 ms each | ${small.reduce((a, r) => a + r.calls, 0).toFixed(0)} | ${small.reduce((a, r) => a + r.ms, 0).toFixed(1)} | |`);
  console.log(`tensors ${tf.memory().numTensors}`);
}

main().catch((e) => { console.error(e); process.exit(1); });
