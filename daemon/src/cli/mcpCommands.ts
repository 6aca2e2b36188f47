// The agent-integration commands of `signet`: `mcp-proxy` (put Signet in front of an MCP server), `protect`
// (rewrite MCP client configs to use it), `hook` (a PreToolUse hook for Claude Code and VS Code) and `launcher`
// (refresh the stable launcher that protected configs call). Registered by main.ts.
import { Argument, Option, type Command } from 'commander';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { clientMarkers, hookClients, hookFileFor, type HookFile } from '../hooks/hookSettings';
import { readAllStdin, runHook } from '../hooks/runHook';
import { type HookFlavor } from '../mcp/agentHook';
import { ensureLauncher } from '../mcp/launcher';
import { HEADERS_ENV, mcpClientKinds, parseHeadersEnv, type McpClientKind } from '../mcp/protectConfig';
import { protect, secondPromptHint, undoProtect, userDidOf, type FileOutcome, type ProtectReport } from '../mcp/protectFiles';
import { runMcpProxyProcess } from '../mcp/runProxy';
import { schemas } from '../server/protocol';
import { isDid } from '../ucan/didKey';
import { CliError, requireOneServer } from './connect';
import { ExitCode } from './exitCode';

type Globals = () => { json: boolean; home: string };

function agentName(value: string): string {
  const parsed = schemas.agentName.safeParse(value);
  if (!parsed.success) throw new CliError(`"${value}" is not a valid agent name: ${parsed.error.issues[0]?.message ?? 'invalid'}`, ExitCode.Usage);
  return value;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `--header "Name: value"` options plus the headers `signet protect` moved into the environment. */
function headersFrom(options: string[], env: NodeJS.ProcessEnv): Record<string, string> {
  const headers: Record<string, string> = {};
  const fromEnv = env[HEADERS_ENV];
  if (fromEnv) {
    try {
      Object.assign(headers, parseHeadersEnv(fromEnv));
    } catch (error) {
      throw new CliError(`${HEADERS_ENV} is not a list of "Name: value" lines: ${(error as Error).message}`, ExitCode.Usage);
    }
  }
  for (const line of options) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new CliError(`--header "${line}" is not "Name: value"`, ExitCode.Usage);
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}

const statusText: Record<FileOutcome['status'], string> = {
  missing: 'not found',
  unchanged: 'already protected, nothing to change',
  changed: 'protected',
  'would-change': 'would be protected (dry run)',
  restored: 'restored',
  'would-restore': 'would be restored (dry run)',
  'nothing-to-undo': 'no backup to restore',
};

function describeReport(report: ProtectReport, undo: boolean): string {
  const lines: string[] = [];
  if (!undo) lines.push(`launcher: ${report.launcher}${report.launcherChanged ? ' (written)' : ''}`);
  for (const outcome of report.files) {
    if (outcome.status === 'missing') continue;
    lines.push('', `${outcome.file.path} [${outcome.file.client}]: ${statusText[outcome.status]}`);
    for (const s of outcome.servers) lines.push(`  ${s.name}: ${s.action}${s.note ? ` (${s.note})` : ''}`);
    if (outcome.backup) lines.push(`  ${undo ? 'from' : 'backup'}: ${outcome.backup}`);
    if (outcome.note) lines.push(`  note: ${outcome.note}`);
    if (outcome.diff && (outcome.status === 'would-change' || outcome.status === 'would-restore')) lines.push('', outcome.diff.trimEnd());
  }
  if (report.files.every((f) => f.status === 'missing')) {
    lines.push('', `no MCP config found (looked at ${report.files.map((f) => f.file.path).join(', ')})`);
  }
  for (const outcome of report.hooks ?? []) {
    lines.push('', `${outcome.file.path} [${outcome.file.client} hooks]: ${statusText[outcome.status]}`);
    for (const e of outcome.events) lines.push(`  ${e.event}: ${e.action}`);
    if (outcome.backup) lines.push(`  ${undo ? 'from' : 'backup'}: ${outcome.backup}`);
    if (outcome.note) lines.push(`  note: ${outcome.note}`);
    if (outcome.diff && (outcome.status === 'would-change' || outcome.status === 'would-restore')) lines.push('', outcome.diff.trimEnd());
  }
  if (report.hooks && report.hooks.length === 0 && !undo) lines.push('', 'no client found to install hooks for (give --client to install them anyway)');
  if (!undo) {
    for (const client of mcpClientKinds) {
      const wrapped = report.files
        .filter((f) => f.file.client === client && (f.status === 'changed' || f.status === 'would-change' || f.status === 'unchanged'))
        .flatMap((f) => f.servers.filter((s) => s.action !== 'skipped').map((s) => s.name));
      const hint = secondPromptHint(client, [...new Set(wrapped)], report.launcher);
      if (hint) lines.push('', hint);
    }
  }
  return lines.join('\n').trimStart();
}

/**
 * The hook files `signet protect` installs into: with `--client`, that client's (created if missing); without, each
 * client whose folder is in the workspace and, for the user scope, in the home. An undo looks at every file that
 * could have been written, and restores those with a backup.
 */
function hookFilesToProtect(client: McpClientKind | undefined, workspace: string, userHome: string, scope: 'user' | undefined, undo: boolean): HookFile[] {
  const files: HookFile[] = [];
  for (const c of client ? [client] : hookClients) {
    for (const s of scope ? [scope] : client ? (['workspace'] as const) : (['workspace', 'user'] as const)) {
      const file = hookFileFor(c, workspace, userHome, s);
      if (!file) continue;
      const found = clientMarkers(c, s === 'user' ? userHome : workspace, s).some((m) => existsSync(m)) || existsSync(file.path);
      if (client || undo || found) files.push(file);
    }
  }
  return files;
}

/** `signet mcp-proxy`: an MCP server run behind Signet. */
function registerMcpProxyCommand(program: Command, globals: Globals): void {
  program
    .command('mcp-proxy')
    .description('run an MCP server behind Signet: each tool call, resource read and prompt is authorized first')
    .usage('--agent NAME [--server-name S] [--workspace DIR] (-- COMMAND [ARGS…] | --url URL)')
    .requiredOption('--agent <name>', 'the agent the calls are made as (created on first use)', agentName)
    .option('--server-name <name>', 'the server name in authorize requests (default: from the command or URL)')
    .option('--workspace <dir>', 'resolve paths in arguments against this folder (default: the current one)')
    .option('--url <url>', 'a Streamable HTTP MCP server instead of a command')
    .option('--header <header>', 'an HTTP header for --url, as "Name: value" (repeatable)', collect, [])
    .argument('[server...]', 'the stdio server command and its arguments, after --')
    .action(async (server: string[], opts: { agent: string; serverName?: string; workspace?: string; url?: string; header: string[] }) => {
      const { home } = globals();
      requireOneServer(server, opts.url, 'give the MCP server to run after --, e.g. `signet mcp-proxy --agent coder -- npx -y @modelcontextprotocol/server-filesystem .`, or --url');
      const [command, ...args] = server;
      await runMcpProxyProcess({
        home,
        agent: opts.agent,
        ...(opts.serverName ? { serverName: opts.serverName } : {}),
        ...(opts.workspace ? { workspace: opts.workspace } : {}),
        ...(opts.url ? { url: opts.url, headers: headersFrom(opts.header, process.env) } : { command, args }),
      });
    });
}

/** `signet protect [--undo]`: MCP configs and hook files rewritten to go through Signet. */
function registerProtectCommand(program: Command, globals: Globals): void {
  program
    .command('protect')
    .description('put Signet in front of the MCP servers and built-in tools (hooks) of VS Code, Cursor and Claude Code (with a backup; --undo restores it)')
    .addOption(new Option('--client <client>', 'only this client, installing its hooks even where none are yet (default: every client found)').choices([...mcpClientKinds]))
    .option('--user', "install the hooks in the user's own settings (~/.claude, ~/.cursor) instead of the workspace's")
    .option('--no-hooks', 'only rewrite MCP configs, install no hooks')
    .option('--dry-run', 'print the change and touch nothing')
    .option('--undo', 'restore the configs as they were before the last protect')
    .option('--workspace <dir>', 'the project folder (default: the current one)')
    .option('--agent <name>', 'the agent the calls are made as (default: copilot, cursor or claude-code)', agentName)
    .option('--guard', 'also put signet mcp-guard in front of each local stdio server, so it refuses calls that did not come through Signet')
    .option('--trust <dids>', 'with --guard: the user DIDs the guard trusts, comma-separated (default: this home\'s user)')
    .action(async (opts: { client?: McpClientKind; user?: boolean; hooks: boolean; dryRun?: boolean; undo?: boolean; workspace?: string; agent?: string; guard?: boolean; trust?: string }) => {
      const { json, home } = globals();
      if (opts.trust && !opts.guard) throw new CliError('--trust is for --guard', ExitCode.Usage);
      let guard: { trust: string[] } | undefined;
      if (opts.guard && !opts.undo) {
        const trust = opts.trust ? opts.trust.split(',').map((d) => d.trim()).filter(Boolean) : [await userDidOf(home)].filter((d): d is string => d !== undefined);
        const notDid = trust.find((did) => !isDid(did));
        if (notDid !== undefined) throw new CliError(`"${notDid}" is not a DID such as did:key:z6Mk…`, ExitCode.Usage);
        if (!trust.length) throw new CliError(`${home} has no user identity yet: start Signet once (signet daemon) or give --trust DID`, ExitCode.Usage);
        guard = { trust };
      }
      const workspace = opts.workspace ?? process.cwd();
      const options = {
        home,
        clients: opts.client ? [opts.client] : mcpClientKinds,
        workspace,
        ...(opts.agent ? { agent: opts.agent } : {}),
        ...(opts.dryRun ? { dryRun: true } : {}),
        ...(guard ? { guard } : {}),
        ...(opts.hooks ? { hookFiles: hookFilesToProtect(opts.client, workspace, homedir(), opts.user ? 'user' : undefined, Boolean(opts.undo)) } : {}),
      };
      const report = opts.undo ? await undoProtect(options) : await protect(options);
      process.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : `${describeReport(report, Boolean(opts.undo))}\n`);
    });
}

