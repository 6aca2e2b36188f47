// `signet mcp-proxy` as a process: stdio toward the MCP client, a child process or an HTTP endpoint toward the
// server, the daemon link for decisions. The process behaves like the server it wraps, so that clients cannot
// tell the difference: it exits when the server exits and with the same code (or dies of the same signal),
// passes SIGINT/SIGTERM on to it, and leaves the server's stderr untouched.
import { resolve } from 'node:path';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { ChildProcessTransport, type ChildExit } from './childProcessTransport';
import { DaemonLink } from './daemonLink';
import { HttpUpstreamTransport } from './httpUpstream';
import { McpProxy } from './mcpProxy';
import { StdioLineTransport } from './stdioLineTransport';

export interface McpProxyProcessOptions {
  home: string;
  agent: string;
  /** The name the client knows the server by; derived from the command or URL when omitted. */
  serverName?: string;
  /** Paths in arguments are resolved against this; defaults to the current directory. */
  workspace?: string;
  /** A stdio server: the command and its arguments. */
  command?: string;
  args?: string[];
  /** Or a Streamable HTTP server. */
  url?: string;
  headers?: Record<string, string>;
  /** Where the proxy's own diagnostics go (stderr by default). */
  log?: (line: string) => void;
}

/** Launchers whose first argument, not themselves, names the server (`npx -y @scope/server-x`). */
const LAUNCHERS = new Set(['node', 'nodejs', 'npx', 'bunx', 'bun', 'deno', 'uvx', 'uv', 'python', 'python3', 'pipx', 'pnpm', 'yarn', 'docker', 'sh', 'bash', 'cmd', 'signet', 'run', 'exec', 'dlx', 'x', 'tool']);
/** File and folder names that say nothing about which server it is. */
const GENERIC_SEGMENTS = /^(index|main|cli|server|dist|lib|build|src|bin|out)$/i;
/** Launcher flags whose value is code or a file to preload, never the server's name. */
const FLAGS_WITH_VALUE = new Set(['-e', '--eval', '-p', '--print', '-r', '--require', '--import', '--loader', '-c', '--from', '--with', '--index']);

/** A readable default server name: `npx -y @modelcontextprotocol/server-filesystem /x` → `server-filesystem`. */
export function defaultServerName(command: string | undefined, args: readonly string[] = [], url?: string): string {
  if (url) return defaultUrlServerName(url);
  const parts = [command ?? '', ...args];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    if (FLAGS_WITH_VALUE.has(part)) {
      i++;
      continue;
    }
    if (!part || part.startsWith('-')) continue;
    // `…/server-filesystem/dist/index.js` is named by its package folder, not by `index`.
    const segments = part.replace(/(.)@[^/@]*$/, '$1').split(/[\\/]/).filter(Boolean);
    while (segments.length > 1 && GENERIC_SEGMENTS.test((segments.at(-1) ?? '').replace(/\.(c|m)?(js|ts|py)$/i, ''))) segments.pop();
    const name = (segments.at(-1) ?? '').replace(/\.(c|m)?(js|ts|py|exe|cmd)$/i, '');
    if (!/^[A-Za-z0-9@._-]+$/.test(name)) continue;
    if (!LAUNCHERS.has(name.toLowerCase())) return name;
  }
  return 'mcp-server';
}

/**
 * A name for a Streamable HTTP server: host, then port and path where they say more, so that two servers on one
 * host (`localhost:3001/mcp` and `localhost:3002/mcp`) are told apart: `localhost-3001`, `localhost-3002`,
 * `api.example.com-github` for `https://api.example.com/github/mcp`. `mcp` and `sse` path segments say nothing.
 */
export function defaultUrlServerName(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'http-server';
  }
  const segments = parsed.pathname.split('/').filter((s) => s && !/^(mcp|sse)$/i.test(s));
  const name = [parsed.hostname.replace(/^\[|\]$/g, ''), parsed.port, ...segments].filter(Boolean).join('-').replace(/[^A-Za-z0-9@._-]+/g, '_');
  return name || 'http-server';
}

/** Exit code for a child killed by a signal, as shells report it (128 + number). */
function signalExitCode(signal: NodeJS.Signals): number {
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13 };
  return 128 + (numbers[signal] ?? 1);
}

