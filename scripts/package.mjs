// `npm run package`: a production build, then `vsce package` under Node 24 (vsce needs Node >= 22; the checkout's
// Node may be 20), writing seisgrow-<version>.vsix at the repository root. Prints the VSIX path and size.
// vsce runs in a private staging copy (.cache/package-stage) so a concurrent build rewriting dist/ cannot corrupt
// the archive half-way.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureCodeServer } from './ensure.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

/** What the VSIX is made of (.vscodeignore then trims it further). */
const STAGED = ['package.json', 'README.md', '.vscodeignore', 'dist', 'media', 'samples'];

/** Build for production and package the VSIX; returns its absolute path. */
export function packageVsix({ out } = {}) {
  const { node, nodeBin } = ensureCodeServer(root);
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const vsix = out ?? join(root, `${manifest.name}-${manifest.version}.vsix`);
  execFileSync(process.execPath, [join(root, 'esbuild.mjs'), '--production'], { cwd: root, stdio: 'inherit' });
  const stage = join(root, '.cache', 'package-stage');
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  const licences = readdirSync(root).filter((f) => /^LICEN[CS]E/i.test(f));
  for (const entry of [...STAGED, ...licences]) {
    if (!existsSync(join(root, entry))) continue;
    cpSync(join(root, entry), join(stage, entry), { recursive: true, filter: (src) => !src.endsWith('.map') });
  }
  execFileSync(node, [join(root, 'node_modules/@vscode/vsce/vsce'), 'package',
    // Every dependency is bundled by esbuild, so vsce must not collect node_modules.
    '--no-dependencies', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '--out', vsix,
  ], { cwd: stage, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, PATH: `${nodeBin}:${process.env.PATH}` } });
  rmSync(stage, { recursive: true, force: true });
  return vsix;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const vsix = packageVsix();
  console.log(`packaged ${vsix} (${(statSync(vsix).size / 1024 / 1024).toFixed(2)} MiB)`);
}
