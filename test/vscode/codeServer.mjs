// Start and stop a private code-server (the real VS Code workbench + a Node extension host) for the vscode test stage.
// Everything it writes goes to one temp folder; it runs in its own process group so the whole tree can be killed.
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A port nobody listens on right now. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** User settings that keep the workbench quiet and deterministic for tests. */
const SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'update.mode': 'none',
  'files.autoSave': 'off',
  'files.hotExit': 'onExitAndWindowClose',
  'window.restoreWindows': 'all',
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

/** Folders for one test run: user data, extensions, XDG config/data, workspaces, logs. */
export function makeRunFolders() {
  const base = mkdtempSync(join(tmpdir(), 'seisgrow-vscode-'));
  const dirs = {
    base,
    userData: join(base, 'user-data'),
    extensions: join(base, 'extensions'),
    xdgConfig: join(base, 'xdg-config'),
    xdgData: join(base, 'xdg-data'),
    config: join(base, 'config.yaml'),
    log: join(base, 'code-server.log'),
  };
  for (const d of [dirs.userData, dirs.extensions, dirs.xdgConfig, dirs.xdgData, join(dirs.userData, 'User')]) mkdirSync(d, { recursive: true });
  writeFileSync(join(dirs.userData, 'User', 'settings.json'), JSON.stringify(SETTINGS, null, 2));
  writeFileSync(dirs.config, 'bind-addr: 127.0.0.1:0\nauth: none\ncert: false\n');
  return dirs;
}

/** Environment for every code-server invocation: Node 24 first on PATH, private XDG folders (no writes to $HOME). */
export function codeServerEnv(tools, dirs, extra = {}) {
  return {
    ...process.env,
    PATH: `${tools.nodeBin}:${process.env.PATH}`,
    XDG_CONFIG_HOME: dirs.xdgConfig,
    XDG_DATA_HOME: dirs.xdgData,
    ...extra,
  };
}

function commonArgs(dirs) {
  return ['--config', dirs.config, '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust'];
}

/** Install a VSIX into the run's extensions folder. */
export function installVsix(tools, dirs, vsix) {
  execFileSync(tools.node, [tools.codeServer, ...commonArgs(dirs), '--install-extension', vsix], {
    env: codeServerEnv(tools, dirs), stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000,
  });
  const listed = execFileSync(tools.node, [tools.codeServer, ...commonArgs(dirs), '--list-extensions', '--show-versions'], {
    env: codeServerEnv(tools, dirs), encoding: 'utf8', timeout: 120_000,
  });
  return listed.trim().split('\n');
}

/**
 * Start code-server on a free port (setsid: its own process group) with the smoke-test driver enabled, wait for
 * /healthz, and return { url, port, pid, stop() }; stop() kills the whole group.
 */
export async function startCodeServer(tools, dirs, env = {}) {
  const port = await freePort();
  // A watchdog shell leads the new process group: when this test process dies (even by SIGKILL) or code-server exits,
  // it kills the whole group, so no server outlives its run.
  const watchdog = 'parent=$1; shift; "$@" & child=$!; while kill -0 "$parent" 2>/dev/null && kill -0 "$child" 2>/dev/null; do sleep 1; done; kill -TERM 0';
  const child = spawn('/bin/sh', ['-c', watchdog, 'watchdog', String(process.pid), tools.node, tools.codeServer, ...commonArgs(dirs),
    '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none',
    '--vscode-option', 'enable-smoke-test-driver', '--vscode-option', 'disable-workspace-trust'], {
    env: codeServerEnv(tools, dirs, env), detached: true, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logChunks = [];
  const keep = (b) => { logChunks.push(b.toString()); writeFileSync(dirs.log, logChunks.join('')); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const stop = () => {
    try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
    const t = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 3000);
    t.unref();
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}:\n${logChunks.join('')}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) return { url, port, pid: child.pid, stop, log: () => (existsSync(dirs.log) ? readFileSync(dirs.log, 'utf8') : '') };
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  stop();
  throw new Error(`code-server did not answer /healthz within 60 s:\n${logChunks.join('')}`);
}
