// The `signet` CLI and daemon as real processes on a home, for tests that stop, kill and restart them.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
export const cliPath = join(root, 'dist/cli.js');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runSignet(home: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CliRun> {
  return runProgram(process.execPath, [cliPath, '--home', home, ...args], { env });
}

/**
 * Runs a program to its end without blocking this process: a daemon this process talks to (or a workbench it clicks
 * in) must keep going while the program waits on it, as `git commit` waits on a prompt.
 */
export function runProgram(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: options.env ?? process.env, ...(options.cwd ? { cwd: options.cwd } : {}), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A node script run as a client runs a hook: one process, `stdin` written and closed, its output collected. */
export function runScriptWithStdin(script: string, args: string[], stdin: string): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

export interface DaemonProcess {
  child: ChildProcess;
  port: number;
  agentToken: string;
  stderr(): string;
}

/** Starts `signet daemon` and waits for the runtime file naming this process. */
export async function startDaemonProcess(home: string, extra: string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<DaemonProcess> {
  const child = spawn(process.execPath, [cliPath, '--home', home, 'daemon', ...extra], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c));
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      const runtime = JSON.parse(readFileSync(join(home, 'daemon.json'), 'utf8')) as { pid: number; port: number; agentToken: string };
      if (runtime.pid === child.pid) return { child, port: runtime.port, agentToken: runtime.agentToken, stderr: () => stderr };
    } catch {
      /* not written yet */
    }
    if (child.exitCode !== null) throw new Error(`the daemon exited early (${child.exitCode}): ${stderr}`);
    if (Date.now() > deadline) throw new Error(`the daemon did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code))));
}

/** Stops a daemon as a user would (SIGTERM) or as a crash would (SIGKILL), and waits for it to be gone. */
export async function stopDaemonProcess(daemon: DaemonProcess, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
  const gone = exited(daemon.child);
  daemon.child.kill(signal);
  await gone;
}

export async function pendingApprovalId(home: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const listed = await runSignet(home, ['--json', 'approvals']);
    const pending = (JSON.parse(listed.stdout) as { pending: { id: string }[] }).pending;
    if (pending[0]) return pending[0].id;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('no approval became pending');
}
