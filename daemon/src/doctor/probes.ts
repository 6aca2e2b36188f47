// `signet doctor`'s active probes: run a protected server's launcher line, or an installed hook's shell line,
// exactly as the client would, and make a call that must be refused. The process runs with SIGNET_PROBE set, so
// the proxy or hook marks its request as a probe and the daemon refuses it at once, without asking anyone (see
// authz/probeRequests.ts). Only a refusal the daemon itself recorded for this very probe counts as refused (the
// line's output is the probed program's to write); an answer from the server, an allow, or a fail-closed fallback
// is reported with what it means.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { PROBE_ENV } from '../authz/probeRequests';
import type { ClientKind } from '../clients/clientConfigs';
import type { ProbeResult } from './doctorReport';
import { unrefusedDetail, type DaemonVerdict } from './probeVerdict';

export interface ProbeContext {
  workspace: string;
  userHome: string;
  timeoutMs: number;
  /** The daemon's word on a probe, asked once the probed line has answered (probeVerdict.ts). */
  verdictOn: (probeId: string) => Promise<DaemonVerdict>;
}

export const PROBE_TOOL = 'signet_doctor_probe';

export function newProbeId(): string {
  return `probe-${randomUUID()}`;
}

/** A config value with the variables the clients expand: `${workspaceFolder}`, `${userHome}`, `${env:X}`, Claude Code's `${X}`. */
export function expandClientVariables(value: string, context: Pick<ProbeContext, 'workspace' | 'userHome'>, env: NodeJS.ProcessEnv = process.env): string {
  return value.replace(/\$\{([^}]+)\}/g, (whole, name: string) => {
    if (name === 'workspaceFolder') return context.workspace;
    if (name === 'userHome') return context.userHome;
    const [variable = '', fallback] = name.startsWith('env:') ? [name.slice(4)] : name.split(':-');
    return env[variable] ?? fallback ?? whole;
  });
}

interface Run {
  stdout: string;
  stderr: string;
  code: number | null;
  /** Set when the process could not be started at all. */
  spawnError?: string;
  timedOut: boolean;
}

/**
 * Runs a command with `stdin`, until `done(stdout)` says the answer is in (then the process group is stopped), it
 * exits, or the time is up. The process leads its own group so that a proxy's server goes with it. An MCP client
 * keeps stdin open after its first requests (a server may read EOF as "the client left" and exit unanswered).
 */
function runUntil(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; stdin: string; keepStdinOpen?: boolean; timeoutMs: number; done?: (stdout: string) => boolean },
): Promise<Run> {
  return new Promise((resolve) => {
    const run: Run = { stdout: '', stderr: '', code: null, timedOut: false };
    const child = spawn(command, [...args], { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'], detached: process.platform !== 'win32' });
    const stop = () => {
      try {
        if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, 'SIGTERM');
        else child.kill('SIGTERM');
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      run.timedOut = true;
      stop();
    }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      run.stdout += chunk.toString('utf8');
      if (options.done?.(run.stdout)) stop();
    });
    child.stderr.on('data', (chunk: Buffer) => (run.stderr = (run.stderr + chunk.toString('utf8')).slice(-4000)));
    child.stdin.on('error', () => undefined);
    child.on('error', (error) => (run.spawnError = error.message));
    child.on('close', (code) => {
      clearTimeout(timer);
      run.code = code;
      resolve(run);
    });
    if (options.keepStdinOpen) child.stdin.write(options.stdin);
    else child.stdin.end(options.stdin);
  });
}

function lastLines(text: string, count = 3): string {
  return text.trim().split('\n').slice(-count).join(' | ');
}

function jsonLines(text: string): Record<string, unknown>[] {
  return text.split('\n').flatMap((line) => {
    try {
      const value: unknown = JSON.parse(line);
      return value && typeof value === 'object' && !Array.isArray(value) ? [value as Record<string, unknown>] : [];
    } catch {
      return [];
    }
  });
}

const PROBE_CALL_ID = 'signet-doctor-probe';

/** True for an MCP answer that refuses the call: a JSON-RPC error, or a tool result marked as an error. */
function refusesTheCall(answer: Record<string, unknown>): boolean {
  const result = answer.result;
  return answer.error !== undefined || (typeof result === 'object' && result !== null && (result as Record<string, unknown>).isError === true);
}

/**
 * What the server's launcher line answered to the probe's tools/call. Refused only when the daemon recorded its
 * refusal of this very probe and the line then refused the call; the answer's words alone prove nothing.
 */
