// Installing Signet's hooks into each client's hook settings, so that the agents' built-in tools (shell, file
// reads and edits) are decided by Signet as the proxy decides MCP tools. Pure text in, text out, through the same
// JSONC editor as the MCP configs, so the user's own hooks, settings, comments and formatting stay as they were.
//
//   Claude Code  .claude/settings.json (or ~/.claude/settings.json)
//                { "hooks": { "PreToolUse": [{ "hooks": [{ "type": "command", "command", "timeout", "onFailure": "block" }] }] } }
//   VS Code      .github/hooks/signet.json
//                { "hooks": { "PreToolUse": [{ "type": "command", "command", "timeout" }] } }
//   Cursor       .cursor/hooks.json (or ~/.cursor/hooks.json)
//                { "version": 1, "hooks": { "beforeShellExecution": [{ "command", "timeout", "failClosed": true }] } }
//
// Fail closed. Each client runs the tool when a hook fails in its own way (Claude Code on an exit other than 0 or
// 2, Cursor on a crash, VS Code on anything but a clear answer). So the command is a shell line whose `||` branch
// runs whenever the launcher cannot start, is missing, or exits non-zero: it prints the client's own deny and
// exits 2, which every one of the three reads as "block". Claude Code's `onFailure: "block"` and Cursor's
// `failClosed` cover what no shell line can: a hook that times out. The events that only report (PostToolUse,
// SessionEnd, Cursor's after-events) come after the call ran: their line only says on stderr that it failed.
// On Windows the same logic is a PowerShell script (windowsHookCommand.ts).
//
// The launcher cannot be shadowed: the command names `$HOME/.signet/bin/signet-hook` (the lean hook entry point,
// hookMain.ts) by its full path (no lookup on `PATH`, which an agent's shell can change); the client's shell
// expands `$HOME` from the client's own environment, so a committed file works for every teammate whose Signet
// home is the default one.
import { applyEdits, modify, type FormattingOptions } from 'jsonc-parser/lib/esm/main.js';
import { join, relative, sep } from 'node:path';
import { parseConfig } from '../mcp/protectConfig';
import { decodedWindowsHookCommand, windowsHookCommandLine } from './windowsHookCommand';

export type HookClient = 'claude-code' | 'vscode' | 'cursor';
export const hookClients: readonly HookClient[] = ['claude-code', 'vscode', 'cursor'];

export interface HookFile {
  client: HookClient;
  path: string;
  scope: 'workspace' | 'user';
}

/** The hook settings file of a client: the workspace's, or with `user` the one in the user's home. */
export function hookFileFor(client: HookClient, workspace: string, userHome: string, scope: 'workspace' | 'user'): HookFile | undefined {
  const base = scope === 'user' ? userHome : workspace;
  switch (client) {
    case 'claude-code':
      return { client, path: join(base, '.claude', 'settings.json'), scope };
    case 'cursor':
      return { client, path: join(base, '.cursor', 'hooks.json'), scope };
    case 'vscode':
      // VS Code reads agent hooks from the workspace only (and Claude Code's files, which the claude-code entry covers).
      return scope === 'workspace' ? { client, path: join(base, '.github', 'hooks', 'signet.json'), scope } : undefined;
  }
}

/** The folders whose presence says a client is used here, for `signet protect` without `--client`. */
export function clientMarkers(client: HookClient, base: string, scope: 'workspace' | 'user'): string[] {
  switch (client) {
    case 'claude-code':
      return [join(base, '.claude'), ...(scope === 'workspace' ? [join(base, 'CLAUDE.md')] : [])];
    case 'cursor':
      return [join(base, '.cursor')];
    case 'vscode':
      return scope === 'workspace' ? [join(base, '.vscode'), join(base, '.github', 'hooks')] : [];
  }
}

/** The events each client's hook is installed for: every one that runs something Signet should decide… */
export const decidedHookEvents: Record<HookClient, readonly string[]> = {
  // PreSkillShellCommand runs the `!` lines of skills and slash commands, which never pass PreToolUse.
  'claude-code': ['PreToolUse', 'PreSkillShellCommand'],
  vscode: ['PreToolUse'],
  cursor: ['beforeShellExecution', 'beforeMCPExecution', 'beforeReadFile'],
};