/** `signet hook CLIENT`: a client hook, run by the full CLI (the installed hooks run the lean hook.js). */
function registerHookCommand(program: Command, globals: Globals): void {
  program
    .command('hook')
    .description('a client hook: reads the hook JSON on stdin, asks Signet, prints allow, deny or ask (PreToolUse); records outcomes and session ends (the installed hooks run the same code as signet-hook)')
    .addArgument(new Argument('<client>', 'the hook schema').choices(['claude-code', 'vscode', 'cursor']))
    .option('--agent <name>', 'the agent the calls are made as (default: claude-code, or copilot for vscode)', agentName)
    .option('--timeout <seconds>', 'wait this long for a decision (keep it below the hook timeout in the client settings)', (v) => Number.parseInt(v, 10))
    .addOption(new Option('--fallback <decision>', 'the answer when Signet cannot decide in time or is not running').choices(['deny', 'ask']).default('deny'))
    .option('--include-mcp', 'also decide MCP tools (mcp__…), which signet mcp-proxy normally decides')
    .action(async (flavor: HookFlavor, opts: { agent?: string; timeout?: number; fallback: 'deny' | 'ask'; includeMcp?: boolean }) => {
      const { home } = globals();
      if (opts.timeout !== undefined && !(opts.timeout > 0)) throw new CliError('--timeout must be a positive number of seconds', ExitCode.Usage);
      const text = await runHook(
        { flavor, home, fallback: opts.fallback, ...(opts.agent ? { agent: opts.agent } : {}), ...(opts.timeout ? { timeoutSeconds: opts.timeout } : {}), ...(opts.includeMcp ? { includeMcp: true } : {}) },
        readAllStdin(),
      );
      if (text) process.stdout.write(text);
    });
}

/** `signet launcher`: the stable launcher that protected configs call. */
function registerLauncherCommand(program: Command, globals: Globals): void {
  program
    .command('launcher')
    .description('write or refresh the stable launcher ($SIGNET_HOME/bin/signet) that protected MCP configs call')
    .action(async () => {
      const { json, home } = globals();
      const result = await ensureLauncher(home);
      process.stdout.write(json ? `${JSON.stringify(result)}\n` : `${result.path} ${result.changed ? 'written' : 'already current'}\n`);
    });
}

export function registerMcpCommands(program: Command, globals: Globals): void {
  registerMcpProxyCommand(program, globals);
  registerProtectCommand(program, globals);
  registerHookCommand(program, globals);
  registerLauncherCommand(program, globals);
}
