// The `vscode` stage of `npm test`: the extension in a REAL VS Code (code-server's workbench + Node extension host).
//  1. fetch what is missing (chromium, Node 24 + code-server into .cache/), build, bundle the host tests, package the VSIX
//  2. start a private code-server (setsid, 127.0.0.1, free port, --auth none, temp user-data/extensions/XDG folders,
//     smoke-test driver on) and install the VSIX
//  3. extension-host tests: mocha inside the host with the real `vscode` module, via the smoke-test-driver payload
//  4. UI tests: playwright-core + /usr/bin/chromium drive the workbench (open F3, paint, save, hot exit), screenshots
//     in test-artifacts/vscode/
// The whole code-server process group is killed at the end, even on failure. Prints `vscode: N passed, N failed`.
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { ensureChromium, ensureCodeServer } from '../../scripts/ensure.mjs';
import { packageVsix } from '../../scripts/package.mjs';
import { installVsix, makeRunFolders, startCodeServer } from './codeServer.mjs';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const artifacts = join(root, 'test-artifacts', 'vscode');
const bundleDir = join(root, '.cache', 'vscode-tests', 'host');
const keepTemp = process.env.SEISGROW_KEEP_TEMP === '1';
let activeServer;

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

function prepareWorkspaces(base) {
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
async function bundleHostTests() {
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
