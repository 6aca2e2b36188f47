// What `signet doctor` can tell from the config files alone: is each MCP server wrapped by the proxy, and is each
// client's Signet hook installed, failing closed, and pointing at a launcher that exists. The active probes
// (probes.ts) then check that what the files say is what happens.
import { accessSync, constants } from 'node:fs';
import { isAbsolute } from 'node:path';
import type { ClientConfigState, ClientKind, ConfiguredHook, ConfiguredServer, HookFileState, McpConfigState } from '../clients/clientConfigs';
import { requiredHookEvents } from '../clients/clientConfigs';
import { hookCommandLine, isSignetHookCommand } from '../hooks/hookSettings';
import { isProtectedEntry, protectEntry } from '../mcp/protectConfig';
import type { DoctorItem, ProtectAction } from './doctorReport';
import { isRunnableHookLine } from './probes';

export interface CheckContext {
  workspace: string;
  userHome: string;
  /** The launcher of this Signet home, which `signet protect` writes into configs. */
  launcher: string;
  /**
   * The launchers a hook line of this home may start: `signet-hook` (the lean entry point `signet protect` writes
   * into hook files) and the CLI's own launcher (`signet … hook CLIENT`, as hooks were installed before).
   */
  hookLaunchers: readonly string[];
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Problems with a launcher path named in a config: relative (so looked up on PATH), not there, or not this home's
 * launcher (any program named `signet` could answer a probe as Signet would; only the home's own is trusted).
 */
export function launcherProblems(path: string | undefined, expected?: string | readonly string[]): string[] {
  if (path === undefined || path === '') return ['no launcher is named'];
  if (!isAbsolute(path)) return [`the launcher "${path}" is looked up on PATH, where an agent's shell can put its own "signet" first`];
  if (!isExecutable(path)) return [`the launcher ${path} does not exist or cannot be run`];
  const trusted = typeof expected === 'string' ? [expected] : expected;
  return trusted !== undefined && !trusted.includes(path) ? [`the launcher ${path} is not this Signet home's launcher ${trusted.join(' or ')}`] : [];
}

/** True for a path that names a program which exists but is not this home's launcher: doctor never runs one. */
export function isForeignProgram(path: string, launchers: readonly string[]): boolean {
  return !launchers.includes(path) && isAbsolute(path) && isExecutable(path);
}

/** The program a hook's shell line starts: its first word, with `$HOME` (or `~`) expanded as the client's shell would. */
export function launcherOfHookCommand(command: string, userHome: string): string {
  const text = command.trimStart();
  const quote = text[0] === '"' || text[0] === "'" ? text[0] : undefined;
  let word: string;
  if (quote) {
    const close = text.indexOf(quote, 1);
    word = text.slice(1, close < 0 ? undefined : close);
  } else {
    word = /^\S*/.exec(text)?.[0] ?? '';
  }
  return word.replace(/^(\$HOME|\$\{HOME\}|~)(?=\/|$)/, userHome);
}

/**
 * True when a hook's shell line is one simple command followed by exactly the fail-closed branch `signet protect`
 * writes for this client and event: any failure of the launcher prints the client's deny and exits 2. Anything
 * else between the two (`|| true;`, a second `;` command, a redirect) could let a failure pass, so it is not
 * taken as failing closed.
 */
export function hasFailClosedBranch(command: string, client: ClientKind, event: string): boolean {
  const branch = failClosedBranchOf(client, event);
  return command.endsWith(branch) && isRunnableHookLine(command, branch);
}

/** The `|| { … exit 2; }` branch protect writes for a client's event. */
export function failClosedBranchOf(client: ClientKind, event: string): string {
  const written = hookCommandLine({ client, launcher: '/signet', home: '/home', userHome: '/nowhere' }, event);
  return written.slice(written.indexOf(' || { '));
}

function protectArgs(client: ClientKind, context: CheckContext, options: { hooks: boolean; user?: boolean }): ProtectAction {
  return { args: ['protect', '--client', client, '--workspace', context.workspace, ...(options.hooks ? [] : ['--no-hooks']), ...(options.user ? ['--user'] : [])] };
}

function checkServer(client: ClientKind, config: McpConfigState, server: ConfiguredServer, context: CheckContext): DoctorItem {
  const base = { id: `server:${client}:${config.file.path}:${server.name}`, kind: 'server' as const, client, name: server.name, path: config.file.path, scope: config.file.scope };
  const protect = protectArgs(client, context, { hooks: false });
  if (!isProtectedEntry(server.entry)) {
    // Asked only whether protect could wrap it; the agent name makes no difference to that.
    const result = protectEntry(server.name, server.entry, { serversKey: config.file.serversKey, launcher: context.launcher, agent: 'copilot' });
    if ('skip' in result) {
      return { ...base, ok: false, summary: 'not wrapped by the proxy, and signet protect cannot wrap it', problems: [`its calls go straight to the server: ${result.skip}`], fix: `Change the entry in ${config.file.path} by hand: ${result.skip}.` };
    }
    return { ...base, ok: false, summary: 'not wrapped by the proxy: its tools run without asking Signet', problems: ['its calls go straight to the server'], fix: `signet ${protect.args.join(' ')}`, protect };
  }
  const launcher = typeof server.entry.command === 'string' ? server.entry.command : undefined;
  const problems = launcherProblems(launcher, context.launcher);
  if (problems.length) return { ...base, ok: false, summary: 'wrapped, but its launcher cannot run: the client cannot start it', problems, fix: `signet ${protect.args.join(' ')} (rewrites the launcher and the entry)`, protect };
  return { ...base, ok: true, summary: 'wrapped by the proxy', problems: [] };
}

function hookProblems(client: ClientKind, hook: ConfiguredHook, context: CheckContext): string[] {
  const problems: string[] = [];
  if (!hasFailClosedBranch(hook.command, client, hook.event)) problems.push('the command has no fail-closed branch: if the launcher is missing or crashes, the client runs the tool');
  if (client === 'claude-code' && hook.onFailure !== 'block') problems.push('the entry lacks "onFailure": "block": Claude Code runs the tool when the hook times out');
  if (client === 'cursor' && hook.failClosed !== true) problems.push('the entry lacks "failClosed": true: Cursor runs the tool when the hook crashes or times out');
  if (client === 'claude-code' && typeof hook.matcher === 'string' && hook.matcher !== '' && hook.matcher !== '*') problems.push(`the entry only runs for tools matching "${hook.matcher}"`);
  problems.push(...launcherProblems(launcherOfHookCommand(hook.command, context.userHome), context.hookLaunchers));
  return problems;
}

function checkHookEvent(client: ClientKind, event: string, files: readonly HookFileState[], context: CheckContext): DoctorItem[] {
  const installed = files.flatMap((file) => file.hooks.filter((h) => h.event === event && isSignetHookCommand(h.command)).map((hook) => ({ file, hook })));
  if (installed.length === 0) {
    const protect = protectArgs(client, context, { hooks: true });
    const where = files.map((f) => f.file.path).join(' or ');
    return [{ id: `hook:${client}:${event}:`, kind: 'hook', client, name: event, ok: false, summary: 'Signet\'s hook is not installed: the agent\'s built-in tools run without asking Signet', problems: [`no Signet hook for ${event} in ${where}`], fix: `signet ${protect.args.join(' ')}`, protect }];
  }
  return installed.map(({ file, hook }) => {
    const problems = hookProblems(client, hook, context);
    const protect = protectArgs(client, context, { hooks: true, user: file.file.scope === 'user' });
    const base = { id: `hook:${client}:${event}:${file.file.path}`, kind: 'hook' as const, client, name: event, path: file.file.path, scope: file.file.scope };
    if (problems.length === 0) return { ...base, ok: true, summary: 'installed, failing closed', problems };
    return { ...base, ok: false, summary: 'installed, but not safely', problems, fix: `signet ${protect.args.join(' ')} (rewrites Signet's entry)`, protect };
  });
}

/** A hook item of a client whose settings turn every hook off: red whatever its entry says, and only a person can fix it. */
function hooksSwitchedOff(item: DoctorItem, disabledBy: readonly string[]): DoctorItem {
  if (disabledBy.length === 0) return item;
  const { protect: _protect, ...rest } = item;
  return { ...rest, ok: false, summary: 'no hook runs: the client\'s settings turn every hook off', problems: [...item.problems, ...disabledBy.map((path) => `"disableAllHooks" is true (or unreadable) in ${path}`)], fix: `Remove "disableAllHooks" from ${disabledBy.join(' and ')}; an agent that can edit these files can turn Signet's hooks off.` };
}

function configErrorItem(client: ClientKind, path: string, error: string, kind: 'server' | 'hook'): DoctorItem {
  return { id: `${kind}:${client}:${path}:(unreadable)`, kind, client, name: '(unreadable file)', path, ok: false, summary: 'cannot be read, so what it runs is unknown', problems: [error], fix: `Fix ${path} by hand (or restore it from a backup), then run signet doctor again.` };
}

/** The items of one client from its files alone; a client not found here has none. */
export function staticItemsOf(state: ClientConfigState, context: CheckContext): DoctorItem[] {
  if (!state.found) return [];
  const items: DoctorItem[] = [];
  for (const config of state.mcpConfigs) {
    if (config.error) items.push(configErrorItem(state.client, config.file.path, config.error, 'server'));
    for (const server of config.servers) items.push(checkServer(state.client, config, server, context));
  }
  for (const file of state.hookFiles) if (file.error) items.push(configErrorItem(state.client, file.file.path, file.error, 'hook'));
  for (const event of requiredHookEvents(state.client)) items.push(...checkHookEvent(state.client, event, state.hookFiles, context).map((item) => hooksSwitchedOff(item, state.hooksDisabledBy)));
  return items;
}
