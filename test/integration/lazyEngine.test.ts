// Activation must not evaluate TensorFlow.js: opening the first seismic editor would wait for it. The extension bundle's
// import graph (esbuild metafile) may reach @tensorflow/* only through a dynamic import (evaluated on first use).
import * as assert from 'node:assert/strict';
import { resolve } from 'node:path';
import * as esbuild from 'esbuild';

const root = resolve(__dirname, '../..');

describe('extension bundle loads the training engine lazily', function () {
  this.timeout(60_000);

  it('reaches @tensorflow/* from src/extension.ts only through a dynamic import', async () => {
    const result = await esbuild.build({
      entryPoints: [resolve(root, 'src/extension.ts')], bundle: true, platform: 'node', format: 'cjs', target: 'node20',
      external: ['vscode', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'], write: false, metafile: true, logLevel: 'silent',
      outfile: resolve(root, 'dist/lazy-engine-check.js'),
    });
    const inputs = result.metafile.inputs;
    const reach = (dynamic: boolean): Map<string, string> => {
      // Breadth-first over the import graph; the value is the importer, to name the chain in a failure.
      const from = new Map<string, string>([['src/extension.ts', '']]);
      const queue = ['src/extension.ts'];
      while (queue.length) {
        const at = queue.shift()!;
        for (const imp of inputs[at]?.imports ?? []) {
          if (imp.external || from.has(imp.path) || (!dynamic && imp.kind === 'dynamic-import')) continue;
          from.set(imp.path, at);
          queue.push(imp.path);
        }
      }
      return from;
    };
    const chain = (from: Map<string, string>, path: string): string[] => (path ? [...chain(from, from.get(path)!), path] : []);
    const eager = reach(false);
    const eagerTf = [...eager.keys()].filter((p) => p.includes('@tensorflow/'));
    assert.deepEqual(eagerTf.slice(0, 1).map((p) => chain(eager, p).join(' → ')), [], 'no static import chain reaches TensorFlow.js');
    const all = [...reach(true).keys()];
    assert.ok(all.some((p) => p.includes('@tensorflow/tfjs-core/')), 'the engine (and TensorFlow.js) is still in the bundle, behind the dynamic import');
    assert.ok(all.includes('src/ml/engine.ts') && !eager.has('src/ml/engine.ts'), 'src/ml/engine.ts is loaded on first use only');
  });
});
