// Finding the daemon of a Signet home, and starting the bundled one when none runs. There is one daemon
// per home however many windows are open: the runtime file names the running one, a start lock keeps two
// windows from starting one each, and the daemon's own lock refuses a second anyway.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { homePaths, processIsAlive, readRuntimeFile, takePidLock, type PidLock } from '../../../daemon/src/home/signetHome';
import type { DaemonRuntimeFile } from '../../../daemon/src/server/protocol';

export interface StartDaemonOptions {
  home: string;
  /** The CLI script to run (`dist/cli.js` inside the extension, or the user's `signet.daemonPath`). */
  cliPath: string;
  /** The runtime to run it with: the editor's own (`process.execPath` with ELECTRON_RUN_AS_NODE). */
  runtime?: string;
  keystore?: 'keychain' | 'file';
  approvalTimeoutSeconds?: number;
  /** How long to wait for the daemon to write its runtime file. */
  timeoutMs?: number;
  log?: (line: string) => void;
}

export class DaemonStartError extends Error {
  constructor(
    message: string,
    /** The daemon's own words on stderr, when it said why it stopped (e.g. the keychain fix). Shown, never parsed. */
    readonly daemonOutput: string,
    /** The daemon's exit code (see cli/exitCode.ts), or null when it did not exit with one (killed, or still starting). */
    readonly exitCode: number | null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'DaemonStartError';
  }
}

export function startLockPath(home: string): string {
  return join(home, 'daemon.starting');
}

/** Where a daemon started by the extension writes its stdout and stderr. */
export function daemonOutputPath(home: string): string {
  return join(home, 'daemon.out.log');
}

export function findRunningDaemon(home: string): Promise<DaemonRuntimeFile | undefined> {
  return readRuntimeFile(home);
}

/**
 * Returns the running daemon of `home`, starting one if none runs. `started` tells whether this call
 * started it. Safe to call from several windows at once: only one of them spawns a process.
 */
export async function ensureDaemon(options: StartDaemonOptions): Promise<{ runtime: DaemonRuntimeFile; started: boolean }> {
  const existing = await readRuntimeFile(options.home);
  if (existing) return { runtime: existing, started: false };
  mkdirSync(options.home, { recursive: true, mode: 0o700 });
  const timeoutMs = options.timeoutMs ?? 20_000;

  // A daemon that holds its lock but has not written the runtime file yet is starting: wait for it.
  if (liveHolder(homePaths(options.home).lock) !== undefined) {
    return { runtime: await waitForRuntime(options.home, timeoutMs, undefined), started: false };
  }
  const lock = takeStartLock(options.home);
  if (!lock) {
    options.log?.(`another window is starting the Signet daemon for ${options.home}; waiting for it`);
    return { runtime: await waitForRuntime(options.home, timeoutMs, undefined), started: false };
  }
  try {
    const again = await readRuntimeFile(options.home);
    if (again) return { runtime: again, started: false };
    const child = spawnDaemon(options);
    return { runtime: await waitForRuntime(options.home, timeoutMs, child), started: true };
  } finally {
    lock.release();
  }
}

interface SpawnedDaemon {
  pid: number;
  exited(): { code: number | null; signal: string | null } | undefined;
  outputPath: string;
}

function spawnDaemon(options: StartDaemonOptions): SpawnedDaemon {
  const args = [options.cliPath, 'daemon', '--home', options.home];
  if (options.keystore) args.push('--keystore', options.keystore);
  if (options.approvalTimeoutSeconds) args.push('--approval-timeout', String(options.approvalTimeoutSeconds));
  const outputPath = daemonOutputPath(options.home);
  const out = openSync(outputPath, 'a', 0o600);
  writeSync(out, `\n--- ${new Date().toISOString()} started by the Signet extension (pid ${process.pid})\n`);
  const runtime = options.runtime ?? process.execPath;
  options.log?.(`starting the Signet daemon: ${runtime} ${args.join(' ')}`);
  // Detached, in its own process group and with no pipes to us, so that the daemon outlives this window
  // and serves the other windows; ELECTRON_RUN_AS_NODE makes the editor's binary behave as plain Node.
  const child = spawn(runtime, args, {
    detached: true,
    stdio: ['ignore', out, out],
    cwd: homedir(),
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', SIGNET_HOME: options.home },
    windowsHide: true,
  });
  closeSync(out);
  let exit: { code: number | null; signal: string | null } | undefined;
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  child.once('exit', (code, signal) => (exit = { code, signal }));
  child.unref();
  return {
    pid: child.pid ?? -1,
    exited: () => (spawnError ? { code: -1, signal: spawnError.message } : exit),
    outputPath,
  };
}

async function waitForRuntime(home: string, timeoutMs: number, child: SpawnedDaemon | undefined): Promise<DaemonRuntimeFile> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 50; ; delay = Math.min(delay * 2, 500)) {
    const runtime = await readRuntimeFile(home);
    if (runtime) return runtime;
    const exit = child?.exited();
    if (exit) {
      const output = lastDaemonWords(child?.outputPath ?? daemonOutputPath(home));
      throw new DaemonStartError(
        `the Signet daemon stopped while starting (exit ${exit.code ?? exit.signal})${output ? `: ${output}` : ''}`,
        output,
        exit.code,
      );
    }
    if (Date.now() > deadline) {
      throw new DaemonStartError(
        `the Signet daemon for ${home} did not come up within ${Math.round(timeoutMs / 1000)} s; see ${daemonOutputPath(home)}`,
        lastDaemonWords(daemonOutputPath(home)),
        null,
      );
    }
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** The last lines the daemon wrote since our start marker: its reason for stopping, if it gave one. */
function lastDaemonWords(path: string): string {
  try {
    const text = readFileSync(path, 'utf8');
    const since = text.lastIndexOf('\n--- ');
    const lines = text.slice(since >= 0 ? text.indexOf('\n', since + 1) + 1 : 0).trim().split('\n');
    return lines.slice(-6).join('\n').trim();
  } catch {
    return '';
  }
}

function liveHolder(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 && processIsAlive(pid) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** One window starts the daemon at a time; a start lock older than a minute belongs to a window that died. */
function takeStartLock(home: string): PidLock | undefined {
  const taken = takePidLock(startLockPath(home), { staleAfterMs: 60_000 });
  return 'lock' in taken ? taken.lock : undefined;
}
