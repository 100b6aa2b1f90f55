// `npm run test:electron`: the same extension-host tests as the code-server stage, in desktop VS Code downloaded by
// @vscode/test-electron. Needs internet access to update.code.visualstudio.com (not available on CI here, where
// `npm test` runs them in code-server instead: test/vscode/run.mjs).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { runTests } from '@vscode/test-electron';
import { bundleHostTests, hostBundleDir, prepareWorkspaces } from '../test/vscode/fixtures.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
execFileSync(process.execPath, [join(root, 'esbuild.mjs')], { cwd: root, stdio: 'inherit' });
await bundleHostTests();
const base = mkdtempSync(join(tmpdir(), 'seisgrow-electron-'));
const resultsFile = join(base, 'host-results.json');
let code = 0;
try {
  const ws = prepareWorkspaces(base);
  await runTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: join(hostBundleDir, 'index.js'),
    launchArgs: [ws.host, '--disable-extensions', '--disable-workspace-trust', '--user-data-dir', join(base, 'user-data')],
    extensionTestsEnv: { SEISGROW_HOST_RESULTS: resultsFile },
  });
} catch (e) {
  console.error(`desktop VS Code tests failed: ${e.message ?? e}`);
  code = 1;
} finally {
  if (existsSync(resultsFile)) {
    const r = JSON.parse(readFileSync(resultsFile, 'utf8'));
    for (const f of r.failures) console.log(`  ✘ ${f.title}\n${f.error}`);
    console.log(`vscode-electron: ${r.passed} passed, ${r.failed} failed`);
  }
  rmSync(base, { recursive: true, force: true });
}
process.exit(code);