/**
 * …and every one that reports what came of a call or ends a session: outcomes are audited against the call, and a
 * session approval ends with the client's session. VS Code and Cursor have no session-end event; their session
 * approvals end after an idle time (daemon/src/hooks/clientCalls.ts).
 */
export const reportedHookEvents: Record<HookClient, readonly string[]> = {
  'claude-code': ['PostToolUse', 'PostToolUseFailure', 'SessionEnd'],
  vscode: ['PostToolUse'],
  cursor: ['afterShellExecution', 'afterMCPExecution', 'afterFileEdit'],
};

export const hookEvents: Record<HookClient, readonly string[]> = {
  'claude-code': [...decidedHookEvents['claude-code'], ...reportedHookEvents['claude-code']],
  vscode: [...decidedHookEvents.vscode, ...reportedHookEvents.vscode],
  cursor: [...decidedHookEvents.cursor, ...reportedHookEvents.cursor],
};

const isDecided = (client: HookClient, event: string) => decidedHookEvents[client].includes(event);

/** Seconds the client waits for the hook: longer than the hook's own wait, which is longer than a default approval. */
export const HOOK_ENTRY_TIMEOUT_SECONDS = 150;
/** A report asks no one, so the client need not wait long for it. */
export const REPORT_ENTRY_TIMEOUT_SECONDS = 30;
export const HOOK_DECISION_TIMEOUT_SECONDS = 140;

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * A path for a shell line: `"$HOME/…"` when it lies in the user's home (portable across teammates, expanded from
 * the client's environment), the absolute path otherwise.
 */
