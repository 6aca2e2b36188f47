// The stop order: refuse new work, deny every pending request, wait for the authorize calls under way to audit
// their denials, record the stop, close the connections, and only then close the log and the files.
import type { ApprovalQueue } from '../approvals/approvalQueue';
import type { AuditLog } from '../audit/auditLog';
import type { Logger } from '../logger';
import type { RpcServer } from '../server/rpcServer';
import type { ShutdownGate } from './shutdownGate';

export interface StoppableParts {
  shutdown: ShutdownGate;
  approvals: ApprovalQueue;
  audit: AuditLog;
  server: RpcServer;
  /** Closes what the start opened, last first. */
  cleanup: () => Promise<void>;
  log: Logger;
}

export async function stopInOrder(parts: StoppableParts, reason: string): Promise<void> {
  const { shutdown, approvals, audit, server, cleanup, log } = parts;
  shutdown.close();
  const cancelled = approvals.cancelAll('shutdown', 'signetd is shutting down');
  await shutdown.settled();
  await approvals.flush();
  await audit.append({ agent: null, kind: 'daemon.stopped', data: { reason, pendingDenied: cancelled } });
  server.closeAll('signetd stopped');
  await cleanup();
  log.info(`signetd stopped (${reason})`);
}
