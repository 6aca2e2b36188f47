// `signet mcp-guard` as a process. Over stdio it sits between the client (usually `signet mcp-proxy`) and the
// server it starts, and behaves like that server: it exits when the server exits, with the same code, and passes
// SIGINT/SIGTERM on. Over HTTP (`--url`) it listens on its own address and forwards to the server's.
import { join } from 'node:path';
import { ChildProcessTransport } from './childProcessTransport';
import { FileNonceLedger } from './guardNonceLedger';
import { startHttpGuard } from './httpGuard';
import { InvocationGuard, relayGuarded } from './mcpGuard';
import { defaultServerName } from './runProxy';
import { StdioLineTransport } from './stdioLineTransport';

export interface McpGuardProcessOptions {
  home: string;
  trust: string[];
  serverName?: string;
  audience?: string[];
  /** The nonce ledger file; `$SIGNET_HOME/guard/<server name>.nonces` by default. */
  ledger?: string;
  command?: string;
  args?: string[];
  url?: string;
  /** For --url: where the guard listens. */
  host?: string;
  port?: number;
}

/** The file name a server name is kept under: readable, and never a path. */
function ledgerFileName(serverName: string): string {
  return `${serverName.replace(/[^A-Za-z0-9@._-]/g, '_').replace(/^\.+/, '_') || 'server'}.nonces`;
}

export async function runMcpGuardProcess(options: McpGuardProcessOptions): Promise<void> {
  const serverName = options.serverName ?? defaultServerName(options.command, options.args, options.url);
  const log = (line: string) => process.stderr.write(`signet mcp-guard (${serverName}): ${line}\n`);
  const ledger = new FileNonceLedger(options.ledger ?? join(options.home, 'guard', ledgerFileName(serverName)));
  const guard = new InvocationGuard({ trust: options.trust, serverName, ledger, ...(options.audience ? { audience: options.audience } : {}) });

  if (options.url) {
    const running = await startHttpGuard({ upstream: new URL(options.url), guard, log, ...(options.host ? { host: options.host } : {}), ...(options.port !== undefined ? { port: options.port } : {}) });
    log(`listening on ${running.url.href}, forwarding to ${options.url}`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await running.close();
    guard.close();
    process.exit(0);
  }

  if (!options.command) throw new Error('mcp-guard needs a server: `-- COMMAND ARGS…` for a stdio server, or `--url URL`');
  const child = new ChildProcessTransport({ command: options.command, args: options.args ?? [] });
  const client = new StdioLineTransport(process.stdin, process.stdout);
  const onSignal = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  try {
    const { closed } = await relayGuarded(client, child, guard, log);
    process.stdin.once('end', () => void client.close());
    await closed;
  } catch (error) {
    log((error as Error).message);
    process.exit(127);
  }
  guard.close();
  const exit = await child.exited();
  await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
  if (exit.signal) {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    process.kill(process.pid, exit.signal);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  process.exit(exit.code ?? 1);
}
