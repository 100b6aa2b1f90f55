// The `vscode` stage of `npm test`: the extension in a REAL VS Code (code-server's workbench + Node extension host).
//  1. fetch what is missing (chromium, Node 24 + code-server into .cache/), build, bundle the host tests, package the VSIX
//  2. start a private code-server (setsid, 127.0.0.1, free port, --auth none, temp user-data/extensions/XDG folders,
//     smoke-test driver on) and install the VSIX
//  3. extension-host tests: mocha inside the host with the real `vscode` module, via the smoke-test-driver payload
//  4. UI tests: playwright-core + /usr/bin/chromium drive the workbench (open F3, paint, save, hot exit), screenshots
//     in test-artifacts/vscode/
// The whole code-server process group is killed at the end, even on failure. Prints `vscode: N passed, N failed`.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { ensureChromium, ensureCodeServer } from '../../scripts/ensure.mjs';
import { packageVsix } from '../../scripts/package.mjs';
import { installVsix, makeRunFolders, startCodeServer } from './codeServer.mjs';
import { bundleHostTests, hostBundleDir, prepareWorkspaces } from './fixtures.mjs';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const artifacts = join(root, 'test-artifacts', 'vscode');
const bundleDir = hostBundleDir;
const keepTemp = process.env.SEISGROW_KEEP_TEMP === '1';
let activeServer;

/** Every workbench UI test file in test/vscode (the editor's own first). */
function uiTestFiles() {
  const files = readdirSync(join(root, 'test/vscode')).filter((f) => f.endsWith('.test.ts')).sort();
  return [...files.filter((f) => f === 'ui.test.ts'), ...files.filter((f) => f !== 'ui.test.ts')].map((f) => `test/vscode/${f}`);
}

function run(cmd, args, env) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b) => { out += b; process.stdout.write(b); });
    child.stderr.on('data', (b) => { out += b; process.stderr.write(b); });
    child.on('close', (code) => resolve({ code, out }));
  });
}

const BROWSER_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];

/** Run the extension-host tests through the smoke-test-driver payload; returns {passed, failed}. */
async function runHostTests(server, ws, resultsFile) {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: BROWSER_ARGS });
  try {
    const page = await (await browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    let exitCode;
    let resolveExit;
    const exited = new Promise((resolve) => { resolveExit = resolve; });
    await page.exposeFunction('codeAutomationExit', (code) => { exitCode = code; resolveExit(code); });
    await page.exposeFunction('codeAutomationLog', (type, args) => {
      const text = Array.isArray(args) ? args.join(' ') : String(args);
      if (/SeisGrow|seisgrow|host test|Error/.test(text)) console.log(`  [host ${type}] ${text.slice(0, 400)}`);
    });
    const payload = [
      ['extensionDevelopmentPath', `vscode-remote://remote${root}`],
      ['extensionTestsPath', `vscode-remote://remote${bundleDir}/index.js`],
    ];
    await page.goto(`${server.url}/?folder=${encodeURIComponent(ws)}&payload=${encodeURIComponent(JSON.stringify(payload))}`);
    const timeout = new Promise((resolve) => setTimeout(() => resolve('timeout'), 240_000));
    const outcome = await Promise.race([exited, timeout]);
    await page.screenshot({ path: join(artifacts, 'host-tests.png') }).catch(() => undefined);
    if (outcome === 'timeout') console.error('host tests: no exit code within 240 s');
    if (!existsSync(resultsFile)) {
      console.error(`host tests wrote no results (exit code ${exitCode}); code-server log tail:\n${server.log().slice(-3000)}`);
      return { passed: 0, failed: 1 };
    }
    const results = JSON.parse(readFileSync(resultsFile, 'utf8'));
    for (const t of results.passes) console.log(`  ✔ [host] ${t}`);
    for (const f of results.failures) console.log(`  ✘ [host] ${f.title}\n${f.error.split('\n').slice(0, 8).map((l) => `      ${l}`).join('\n')}`);
    return { passed: results.passed, failed: results.failed + (exitCode === 0 || results.failed > 0 ? 0 : 1) };
  } finally {
    await browser.close();
  }
}

async function main() {
  // Ctrl+C or a kill of this runner still takes the server down (the watchdog covers SIGKILL).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(signal, () => { activeServer?.stop(); process.exit(130); });
  mkdirSync(artifacts, { recursive: true });
  let passed = 0;
  let failed = 0;
  let server;
  const dirs = makeRunFolders();
  const started = Date.now();
  const step = (what) => console.log(`[vscode ${((Date.now() - started) / 1000).toFixed(1)} s] ${what}`);
  try {
    step('ensuring chromium, Node 24 and code-server');
    ensureChromium();
    const tools = ensureCodeServer(root);
    step('packaging the VSIX (production build)');
    const vsix = packageVsix({ out: join(dirs.base, 'seisgrow.vsix') });
    // The host tests load the extension from the checkout (extensionDevelopmentPath): give it a development build.
    step('development build and host-test bundle');
    await run(process.execPath, [join(root, 'esbuild.mjs')]);
    const hostTestFiles = await bundleHostTests();
    step(`installing the VSIX into a private code-server (${hostTestFiles} host test file(s))`);
    const installed = installVsix(tools, dirs, vsix);
    if (!installed.some((l) => l.startsWith('seisgrow.seisgrow@'))) throw new Error(`the VSIX did not install: ${installed.join(', ')}`);
    const ws = prepareWorkspaces(dirs.base);
    const resultsFile = join(dirs.base, 'host-results.json');
    server = await startCodeServer(tools, dirs, { SEISGROW_HOST_RESULTS: resultsFile });
    activeServer = server;
    step(`code-server up at ${server.url}; extension-host tests`);
    // SEISGROW_VSCODE_SKIP_HOST=1 is for iterating on the UI tests only; the stage itself always runs both.
    const host = process.env.SEISGROW_VSCODE_SKIP_HOST === '1' ? { passed: 0, failed: 0 } : await runHostTests(server, ws.host, resultsFile);
    passed += host.passed;
    failed += host.failed;
    step(`host tests: ${host.passed} passed, ${host.failed} failed; UI tests`);
    const ui = await run(process.execPath, ['node_modules/mocha/bin/mocha.js', '--require', 'tsx/cjs', '--reporter', 'test/support/countingReporter.cjs',
      '--timeout', '120000', ...uiTestFiles()], {
      SEISGROW_TEST_STAGE: 'vscode-ui', SEISGROW_CODE_SERVER_URL: server.url, SEISGROW_UI_WORKSPACE: ws.ui, SEISGROW_ARTIFACTS: artifacts,
    });
    const m = /vscode-ui: (\d+) passed, (\d+) failed/.exec(ui.out);
    if (m) { passed += Number(m[1]); failed += Number(m[2]); } else failed += 1;
    if (ui.code !== 0 && !(m && Number(m[2]) > 0)) failed += 1;
    step('done');
  } catch (e) {
    console.error(`vscode stage setup failed: ${e.stack ?? e}`);
    if (server) console.error(`code-server log tail:\n${server.log().slice(-3000)}`);
    failed += 1;
  } finally {
    server?.stop();
    if (!keepTemp) setTimeout(() => rmSync(dirs.base, { recursive: true, force: true }), 3500).unref?.();
  }
  console.log(`vscode: ${passed} passed, ${failed} failed`);
  // Give the group kill its grace period before exiting (the SIGKILL fallback timer is unref'd).
  await new Promise((r) => setTimeout(r, 3600));
  if (!keepTemp) rmSync(dirs.base, { recursive: true, force: true });
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
}

await main();
