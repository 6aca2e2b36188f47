// `npm start`: builds everything, starts the Signet daemon for a demo home, opens a real VS Code with the
// extension and the demo workspace, and starts the demo agent so that a first approval prompt appears
// within a minute. Desktop VS Code (`code --extensionDevelopmentPath`) is used where it is installed;
// otherwise code-server is installed on demand into .cache/ and served on 127.0.0.1 (its URL is printed).
//
// Everything it creates lives under .signet-demo/ (the daemon's home, code-server's profile). Ctrl+C stops
// what it started.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'node:net';
import { freePort, startCodeServer } from './codeServer.mjs';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const demoRoot = join(repoRoot, '.signet-demo');
const home = resolve(process.env.SIGNET_HOME ?? join(demoRoot, 'home'));
const workspace = join(repoRoot, 'demo');
const cli = join(repoRoot, 'dist', 'cli.js');
const children = [];

function log(line) {
  console.log(`start: ${line}`);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

function runningDaemon() {
  try {
    const runtime = JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8'));
    return alive(runtime.pid) ? runtime : undefined;
  } catch {
    return undefined;
  }
}

/** A keychain is reachable here (a desktop session, or a Secret Service on the session bus). */
function haveKeychain() {
  return process.platform !== 'linux' || Boolean(process.env.DBUS_SESSION_BUS_ADDRESS);
}

async function startDaemon() {
  const existing = runningDaemon();
  if (existing) {
    log(`reusing the Signet daemon already running for ${home} (pid ${existing.pid})`);
    return { runtime: existing, started: false };
  }
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const args = [cli, 'daemon', '--home', home];
  if (!haveKeychain()) {
    args.push('--keystore', 'file');
    log('no keychain reachable (no D-Bus session): the demo daemon keeps its keys in files under the demo home (an explicit, saved opt-in)');
  }
  const out = openSync(join(demoRoot, 'daemon.log'), 'a');
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', out, out], env: { ...process.env, SIGNET_HOME: home } });
  children.push({ name: 'daemon', child, group: true });
  for (let i = 0; i < 200; i++) {
    const runtime = runningDaemon();
    if (runtime) {
      log(`started the Signet daemon (pid ${runtime.pid}, port ${runtime.port}); its log: ${join(demoRoot, 'daemon.log')}`);
      return { runtime, started: true };
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the daemon did not start; see ${join(demoRoot, 'daemon.log')}`);
}

function findDesktopCode() {
  if (process.env.SIGNET_USE_CODE_SERVER === '1') return undefined;
  const found = spawnSync(process.platform === 'win32' ? 'where' : 'sh', process.platform === 'win32' ? ['code'] : ['-c', 'command -v code'], { encoding: 'utf8' });
  const path = found.status === 0 ? found.stdout.trim().split('\n')[0] : undefined;
  // code-server installs a `code-server` binary, and remote shells alias `code` to a server CLI; only a
  // desktop build answers --version with three lines (version, commit, arch).
  if (!path) return undefined;
  const version = spawnSync(path, ['--version'], { encoding: 'utf8' });
  return version.status === 0 && version.stdout.trim().split('\n').length >= 3 ? path : undefined;
}

function portIsFree(port) {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePort(true)));
  });
}

function startDemoAgent() {
  const out = openSync(join(demoRoot, 'demo-agent.log'), 'a');
  const child = spawn(process.execPath, [join(workspace, 'agent.mjs')], { stdio: ['ignore', out, out], env: { ...process.env, SIGNET_HOME: home } });
  children.push({ name: 'demo agent', child, group: false });
  log(`the demo agent is asking for its first rights (its log: ${join(demoRoot, 'demo-agent.log')})`);
}

async function stopAll() {
  for (const { child, group } of children.reverse()) {
    if (child.pid === undefined || child.exitCode !== null) continue;
    try {
      process.kill(group ? -child.pid : child.pid, 'SIGTERM');
    } catch {
      /* gone already */
    }
  }
}

async function main() {
  mkdirSync(demoRoot, { recursive: true });
  log('building');
  const built = spawnSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('the build failed');
  // Protected MCP configs call the stable launcher in the Signet home; keep it pointing at this build.
  spawnSync(process.execPath, [cli, '--home', home, 'launcher'], { cwd: repoRoot, stdio: 'inherit' });
  await startDaemon();

  const code = findDesktopCode();
  let stopEditor = async () => undefined;
  if (code) {
    log(`opening desktop VS Code (${code}) with the extension in development mode`);
    spawn(code, ['--new-window', `--extensionDevelopmentPath=${repoRoot}`, workspace], { stdio: 'ignore', detached: true, env: { ...process.env, SIGNET_HOME: home } }).unref();
  } else {
    const runDir = join(demoRoot, 'code-server');
    const extensions = join(runDir, 'extensions');
    mkdirSync(extensions, { recursive: true });
    // The repository itself is the extension (package.json + dist/), linked in so that a rebuild and
    // "Developer: Reload Window" picks up changes.
    const link = join(extensions, 'signet-dev.signet-0.1.0');
    if (!existsSync(link)) symlinkSync(repoRoot, link, 'dir');
    const settings = join(runDir, 'user-data', 'User', 'settings.json');
    if (!existsSync(settings)) {
      mkdirSync(dirname(settings), { recursive: true });
      const demoSettings = {
        'workbench.startupEditor': 'none',
        'workbench.secondarySideBar.defaultVisibility': 'hidden',
        'git.openRepositoryInParentFolders': 'never',
        'telemetry.telemetryLevel': 'off',
      };
      writeFileSync(settings, `${JSON.stringify(demoSettings, null, 2)}\n`);
    }
    const port = process.env.PORT ? Number(process.env.PORT) : (await portIsFree(8080)) ? 8080 : await freePort();
    log('no desktop VS Code found: starting code-server (installed on demand into .cache/code-server, ≈4 min the first time)');
    const server = await startCodeServer({ runDir, port, folder: workspace, env: { SIGNET_HOME: home } });
    stopEditor = server.stop;
    console.log(`\n  Signet demo: open ${server.url}?folder=${encodeURIComponent(workspace)}\n`);
  }
  startDemoAgent();
  log('press Ctrl+C to stop');
  const shutdown = async () => {
    await stopAll();
    await stopEditor();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
  await new Promise(() => undefined);
}

main().catch(async (error) => {
  console.error(`start: ${error instanceof Error ? error.message : error}`);
  await stopAll();
  process.exit(1);
});