export function homeRelativeShellPath(path: string, userHome: string): string {
  const rest = relative(userHome, path);
  if (rest && !rest.startsWith('..') && !rest.startsWith(sep) && !/["$`\\]/.test(rest)) return `"$HOME/${rest.split(sep).join('/')}"`;
  return shellQuote(path);
}

/** What the `||` branch prints: the client's own deny, so that even a client that ignores exit 2 reads a refusal. */
function failureOutput(client: HookClient, event: string): string {
  const reason = 'Signet could not run its hook (the launcher is missing, broken or crashed), so the call is blocked. Run `signet launcher` or the editor command "Signet: Reconnect to Daemon" and try again.';
  if (client === 'cursor') return JSON.stringify(event === 'beforeReadFile' ? { permission: 'deny' } : { permission: 'deny', user_message: reason, agent_message: reason });
  return JSON.stringify({ hookSpecificOutput: { hookEventName: event, permissionDecision: 'deny', permissionDecisionReason: reason } });
}

export interface HookCommandOptions {
  client: HookClient;
  /** The absolute path of the hooks' launcher ($SIGNET_HOME/bin/signet-hook). */
  launcher: string;
  /** The Signet home the hook talks to. */
  home: string;
  userHome: string;
  agent?: string;
  /** The platform whose shell runs the command; win32 gets a PowerShell line (windowsHookCommand.ts). */
  platform?: NodeJS.Platform;
}

/** The shell line a client runs for one event. */
export function hookCommandLine(options: HookCommandOptions, event: string): string {
  if ((options.platform ?? process.platform) === 'win32') {
    return windowsHookCommandLine(options, { timeoutSeconds: HOOK_DECISION_TIMEOUT_SECONDS, denyOutput: isDecided(options.client, event) ? failureOutput(options.client, event) : undefined });
  }
  const launcher = homeRelativeShellPath(options.launcher, options.userHome);
  const home = homeRelativeShellPath(options.home, options.userHome);
  const agent = options.agent ? ` --agent ${shellQuote(options.agent)}` : '';
  const run = `${launcher} --home ${home} ${options.client}${agent} --timeout ${HOOK_DECISION_TIMEOUT_SECONDS}`;
  // A report comes after the call ran: there is nothing left to block, only the failure to say.
  if (!isDecided(options.client, event)) return `${run} || echo 'Signet: the hook could not record this event' >&2`;
  return `${run} || { printf '%s\\n' ${shellQuote(failureOutput(options.client, event))}; echo 'Signet: the hook could not run; the call is blocked' >&2; exit 2; }`;
}

/**
 * True for a hook command Signet installed (by this launcher or another, through `signet-hook` or the older
 * `signet … hook`), for any client; a PowerShell line is read through its encoded script.
 */
export function isSignetHookCommand(command: unknown): boolean {
  if (typeof command !== 'string') return false;
  const text = decodedWindowsHookCommand(command) ?? command;
  return /signet(\.cmd)?"?'?\s+(--home\s+\S+\s+)?hook\s+(claude-code|vscode|cursor)\b/.test(text) || /signet-hook(\.cmd)?"?'?\s+(--home\s+\S+\s+)?(claude-code|vscode|cursor)\b/.test(text);
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export type HookAction = 'installed' | 'updated' | 'already-installed' | 'removed';
export interface HookChange {
  event: string;
  action: HookAction;
}

export interface HookRewrite {
  text: string;
  changed: boolean;
  events: HookChange[];
}

function formattingOf(text: string): FormattingOptions {
  const indented = /^([ \t]+)\S/m.exec(text);
  const indent = indented?.[1] ?? '  ';
  return { insertSpaces: !indent.startsWith('\t'), tabSize: indent.startsWith('\t') ? 1 : indent.length, eol: text.includes('\r\n') ? '\r\n' : '\n' };
}

/** Signet's entry for one event, in the client's shape. */
export function signetEntry(options: HookCommandOptions, event: string): Json {
  const command = hookCommandLine(options, event);
  // Only a deciding event can block; a report's failure must not stop the client from going on.
  if (!isDecided(options.client, event)) {
    if (options.client === 'claude-code') return { hooks: [{ type: 'command', command, timeout: REPORT_ENTRY_TIMEOUT_SECONDS }] };
    return options.client === 'vscode' ? { type: 'command', command, timeout: REPORT_ENTRY_TIMEOUT_SECONDS } : { command, timeout: REPORT_ENTRY_TIMEOUT_SECONDS };
  }
  switch (options.client) {
    case 'claude-code':
      return { hooks: [{ type: 'command', command, timeout: HOOK_ENTRY_TIMEOUT_SECONDS, onFailure: 'block' }] };
    case 'vscode':
      return { type: 'command', command, timeout: HOOK_ENTRY_TIMEOUT_SECONDS };
    case 'cursor':
      return { command, timeout: HOOK_ENTRY_TIMEOUT_SECONDS, failClosed: true };
  }
}

/** Where Signet's command sits in an event's list entry: Claude Code nests commands in matcher groups. */
function entryIsSignets(client: HookClient, entry: unknown): boolean {
  if (!isObject(entry)) return false;
  if (client === 'claude-code') return Array.isArray(entry.hooks) && entry.hooks.some((h) => isObject(h) && isSignetHookCommand(h.command));
  return isSignetHookCommand(entry.command);
}

/**
 * Installs Signet's hook for every event of the client: one entry per event, put first so it runs with the
 * user's own hooks rather than after them, which are kept untouched. Installing twice changes nothing; an entry of
 * an older launcher or home is replaced.
 */
export function installHooksText(text: string, path: string, options: HookCommandOptions): HookRewrite {
  const config = text.trim() === '' ? {} : parseConfig(text, path);
  const formattingOptions = formattingOf(text);
  let out = text.trim() === '' ? (options.client === 'cursor' ? '{\n  "version": 1\n}\n' : '{}\n') : text;
  const events: HookChange[] = [];
  if (options.client === 'cursor' && config.version === undefined) out = applyEdits(out, modify(out, ['version'], 1, { formattingOptions }));
  const hooks = isObject(config.hooks) ? config.hooks : {};
  for (const event of hookEvents[options.client]) {
    const wanted = signetEntry(options, event);
    const list = Array.isArray(hooks[event]) ? (hooks[event] as unknown[]) : undefined;
    const index = list ? list.findIndex((e) => entryIsSignets(options.client, e)) : -1;
    if (index >= 0 && list) {
      if (JSON.stringify(list[index]) === JSON.stringify(wanted)) {
        events.push({ event, action: 'already-installed' });
        continue;
      }
      out = applyEdits(out, modify(out, ['hooks', event, index], wanted, { formattingOptions }));
      events.push({ event, action: 'updated' });
      continue;
    }
    if (list) out = applyEdits(out, modify(out, ['hooks', event, 0], wanted, { formattingOptions, isArrayInsertion: true }));
    else out = applyEdits(out, modify(out, ['hooks', event], [wanted], { formattingOptions }));
    events.push({ event, action: 'installed' });
  }
  return { text: out, changed: out !== text, events };
}
