// Rewriting an MCP client's config so that every server runs behind `signet mcp-proxy`. Pure text in, text out:
// the edit goes through a JSONC editor, so comments, key order and formatting outside the touched entries stay
// exactly as the user wrote them (VS Code's mcp.json allows comments).
//
// A stdio server keeps its own entry (env, cwd, type…) and gains the launcher in front of its command:
//   "fs": { "command": "npx", "args": ["-y", "server-fs", "/repo"] }
// becomes
//   "fs": { "command": "~/.signet/bin/signet", "args": ["mcp-proxy", "--agent", "copilot", "--server-name", "fs",
//           "--", "npx", "-y", "server-fs", "/repo"] }
// A Streamable HTTP server becomes a stdio entry that runs the proxy with `--url`; its headers move into the
// environment (SIGNET_MCP_HEADERS) rather than onto the command line, where any local user could read them.
//
// jsonc-parser's package entry point is a UMD build that esbuild cannot bundle; its ES module build can be.
import { applyEdits, modify, parse, printParseErrorCode, type FormattingOptions, type ParseError } from 'jsonc-parser/lib/esm/main.js';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';

export type McpClientKind = 'vscode' | 'cursor' | 'claude-code';
export const mcpClientKinds: readonly McpClientKind[] = ['vscode', 'cursor', 'claude-code'];

/** The agent each client's calls are made as, unless `--agent` says otherwise. */
export const defaultAgentFor: Record<McpClientKind, string> = { vscode: 'copilot', cursor: 'cursor', 'claude-code': 'claude-code' };

/** The environment variable that carries an HTTP server's headers to the proxy, as a JSON object. */
export const HEADERS_ENV = 'SIGNET_MCP_HEADERS';

export interface ConfigFile {
  client: McpClientKind;
  path: string;
  /** The object that holds the servers: `servers` in VS Code, `mcpServers` in Cursor and Claude Code. */
  serversKey: 'servers' | 'mcpServers';
  scope: 'workspace' | 'user';
  /**
   * What the proxy gets as `--workspace`: a variable the client expands, so a committed config stays portable.
   * Omitted where the client starts servers in the project folder anyway (Claude Code) or has no workspace
   * (Cursor's global config); the proxy then uses its working directory.
   */
  workspaceArg?: string;
}

export function configFilesFor(client: McpClientKind, workspace: string, userHome = homedir()): ConfigFile[] {
  switch (client) {
    case 'vscode':
      return [{ client, path: join(workspace, '.vscode', 'mcp.json'), serversKey: 'servers', scope: 'workspace', workspaceArg: '${workspaceFolder}' }];
    case 'cursor':
      return [
        { client, path: join(workspace, '.cursor', 'mcp.json'), serversKey: 'mcpServers', scope: 'workspace', workspaceArg: '${workspaceFolder}' },
        { client, path: join(userHome, '.cursor', 'mcp.json'), serversKey: 'mcpServers', scope: 'user' },
      ];
    case 'claude-code':
      return [{ client, path: join(workspace, '.mcp.json'), serversKey: 'mcpServers', scope: 'workspace' }];
  }
}

export type ServerAction = 'wrapped-stdio' | 'wrapped-http' | 'updated-launcher' | 'added-guard' | 'already-protected' | 'skipped';

/** What `--guard` cannot do for an HTTP server: its guard belongs where the server is hosted. */
export const httpGuardNote = 'no guard added: an HTTP server is guarded where it runs, with `signet mcp-guard --url`';

export interface ServerChange {
  name: string;
  action: ServerAction;
  /** Why a server was skipped, for the person running `signet protect`. */
  note?: string;
}

export interface RewriteResult {
  text: string;
  changed: boolean;
  servers: ServerChange[];
}

export interface ProtectEntryOptions {
  serversKey: ConfigFile['serversKey'];
  /** The absolute path of the launcher the config will call. */
  launcher: string;
  agent: string;
  workspaceArg?: string;
  /**
   * `signet protect --guard`: a local stdio server also gets `signet mcp-guard` right in front of it, trusting these
   * user DIDs, so the proxy (the agent's side) and the guard (the server's side) bracket every call.
   */
  guard?: { trust: readonly string[] };
}

type Entry = Record<string, unknown>;