export function classifyServerAnswer(answer: Record<string, unknown> | undefined, probeId: string, run: Pick<Run, 'code' | 'stderr' | 'spawnError' | 'timedOut'>, verdict: DaemonVerdict): ProbeResult {
  if (!answer) {
    if (run.spawnError) return { outcome: 'did-not-start', ok: false, detail: `the launcher line could not be started: ${run.spawnError}` };
    if (run.timedOut) return { outcome: 'no-answer', ok: false, detail: `nothing answered the probe in time${run.stderr ? `; stderr: ${lastLines(run.stderr)}` : ''}` };
    return { outcome: 'did-not-start', ok: false, detail: `the launcher line exited (status ${run.code}) without answering${run.stderr ? `: ${lastLines(run.stderr)}` : ''}` };
  }
  const text = JSON.stringify(answer.result ?? answer.error ?? null);
  if (verdict.refused && refusesTheCall(answer)) return { outcome: 'refused', ok: true, detail: 'refused by Signet before it reached the server' };
  if (verdict.refused) return { outcome: 'went-through', ok: false, detail: `Signet refused the probe, yet the line answered as though the call ran: ${text.slice(0, 300)}` };
  if (text.includes(probeId)) return { outcome: 'went-through', ok: false, detail: `${unrefusedDetail(verdict)}: ${text.slice(0, 300)}` };
  if (/Signet refused/.test(text)) {
    return { outcome: 'fallback-blocked', ok: false, detail: `refused by a Signet that did not see this probe (a daemon of another Signet home, none running for the home this line uses, or an older Signet): ${text.slice(0, 300)}` };
  }
  return { outcome: 'went-through', ok: false, detail: `the call reached the server, which answered: ${text.slice(0, 300)}` };
}

/**
 * The launcher line doctor runs for a protected server: the launcher and the proxy's own options exactly as
 * written, with the server replaced by a stand-in that never answers. A workspace config may come from a
 * repository nobody has trusted yet, and a client asks before it starts such a server; doctor must not start it
 * unasked. The refusal happens in the proxy, before anything reaches a server, so the stand-in changes nothing
 * that is probed. The entry's env is left out for the same reason (NODE_OPTIONS there would run code in the
 * launcher's own Node), and so are `--url` and `--header`: no request leaves for the server's address.
 */
export function probeLineOf(entry: Record<string, unknown>, context: Pick<ProbeContext, 'workspace' | 'userHome'>): { command: string; args: string[] } {
  const expand = (v: string) => expandClientVariables(v, context);
  const command = typeof entry.command === 'string' ? expand(entry.command) : '';
  const written = Array.isArray(entry.args) ? entry.args.filter((a): a is string => typeof a === 'string') : [];
  const proxyOptions: string[] = [];
  for (let i = 0; i < written.length; i++) {
    const arg = written[i] as string;
    if (arg === '--' || arg === '--url') break;
    if (arg === '--header') i++;
    else proxyOptions.push(expand(arg));
  }
  return { command, args: [...proxyOptions, '--', process.execPath, '-e', 'process.stdin.resume()'] };
}

/** Runs a protected server's launcher line (see probeLineOf), sends initialize, then a tools/call that must be refused. */
export async function probeServerLine(entry: Record<string, unknown>, probeId: string, context: ProbeContext): Promise<ProbeResult> {
  const { command, args } = probeLineOf(entry, context);
  const messages = [
    { jsonrpc: '2.0', id: 'signet-doctor-init', method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'signet-doctor', version: '1' } } },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { jsonrpc: '2.0', id: PROBE_CALL_ID, method: 'tools/call', params: { name: PROBE_TOOL, arguments: {} } },
  ];
  const answerOf = (stdout: string) => jsonLines(stdout).find((m) => m.id === PROBE_CALL_ID);
  const stdin = `${messages.map((m) => JSON.stringify(m)).join('\n')}\n`;
  const env = { ...process.env, [PROBE_ENV]: probeId };
  const run = await runUntil(command, args, { cwd: context.workspace, env, stdin, keepStdinOpen: true, timeoutMs: context.timeoutMs, done: (out) => answerOf(out) !== undefined });
  return classifyServerAnswer(answerOf(run.stdout), probeId, run, await context.verdictOn(probeId));
}

