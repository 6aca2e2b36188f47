// `signet mcp-guard`: the server's side of Signet, in front of an MCP server in the server's trust domain. It
// needs no daemon and no private key, only the DIDs of the users whose rights it honours. Registered by main.ts.
import type { Command } from 'commander';
import { isDid } from '../ucan/didKey';
import { runMcpGuardProcess } from '../mcp/runGuard';
import { CliError, requireOneServer } from './connect';
import { ExitCode } from './exitCode';

type Globals = () => { json: boolean; home: string };

function didList(value: string, previous: string[] = []): string[] {
  const dids = value.split(',').map((d) => d.trim()).filter(Boolean);
  for (const did of dids) if (!isDid(did)) throw new CliError(`"${did}" is not a DID such as did:key:z6Mk… (signet status shows yours)`, ExitCode.Usage);
  return [...previous, ...dids];
}

function listenAddress(value: string): { host?: string; port: number } {
  const match = /^(?:(.+):)?(\d{1,5})$/.exec(value);
  const port = match ? Number(match[2]) : NaN;
  if (!match || !(port >= 0 && port <= 65535)) throw new CliError(`--listen "${value}" is not PORT or HOST:PORT`, ExitCode.Usage);
  return { ...(match[1] ? { host: match[1].replace(/^\[|\]$/g, '') } : {}), port };
}

export function registerGuardCommand(program: Command, globals: Globals): void {
  program
    .command('mcp-guard')
    .description("refuse every tool call, resource read and prompt that does not carry a valid Signet invocation for exactly that call (the server's side)")
    .usage('--trust DID[,DID…] [--server-name S] (-- COMMAND [ARGS…] | --url URL [--listen [HOST:]PORT])')
    .requiredOption('--trust <dids>', 'the user DIDs a chain may start from, comma-separated (repeatable)', didList)
    .option('--server-name <name>', 'the server name invocations must carry (default: derived from the command or URL as mcp-proxy does)')
    .option('--audience <dids>', 'DIDs naming this server, for invocations addressed to an executor (aud)', didList)
    .option('--ledger <file>', 'where used nonces are kept (default: $SIGNET_HOME/guard/<server name>.nonces)')
    .option('--url <url>', 'a Streamable HTTP MCP server to guard instead of a command')
    .option('--listen <address>', 'with --url: where the guard listens, PORT or HOST:PORT (default 127.0.0.1, a free port)')
    .argument('[server...]', 'the stdio server command and its arguments, after --')
    .action(async (server: string[], opts: { trust: string[]; serverName?: string; audience?: string[]; ledger?: string; url?: string; listen?: string }) => {
      const { home } = globals();
      requireOneServer(server, opts.url, 'give the MCP server to guard after --, or --url');
      if (opts.listen && !opts.url) throw new CliError('--listen is for --url; a stdio guard speaks on its own stdin and stdout', ExitCode.Usage);
      const [command, ...args] = server;
      const listen = opts.listen ? listenAddress(opts.listen) : {};
      await runMcpGuardProcess({
        home,
        trust: opts.trust,
        ...(opts.serverName ? { serverName: opts.serverName } : {}),
        ...(opts.audience ? { audience: opts.audience } : {}),
        ...(opts.ledger ? { ledger: opts.ledger } : {}),
        ...(opts.url ? { url: opts.url, ...listen } : { command, args }),
      });
    });
}
