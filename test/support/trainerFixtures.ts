// Shared fixtures of the trainer tests: a freshly built worker bundle, a synthetic layered section, a tiny config.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ConfigOverrides } from '../../src/ml/config';

const root = path.resolve(__dirname, '../..');
let built = false;

/** Build dist/worker.js from the current sources once per test process (the engine runs its networks in it). */
export function buildWorker(): string {
  if (!built) {
    execFileSync(process.execPath, ['esbuild.mjs', 'worker', 'engine'], { cwd: root, stdio: 'pipe' });
    built = true;
  }
  return path.join(root, 'dist', 'worker.js');
}

/** Build dist/cli.js (and the worker beside it) once per test process. */
let cliBuilt = false;
export function buildCli(): string {
  if (!cliBuilt) {
    execFileSync(process.execPath, ['esbuild.mjs', 'worker', 'cli'], { cwd: root, stdio: 'pipe' });
    cliBuilt = true;
    built = true;
  }
  return path.join(root, 'dist', 'cli.js');
}

/** A fresh temporary folder. */
export function tempDir(prefix = 'seisgrow-trainer-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A layered synthetic section: gently dipping units, each with its own wavelet frequency and amplitude. */
export function layeredSection(height: number, width: number, classes: number, phase = 0): { seismic: Float32Array; truth: Uint8Array } {
  const seismic = new Float32Array(height * width);
  const truth = new Uint8Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const depth = y + 3 * Math.sin((x + phase) / 11);
      const c = Math.min(classes - 1, Math.max(0, Math.floor((depth / height) * classes)));
      truth[y * width + x] = c;
      seismic[y * width + x] = 1000 * (1 + c) * Math.sin(depth * (0.4 + 0.3 * c));
    }
  }
  return { seismic, truth };
}

/** Keep every `every`-th column's labels (vertical traces), the rest 255. */
export function traces(truth: Uint8Array, width: number, every: number, offset = 2): Uint8Array {
  return truth.map((v, i) => ((i % width) % every === offset ? v : 255));
}

/** A tiny, fast configuration (wasm, deterministic). */
export const TINY: ConfigOverrides = {
  backend: 'wasm',
  network: { depth: 2, baseFilters: 4, dropout: 0, reconstruction: false },
  epochs: { 1: 2, 2: 2, 3: 2 },
  stepsPerEpoch: 2,
  batchSize: 2,
  patchSize: 32,
  inferenceOverlap: 8,
};
