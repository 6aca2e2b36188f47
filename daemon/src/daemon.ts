// signetd: wires the parts together and owns their lifecycle. Start order is chosen so that nothing is
// reachable before it can be audited, and stop order so that every pending request is denied, and that
// denial audited, before the log closes.
import { randomBytes } from 'node:crypto';
import { existsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ApprovalQueue } from './approvals/approvalQueue';
import { AuditLog, CHECKPOINT_FILE } from './audit/auditLog';
import { checkpointOrigin, createCheckpointSigner, formatVerifierKey } from './audit/checkpoint';
import { verifyLog } from './audit/verify';
import { Authorizer } from './authz/authorizer';
import { ClientCalls } from './hooks/clientCalls';
import { DELEGATION_STATE_NEEDLES, DelegationStore, delegationStatesOf } from './authz/delegationStore';
import { DaemonClient } from './client/daemonClient';
import { acquireDaemonLock, ensureHome, homePaths, loadConfig, writeRuntimeFile } from './home/signetHome';
import { didForName } from './keys/agentNames';
import { IdentityRegistry } from './keys/identities';
import { openSecretStore } from './keys/openSecretStore';
import type { SecretStore } from './keys/secretStore';
import { checkpointAnchorIn } from './keys/logAnchor';
import { loadOrCreateLogKey } from './keys/logKey';
import { loadOrCreateUiToken } from './keys/uiToken';
import type { Logger } from './logger';
import { MAX_AUDIT_ANSWER_BYTES, SignetErrorCode, type ClientRole, type DaemonStatusResult, type InvocationVerifyParams, type InvocationVerifyResult } from './server/protocol';
import { validateInvocation, type DelegationPayload } from './ucan/index';
import { NonceLedger } from './authz/nonceLedger';
import { RpcServer, type MethodHandlers } from './server/rpcServer';
import { RpcError } from './server/wireErrors';
import { OpaDecider } from './policy/opaPolicy';
import { OwnerPolicy } from './policy/ownerPolicy';
import { loadShellParser } from './policy/shellCommands';
import { createLinkedTransportPair, type MessageTransport } from './server/transport';
import { listenWebSocket, type ListeningWsServer } from './server/wsServer';
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
  policy?: { enabled?: boolean; installDefaults?: boolean; opa?: { url: string; path?: string; timeoutMs?: number } };
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

