// The layering rules of the design, checked on the sources' import statements (static, dynamic and require).
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(__dirname, '..', '..');
const NODE_BUILTINS = new Set(builtinModules);

/** The .ts files below a folder of the project, as paths relative to the root. */
function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true }).map(String).filter((f) => f.endsWith('.ts')).map((f) => join(dir, f));
}

/** Every module specifier a file imports or re-exports, including `import('…')` and `require('…')`. */
function specifiers(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8').replace(/^\s*\/\/.*$/gm, '');
  const found: string[] = [];
  for (const re of [/\b(?:import|export)\s[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g]) {
    for (const m of text.matchAll(re)) found.push(m[1]!);
  }
  return found;
}

/** A relative specifier resolved to a project file (relative to the root), or null for a package or builtin. */
function resolveLocal(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = resolve(root, dirname(from), spec);
  for (const c of [base, `${base}.ts`, join(base, 'index.ts')]) if (existsSync(c) && statSync(c).isFile()) return relative(root, c);
  return relative(root, base);
}

const isNode = (spec: string): boolean => spec.startsWith('node:') || NODE_BUILTINS.has(spec.split('/')[0]!);
const under = (file: string, dir: string): boolean => file === dir || file.startsWith(`${dir}/`);

/** The offending imports of the files below `dirs`: each as "file → specifier". */
function violations(dirs: string[], bad: (spec: string, target: string | null) => boolean): string[] {
  const out: string[] = [];
  for (const file of dirs.flatMap(sources)) {
    for (const spec of specifiers(file)) if (bad(spec, resolveLocal(file, spec))) out.push(`${file} → ${spec}`);
  }
  return out;
}

describe('module boundaries', () => {
  it('the import scan sees the imports it checks (not vacuous)', () => {
    assert.ok(specifiers('src/ml/engine.ts').includes('../threads/trainerPair'));
    assert.ok(specifiers('src/training/controller.ts').includes('../worker/engineClient'), 'dynamic import() is seen');
    assert.ok(specifiers('src/extension.ts').includes('vscode'));
  });

  it('the operations the command line shares with the extension (src/training/ops) never import vscode, even through a module', () => {
    const seen = new Set<string>();
    const reach = (file: string): string[] => {
      if (seen.has(file) || !file.endsWith('.ts')) return [];
      seen.add(file);
      return specifiers(file).flatMap((spec) => (spec === 'vscode' ? [`${file} → vscode`] : spec.startsWith('.') ? reach(resolveLocal(file, spec)!) : []));
    };
    assert.deepEqual(sources('src/training/ops').flatMap(reach), []);
    assert.ok(seen.has('src/io/voxelOrder.ts') && seen.has('src/training/runStore.ts'), 'the walk follows imports (not vacuous)');
  });

  it('nothing under src/io, src/ml, src/worker, src/threads or src/shared imports vscode', () => {
    assert.deepEqual(violations(['src/io', 'src/ml', 'src/worker', 'src/threads', 'src/shared'], (spec) => spec === 'vscode' || spec.startsWith('vscode/')), []);
  });

  it('src/ml never imports src/worker (the worker imports ml, not the other way round)', () => {
    assert.deepEqual(violations(['src/ml'], (_spec, target) => target !== null && under(target, 'src/worker')), []);
  });

  it('src/ml never starts a thread itself (node:worker_threads stays in src/threads and src/worker), so its steps run in tests without one', () => {
    assert.deepEqual(violations(['src/ml'], (spec) => spec === 'node:worker_threads' || spec === 'worker_threads'), []);
  });

  it('src/threads imports only src/shared and node, so both ml and worker may use it', () => {
    assert.deepEqual(violations(['src/threads'], (spec, target) => (target === null ? !isNode(spec) : !under(target, 'src/shared') && !under(target, 'src/threads'))), []);
  });

  it('src/shared imports no node module and nothing outside src/shared', () => {
    assert.deepEqual(violations(['src/shared'], (spec, target) => isNode(spec) || (target !== null && !under(target, 'src/shared'))), []);
  });

  it('the webview imports nothing of Node, and of src only src/shared', () => {
    assert.deepEqual(violations(['webview'], (spec, target) => isNode(spec) || spec === 'vscode' || (target !== null && under(target, 'src') && !under(target, 'src/shared'))), []);
  });
});
