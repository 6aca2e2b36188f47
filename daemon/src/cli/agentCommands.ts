// `signet agent create | list | remove`: the agents' identities, as the user.
import { outsideEditorWarning } from '../approvals/deciderText';
import type { Command } from 'commander';
import type { DaemonClient } from '../client/daemonClient';
import { print, withUiClient, type Globals } from './output';

export function registerAgentCommands(program: Command, globals: Globals): void {
  const withUi = <T>(work: (client: DaemonClient) => Promise<T>) => withUiClient(globals().home, work);
  const agent = program.command('agent').description('create, list and remove agent identities');
  agent
    .command('create <name>')
    .action((name: string) =>
      withUi(async (client) => {
        const created = await client.request('agent/create', { name });
        print(globals().json, created, () => `created agent ${created.name}: ${created.did}`);
      }),
    );
  agent.command('list').action(() =>
    withUi(async (client) => {
      const list = await client.request('agent/list', {});
      print(globals().json, list, () => [`user   ${list.user.did}`, ...list.agents.map((a) => `${a.name.padEnd(6)} ${a.did}${a.outsideEditor ? `  ⚠ ${outsideEditorWarning(a.outsideEditor)}` : ''}`)].join('\n'));
    }),
  );
  agent
    .command('remove <name>')
    .action((name: string) =>
      withUi(async (client) => {
        const result = await client.request('agent/remove', { name });
        print(globals().json, result, () => `removed agent ${name}; revoked ${result.revoked.length} delegation(s)`);
      }),
    );
}
