// `daemon/status`: what this daemon is, for `signet status` and the extension's status bar.
import { ed25519Library } from '../../ucan/ed25519Implementation';
import { SIGNET_VERSION } from '../../version';
import type { DaemonStatusResult } from '../protocol';
import type { MethodHandlers } from '../rpcServer';
import type { DaemonParts } from './daemonParts';

export function daemonHandlers(parts: DaemonParts): Pick<MethodHandlers, 'daemon/status'> {
  const { home, startedAt, store, identities, approvals, audit } = parts;
  return {
    'daemon/status': (_params, connection): DaemonStatusResult => ({
      version: SIGNET_VERSION,
      pid: process.pid,
      home,
      user: identities.user,
      keystore: store.kind,
      ed25519: ed25519Library().library,
      role: connection.role,
      agents: identities.listAgents().length,
      pendingApprovals: approvals.size,
      auditRecords: audit.size,
      approvalTimeoutSeconds: approvals.timeout,
      uptime: Math.round((Date.now() - startedAt) / 1000),
    }),
  };
}
