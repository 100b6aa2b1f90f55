// Fetch what the tests need when it is missing, so `npm test` passes on a fresh machine.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

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
