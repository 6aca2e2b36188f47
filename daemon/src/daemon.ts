// signetd: wires the parts together and owns their lifecycle. Start order is chosen so that nothing is
// reachable before it can be audited, and stop order so that every pending request is denied, and that
// denial audited, before the log closes. Each step is a module of lifecycle/, each method's handler a
// module of server/handlers/.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { ApprovalQueue } from './approvals/approvalQueue';
import type { AuditLog } from './audit/auditLog';
import { DecisionPlaces } from './approvals/decider';
import { Authorizer } from './authz/authorizer';
import { NonceLedger } from './authz/nonceLedger';
import { DaemonClient } from './client/daemonClient';
import { acquireDaemonLock, ensureHome, homePaths, loadConfig } from './home/signetHome';
import { IdentityRegistry } from './keys/identities';
import type { SecretStore } from './keys/secretStore';
import { loadOrCreateUiToken } from './keys/uiToken';
import { openDaemonAuditLog, recordCreatedUser } from './lifecycle/auditLogStart';
import { openProbedKeystore } from './lifecycle/keystoreStart';
import { denyLeftoverApprovals, openDelegationsCheckedAgainstLog } from './lifecycle/leftovers';
import { startCallServices } from './lifecycle/callServices';
import { listenAndPublish, type Listening } from './lifecycle/listening';
import { startOwnerPolicy, type OwnerPolicyChoice } from './lifecycle/ownerPolicyStart';
import { ShutdownGate } from './lifecycle/shutdownGate';
import { stopInOrder } from './lifecycle/stopping';
import type { Logger } from './logger';
import { allHandlers } from './server/handlers/allHandlers';
import type { ClientRole } from './server/protocol';
import { RpcServer } from './server/rpcServer';
import { createLinkedTransportPair, type MessageTransport } from './server/transport';
import { ed25519Library } from './ucan/ed25519Implementation';
import { SIGNET_VERSION } from './version';

export interface DaemonOptions {
  home: string;
  /** Overrides the saved config. */
  keystore?: 'keychain' | 'file';
  /** A ready store (tests pass an in-memory one); wins over `keystore`. */
  secretStore?: SecretStore;
  approvalTimeoutSeconds?: number;
  /** Relative paths in requests without a workspace resolve against this. */
  workspace?: string;
  /** Open the WebSocket (default). Tests of the dispatcher alone can skip it. */
  listen?: boolean;
  /** Owner policy: off only when a test says so; the default rules are written on first start unless `installDefaults` is false. */
  policy?: OwnerPolicyChoice;
  log: Logger;
}

export interface RunningDaemon {
  readonly home: string;
  readonly port: number;
  readonly agentToken: string;
  readonly uiToken: string;
  readonly authorizer: Authorizer;
  readonly audit: AuditLog;
  /** A client over an in-memory transport with the given role: the same dispatcher as the socket. */
  connectInMemory(role: ClientRole): DaemonClient;
  /** Serves a raw transport with the given role, as the socket does after its handshake. */
  accept(transport: MessageTransport, role: ClientRole): void;
  stop(reason?: string): Promise<void>;
}

/** What to undo if the start fails, or at stop: run last first. */
type Cleanups = (() => Promise<void> | void)[];

export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const { home, log } = options;
  const startedAt = Date.now();
  ensureHome(home);
  const paths = homePaths(home);
  const lock = acquireDaemonLock(home);
  const cleanups: Cleanups = [() => lock.release()];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c();
  };
  try {
    const config = await loadConfig(home);
    const store = await openProbedKeystore(options, config, home, paths.keysDir, log);
    const { registry: identities, created } = await IdentityRegistry.open(home, store);
    const { audit, verifierKey, anchor } = await openDaemonAuditLog(home, paths.auditDir, store, identities, log);
    cleanups.push(() => audit.close());
    if (created) await recordCreatedUser(audit, identities, store);
    const uiToken = await loadOrCreateUiToken(store, home);
    const agentToken = randomBytes(24).toString('base64url');

    const { delegations, outsideEditor } = await openDelegationsCheckedAgainstLog(paths.delegations, audit);
    let rpc: RpcServer | undefined;
    const approvals = new ApprovalQueue(join(home, 'pending-approvals.json'), options.approvalTimeoutSeconds ?? config.approvalTimeoutSeconds, {
      requested: (request) => rpc?.broadcastToUi('approval/didRequest', request),
      resolved: (id, outcome, decidedBy) => rpc?.broadcastToUi('approval/didResolve', { id, outcome, ...(decidedBy ? { decidedBy } : {}) }),
    });
    await denyLeftoverApprovals(approvals, audit);

    const workspace = options.workspace ?? process.cwd();
    const { policy, policyWatcher, policyDir } = startOwnerPolicy(options.policy, config, home, workspace, log, (method, params) => rpc?.broadcastToUi(method, params));
    if (policyWatcher) cleanups.push(() => policyWatcher.stop());
    const places = new DecisionPlaces(identities.user.did);
    const authorizer = new Authorizer({ ...(policy ? { policy } : {}), places, outsideEditor, identities, delegations, approvals, audit, defaultWorkspace: workspace });
    // Kept in a file so that an invocation accepted before a restart (or a SIGKILL) is refused after it.
    const nonces = await NonceLedger.open(join(home, 'nonces'), Math.floor(Date.now() / 1000));
    cleanups.push(() => nonces.close());

    const { clientCalls, commitSigner, agentProofs } = startCallServices({ home, store, identities, delegations, authorizer, audit });
    const shutdown = new ShutdownGate();
    const parts = { home, startedAt, store, identities, delegations, approvals, audit, auditDir: paths.auditDir, verifierKey, anchor, authorizer, nonces, shutdown, workspace, policy, policyWatcher, policyDir, commitSigner, places, outsideEditor, clientCalls, agentProofs };
    rpc = new RpcServer(allHandlers(parts), log);
    const server = rpc;
    cleanups.push(audit.subscribe((_record, line) => server.broadcastJsonToUi('audit/didAppend', line)));

    let listening: Listening | undefined;
    if (options.listen !== false) {
      listening = await listenAndPublish(server, { agent: agentToken, ui: uiToken }, home, paths.runtime, startedAt, log);
      cleanups.push(listening.close);
    }
    await audit.append({ agent: null, kind: 'daemon.started', data: { pid: process.pid, version: SIGNET_VERSION, keystore: store.kind, port: listening?.port ?? null } });
    announceStart(log, identities.user.did, listening?.port, home, store);

    let stopped: Promise<void> | undefined;
    return {
      home,
      port: listening?.port ?? 0,
      agentToken,
      uiToken,
      authorizer,
      audit,
      accept(transport, role) {
        server.accept(transport, role, `${role}@memory`);
      },
      connectInMemory(role) {
        const [daemonSide, clientSide] = createLinkedTransportPair();
        server.accept(daemonSide, role, `${role}@memory`);
        return DaemonClient.overTransport(clientSide);
      },
      stop(reason = 'stopped') {
        stopped ??= stopInOrder({ shutdown, approvals, audit, server, cleanup, log }, reason);
        return stopped;
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

function announceStart(log: Logger, userDid: string, port: number | undefined, home: string, store: SecretStore): void {
  log.info(`signetd ${SIGNET_VERSION} for ${userDid} listening on 127.0.0.1:${port ?? '(in-memory only)'}; home ${home}; keys in ${store.describe()}`);
  const ed25519 = ed25519Library();
  if (ed25519.reason) log.info(`signing and verifying with node:crypto, about half as fast as libsodium: ${ed25519.reason}`);
}
