// `npm run package`: a production build, then `vsce package` under Node 24 (vsce needs Node >= 22; the checkout's
// Node may be 20), writing seisgrow-<version>.vsix at the repository root. Prints the VSIX path and size.
import { execFileSync } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureCodeServer } from './ensure.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

/** Build for production and package the VSIX; returns its absolute path. */
export function packageVsix({ out } = {}) {
  const { node, nodeBin } = ensureCodeServer(root);
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const vsix = out ?? join(root, `${manifest.name}-${manifest.version}.vsix`);
  execFileSync(process.execPath, [join(root, 'esbuild.mjs'), '--production'], { cwd: root, stdio: 'inherit' });
  execFileSync(node, [join(root, 'node_modules/@vscode/vsce/vsce'), 'package',
    // Every dependency is bundled by esbuild, so vsce must not collect node_modules.
    '--no-dependencies', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links', '--out', vsix,
  ], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, PATH: `${nodeBin}:${process.env.PATH}` } });
  return vsix;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const vsix = packageVsix();
  console.log(`packaged ${vsix} (${(statSync(vsix).size / 1024 / 1024).toFixed(2)} MiB)`);
}
