// `signet daemon` runs the daemon in the foreground; `signet status` asks a running one what it is.
import type { Command } from 'commander';
import { Option } from 'commander';
import { ensureHome, loadConfig, saveConfig } from '../home/signetHome';
import { createStderrLogger } from '../logger';
import { connectToDaemon, parseDurationOption } from './connect';
import { print, type Globals } from './output';

export function registerDaemonCommands(program: Command, globals: Globals): void {
  program
    .command('daemon')
    .description('run the daemon in the foreground')
    .addOption(new Option('--keystore <kind>', 'where private keys live; `file` is saved as an explicit opt-in').choices(['keychain', 'file']))
    .option('--approval-timeout <seconds>', 'deny pending approvals after this many seconds', (v) => parseDurationOption(v))
    .option('--opa-url <url>', 'also ask this OPA server on every authorize (POST /v1/data/signet/decision); overrides config.json')
    .action(async (opts: { keystore?: 'keychain' | 'file'; approvalTimeout?: number; opaUrl?: string }) => {
      const { home } = globals();
      ensureHome(home);
      const config = await loadConfig(home);
      if (opts.keystore && opts.keystore !== config.keystore) await saveConfig(home, { ...config, keystore: opts.keystore });
      const log = createStderrLogger();
      // Loaded here, not at the top: the hook and proxy commands run often and need none of the daemon.
      const { startDaemon } = await import('../daemon');
      const daemon = await startDaemon({
        home,
        ...(opts.keystore ? { keystore: opts.keystore } : {}),
        ...(opts.approvalTimeout ? { approvalTimeoutSeconds: opts.approvalTimeout } : {}),
        ...(opts.opaUrl ? { policy: { opa: { ...config.opa, url: opts.opaUrl } } } : {}),
        log,
      });
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => void daemon.stop(`received ${signal}`).then(resolve, resolve);
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
    });

  program
    .command('status')
    .description('show whether the daemon runs, and its identity')
    .action(async () => {
      const { json, home } = globals();
      const client = await connectToDaemon(home, 'agent');
      try {
        const status = await client.request('daemon/status', {});
        // Said plainly: with the file keystore, the UI token is a file any process of this user can read.
        const approvals =
          status.keystore === 'file'
            ? { protectedFromLocalProcesses: false, uiToken: `a plain file under ${status.home}/keys`, warning: 'approvals are NOT protected from local processes on this machine: any process running as you, an agent\'s shell included, can read the UI token and approve its own requests. Use the OS keychain where there is one (signet daemon --keystore keychain).' }
            : { protectedFromLocalProcesses: false, uiToken: 'the OS keychain only', warning: 'the UI token is only in the OS keychain; a process running as you that can use the keychain can still read it (on Linux the Secret Service does not tell applications apart): see the README\'s security model.' };
        print(json, { ...status, approvals }, () =>
          [
            `signetd ${status.version} (pid ${status.pid}) — home ${status.home}`,
            `user       ${status.user.did}`,
            `keystore   ${status.keystore}`,
            `approvals  ${approvals.warning}`,
            `ed25519    ${status.ed25519}`,
            `agents     ${status.agents}`,
            `pending    ${status.pendingApprovals} approval(s), timeout ${status.approvalTimeoutSeconds} s`,
            `audit log  ${status.auditRecords} record(s)`,
          ].join('\n'),
        );
      } finally {
        client.close();
      }
    });
}
