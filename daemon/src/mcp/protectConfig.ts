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
// Only the properties that change are edited, so a comment the user wrote inside an entry stays where it was.
//
// jsonc-parser's package entry point is a UMD build that esbuild cannot bundle; its ES module build can be.
import { applyEdits, createScanner, findNodeAtLocation, modify, parse, parseTree, printParseErrorCode, type FormattingOptions, type ParseError } from 'jsonc-parser/lib/esm/main.js';
import { homedir } from 'node:os';
import { basename, join } from 'node:path';
import { claudeServerLocations, claudeUserConfig, vscodeUserMcpJson, type ConfigEnvironment } from './configLocations';

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
  /**
   * Where the server objects are, as key paths, when not simply `[serversKey]`: `~/.claude.json` has user-scope
   * servers at the top and local-scope ones under `projects[<folder>]`.
   */
  serverLocations?: string[][];
  scope: 'workspace' | 'user';
  /**
   * What the proxy gets as `--workspace`: a variable the client expands, so a committed config stays portable.
   * Omitted where the client starts servers in the project folder anyway (Claude Code) or has no workspace
   * (Cursor's global config); the proxy then uses its working directory.
   */
  workspaceArg?: string;
}

export function configFilesFor(client: McpClientKind, workspace: string, userHome = homedir(), environment: Omit<ConfigEnvironment, 'userHome'> = {}): ConfigFile[] {
  const where = { userHome, ...environment };
  switch (client) {
    case 'vscode':
      return [
        { client, path: join(workspace, '.vscode', 'mcp.json'), serversKey: 'servers', scope: 'workspace', workspaceArg: '${workspaceFolder}' },
        { client, path: vscodeUserMcpJson(where), serversKey: 'servers', scope: 'user' },
      ];
    case 'cursor':
      return [
        { client, path: join(workspace, '.cursor', 'mcp.json'), serversKey: 'mcpServers', scope: 'workspace', workspaceArg: '${workspaceFolder}' },
        { client, path: join(userHome, '.cursor', 'mcp.json'), serversKey: 'mcpServers', scope: 'user' },
      ];
    case 'claude-code': {
      const { user, local } = claudeServerLocations(workspace);
      return [
        { client, path: join(workspace, '.mcp.json'), serversKey: 'mcpServers', scope: 'workspace' },
        { client, path: claudeUserConfig(where), serversKey: 'mcpServers', serverLocations: [user, local], scope: 'user' },
      ];
    }
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
  serverLocations?: ConfigFile['serverLocations'];
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
    if (isObject(headers) && Object.keys(headers).length) env[HEADERS_ENV] = headersEnvValue(headers);
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

/**
 * SIGNET_MCP_HEADERS: one `Name: value` per line. Not JSON inside the config's JSON: a value is then written once,
 * as the user wrote it, with no second layer of quotes that a `"` in it (or in what the client substitutes for a
 * `${input:…}`) could break; header values cannot hold a line break, so the lines cannot be confused.
 */
export function headersEnvValue(headers: Record<string, unknown>): string {
  return Object.entries(headers)
    .map(([name, value]) => `${name}: ${String(value)}`)
    .join('\n');
}

/**
 * Reads SIGNET_MCP_HEADERS: the lines headersEnvValue writes, or the JSON object that `signet protect` wrote
 * before, which configs protected then still carry. Throws with the reason for anything else.
 */
export function parseHeadersEnv(value: string): Record<string, string> {
  const headers: Record<string, string> = {};
  if (value.trimStart().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      throw new Error(`it starts like a JSON object but is not one (${(error as Error).message})`, { cause: error });
    }
    if (!isObject(parsed)) throw new Error('it is not a JSON object of headers');
    for (const [name, v] of Object.entries(parsed)) headers[name] = String(v);
    return headers;
  }
  for (const line of value.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`the line "${line.slice(0, 40)}" is not "Name: value"`);
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** The object at a key path of a parsed config, if it is one. */
function objectAt(config: Entry, keys: readonly string[]): Entry | undefined {
  let node: unknown = config;
  for (const key of keys) node = isObject(node) ? node[key] : undefined;
  return isObject(node) ? node : undefined;
}

/** The comments in a piece of JSONC, as written. */
function commentsIn(text: string): string[] {
  const scanner = createScanner(text, false);
  const comments: string[] = [];
  // SyntaxKind.LineCommentTrivia = 12, BlockCommentTrivia = 13, EOF = 17 (a const enum, not importable at run time).
  for (let kind = scanner.scan(); kind !== 17; kind = scanner.scan()) if (kind === 12 || kind === 13) comments.push(text.slice(scanner.getTokenOffset(), scanner.getTokenOffset() + scanner.getTokenLength()).trim());
  return comments;
}

/** Edits only the properties of an entry that change, so comments beside the others stay. */
function editEntry(text: string, at: string[], before: Entry, after: Entry, formattingOptions: FormattingOptions): string {
  let out = text;
  for (const key of Object.keys(before)) {
    if (!(key in after)) out = applyEdits(out, modify(out, [...at, key], undefined, { formattingOptions }));
  }
  for (const [key, value] of Object.entries(after)) {
    if (JSON.stringify(before[key]) !== JSON.stringify(value)) out = applyEdits(out, modify(out, [...at, key], value, { formattingOptions }));
  }
  return keepingComments(text, out, at, formattingOptions);
}

/** The text of the value at a key path, with its offset. */
function valueText(text: string, at: string[]): { offset: number; text: string } | undefined {
  const tree = parseTree(text, [], { allowTrailingComma: true, disallowComments: false });
  const node = tree && findNodeAtLocation(tree, at);
  return node ? { offset: node.offset, text: text.slice(node.offset, node.offset + node.length) } : undefined;
}

/**
 * Puts back, at the top of the entry, each comment of the entry that went with a property removed or replaced (one
 * beside `"url"` of an HTTP server still says something about the server).
 */
function keepingComments(before: string, after: string, at: string[], formattingOptions: FormattingOptions): string {
  const was = valueText(before, at);
  const now = valueText(after, at);
  if (!was || !now) return after;
  const left = commentsIn(now.text);
  const lost = commentsIn(was.text).filter((comment) => {
    const i = left.indexOf(comment);
    if (i < 0) return true;
    left.splice(i, 1);
    return false;
  });
  if (!lost.length) return after;
  const indent = /\n([ \t]*)\S/.exec(now.text)?.[1] ?? '';
  const eol = formattingOptions.eol ?? '\n';
  const at1 = now.offset + 1;
  const rest = after.slice(at1);
  // A line comment must end its line: what followed the brace on the same line goes to the next one.
  const lineEnd = /^[ \t]*\r?\n/.test(rest) ? '' : `${eol}${indent}`;
  return `${after.slice(0, at1)}${lost.map((c) => `${eol}${indent}${c}`).join('')}${lineEnd}${rest.replace(/^[ \t]+/, lineEnd ? '' : '$&')}`;
}

/** Protects every server of a config's text; protecting an already protected config changes nothing. */
export function protectConfigText(text: string, path: string, options: ProtectEntryOptions): RewriteResult {
  const config = parseConfig(text, path);
  const formattingOptions = formattingOf(text);
  let out = text;
  const report: ServerChange[] = [];
  for (const location of options.serverLocations ?? [[options.serversKey]]) {
    const servers = objectAt(config, location);
    if (servers) out = protectServersAt(out, location, servers, options, formattingOptions, report);
  }
  return { text: out, changed: out !== text, servers: report };
}

function protectServersAt(text: string, location: string[], servers: Entry, options: ProtectEntryOptions, formattingOptions: FormattingOptions, report: ServerChange[]): string {
  let out = text;
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
    out = editEntry(out, [...location, name], entry, result.entry, formattingOptions);
    // The edit is checked, not trusted: the text must read back as exactly the entry meant, comments and all.
    if (JSON.stringify(objectAt(parseConfig(out, '(rewritten)'), [...location, name])) !== JSON.stringify(result.entry)) {
      throw new Error(`Signet could not rewrite the server "${name}" without changing more than it meant to; protect it by hand`);
    }
  }
  return out;
}

/** The names of the servers a config holds, for hints and for the editor's server provider. */
export function serverEntries(text: string, path: string, serversKey: ConfigFile['serversKey']): [string, Entry][] {
  const servers = parseConfig(text, path)[serversKey];
  return isObject(servers) ? Object.entries(servers).filter((e): e is [string, Entry] => isObject(e[1])) : [];
}
