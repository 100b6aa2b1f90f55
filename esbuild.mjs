// One build() helper for every bundle: extension host (node), engine thread and training workers (node), webview (browser), CLI.
import * as esbuild from 'esbuild';
import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

/** The bundles this project ships; entries are resolved relative to the repository root. */
const targets = [
  { name: 'extension', entry: 'src/extension.ts', out: 'dist/extension.js', platform: 'node', format: 'cjs', external: ['vscode'] },
  { name: 'worker', entry: 'src/worker/trainingWorker.ts', out: 'dist/worker.js', platform: 'node', format: 'cjs', external: ['vscode'] },
  { name: 'engine', entry: 'src/worker/engineWorker.ts', out: 'dist/engine.js', platform: 'node', format: 'cjs', external: ['vscode'] },
  { name: 'cli', entry: 'src/cli.ts', out: 'dist/cli.js', platform: 'node', format: 'cjs', external: ['vscode'], banner: '#!/usr/bin/env node' },
  { name: 'webview', entry: 'webview/main.ts', out: 'dist/webview.js', platform: 'browser', format: 'iife', external: [] },
  { name: 'panel', entry: 'webview/panel/main.ts', out: 'dist/panel.js', platform: 'browser', format: 'iife', external: [] },
];

/** Build one target; returns an esbuild context when watching. */
async function build(target) {
  const options = {
    entryPoints: [join(root, target.entry)],
    outfile: join(root, target.out),
    bundle: true,
    platform: target.platform,
    format: target.format,
    target: target.platform === 'node' ? 'node20' : 'es2022',
    external: [
      ...target.external,
      // Optional native backends: loaded at run time when installed, never bundled.
      '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu',
      // Dawn for Node (the WebGPU backend's native dawn.node): optional, required at run time only.
      'webgpu',
    ],
    sourcemap: production ? false : 'linked',
    minify: production,
    logLevel: 'warning',
    banner: target.banner ? { js: target.banner } : undefined,
    loader: { '.css': 'text', '.ttf': 'file' },
  };
  if (watch) {
    const ctx = await esbuild.context(options);
    await ctx.watch();
    return ctx;
  }
  await esbuild.build(options);
  return undefined;
}

/** The wasm backend loads its binaries by explicit path from dist/, in the VSIX as in the checkout. */
function copyWasmBinaries() {
  const from = join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  mkdirSync(join(root, 'dist'), { recursive: true });
  for (const f of readdirSync(from).filter((n) => n.endsWith('.wasm'))) cpSync(join(from, f), join(root, 'dist', f));
}

const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const chosen = targets.filter((t) => (only.length === 0 || only.includes(t.name)) && existsSync(join(root, t.entry)));
copyWasmBinaries();
await Promise.all(chosen.map(build));
if (watch) console.log(`watching ${chosen.map((t) => t.name).join(', ')}`);
