// `signet approvals | approve | deny`: the requests waiting for a person, decided from a terminal.
import type { Command } from 'commander';
import type { DaemonClient } from '../client/daemonClient';
import type { ApprovalDecideParams } from '../server/protocol';
import { CliError, parseDurationOption } from './connect';
import { pendingLine } from './approvalLines';
import { ExitCode } from './exitCode';
import { print, withUiClient, type Globals } from './output';

export function registerApprovalCommands(program: Command, globals: Globals): void {
  const withUi = <T>(work: (client: DaemonClient) => Promise<T>) => withUiClient(globals().home, work);
  program
    .command('approvals')
    .description('list pending approval requests')
    .action(() =>
      withUi(async (client) => {
        const { pending } = await client.request('approval/list', {});
        print(globals().json, { pending }, () =>
          pending.length
            ? pending.map(pendingLine).join('\n')
            : 'no pending approvals',
        );
      }),
    );

  program
    .command('approve <id>')
    .description('approve a pending request (default: once)')
    .option('--once', 'these exact arguments, one time')
    .option('--session', "for as long as the agent's connection lasts")
    .option('--ttl <duration>', 'for a while, e.g. 1h')
    .option('--always', 'with no expiry')
    .option('--path <prefix>', 'narrow to paths under this prefix')
    .option('--tool', 'narrow to this MCP tool')
    .action((id: string, opts: { once?: boolean; session?: boolean; ttl?: string; always?: boolean; path?: string; tool?: boolean }) =>
      withUi(async (client) => {
        const chosen = [opts.once && 'once', opts.session && 'session', opts.ttl && 'ttl', opts.always && 'always'].filter(Boolean);
        if (chosen.length > 1) throw new CliError('choose one of --once, --session, --ttl, --always', ExitCode.Usage);
        const decision = (chosen[0] || 'once') as ApprovalDecideParams['decision'];
        const narrow = { ...(opts.path ? { path: opts.path } : {}), ...(opts.tool ? { tool: true } : {}) };
        const result = await client.request('approval/decide', {
          id,
          decision,
          ...(opts.ttl ? { ttlSeconds: parseDurationOption(opts.ttl) } : {}),
          ...(Object.keys(narrow).length ? { narrow } : {}),
          decidedBy: 'cli',
        });
        print(globals().json, result, () => `approved ${id} (${decision})${result.delegation ? `: delegation ${result.delegation.cid}` : ''}`);
      }),
    );

  program
    .command('deny <id>')
    .description('deny a pending request')
    .action((id: string) =>
      withUi(async (client) => {
        const result = await client.request('approval/decide', { id, decision: 'deny', decidedBy: 'cli' });
        print(globals().json, result, () => `denied ${id}`);
      }),
    );
}