export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const { home, log } = options;
  const startedAt = Date.now();
  ensureHome(home);
  const paths = homePaths(home);
  const lock = acquireDaemonLock(home);
  const cleanups: (() => Promise<void> | void)[] = [() => lock.release()];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c();
  };
  try {
    const config = await loadConfig(home);
    const approvalTimeoutSeconds = options.approvalTimeoutSeconds ?? config.approvalTimeoutSeconds;
    const store = options.secretStore ?? openSecretStore({ kind: options.keystore ?? config.keystore, home });
    // Fail at start, with the cause and the fix, rather than at the first signature.
    await store.probe();
    if (store.kind === 'file') {
      log.warn(`private keys are kept in plain files under ${paths.keysDir} (the file keystore was chosen explicitly). Anyone who can read your home folder can act as your agents; use the OS keychain where you can.`);
    }

    const { registry: identities, created } = await IdentityRegistry.open(home, store);
    const logKey = await loadOrCreateLogKey(store, home, existsSync(join(paths.auditDir, CHECKPOINT_FILE)));
    const checkpointSigner = createCheckpointSigner(checkpointOrigin(identities.user.did, home), logKey);
    const verifierKey = formatVerifierKey(checkpointSigner.keyName, checkpointSigner.publicKey);
    const anchor = checkpointAnchorIn(store, home);
    const audit = await AuditLog.open(paths.auditDir, {
      checkpointSigner,
      anchor,
      onTruncated: (notice) => log.warn(`the audit log ended in a torn record (a crash mid-write); removed it and recorded #${notice.record.seq}`),
      onError: (error) => log.error('audit log', error),
    });
    cleanups.push(() => audit.close());
    if (created) {
      await audit.append({ agent: null, kind: 'identity.created', data: { name: 'user', did: identities.user.did, role: 'user', keystore: store.describe() } });
    }
    const uiToken = await loadOrCreateUiToken(store, home);
    const agentToken = randomBytes(24).toString('base64url');

    // The store is checked against the log before anything is served: an offline edit that brings a revoked or
    // used-up delegation back, or adds one the log never issued, refuses the start (DelegationStoreError).
    const logged = delegationStatesOf(await audit.recordsMentioning(DELEGATION_STATE_NEEDLES));
    const { store: delegations, endedSessions, unrecordedRevocations } = await DelegationStore.open(paths.delegations, logged);
    for (const d of unrecordedRevocations) {
      await audit.append({ agent: d.payload.aud, kind: 'delegation.revoked', data: { cid: d.cid, reason: 'revoked before the daemon stopped; recorded at the next start', cmd: d.payload.cmd } });
    }
    for (const d of endedSessions) {
      await audit.append({ agent: d.payload.aud, kind: 'delegation.revoked', data: { cid: d.cid, reason: 'its session ended when the daemon stopped', cmd: d.payload.cmd } });
    }

    let rpc: RpcServer | undefined;
    const approvals = new ApprovalQueue(join(home, 'pending-approvals.json'), approvalTimeoutSeconds, {
      requested: (request) => rpc?.broadcastToUi('approval/didRequest', request),
      resolved: (id, outcome, decidedBy) => rpc?.broadcastToUi('approval/didResolve', { id, outcome, ...(decidedBy ? { decidedBy } : {}) }),
    });
    for (const leftover of await approvals.takeLeftovers()) {
      await audit.append({
        agent: leftover.agent,
        kind: 'approval.decided',
        data: { approvalId: leftover.id, decision: 'deny', outcome: 'cancelled', reason: 'the daemon stopped before a decision', decidedBy: 'signetd', cmd: leftover.cmd },
      });
    }

    const opa = options.policy?.opa ?? config.opa;
    const policy =
      options.policy?.enabled === false
        ? undefined
        : new OwnerPolicy({
            home,
            installDefaults: options.policy?.installDefaults ?? true,
            ...(opa ? { external: new OpaDecider(opa) } : {}),
            onProblem: (state) =>
              log.warn(
                `owner policy ${state.file}: ${state.problems.map((p) => `line ${p.line}: ${p.message}`).join('; ')}${state.everValid ? ' (its last valid version stays in force)' : state.state === 'broken' ? ' (it never loaded, so every call is denied until it is fixed)' : ''}`,
              ),
          });
    // Cedar, the rules and the shell parser are loaded now rather than on the first call, which would wait for them.
    if (policy) {
      setImmediate(() => {
        try {
          policy.refresh(options.workspace ?? process.cwd());
        } catch (error) {
          log.warn(`owner policy: ${(error as Error).message}`);
        }
      });
      loadShellParser().catch((error: Error) => log.warn(`the shell parser did not load, so shell commands will be denied: ${error.message}`));
    }
    const authorizer = new Authorizer({
      ...(policy ? { policy } : {}),
      identities,
      delegations,
      approvals,
      audit,
      defaultWorkspace: options.workspace ?? process.cwd(),
    });
    const clientCalls = new ClientCalls({
      authorize: (params, connection) => authorizer.authorize(params, connection),
      audit,
      agentDid: (name) => identities.findAgent(name)?.did,
      sessionDelegations: (key) => delegations.all().filter((d) => d.sessionConnection === key && !d.revoked).map((d) => d.cid),
      revoke: (cid, reason) => authorizer.revoke(cid, reason),
    });
    let stopping = false;
    /** Authorize calls under way, so a shutdown can wait for their denials to be audited. */
    const inFlight = new Set<Promise<unknown>>();
    const refuseWhileStopping = () => {
      if (stopping) throw new RpcError(SignetErrorCode.ShuttingDown, 'signetd is shutting down');
    };

    // Kept in a file so that an invocation accepted before a restart (or a SIGKILL) is refused after it.
    const nonces = await NonceLedger.open(join(home, 'nonces'), Math.floor(Date.now() / 1000));
    cleanups.push(() => nonces.close());
    const verifiedDelegations = new Map<string, DelegationPayload>();
    const verifyPresentedInvocation = ({ invocation, proofs }: InvocationVerifyParams): InvocationVerifyResult => {
      const now = Math.floor(Date.now() / 1000);
      const decode = (b64: string) => new Uint8Array(Buffer.from(b64, 'base64'));
      const result = validateInvocation(decode(invocation), proofs.map(decode), {
        now,
        isRevoked: (cid) => delegations.get(cid)?.revoked === true,
        verifiedDelegations,
        nonceSeen: (iss, nonce) => nonces.has(iss, nonce, now),
      });
      if (!result.ok) return result;
      const root = result.chain[0]?.payload.iss ?? result.invocation.sub;
      if (root !== identities.user.did) {
        return { ok: false, error: { name: 'InvalidSubject', message: `the chain roots at ${root}, not at this user (${identities.user.did})` } };
      }
      // Recorded (and written to the ledger file) before the acceptance is answered.
      nonces.record(result.invocation.iss, result.invocation.nonce, result.invocation.exp);
      return { ok: true, invocationCid: result.cid, iss: identities.principalOf(result.invocation.iss), cmd: result.invocation.cmd, args: result.invocation.args, chain: result.chain.map((c) => c.cid) };
    };

    const handlers: MethodHandlers = {
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
      'agent/create': ({ name }) => {
        refuseWhileStopping();
        return authorizer.createAgent(name, 'created by the user');
      },
      'agent/list': () => ({ user: identities.user, agents: identities.listAgents() }),
      'agent/remove': ({ name }) => {
        refuseWhileStopping();
        return authorizer.removeAgent(name);
      },
      'authz/authorize': async (params, connection) => {
        if (stopping) return { decision: 'deny', code: 'daemon-shutdown', reason: 'signetd is shutting down' };
        const work = clientCalls.authorize(params, connection);
        inFlight.add(work);
        void work.finally(() => inFlight.delete(work)).catch(() => undefined);
        return work;
      },
      'authz/cancel': ({ requestId }, connection) => ({ cancelled: authorizer.withdraw(requestId, connection) }),
      'call/outcome': (params) => {
        refuseWhileStopping();
        return clientCalls.outcome(params);
      },
      'session/end': (params) => {
        refuseWhileStopping();
        return clientCalls.endSession(params);
      },
      'approval/list': () => ({ pending: approvals.list() }),
      'approval/decide': (params, connection) => {
        refuseWhileStopping();
        return authorizer.decide(params, connection);
      },
      'delegation/issue': (params, connection) => {
        refuseWhileStopping();
        if (connection.role === 'agent' && params.from === 'user') {
          throw new RpcError(SignetErrorCode.Forbidden, 'an agent connection can only delegate from an agent it speaks for, never from the user');
        }
        return authorizer.issue(params, connection);
      },
      'delegation/revoke': async ({ cid }) => ({ revoked: await authorizer.revoke(cid, 'revoked by the user') }),
      'delegation/list': (params) => ({ delegations: authorizer.list(params?.agent, params?.includeInactive) }),
      'invocation/verify': (params) => verifyPresentedInvocation(params),
      'audit/checkpoint': async () => ({ checkpoint: await audit.checkpoint(), verifierKey }),
      'audit/proveInclusion': ({ seq }) => audit.inclusionProof(seq),
      'audit/proveConsistency': ({ from, to }) => audit.consistencyProof(from, to),
      'audit/verify': async () => {
        const anchored = await anchor.read();
        const result = await verifyLog(paths.auditDir, { verifierKey, checkpoints: anchored ? [{ text: anchored, source: `the checkpoint anchored in ${anchor.describe()}` }] : [] });
        return { ok: result.ok, records: result.records, rootHash: result.rootHash, problems: result.problems.map(({ seq, kind, message }) => ({ seq, kind, message })), verifiedAt: new Date().toISOString() };
      },
      'audit/query': async (params) => {
        const agent = params?.agent ? didForName(params.agent, identities.user, (name) => identities.findAgent(name)) : undefined;
        // One more than asked tells whether there is more; the answer is also cut to a size any client
        // takes. With `since` the page runs forward from it, without it the page is the newest records.
        const limit = params?.limit;
        const forward = params?.since !== undefined;
        const found = await audit.query({ ...params, ...(agent ? { agent } : {}), ...(limit !== undefined ? { limit: limit + 1 } : {}) });
        let truncated = limit !== undefined && found.length > limit;
        let records = !truncated ? found : forward ? found.slice(0, limit) : found.slice(found.length - (limit ?? 0));
        let bytes = 0;
        const ordered = forward ? records : [...records].reverse();
        const overflow = ordered.findIndex((r) => (bytes += JSON.stringify(r).length) > MAX_AUDIT_ANSWER_BYTES);
        if (overflow >= 0) {
          records = forward ? records.slice(0, overflow) : records.slice(records.length - overflow);
          truncated = true;
        }
        return { records, truncated };
      },
    };
    rpc = new RpcServer(handlers, log);
    const server = rpc;
    const unsubscribe = audit.subscribe((_record, line) => server.broadcastJsonToUi('audit/didAppend', line));
    cleanups.push(unsubscribe);

    let listening: ListeningWsServer | undefined;
    if (options.listen !== false) {
      listening = await listenWebSocket(server, { agent: agentToken, ui: uiToken }, log);
      const ws = listening;
      cleanups.push(() => ws.close());
      await writeRuntimeFile(home, { port: ws.port, pid: process.pid, agentToken, version: SIGNET_VERSION, startedAt: new Date(startedAt).toISOString() });
      cleanups.push(() => {
        try {
          unlinkSync(paths.runtime);
        } catch {
          /* already gone */
        }
      });
    }
    await audit.append({ agent: null, kind: 'daemon.started', data: { pid: process.pid, version: SIGNET_VERSION, keystore: store.kind, port: listening?.port ?? null } });
    log.info(`signetd ${SIGNET_VERSION} for ${identities.user.did} listening on 127.0.0.1:${listening?.port ?? '(in-memory only)'}; home ${home}; keys in ${store.describe()}`);
    const ed25519 = ed25519Library();
    if (ed25519.reason) log.info(`signing and verifying with node:crypto, about half as fast as libsodium: ${ed25519.reason}`);

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
        stopped ??= (async () => {
          stopping = true;
          const cancelled = approvals.cancelAll('shutdown', 'signetd is shutting down');
          await Promise.allSettled([...inFlight]);
          await approvals.flush();
          await audit.append({ agent: null, kind: 'daemon.stopped', data: { reason, pendingDenied: cancelled } });
          server.closeAll('signetd stopped');
          await cleanup();
          log.info(`signetd stopped (${reason})`);
        })();
        return stopped;
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