/**
 * True for a hook line doctor may run: one simple command (no `;`, `&`, `|`, redirects, substitutions), optionally
 * followed by exactly the fail-closed branch protect writes (which the caller has checked). A settings file may
 * come from an untrusted repository too, and `launcher hook x; curl … | sh` must not run because doctor looked.
 */
export function isRunnableHookLine(command: string, failClosedBranch: string | undefined): boolean {
  const run = failClosedBranch && command.endsWith(failClosedBranch) ? command.slice(0, -failClosedBranch.length) : command;
  return run.trim() !== '' && !/[;&|`<>()\n]|\$\(/.test(run);
}

/** The hook input a client sends before a call that must be refused, for one event. */
export function probeHookInput(client: ClientKind, event: string, workspace: string): Record<string, unknown> {
  const command = 'echo signet-doctor-probe';
  if (client === 'cursor') {
    const common = { hook_event_name: event, conversation_id: 'signet-doctor', generation_id: 'signet-doctor', workspace_roots: [workspace] };
    if (event === 'beforeReadFile') return { ...common, file_path: `${workspace}/.signet-doctor-probe`, content: '', attachments: [] };
    if (event === 'beforeMCPExecution') return { ...common, tool_name: PROBE_TOOL, tool_input: '{}', command: 'signet-doctor-probe-server' };
    return { ...common, command, cwd: workspace };
  }
  const common = client === 'vscode' ? { hookEventName: event, sessionId: 'signet-doctor', cwd: workspace } : { hook_event_name: event, session_id: 'signet-doctor', cwd: workspace, transcript_path: '', permission_mode: 'default' };
  return { ...common, tool_name: 'Bash', tool_input: { command }, tool_use_id: 'signet-doctor-probe', ...(event === 'PreSkillShellCommand' ? { command_name: 'signet-doctor', invoked_by: 'user' } : {}) };
}

/** What a hook's shell line answered to the probe's input: refused only by a deny the daemon recorded for this probe. */
export function classifyHookAnswer(client: ClientKind, probeId: string, run: Pick<Run, 'stdout' | 'stderr' | 'code' | 'spawnError' | 'timedOut'>, verdict: DaemonVerdict): ProbeResult {
  if (run.spawnError) return { outcome: 'did-not-start', ok: false, detail: `the shell could not be started: ${run.spawnError}` };
  if (run.timedOut) return { outcome: 'no-answer', ok: false, detail: 'the hook did not answer in time' };
  const answer = jsonLines(run.stdout).at(-1);
  const output = answer?.hookSpecificOutput as Record<string, unknown> | undefined;
  const decision = client === 'cursor' ? answer?.permission : output?.permissionDecision;
  const text = JSON.stringify(answer ?? null);
  if (decision === 'deny' && run.code === 0 && verdict.refused) return { outcome: 'refused', ok: true, detail: 'refused by Signet' };
  if (run.code === 2) {
    return { outcome: 'fallback-blocked', ok: false, detail: `blocked, but not by Signet's decision: the hook failed (status 2)${run.stderr ? `: ${lastLines(run.stderr)}` : ''}; every call is blocked until its launcher runs again` };
  }
  if (verdict.refused) return { outcome: 'went-through', ok: false, detail: `Signet refused the probe, yet the hook let the call go on (status ${run.code}, answer ${text.slice(0, 200)})` };
  if (decision === 'deny' && text.includes(probeId)) return { outcome: 'went-through', ok: false, detail: `${unrefusedDetail(verdict)}: ${text.slice(0, 200)}` };
  if (decision === 'deny') return { outcome: 'fallback-blocked', ok: false, detail: `denied, but not as this probe (an older Signet, or another program answering): ${text.slice(0, 200)}` };
  return { outcome: 'went-through', ok: false, detail: `the hook let the call go on (status ${run.code}, answer ${text.slice(0, 200)})` };
}

/** Runs an installed hook's shell line as the client does (`sh -c`, the hook input on stdin) with a probe's input. */
export async function probeHookCommand(client: ClientKind, event: string, command: string, probeId: string, context: ProbeContext): Promise<ProbeResult> {
  const input = JSON.stringify(probeHookInput(client, event, context.workspace));
  const env = { ...process.env, HOME: context.userHome, [PROBE_ENV]: probeId };
  const run = await runUntil('/bin/sh', ['-c', command], { cwd: context.workspace, env, stdin: `${input}\n`, timeoutMs: context.timeoutMs });
  return classifyHookAnswer(client, probeId, run, await context.verdictOn(probeId));
}
