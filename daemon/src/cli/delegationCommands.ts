// `signet delegate | delegations | revoke`: issuing, listing and revoking delegations, as the user.
import type { Command } from 'commander';
import type { DaemonClient } from '../client/daemonClient';
import type { DelegationInfo } from '../server/protocol';
import { parseDurationOption, parseJsonOption } from './connect';
import { print, withUiClient, type Globals } from './output';

function expiry(exp: number | null): string {
  return exp === null ? 'never expires' : `expires ${new Date(exp * 1000).toISOString()}`;
}

function delegationLine(d: DelegationInfo): string {
  return `${d.cid}  ${d.issuer.name} → ${d.audience.name}  ${d.scope}  (${expiry(d.exp)}${d.revoked ? ', revoked' : ''})`;
}

export function registerDelegationCommands(program: Command, globals: Globals): void {
  const withUi = <T>(work: (client: DaemonClient) => Promise<T>) => withUiClient(globals().home, work);
  program
    .command('delegate')
    .description('issue a delegation (prints its CID)')
    .requiredOption('--from <who>', '`user` or an agent name')
    .requiredOption('--to <agent>', 'the agent that receives the right')
    .requiredOption('--cmd <cmd>', 'the command, e.g. /mcp/tools/call')
    .option('--pol <json>', 'a UCAN policy as JSON, e.g. \'[["==", ".tool", "read_file"]]\'')
    .option('--ttl <duration>', 'expiry, e.g. 1h (default: never for the user, the parent\'s expiry for an agent)')
    .action((opts: { from: string; to: string; cmd: string; pol?: string; ttl?: string }) =>
      withUi(async (client) => {
        const issued = await client.request('delegation/issue', {
          from: opts.from,
          to: opts.to,
          cmd: opts.cmd,
          ...(opts.pol ? { pol: parseJsonOption(opts.pol, '--pol') as unknown[] } : {}),
          ...(opts.ttl ? { ttl: parseDurationOption(opts.ttl) } : {}),
        });
        print(globals().json, issued, () => issued.cid);
      }),
    );

  program
    .command('delegations')
    .description('list live delegations')
    .option('--agent <name>')
    .option('--all', 'include revoked and expired ones')
    .action((opts: { agent?: string; all?: boolean }) =>
      withUi(async (client) => {
        const list = await client.request('delegation/list', { ...(opts.agent ? { agent: opts.agent } : {}), ...(opts.all ? { includeInactive: true } : {}) });
        print(globals().json, list, () => (list.delegations.length ? list.delegations.map(delegationLine).join('\n') : 'no delegations'));
      }),
    );

  program
    .command('revoke <cid>')
    .description('revoke a delegation and everything issued below it')
    .action((cid: string) =>
      withUi(async (client) => {
        const result = await client.request('delegation/revoke', { cid });
        print(globals().json, result, () => `revoked ${result.revoked.length} delegation(s):\n${result.revoked.join('\n')}`);
      }),
    );
}
