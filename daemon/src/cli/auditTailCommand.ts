// `signet audit tail [--follow]`: the latest records, and new ones as they become durable.
import type { Command } from 'commander';
import type { DaemonClient } from '../client/daemonClient';
import { didForName } from '../keys/agentNames';
import type { AuditRecord } from '../server/protocol';
import { withUiClient, type Globals } from './output';

function recordLine(r: AuditRecord): string {
  return `#${r.seq} ${r.time} ${r.kind} ${r.agent ?? '-'} ${JSON.stringify(r.data)}`;
}

export function registerAuditTailCommand(audit: Command, globals: Globals): void {
  const withUi = <T>(work: (client: DaemonClient) => Promise<T>) => withUiClient(globals().home, work);
  audit
    .command('tail')
    .option('--agent <name>', 'only records about this agent (name or DID)')
    .option('--limit <n>', 'how many past records', (v) => Number.parseInt(v, 10), 20)
    .option('--follow', 'keep printing new records')
    .action((opts: { agent?: string; limit: number; follow?: boolean }) =>
      withUi(async (client) => {
        const { json } = globals();
        const { records } = await client.request('audit/query', { ...(opts.agent ? { agent: opts.agent } : {}), limit: opts.limit });
        const directory = opts.agent ? await client.request('agent/list', {}) : undefined;
        const agentDid = opts.agent && directory ? didForName(opts.agent, directory.user, (name) => directory.agents.find((a) => a.name === name)) : undefined;
        const show = (r: AuditRecord) => process.stdout.write(`${json ? JSON.stringify(r) : recordLine(r)}\n`);
        records.forEach(show);
        if (!opts.follow) return;
        client.onNotification('audit/didAppend', (r) => {
          if (!opts.agent || r.agent === agentDid) show(r);
        });
        await new Promise<void>((resolve) => {
          client.onClose(() => resolve());
          process.once('SIGINT', () => resolve());
          process.once('SIGTERM', () => resolve());
        });
      }),
    );
}