function isObject(value: unknown): value is Entry {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringArray(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;
}

/** True for an entry that already runs through the proxy (by this launcher or any other `signet`). */
export function isProtectedEntry(entry: Entry): boolean {
  const args = stringArray(entry.args);
  const command = typeof entry.command === 'string' ? entry.command : '';
  return args?.[0] === 'mcp-proxy' && /^signet(\.cmd)?$/i.test(basename(command));
}

function guardArgs(name: string, options: ProtectEntryOptions, guard: { trust: readonly string[] }): string[] {
  return [options.launcher, 'mcp-guard', '--trust', guard.trust.join(','), '--server-name', name, '--'];
}

/** Where the guard's launcher sits in a protected entry's args (right after the proxy's `--`), or -1. */
function guardAt(args: readonly string[]): number {
  const separator = args.indexOf('--');
  return separator >= 0 && args[separator + 2] === 'mcp-guard' && /^signet(\.cmd)?$/i.test(basename(args[separator + 1] ?? '')) ? separator + 1 : -1;
}

function proxyArgs(name: string, options: ProtectEntryOptions): string[] {
  return ['mcp-proxy', '--agent', options.agent, '--server-name', name, ...(options.workspaceArg ? ['--workspace', options.workspaceArg] : [])];
}

/** The protected form of one server entry, or why it cannot be protected. */
export function protectEntry(name: string, entry: Entry, options: ProtectEntryOptions): { entry: Entry; action: ServerAction } | { skip: string } {
  if (isProtectedEntry(entry)) {
    let args = stringArray(entry.args) ?? [];
    let action: ServerAction = entry.command === options.launcher ? 'already-protected' : 'updated-launcher';
    const guard = guardAt(args);
    if (guard >= 0 && args[guard] !== options.launcher) {
      args = args.map((arg, i) => (i === guard ? options.launcher : arg));
      action = 'updated-launcher';
    }
    if (guard < 0 && options.guard && !args.includes('--url')) {
      const separator = args.indexOf('--');
      args = [...args.slice(0, separator + 1), ...guardArgs(name, options, options.guard).slice(0, -1), ...args.slice(separator)];
      action = 'added-guard';
    }
    if (action === 'already-protected') return { entry, action };
    return { entry: { ...entry, command: options.launcher, args }, action };
  }
  const type = typeof entry.type === 'string' ? entry.type : undefined;
  if (typeof entry.command === 'string' && (type === undefined || type === 'stdio')) {
    const args = entry.args === undefined ? [] : stringArray(entry.args);
    if (!args) return { skip: '"args" is not a list of strings' };
    const guard = options.guard ? guardArgs(name, options, options.guard) : [];
    return { entry: { ...entry, command: options.launcher, args: [...proxyArgs(name, options), '--', ...guard, entry.command, ...args] }, action: 'wrapped-stdio' };
  }
  if (typeof entry.url === 'string') {
    if (type === 'sse') return { skip: 'the legacy SSE transport is not supported by the proxy; use the server\'s Streamable HTTP endpoint' };
    const { url, headers, type: _type, ...rest } = entry;
    const env = isObject(rest.env) ? { ...rest.env } : {};
    if (isObject(headers) && Object.keys(headers).length) env[HEADERS_ENV] = JSON.stringify(headers);
    return {
      entry: {
        ...(type !== undefined ? { type: 'stdio' } : {}),
        ...rest,
        command: options.launcher,
        args: [...proxyArgs(name, options), '--url', url],
        ...(Object.keys(env).length ? { env } : {}),
      },
      action: 'wrapped-http',
    };
  }
  return { skip: 'neither a "command" (stdio) nor a "url" (HTTP) server' };
}

function formattingOf(text: string): FormattingOptions {
  const indented = /^([ \t]+)\S/m.exec(text);
  const indent = indented?.[1] ?? '  ';
  return { insertSpaces: !indent.startsWith('\t'), tabSize: indent.startsWith('\t') ? 1 : indent.length, eol: text.includes('\r\n') ? '\r\n' : '\n' };
}

export class ConfigSyntaxError extends Error {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path} is not valid JSON (${detail}); fix it by hand (or restore it from a backup) and run signet protect again`);
    this.name = 'ConfigSyntaxError';
  }
}

/** Parses a JSONC config, refusing one with syntax errors rather than guessing at it. */
export function parseConfig(text: string, path: string): Entry {
  const errors: ParseError[] = [];
  const value: unknown = text.trim() === '' ? {} : parse(text, errors, { allowTrailingComma: true, disallowComments: false });
  const first = errors[0];
  if (first) {
    const line = text.slice(0, first.offset).split('\n').length;
    throw new ConfigSyntaxError(path, `${printParseErrorCode(first.error)} on line ${line}`);
  }
  if (!isObject(value)) throw new ConfigSyntaxError(path, 'the top level is not an object');
  return value;
}

/** Protects every server of a config's text; protecting an already protected config changes nothing. */
export function protectConfigText(text: string, path: string, options: ProtectEntryOptions): RewriteResult {
  const config = parseConfig(text, path);
  const servers = config[options.serversKey];
  if (!isObject(servers)) return { text, changed: false, servers: [] };
  const formattingOptions = formattingOf(text);
  let out = text;
  const report: ServerChange[] = [];
  for (const [name, entry] of Object.entries(servers)) {
    if (!isObject(entry)) {
      report.push({ name, action: 'skipped', note: 'the entry is not an object' });
      continue;
    }
    const result = protectEntry(name, entry, options);
    if ('skip' in result) {
      report.push({ name, action: 'skipped', note: result.skip });
      continue;
    }
    report.push({ name, action: result.action, ...(options.guard && result.action === 'wrapped-http' ? { note: httpGuardNote } : {}) });
    if (result.action === 'already-protected') continue;
    out = applyEdits(out, modify(out, [options.serversKey, name], result.entry, { formattingOptions }));
  }
  return { text: out, changed: out !== text, servers: report };
}

/** The names of the servers a config holds, for hints and for the editor's server provider. */
export function serverEntries(text: string, path: string, serversKey: ConfigFile['serversKey']): [string, Entry][] {
  const servers = parseConfig(text, path)[serversKey];
  return isObject(servers) ? Object.entries(servers).filter((e): e is [string, Entry] => isObject(e[1])) : [];
}
