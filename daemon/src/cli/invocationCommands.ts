// `signet authorize` asks for a right as an agent; `signet verify` checks an invocation and its chain offline.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { validateInvocation } from '../ucan/index';
import { CliError, connectToDaemon, parseJsonOption } from './connect';
import { ExitCode } from './exitCode';
import { print, type Globals } from './output';

export function registerAuthorizeCommand(program: Command, globals: Globals): void {
  program
    .command('authorize')
    .description('ask for a right as an agent; waits for an approval when needed (exit 0 allowed, 3 denied)')
    .requiredOption('--agent <name>')
    .requiredOption('--cmd <cmd>')
    .requiredOption('--args <json>')
    .option('--workspace <dir>', 'resolve relative paths against this folder (default: the current one)')
    .action(async (opts: { agent: string; cmd: string; args: string; workspace?: string }) => {
      const { json, home } = globals();
      const args = parseJsonOption(opts.args, '--args');
      if (!args || typeof args !== 'object' || Array.isArray(args)) throw new CliError('--args must be a JSON object', ExitCode.Usage);
      const client = await connectToDaemon(home, 'agent');
      try {
        const result = await client.request('authz/authorize', { agent: opts.agent, cmd: opts.cmd, args: args as Record<string, unknown>, workspace: resolve(opts.workspace ?? process.cwd()) });
        print(json, result, () => (result.decision === 'allow' ? `allowed: invocation ${result.invocationCid}\n${result.invocation}` : `denied: ${result.reason}`));
        if (result.decision === 'deny') process.exitCode = ExitCode.Denied;
      } finally {
        client.close();
      }
    });
}

export function registerVerifyCommand(program: Command, globals: Globals): void {
  program
    .command('verify')
    .description('verify an invocation and its proof chain offline (no daemon needed)')
    .requiredOption('--invocation <b64>', 'the invocation envelope, base64')
    .option('--proofs <b64list>', 'the delegations, base64, comma-separated (none for a self-issued invocation)', '')
    .option('--now <seconds>', 'validate at this unix time instead of now', (v) => Number.parseInt(v, 10))
    .action((opts: { invocation: string; proofs: string; now?: number }) => {
      const { json } = globals();
      const decode = (b64: string) => new Uint8Array(Buffer.from(b64.trim(), 'base64'));
      const result = validateInvocation(
        decode(opts.invocation),
        opts.proofs.split(',').filter(Boolean).map(decode),
        { now: opts.now ?? Math.floor(Date.now() / 1000) },
      );
      if (result.ok) {
        print(json, { ok: true, iss: result.invocation.iss, sub: result.invocation.sub, cmd: result.invocation.cmd, chain: result.chain.map((c) => c.cid) }, () =>
          `valid: ${result.invocation.iss} may ${result.invocation.cmd} for ${result.invocation.sub}\nchain: ${result.chain.map((c) => c.cid).join(' → ')}`,
        );
      } else {
        print(json, result, () => `invalid: ${result.error.name}: ${result.error.message}`);
        process.exitCode = ExitCode.VerificationFailed;
      }
    });
}