export interface RunningProxy {
  proxy: McpProxy;
  /** Resolves with how the proxy should end: the child's exit (stdio) or a plain code (HTTP). */
  finished: Promise<ChildExit>;
  stop(signal?: NodeJS.Signals): void;
}

/**
 * Starts a proxy over the given client transport (stdio in production, an in-memory pair in tests). The caller
 * decides what to do when `finished` resolves; `runMcpProxyProcess` below exits the process.
 */
export async function startMcpProxy(options: McpProxyProcessOptions, client: Transport): Promise<RunningProxy> {
  const log = options.log ?? (() => undefined);
  const serverName = options.serverName ?? defaultServerName(options.command, options.args, options.url);
  // Sent to the daemon, which resolves nothing against its own working directory: made absolute here.
  const workspace = resolve(options.workspace ?? process.cwd());
  const link = new DaemonLink({ home: options.home, log });
  // Connecting early makes the first call fast; a daemon that is not there yet is not an error here.
  link.connect().catch(() => undefined);

  let server: Transport;
  let child: ChildProcessTransport | undefined;
  if (options.url) {
    server = new HttpUpstreamTransport(new URL(options.url), options.headers);
  } else if (options.command) {
    child = new ChildProcessTransport({ command: options.command, args: options.args ?? [], env: withoutSignetVariables(process.env) });
    server = child;
  } else {
    throw new Error('mcp-proxy needs a server: `-- COMMAND ARGS…` for a stdio server, or `--url URL`');
  }

  const proxy = new McpProxy({
    client,
    server,
    serverName,
    log,
    authorize: (request, requestId) =>
      link.authorize({ agent: options.agent, cmd: request.cmd, args: request.args, workspace, createAgent: true, requestId, ...(request.inputSchema ? { inputSchema: request.inputSchema } : {}), ...(request.toolAnnotations ? { toolAnnotations: request.toolAnnotations } : {}) }),
    withdraw: (requestId) => link.withdraw(requestId),
  });
  let stopSignal: NodeJS.Signals | undefined;
  const finished = new Promise<ChildExit>((resolve) => {
    proxy.onClose(() => {
      link.close();
      if (child) {
        // The client went away (or the child did): end the child the way the stdio transport specifies, then
        // report how it ended.
        void child.close().then(() => child.exited().then(resolve));
      } else {
        void server.close().finally(() => resolve({ code: stopSignal ? signalExitCode(stopSignal) : 0, signal: null }));
      }
    });
  });
  try {
    await proxy.start();
  } catch (error) {
    link.close();
    throw error;
  }
  return {
    proxy,
    finished,
    stop(signal = 'SIGTERM') {
      stopSignal = signal;
      if (child) child.kill(signal);
      else void proxy.close();
    },
  };
}

/** Runs the proxy on this process's stdio until the server or the client ends, then exits like the server did. */
export async function runMcpProxyProcess(options: Omit<McpProxyProcessOptions, 'log'>): Promise<never> {
  const serverName = options.serverName ?? defaultServerName(options.command, options.args, options.url);
  const log = (line: string) => process.stderr.write(`signet mcp-proxy (${options.agent} → ${serverName}): ${line}\n`);
  const client = new StdioLineTransport(process.stdin, process.stdout);
  // Signals are caught from the start: one that arrives while the server is still being spawned is held and
  // passed on as soon as there is a server to pass it to, instead of killing the proxy and orphaning the server.
  let running: RunningProxy | undefined;
  let heldSignal: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (running) running.stop(signal);
    else heldSignal = signal;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  try {
    running = await startMcpProxy({ ...options, serverName, log }, client);
  } catch (error) {
    log((error as Error).message);
    process.exit(127);
  }
  if (heldSignal) running.stop(heldSignal);
  // The client closing stdin ends the session.
  const proxy = running.proxy;
  process.stdin.once('end', () => void proxy.close());

  const exit = await running.finished;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('SIGHUP', onSignal);
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  if (exit.signal) {
    // Die of the same signal, so the parent sees exactly what it would have seen from the server itself.
    process.kill(process.pid, exit.signal);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    process.exit(signalExitCode(exit.signal));
  }
  process.exit(exit.code ?? 1);
}

/**
 * The proxy's environment for the server it spawns, less every `SIGNET_*` variable: the server is what the
 * proxy guards, and it has no business knowing where the Signet home is or which agent the proxy speaks for.
 */
export function withoutSignetVariables(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.toUpperCase().startsWith('SIGNET_')));
}
