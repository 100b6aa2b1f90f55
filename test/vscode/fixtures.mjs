// Shared by the code-server stage (run.mjs) and the desktop runner (scripts/test-electron.mjs): the test workspaces
// (copies of real data) and the bundle of extension-host tests.
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const bundleDir = join(root, '.cache', 'vscode-tests', 'host');

/** Where the bundled host tests go: index.js (the extensionTestsPath) and tests.js. */
export const hostBundleDir = bundleDir;

/** F3 from the shared data folder when present, else the embedded copy (the same real survey crop). */
function f3Path() {
  const shared = join(root, '..', 'shared', 'data', 'segy', 'f3.sgy');
  return existsSync(shared) ? shared : join(root, 'samples', 'f3.sgy');
}

/** A uint8 NPY of the given shape, all 255: a sidecar that does not fit the volume beside it. */
function wrongShapeSidecar(shape) {
  const dict = `{'descr': '|u1', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const text = dict + ' '.repeat(total - 10 - dict.length - 1) + '\n';
  const head = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(head);
  head.writeUInt16LE(text.length, 8);
  return Buffer.concat([head, Buffer.from(text, 'latin1'), Buffer.alloc(shape.reduce((a, b) => a * b, 1), 255)]);
}

/** Two workspaces under `base`: ws-host (f3.sgy, line.npy, broken.sgy, wrongshape.sgy + bad sidecar) and ws-ui (f3.sgy). */
export function prepareWorkspaces(base) {
  const host = join(base, 'ws-host');
  const ui = join(base, 'ws-ui');
  mkdirSync(host, { recursive: true });
  mkdirSync(ui, { recursive: true });
  copyFileSync(f3Path(), join(host, 'f3.sgy'));
  copyFileSync(join(root, 'samples', 'f3_inline130_crop_seismic.npy'), join(host, 'line.npy'));
  writeFileSync(join(host, 'broken.sgy'), 'This is a text file with a .sgy name, not SEG-Y.\n');
  copyFileSync(f3Path(), join(host, 'wrongshape.sgy'));
  writeFileSync(join(host, 'wrongshape.labels.npy'), wrongShapeSidecar([2, 3, 4]));
  copyFileSync(f3Path(), join(ui, 'f3.sgy'));
  return { host, ui };
}

/** Bundle the host runner and the host tests (the real `vscode` and mocha stay external). */
export async function bundleHostTests() {
  rmSync(bundleDir, { recursive: true, force: true });
  const common = { bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', 'mocha'], sourcemap: 'inline', logLevel: 'warning' };
  await esbuild.build({ ...common, entryPoints: [join(root, 'test/vscode/host/index.ts')], outfile: join(bundleDir, 'index.js') });
  const tests = readdirSync(join(root, 'test/vscode/host')).filter((f) => f.endsWith('.test.ts')).sort();
  await esbuild.build({
    ...common,
    stdin: { contents: tests.map((f) => `import './test/vscode/host/${f}';`).join('\n'), resolveDir: root, loader: 'ts', sourcefile: 'host-tests.ts' },
    outfile: join(bundleDir, 'tests.js'),
  });
  return tests.length;
}

