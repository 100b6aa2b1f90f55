// `npm test`: every stage that must pass, each ending in a plain "stage: N passed, N failed" line.
// Usage: node scripts/test.mjs [stage ...]   (default: all stages, in order)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureChromium, ensureLavapipe, ensurePythonPeers } from './ensure.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
process.chdir(root);

/** Run a command, streaming its output; returns true on exit code 0. */
function run(cmd, args, env = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

/** A single-check stage (build, typecheck) reports as one test. */
function single(stage, ok) {
  console.log(`${stage}: ${ok ? 1 : 0} passed, ${ok ? 0 : 1} failed`);
  return ok;
}

/** All *.test.ts files under a folder, recursively. */
function testFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true }).map(String).filter((f) => f.endsWith('.test.ts')).map((f) => join(dir, f)).sort();
}

/** Mocha over a folder of TypeScript tests, with the counting reporter. */
function mocha(stage, dir, timeoutMs, env = {}) {
  const files = testFiles(dir);
  if (files.length === 0) { console.log(`${stage}: 0 passed, 0 failed (no test files in ${dir})`); return true; }
  return run(process.execPath, [
    'node_modules/mocha/bin/mocha.js', '--require', 'tsx/cjs', '--reporter', 'test/support/countingReporter.cjs',
    '--timeout', String(timeoutMs), ...files,
  ], { SEISGROW_TEST_STAGE: stage, ...env });
}

const stages = {
  build: () => single('build', run(process.execPath, ['esbuild.mjs'])),
  typecheck: () => single('typecheck', run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit'])
    && run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'webview/tsconfig.json', '--noEmit'])),
  // Fast and pure: one folder per src/ folder, nothing built, no worker threads.
  unit: () => mocha('unit', 'test/unit', 60_000),
  // The engine in worker threads, the built CLI and the bundle: slower, and they build dist/ first.
  integration: () => mocha('integration', 'test/integration', 180_000),
  // The WebGPU backend against wasm; with no GPU, on a software Vulkan driver added to the machine's own.
  webgpu: () => {
    const vk = process.platform === 'linux' ? ensureLavapipe() : { ok: false, reason: 'the software driver is fetched on Linux only' };
    return mocha('webgpu', 'test/webgpu', 300_000, vk.ok ? vk.env : { SEISGROW_WEBGPU_NOTE: vk.reason });
  },
  peer: () => { ensurePythonPeers(); return mocha('peer', 'test/peer', 120_000); },
  webview: () => { ensureChromium(); return mocha('webview', 'test/webview', 60_000); },
  vscode: async () => {
    if (!existsSync('test/vscode/run.mjs')) { console.log('vscode: 0 passed, 0 failed (no harness yet)'); return true; }
    return run(process.execPath, ['test/vscode/run.mjs']);
  },
};

const wanted = process.argv.slice(2);
const order = wanted.length ? wanted : Object.keys(stages);
const failedStages = [];
for (const name of order) {
  const stage = stages[name];
  if (!stage) { console.error(`unknown test stage "${name}"; stages: ${Object.keys(stages).join(', ')}`); process.exit(2); }
  console.log(`\n=== ${name} ===`);
  let ok;
  try { ok = await stage(); } catch (e) { console.error(`${name}: ${e.message}`); console.log(`${name}: 0 passed, 1 failed`); ok = false; }
  if (!ok) failedStages.push(name);
}
console.log(`\nall stages: ${order.length - failedStages.length} passed, ${failedStages.length} failed${failedStages.length ? ` (${failedStages.join(', ')})` : ''}`);
process.exit(failedStages.length ? 1 : 0);
