import * as assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { currentBackend, initBackend } from '../../../src/ml/backend';
import { SeisGrowError } from '../../../src/shared/errors';
import { WASM_KERNEL_NAMES } from '../../../src/ml/kernels';

const nativeInstalled = (() => {
  try { require.resolve('@tensorflow/tfjs-node'); return true; } catch { return false; }
})();

describe('backend selection', function () {
  this.timeout(60_000);
  after(async () => { await initBackend('wasm'); });

  it('auto falls back to wasm with a logged reason when tfjs-node is not installed', async function () {
    if (nativeInstalled) this.skip();
    const logs: string[] = [];
    const info = await initBackend('auto', { log: (m) => logs.push(m) });
    assert.equal(info.name, 'wasm');
    assert.equal(info.requested, 'auto');
    assert.equal(info.tfjsVersion, tf.version.tfjs);
    assert.match(info.fallbackReason ?? '', /tfjs-node-gpu is not installed.*tfjs-node is not installed/);
    assert.ok(logs.some((l) => /native TensorFlow unavailable/.test(l)), logs.join('\n'));
    assert.equal(tf.getBackend(), 'wasm');
    assert.deepEqual(currentBackend(), info);
  });

  it('is idempotent: the same preference returns the same info without re-initialising', async () => {
    const a = await initBackend('wasm');
    const b = await initBackend('wasm');
    assert.equal(a, b);
    assert.equal(a.fallbackReason, undefined);
  });

  it('an explicit tensorflow request without tfjs-node is a clear SeisGrowError', async function () {
    if (nativeInstalled) this.skip();
    await assert.rejects(initBackend('tensorflow'), (e: unknown) =>
      e instanceof SeisGrowError && e.code === 'backend-unavailable' && /tfjs-node/.test(e.message) && /'wasm'/.test(e.message));
  });

  it('cpu can be chosen explicitly, and wasm again afterwards', async () => {
    assert.equal((await initBackend('cpu')).name, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
    assert.equal((await initBackend('wasm')).name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
  });

  it('an explicit wasm request with a folder lacking the binaries names the folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'seisgrow-nowasm-'));
    try {
      await assert.rejects(initBackend('wasm', { wasmDir: dir }), (e: unknown) =>
        e instanceof SeisGrowError && e.code === 'backend-unavailable' && e.message.includes(dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('our kernels are registered for wasm, replacing the stock Conv2DBackpropInput', async () => {
    await initBackend('wasm');
    for (const name of WASM_KERNEL_NAMES) assert.ok(tf.getKernel(name, 'wasm'), name);
    // The stock wasm backend has no filter gradient at all; ours makes conv2d trainable.
    const g = tf.grad((w: tf.Tensor) => tf.sum(tf.conv2d(tf.ones([1, 4, 4, 1]) as tf.Tensor4D, w as tf.Tensor4D, 1, 'valid')));
    assert.deepEqual(Array.from(g(tf.ones([3, 3, 1, 1])).dataSync()), new Array(9).fill(4));
  });
});
