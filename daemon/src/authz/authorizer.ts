// authorize = does a chain of live delegations user → … → agent cover this call? If yes, the agent signs
// an invocation; if not, a person is asked, and an approval becomes exactly the delegation chosen.
// Issuing, revoking and listing delegations live here too, since they share the chain rules: an agent can
// only delegate onward what it holds, and revoking a delegation revokes everything issued below it.
import { createHash, randomUUID } from 'node:crypto';
import type { ApprovalQueue, CancelCause } from '../approvals/approvalQueue';
import { isKeystoreFailure, keystoreMessageWithFix, type IdentityRegistry } from '../keys/identities';
import type {
  AgentInfo,
  ApprovalDecideParams,
  ApprovalDecideResult,
  ApprovalRequest,
  AuditKind,
  AuditRecord,
  AuthorizeParams,
  AuthorizeResult,
  DelegationInfo,
  DelegationIssueParams,
  DelegationSource,
  DenyCode,
  PathRefusalDetail,
  PolicyRuleRef,
} from '../server/protocol';
import { describeRule, type OwnerPolicy, type PolicyVerdict } from '../policy/ownerPolicy';
import { SignetErrorCode } from '../server/protocol';
import type { PeerIdentity } from '../server/peerProcess';
import type { Connection } from '../server/rpcServer';
import { RpcError } from '../server/wireErrors';
import {
  cidOf,
  commandCovers,
  encodeDelegationWith,
  encodeInvocationWith,
  evaluatePolicy,
  validatePolicy,
  type DelegationPayload,
  type Policy,
  type Statement,
} from '../ucan/index';
import { canonicalPath, canonicalizeArgs, HARD_LINKED_MARK, PathRefusal, UNCLASSIFIED_MARK, type CanonicalArgs } from './canonicalPaths';
import { freshNonce } from './freshNonce';
import { clientSessionKey } from './sessionKeys';
import type { DelegationStore, StoredDelegation } from './delegationStore';

/** Where records go. The audit log implements it; `append` resolves once the record is durable. */
export interface AuditSink {
  append(entry: { agent: string | null; kind: AuditKind; data: Record<string, unknown> }): Promise<AuditRecord>;
}

/** Tolerated clock difference on `nbf`/`exp`, as the UCAN spec recommends. */
const CLOCK_SKEW_SECONDS = 60;
/** How long a signed invocation may be presented to a tool. */
const INVOCATION_LIFETIME_SECONDS = 300;
/** An `allow once` delegation must be used right away; this bounds it if the agent vanished. */
const ONCE_LIFETIME_SECONDS = 300;
/** A session delegation ends with its connection; this bounds it should the daemon be killed. */
const SESSION_BACKSTOP_SECONDS = 24 * 3600;
const MAX_CHAIN_DEPTH = 8;
/** A delegation minted for one call a policy rule allowed: used at once, or never. */
const POLICY_ALLOW_LIFETIME_SECONDS = 60;
/** The field the daemon adds to every invocation's args: all canonical paths, for path-scoped policies. */
export const PATHS_FIELD = '_paths';

export interface AuthorizerOptions {
  identities: IdentityRegistry;
  delegations: DelegationStore;
  approvals: ApprovalQueue;
  audit: AuditSink;
  defaultWorkspace: string;
  now?: () => number;
  /** The owner policy, asked on every authorize before any chain (see daemon/src/policy/). */
  policy?: OwnerPolicy;
}

export class Authorizer {
  private readonly identities: IdentityRegistry;
  private readonly delegations: DelegationStore;
  private readonly approvals: ApprovalQueue;
  private readonly audit: AuditSink;
  private readonly defaultWorkspace: string;
  private readonly now: () => number;
  private readonly watchedConnections = new Set<string>();
  /** The workspace each pending approval's request was made in. */
  private readonly requestWorkspaces = new Map<string, string>();
  /** Pending approvals by `connection id + requestId`, so the asking agent can withdraw them. */
  private readonly withdrawable = new Map<string, string>();
  /** The main agent a pending approval's subagent acts for, so an approval mints main's delegation first. */
  private readonly requestMains = new Map<string, AgentInfo>();
  /** The delegation minted by an approval decision, handed to the authorize call that waits for it. */
  private readonly mintedForApproval = new Map<string, string>();
  /** Base64 of each delegation's token, made on first use (see tokenText). */
  private readonly tokenTexts = new WeakMap<StoredDelegation, string>();
  readonly policy: OwnerPolicy | undefined;

  constructor(options: AuthorizerOptions) {
    this.policy = options.policy;
    this.identities = options.identities;
    this.delegations = options.delegations;
    this.approvals = options.approvals;
    this.audit = options.audit;
    this.defaultWorkspace = options.defaultWorkspace;
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
  }

  // ───────────────────────── authorize ─────────────────────────

  /**
   * Answers allow or deny, and audits either. A keystore that cannot give the agent's key (or take a new agent's)
   * is a deny too, audited with its own code, rather than an error: the call was refused for a cause.
   */
  async authorize(params: AuthorizeParams, connection: Connection): Promise<AuthorizeResult> {
    try {
      return await this.authorizeOrThrow(params, connection);
    } catch (error) {
      if (!isKeystoreFailure(error)) throw error;
      const reason = `Signet could not use the keystore for agent "${params.agent}": ${keystoreMessageWithFix(error)}`;
      return this.deny(this.identities.findAgent(params.agent) ?? null, params, 'keystore-unavailable', reason);
    }
  }

  private async authorizeOrThrow(params: AuthorizeParams, connection: Connection): Promise<AuthorizeResult> {
    // A hook's session is the client's (see sessionKeys.ts); anything else's is its connection.
    const sessionKey = clientSessionKey(params.clientCall) ?? connection.id;
    let agent = this.identities.findAgent(params.agent);
    if (!agent) {
      if (!params.createAgent) {
        return this.deny(null, params, 'unknown-agent', `there is no agent named "${params.agent}"; create it with \`signet agent create ${params.agent}\``);
      }
      agent = await this.createAgent(params.agent, 'first use');
    }
    const workspace = params.workspace ?? this.defaultWorkspace;
    const canonicalised = await this.canonicalise(agent, params, workspace);
    if ('decision' in canonicalised) return canonicalised;
    const canonical = canonicalised;
    const args: Record<string, unknown> = { ...canonical.args, [PATHS_FIELD]: canonical.paths };

    // The owner policy runs before any chain is searched: its deny beats every delegation and approval, its
    // ask forces a prompt even where a delegation covers the call, and its allow needs no person.
    const verdict = await this.ownerVerdict(agent, params.cmd, args, canonical.paths, workspace);
    const policy = verdict && verdict.outcome !== 'none' && verdict.rule ? policyRecord(verdict) : undefined;
    if (verdict?.outcome === 'deny') {
      return this.deny(agent, params, verdict.rule?.id === 'signet:policy-unavailable' || verdict.rule?.id === 'signet:opa-unavailable' ? 'policy-unavailable' : 'denied-by-policy', verdict.reason, undefined, undefined, policy);
    }
    if (verdict?.outcome === 'allow' && verdict.rule) {
      const minted = await this.mintPolicyDelegation(agent, params.cmd, args, verdict.rule);
      return this.allow(agent, params.cmd, args, [minted], undefined, policy);
    }

    const chain = verdict?.outcome === 'ask' ? undefined : this.findChain(agent.did, params.cmd, args, undefined, sessionKey);
    if (chain) return this.allow(agent, params.cmd, args, chain);

    let main: AgentInfo | undefined;
    if (params.actingFor !== undefined && params.actingFor !== agent.name) {
      main = this.identities.findAgent(params.actingFor) ?? (params.createAgent ? await this.createAgent(params.actingFor, 'first use, as the main agent of a subagent') : undefined);
      if (!main) return this.deny(agent, params, 'unknown-agent', `there is no agent named "${params.actingFor}" for ${agent.name} to act for`);
      // A subagent is its own agent: what its main agent holds does not cover it silently. The person is asked,
      // seeing whom it acts for, and an approval is delegated to it by the main agent (see decide).
    }

    this.watch(connection);
    const held = this.activeHeldBy(agent.did);
    const tool = typeof args.tool === 'string' ? args.tool : undefined;
    // The id is known before the request is queued, so a withdrawal can never miss it.
    const approvalId = randomUUID();
    const withdrawKey = params.requestId !== undefined ? `${connection.id} ${params.requestId}` : undefined;
    if (withdrawKey) this.withdrawable.set(withdrawKey, approvalId);
    this.requestWorkspaces.set(approvalId, workspace);
    if (main) this.requestMains.set(approvalId, main);
    const { request, resolution } = await this.approvals.request({
      id: approvalId,
      agent: { did: agent.did, name: agent.name },
      actingFor: uniquePrincipals([...(main ? [{ did: main.did, name: main.name }] : []), ...held.map((d) => this.identities.principalOf(d.payload.iss))]),
      heldDelegations: held.map((d) => d.cid),
      cmd: params.cmd,
      args,
      summary: summarize(params.cmd, args, canonical.paths),
      paths: canonical.paths,
      ...(tool ? { tool } : {}),
      ...(policy ? { policy: { rule: policy.rule, reason: policy.reason } } : {}),
    }, sessionKey);
    await this.audit.append({
      agent: agent.did,
      kind: 'approval.requested',
      data: { approvalId: request.id, cmd: params.cmd, args: auditableArgs(args), expiresAt: request.expiresAt, heldDelegations: request.heldDelegations, ...(policy ? { policy } : {}) },
    });
    const cancelOnDisconnect = () => this.approvals.cancel(request.id, 'disconnected', `${agent.name} disconnected before a decision`);
    connection.onClose(cancelOnDisconnect);

    const outcome = await resolution;
    if (withdrawKey) this.withdrawable.delete(withdrawKey);
    this.requestWorkspaces.delete(approvalId);
    this.requestMains.delete(approvalId);
    if (outcome.outcome !== 'decided') {
      await this.audit.append({
        agent: agent.did,
        kind: 'approval.decided',
        data: { approvalId: request.id, decision: 'deny', outcome: outcome.outcome, reason: outcome.reason, decidedBy: 'signetd' },
      });
      const code: DenyCode = outcome.outcome === 'timeout' ? 'approval-timeout' : denyCodeOfCancel[outcome.cause];
      return this.deny(agent, params, code, `${params.cmd} was not approved: ${outcome.reason}`, request.id, undefined, policy);
    }
    if (outcome.decision.decision === 'deny') {
      return this.deny(agent, params, 'denied-by-user', `${outcome.decision.decidedBy ?? 'the user'} denied ${request.summary}`, request.id, undefined, policy);
    }
    const minted = this.mintedForApproval.get(request.id);
    this.mintedForApproval.delete(request.id);
    // The person approved what the paths named when they were asked. Should one name something else now (a
    // symlink swapped in while the prompt was open), the approval is not for this call.
    const again = await this.canonicalise(agent, params, workspace);
    if ('decision' in again) return again;
    const changedAt = firstDifference(canonical.paths, again.paths);
    if (changedAt !== undefined || !sameJson(canonical.args, again.args)) {
      // An allow-once was for this call alone and goes; a wider approval stays what the person chose.
      if (minted && this.delegations.get(minted)?.singleUse) await this.revoke(minted, 'a path of the approved call changed before the call went on');
      const before = changedAt === undefined ? '' : (canonical.paths[changedAt] ?? '');
      return this.deny(
        agent,
        params,
        'path-changed',
        `${before || 'a path of the call'} no longer names what was approved (it now leads to ${changedAt === undefined ? 'another file' : (again.paths[changedAt] ?? 'nothing')}), so the call was refused`,
        request.id,
        { code: 'changed', at: '', value: before },
      );
    }
    const approvedChain = this.findChain(agent.did, params.cmd, args, minted, sessionKey);
    if (!approvedChain) {
      return this.deny(agent, params, 'internal-error', 'the approval was given, but its delegation no longer covers the call (revoked meanwhile?)', request.id);
    }
    return this.allow(agent, params.cmd, args, approvedChain, request.id, policy);
  }

  /** The owner policy's verdict; a policy that fails to answer denies, with the cause. */
  private async ownerVerdict(agent: AgentInfo, cmd: string, args: Record<string, unknown>, paths: string[], workspace: string): Promise<PolicyVerdict | undefined> {
    if (!this.policy) return undefined;
    const held = this.activeHeldBy(agent.did);
    const chain: string[] = [];
    for (const d of held) {
      for (let current: StoredDelegation | undefined = d, depth = 0; current && depth < MAX_CHAIN_DEPTH; depth++) {
        if (!chain.includes(current.payload.iss)) chain.push(current.payload.iss);
        current = current.parent ? this.delegations.get(current.parent) : undefined;
      }
    }
    try {
      return await this.policy.evaluate({
        agent: { did: agent.did, name: agent.name },
        chain,
        actingFor: chain.map((did) => this.identities.principalOf(did).name),
        cmd,
        args,
        paths,
        workspace,
      });
    } catch (error) {
      return {
        outcome: 'deny',
        rule: { id: 'signet:policy-unavailable', file: '(built in)', line: 0, outcome: 'deny' },
        matched: [],
        reason: `the owner policy could not be evaluated, so the call was refused: ${(error as Error).message}`,
      };
    }
  }

  /**
   * The narrowest delegation that covers exactly this call, user-signed, single-use and short-lived, naming the
   * rule in its `meta`: tools see the same kind of chain as after a person's approval, and verify it offline.
   */
  private mintPolicyDelegation(agent: AgentInfo, cmd: string, args: Record<string, unknown>, rule: PolicyRuleRef): Promise<StoredDelegation> {
    return this.mint({
      issuer: this.identities.user.did,
      audience: agent.did,
      cmd,
      pol: [['==', '.', args]],
      exp: this.now() + POLICY_ALLOW_LIFETIME_SECONDS,
      parent: null,
      source: 'policy',
      singleUse: true,
      scope: `${cmd}, these exact arguments, once, allowed by ${describeRule(rule)}`,
      meta: { policyRule: { id: rule.id, file: rule.file, line: rule.line } },
      signer: this.identities.userSigner,
    });
  }

  /** Withdraws a waiting request of `connection`; false when none of that id is waiting. */
  withdraw(requestId: string, connection: Connection): boolean {
    const approvalId = this.withdrawable.get(`${connection.id} ${requestId}`);
    return approvalId !== undefined && this.approvals.cancel(approvalId, 'withdrawn', 'the agent withdrew the request');
  }

  /**
   * The chain of live delegations from the user to `did` covering `cmd` on `args`, leaf first (the
   * `prf` order). `prefer` puts one delegation first, so an approval uses the delegation it just minted.
   * An "allow once" delegation is usable only as `prefer`, by the call whose approval minted it, and a
   * session delegation only by the connection (`connectionId`) that asked for it: an identical request
   * from elsewhere asks anew.
   */
  findChain(did: string, cmd: string, args: Record<string, unknown>, prefer?: string, connectionId?: string, depth = 0): StoredDelegation[] | undefined {
    if (depth >= MAX_CHAIN_DEPTH) return undefined;
    const now = this.now();
    const held = this.delegations.heldBy(did);
    const candidates = prefer ? [...held].sort((a, b) => Number(b.cid === prefer) - Number(a.cid === prefer)) : held;
    for (const d of candidates) {
      if (!this.isLive(d, now) || !commandCovers(d.payload.cmd, cmd)) continue;
      if (d.singleUse && d.cid !== prefer) continue;
      // Above the leaf the asker is another agent; a session delegation there still ends with its own connection.
      if (depth === 0 && d.sessionBound && d.sessionConnection !== connectionId) continue;
      if (!safeEvaluate(d.payload.pol, args)) continue;
      if (d.payload.iss === this.identities.user.did) return [d];
      if (!d.parent) continue;
      const parent = this.delegations.get(d.parent);
      if (!parent || parent.payload.aud !== d.payload.iss) continue;
      const above = this.findChain(d.payload.iss, cmd, args, parent.cid, connectionId, depth + 1);
      if (above && above[0]?.cid === parent.cid) return [d, ...above];
    }
    return undefined;
  }

  private async allow(agent: AgentInfo, cmd: string, args: Record<string, unknown>, chain: StoredDelegation[], approvalId?: string, policy?: AuditedPolicy): Promise<AuthorizeResult> {
    const signer = await this.identities.signerFor(agent.name);
    const now = this.now();
    // `chain` is found leaf first; `prf` lists it root first, as UCAN 1.0 orders it (invocation spec §Proofs).
    const prf = [...chain].reverse();
    const invocation = encodeInvocationWith(
      {
        iss: agent.did,
        sub: this.identities.user.did,
        cmd,
        args,
        prf: prf.map((d) => d.cid),
        nonce: freshNonce(),
        exp: now + INVOCATION_LIFETIME_SECONDS,
        iat: now,
      },
      signer,
    );
    const invocationCid = cidOf(invocation);
    const usedUp = chain.filter((d) => d.singleUse);
    if (usedUp.length) await this.delegations.markRevoked(usedUp);
    const token = Buffer.from(invocation).toString('base64');
    await this.audit.append({
      agent: agent.did,
      kind: 'authorize.allowed',
      data: {
        cmd,
        args: auditableArgs(args),
        invocation: invocationCid,
        // The envelope itself, so that a reader (the timeline) can re-verify the agent's signature; left
        // out when large arguments make it big, and the CID still names it.
        ...(token.length <= AUDIT_TOKEN_LIMIT ? { token } : {}),
        // Leaf first, from the agent up to the user, as the log has always recorded it (not the `prf` order).
        chain: chain.map((d) => d.cid),
        ...(approvalId ? { approvalId } : {}),
        ...(usedUp.length ? { usedUp: usedUp.map((d) => d.cid) } : {}),
        ...(policy ? { policy } : {}),
      },
    });
    return {
      decision: 'allow',
      invocation: token,
      invocationCid,
      chain: prf.map((d) => d.cid),
      proofs: prf.map((d) => this.tokenText(d)),
      args,
      ...(approvalId ? { approvalId } : {}),
    };
  }

  private async deny(agent: AgentInfo | null, params: AuthorizeParams, code: DenyCode, reason: string, approvalId?: string, path?: PathRefusalDetail, policy?: AuditedPolicy): Promise<AuthorizeResult> {
    await this.audit.append({
      agent: agent?.did ?? null,
      kind: 'authorize.denied',
      data: { agentName: params.agent, cmd: params.cmd, args: auditableArgs(params.args), code, reason, ...(approvalId ? { approvalId } : {}), ...(path ? { path } : {}), ...(policy ? { policy } : {}) },
    });
    return { decision: 'deny', code, reason, ...(approvalId ? { approvalId } : {}), ...(path ? { path } : {}) };
  }

  /** The call's arguments with every path canonical, or the denial when one cannot be made canonical. */
  private async canonicalise(agent: AgentInfo, params: AuthorizeParams, workspace: string): Promise<CanonicalArgs | AuthorizeResult> {
    try {
      return await canonicalizeArgs(params.args, workspace, argumentsSchema(params.cmd, params.inputSchema));
    } catch (error) {
      if (error instanceof PathRefusal) return this.deny(agent, params, 'path-refused', error.message, undefined, error.detail);
      return this.deny(agent, params, 'invalid-arguments', `the arguments could not be canonicalised: ${(error as Error).message}`);
    }
  }

  // ───────────────────────── approvals ─────────────────────────

  async decide(params: ApprovalDecideParams, connection?: Connection): Promise<ApprovalDecideResult> {
    const request = this.approvals.get(params.id);
    if (!request) {
      throw new RpcError(SignetErrorCode.UnknownApproval, `no pending approval "${params.id}": it was decided elsewhere, timed out, or never existed`);
    }
    // `decidedBy` is what the client says; `decidedFrom` is what the daemon could verify about the deciding process.
    const decidedBy = params.decidedBy ?? 'user';
    const decidedFrom: PeerIdentity = connection ? await connection.peer : { verified: false, reason: 'decided without a connection' };
    let delegation: StoredDelegation | undefined;
    if (params.decision !== 'deny') {
      const connectionId = this.approvals.requesterOf(request.id);
      const main = this.requestMains.get(request.id);
      if (main) {
        // A subagent's request. When its main agent already holds the call, the person's choice is delegated by
        // main below what it holds; otherwise the choice is given to main (user → main) and main passes it on.
        const held = this.findChain(main.did, request.cmd, request.args);
        if (held) {
          delegation = await this.mintApprovalDelegation(request, params, connectionId, { main, parent: held[0]! });
          this.mintedForApproval.set(request.id, delegation.cid);
        } else {
          delegation = await this.mintApprovalDelegation({ ...request, agent: { did: main.did, name: main.name } }, params, connectionId);
          const onward = await this.delegateToSubagent(main, request.agent, request.cmd, delegation, connectionId);
          this.mintedForApproval.set(request.id, onward.cid);
        }
      } else {
        delegation = await this.mintApprovalDelegation(request, params, connectionId);
        this.mintedForApproval.set(request.id, delegation.cid);
      }
    }
    await this.audit.append({
      agent: request.agent.did,
      kind: 'approval.decided',
      data: { approvalId: request.id, decision: params.decision, decidedBy, decidedFrom, ...(params.ttlSeconds ? { ttlSeconds: params.ttlSeconds } : {}), ...(params.narrow ? { narrow: params.narrow } : {}), ...(delegation ? { delegation: delegation.cid } : {}) },
    });
    if (!this.approvals.decide({ ...params, decidedBy })) {
      // It expired while we were minting: the delegation must not outlive the moment.
      if (delegation) await this.revoke(delegation.cid, 'the approval expired while it was being decided');
      throw new RpcError(SignetErrorCode.UnknownApproval, `approval "${params.id}" expired before the decision arrived`);
    }
    return { id: request.id, decision: params.decision, ...(delegation ? { delegation: this.info(delegation) } : {}) };
  }

  private async mintApprovalDelegation(
    request: ApprovalRequest,
    params: ApprovalDecideParams,
    connectionId: string | undefined,
    under?: { main: AgentInfo; parent: StoredDelegation },
  ): Promise<StoredDelegation> {
    const now = this.now();
    const pol: Statement[] = [];
    const scopeParts: string[] = [request.cmd];
    if (params.decision === 'once') {
      pol.push(['==', '.', request.args]);
      scopeParts.push('these exact arguments, once');
    }
    if (params.narrow?.tool) {
      if (request.tool === undefined) throw new RpcError(SignetErrorCode.InvalidArgument, 'this request names no tool to narrow to');
      pol.push(['==', '.tool', request.tool]);
      if (typeof request.args.server === 'string') pol.push(['==', '.server', request.args.server]);
      scopeParts.push(`tool ${request.tool}`);
    }
    if (params.narrow?.path) {
      const unchecked = request.paths.filter((p) => p.startsWith(UNCLASSIFIED_MARK) || p.startsWith(HARD_LINKED_MARK));
      if (unchecked.length) {
        throw new RpcError(
          SignetErrorCode.InvalidArgument,
          `this request cannot be narrowed to a path: ${unchecked.join(', ')} ${unchecked.length === 1 ? 'is' : 'are'} not a path Signet could check (unclassified, or a file with more than one hard link)`,
        );
      }
      let prefix: string;
      try {
        prefix = await canonicalPath(params.narrow.path, this.workspaceOf(request));
      } catch (error) {
        throw new RpcError(SignetErrorCode.InvalidArgument, `the path to narrow to cannot be used: ${(error as Error).message}`);
      }
      const escaped = prefix.replace(/[\\*]/g, (c) => `\\${c}`);
      // Every path the call touches must be the prefix itself or lie below it, and there must be one.
      pol.push(['!=', `.${PATHS_FIELD}`, []]);
      pol.push(['all', `.${PATHS_FIELD}`, ['or', [['==', '.', prefix], ['like', '.', `${escaped.replace(/\/$/, '')}/*`]]]]);
      scopeParts.push(`paths under ${prefix}`);
    }
    const exp =
      params.decision === 'once'
        ? now + ONCE_LIFETIME_SECONDS
        : params.decision === 'session'
          ? now + SESSION_BACKSTOP_SECONDS
          : params.decision === 'ttl'
            ? now + (params.ttlSeconds ?? 0)
            : null;
    scopeParts.push(params.decision === 'session' ? 'for this session' : params.decision === 'ttl' ? `for ${params.ttlSeconds} s` : params.decision === 'always' ? 'always' : '');
    if (under) {
      // Delegated by the main agent below what it holds: never longer than that.
      const parentExp = under.parent.payload.exp;
      return this.mint({
        issuer: under.main.did,
        audience: request.agent.did,
        cmd: request.cmd,
        pol,
        exp: parentExp === null ? exp : exp === null ? parentExp : Math.min(exp, parentExp),
        parent: under.parent.cid,
        source: 'subagent',
        singleUse: params.decision === 'once',
        sessionConnection: params.decision === 'session' ? connectionId : undefined,
        scope: [...scopeParts.filter(Boolean), `from ${under.main.name}`].join(' · '),
        approvalId: request.id,
        signer: await this.identities.signerFor(under.main.name),
      });
    }
    return this.mint({
      issuer: this.identities.user.did,
      audience: request.agent.did,
      cmd: request.cmd,
      pol,
      exp,
      parent: null,
      source: 'approval',
      singleUse: params.decision === 'once',
      sessionConnection: params.decision === 'session' ? connectionId : undefined,
      scope: scopeParts.filter(Boolean).join(' · '),
      approvalId: request.id,
      signer: this.identities.userSigner,
    });
  }

  /**
   * The main agent's delegation of `cmd` to its subagent, below `parent` (what main holds): no wider, no longer,
   * single-use and session-bound when the parent is, signed by the main agent's own key.
   */
  private async delegateToSubagent(main: AgentInfo, sub: { did: string; name: string }, cmd: string, parent: StoredDelegation, sessionConnection: string | undefined): Promise<StoredDelegation> {
    return this.mint({
      issuer: main.did,
      audience: sub.did,
      cmd,
      pol: [],
      exp: parent.payload.exp,
      parent: parent.cid,
      source: 'subagent',
      singleUse: parent.singleUse,
      sessionConnection: parent.sessionBound ? (sessionConnection ?? parent.sessionConnection) : undefined,
      scope: `${cmd} for ${main.name}'s subagent ${sub.name}, within ${parent.scope}`,
      signer: await this.identities.signerFor(main.name),
    });
  }

  /** A relative `narrow.path` means the same folder the request's own paths were resolved in. */
  private workspaceOf(request: ApprovalRequest): string {
    return this.requestWorkspaces.get(request.id) ?? this.defaultWorkspace;
  }

  // ───────────────────────── delegations ─────────────────────────

  async issue(params: DelegationIssueParams, connection: Connection): Promise<DelegationInfo> {
    const pol = (params.pol ?? []) as Policy;
    try {
      validatePolicy(pol);
    } catch (error) {
      throw new RpcError(SignetErrorCode.InvalidArgument, `invalid policy: ${(error as Error).message}`);
    }
    const to = this.requireAgent(params.to);
    const now = this.now();
    if (params.from === 'user') {
      if (connection.role !== 'ui') throw new RpcError(SignetErrorCode.Forbidden, 'only the user (UI token) can issue delegations from the user');
      const d = await this.mint({
        issuer: this.identities.user.did,
        audience: to.did,
        cmd: params.cmd,
        pol,
        exp: params.ttl ? now + params.ttl : null,
        parent: null,
        source: 'manual',
        singleUse: false,
        scope: describeScope(params.cmd, pol),
        signer: this.identities.userSigner,
      });
      return this.info(d);
    }
    const from = this.requireAgent(params.from);
    if (from.did === to.did) throw new RpcError(SignetErrorCode.InvalidArgument, 'an agent cannot delegate to itself');
    // The issuing agent must hold a live chain for a command at least as broad; the new delegation
    // cannot outlive it. Policies need no comparison: every policy along the chain applies to each call.
    // Never from an "allow once": it covers one call, and delegating it onward would make it many.
    const parent = this.activeHeldBy(from.did).find((d) => !d.singleUse && commandCovers(d.payload.cmd, params.cmd) && this.chainIsLive(d));
    if (!parent) {
      const held = this.activeHeldBy(from.did).map((d) => d.payload.cmd);
      throw new RpcError(
        SignetErrorCode.Escalation,
        `${from.name} cannot delegate ${params.cmd}: it holds ${held.length ? `only ${[...new Set(held)].join(', ')}` : 'no live delegation'}, and an agent can only delegate what it holds`,
      );
    }
    const exp = params.ttl ? now + params.ttl : parent.payload.exp;
    if (parent.payload.exp !== null && (exp === null || exp > parent.payload.exp)) {
      throw new RpcError(SignetErrorCode.Escalation, `${from.name} cannot delegate beyond its own delegation's expiry (${new Date(parent.payload.exp * 1000).toISOString()})`);
    }
    const d = await this.mint({
      issuer: from.did,
      audience: to.did,
      cmd: params.cmd,
      pol,
      exp,
      parent: parent.cid,
      source: 'manual',
      singleUse: false,
      scope: describeScope(params.cmd, pol),
      signer: await this.identities.signerFor(from.name),
    });
    return this.info(d);
  }

  async revoke(cid: string, reason: string): Promise<string[]> {
    const root = this.delegations.get(cid);
    if (!root) throw new RpcError(SignetErrorCode.UnknownDelegation, `no delegation with CID ${cid}`);
    const affected = [root, ...this.delegations.descendantsOf(cid)];
    const changed = await this.delegations.markRevoked(affected);
    for (const d of changed) {
      await this.audit.append({
        agent: d.payload.aud,
        kind: 'delegation.revoked',
        data: { cid: d.cid, reason: d.cid === cid ? reason : `issued below revoked ${cid}`, cmd: d.payload.cmd },
      });
    }
    return affected.map((d) => d.cid);
  }

  list(agentName?: string, includeInactive = false): DelegationInfo[] {
    const now = this.now();
    let all = this.delegations.all();
    if (agentName) {
      const agent = this.requireAgent(agentName);
      all = all.filter((d) => d.payload.aud === agent.did || d.payload.iss === agent.did);
    }
    if (!includeInactive) all = all.filter((d) => this.isLive(d, now));
    return all.map((d) => this.info(d));
  }

  async createAgent(name: string, reason: string): Promise<AgentInfo> {
    const agent = await this.identities.createAgent(name);
    await this.audit.append({ agent: agent.did, kind: 'identity.created', data: { name, did: agent.did, role: 'agent', reason } });
    return agent;
  }

  async removeAgent(name: string): Promise<{ removed: AgentInfo; revoked: string[] }> {
    const agent = this.requireAgent(name);
    const revoked: string[] = [];
    for (const d of this.delegations.all()) {
      if ((d.payload.aud === agent.did || d.payload.iss === agent.did) && !d.revoked) revoked.push(...(await this.revoke(d.cid, `agent ${name} removed`)));
    }
    await this.identities.removeAgent(name);
    await this.audit.append({ agent: agent.did, kind: 'identity.removed', data: { name, did: agent.did } });
    return { removed: agent, revoked: [...new Set(revoked)] };
  }

  info(d: StoredDelegation): DelegationInfo {
    return {
      cid: d.cid,
      issuer: this.identities.principalOf(d.payload.iss),
      audience: this.identities.principalOf(d.payload.aud),
      subject: d.payload.sub ?? this.identities.user.did,
      cmd: d.payload.cmd,
      pol: d.payload.pol as unknown[],
      exp: d.payload.exp,
      ...(d.payload.nbf !== undefined ? { nbf: d.payload.nbf } : {}),
      issuedAt: d.issuedAt,
      parent: d.parent,
      source: d.source,
      singleUse: d.singleUse,
      sessionBound: d.sessionBound,
      revoked: d.revoked,
      scope: d.scope,
      token: this.tokenText(d),
    };
  }

  /** A delegation's token in base64, made once: every allow sends its chain's tokens along. */
  private tokenText(d: StoredDelegation): string {
    let text = this.tokenTexts.get(d);
    if (text === undefined) {
      text = Buffer.from(d.bytes).toString('base64');
      this.tokenTexts.set(d, text);
    }
    return text;
  }

  // ───────────────────────── helpers ─────────────────────────

  private async mint(spec: {
    issuer: string;
    audience: string;
    cmd: string;
    pol: Policy;
    exp: number | null;
    parent: string | null;
    source: DelegationSource;
    singleUse: boolean;
    sessionConnection?: string | undefined;
    scope: string;
    approvalId?: string;
    meta?: Record<string, unknown>;
    signer: { did: string };
  }): Promise<StoredDelegation> {
    const payload: DelegationPayload = {
      iss: spec.issuer,
      aud: spec.audience,
      sub: this.identities.user.did,
      cmd: spec.cmd,
      pol: spec.pol,
      nonce: freshNonce(),
      exp: spec.exp,
      ...(spec.meta ? { meta: spec.meta } : {}),
    };
    const bytes = encodeDelegationWith(payload, spec.signer as Parameters<typeof encodeDelegationWith>[1]);
    const stored: StoredDelegation = {
      cid: cidOf(bytes),
      bytes,
      payload,
      parent: spec.parent,
      source: spec.source,
      singleUse: spec.singleUse,
      sessionBound: spec.sessionConnection !== undefined,
      ...(spec.sessionConnection ? { sessionConnection: spec.sessionConnection } : {}),
      revoked: false,
      issuedAt: new Date().toISOString(),
      scope: spec.scope,
      ...(spec.approvalId ? { approvalId: spec.approvalId } : {}),
    };
    // Recorded before it is stored: a crash between the two leaves an issued record for a delegation that was
    // never stored (harmless), never a stored delegation the log does not know (which refuses the next start).
    await this.audit.append({
      agent: spec.audience,
      kind: 'delegation.issued',
      data: {
        cid: stored.cid,
        iss: spec.issuer,
        aud: spec.audience,
        cmd: spec.cmd,
        pol: auditableArgs(spec.pol),
        exp: spec.exp,
        parent: spec.parent,
        source: spec.source,
        scope: spec.scope,
        ...(spec.approvalId ? { approvalId: spec.approvalId } : {}),
      },
    });
    await this.delegations.add(stored);
    return stored;
  }

  private isLive(d: StoredDelegation, now: number): boolean {
    if (d.revoked) return false;
    if (d.payload.exp !== null && now > d.payload.exp + CLOCK_SKEW_SECONDS) return false;
    if (d.payload.nbf !== undefined && now + CLOCK_SKEW_SECONDS < d.payload.nbf) return false;
    return true;
  }

  private chainIsLive(d: StoredDelegation): boolean {
    const now = this.now();
    for (let current: StoredDelegation | undefined = d, depth = 0; current && depth < MAX_CHAIN_DEPTH; depth++) {
      if (!this.isLive(current, now)) return false;
      if (current.payload.iss === this.identities.user.did) return true;
      current = current.parent ? this.delegations.get(current.parent) : undefined;
    }
    return false;
  }

  private activeHeldBy(did: string): StoredDelegation[] {
    const now = this.now();
    return this.delegations.heldBy(did).filter((d) => this.isLive(d, now));
  }

  private requireAgent(name: string): AgentInfo {
    const agent = this.identities.findAgent(name);
    if (!agent) throw new RpcError(SignetErrorCode.UnknownAgent, `there is no agent named "${name}"; create it with \`signet agent create ${name}\``);
    return agent;
  }

  /** Session delegations die with the agent's connection. */
  private watch(connection: Connection): void {
    if (this.watchedConnections.has(connection.id)) return;
    this.watchedConnections.add(connection.id);
    connection.onClose(() => {
      this.watchedConnections.delete(connection.id);
      const ended = this.delegations.all().filter((d) => d.sessionConnection === connection.id && !d.revoked);
      for (const d of ended) void this.revoke(d.cid, 'the agent session ended').catch(() => undefined);
    });
  }
}

const denyCodeOfCancel: Record<CancelCause, DenyCode> = { shutdown: 'daemon-shutdown', disconnected: 'disconnected', withdrawn: 'withdrawn' };
/** The owner policy's part of an audit record: the deciding rule, where it is written, and why. */
interface AuditedPolicy {
  outcome: 'deny' | 'ask' | 'allow';
  rule: PolicyRuleRef;
  reason: string;
  matched: string[];
  shell?: { commands: string[]; opaque: string[] };
}

function policyRecord(verdict: PolicyVerdict): AuditedPolicy | undefined {
  if (verdict.outcome === 'none' || !verdict.rule) return undefined;
  return {
    outcome: verdict.outcome,
    rule: { id: verdict.rule.id, file: verdict.rule.file, line: verdict.rule.line, outcome: verdict.rule.outcome, ...(verdict.rule.reason ? { reason: verdict.rule.reason } : {}) },
    reason: verdict.reason,
    matched: verdict.matched.map((r) => r.id),
    ...(verdict.shell ? { shell: verdict.shell } : {}),
  };
}

/** Invocation envelopes up to this size (base64) are copied into `authorize.allowed` records. */
const AUDIT_TOKEN_LIMIT = 16 * 1024;

/** Strings longer than this are recorded by digest: the audit log keeps what was asked, not file bodies. */
const AUDIT_STRING_LIMIT = 1024;

/** The arguments as the audit log records them: structure and short values verbatim, long strings digested. */
export function auditableArgs(value: unknown): unknown {
  // Nearly always nothing is that long, and the arguments go into the record as they are, uncopied.
  return holdsLongString(value) ? withLongStringsDigested(value) : value;
}

function holdsLongString(value: unknown): boolean {
  if (typeof value === 'string') return value.length > AUDIT_STRING_LIMIT;
  if (Array.isArray(value)) return value.some(holdsLongString);
  if (value && typeof value === 'object') {
    for (const k of Object.keys(value)) if (holdsLongString((value as Record<string, unknown>)[k])) return true;
  }
  return false;
}

function withLongStringsDigested(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.length <= AUDIT_STRING_LIMIT ? value : `<${value.length} characters, sha256:${createHash('sha256').update(value).digest('hex')}>`;
  }
  if (Array.isArray(value)) return value.map(withLongStringsDigested);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withLongStringsDigested(v)]));
  return value;
}

function safeEvaluate(pol: unknown, args: Record<string, unknown>): boolean {
  try {
    return evaluatePolicy(pol as Policy, args);
  } catch {
    return false;
  }
}

function uniquePrincipals<T extends { did: string }>(list: T[]): T[] {
  const seen = new Set<string>();
  return list.filter((p) => !seen.has(p.did) && seen.add(p.did));
}

const TEXT_SCHEMA = { type: 'string' } as const;

/**
 * The JSON Schema of a whole `authorize` args object: the envelope each kind of call has (server and tool names are
 * text), with the tool's own input schema where its arguments sit.
 */
function argumentsSchema(cmd: string, inputSchema: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  const slot = (properties: Record<string, unknown>) => ({ type: 'object', properties });
  if (cmd === '/mcp/tools/call' || cmd === '/mcp/prompts/get') {
    return slot({ server: TEXT_SCHEMA, tool: TEXT_SCHEMA, prompt: TEXT_SCHEMA, ...(inputSchema ? { arguments: inputSchema } : {}) });
  }
  if (cmd === '/mcp/resources/read') return slot({ server: TEXT_SCHEMA, uri: { type: 'string', format: 'uri' } });
  // A client hook's call: the tool's name, the skill whose `!` line it is, the MCP server Cursor names, all text.
  if (/^\/(claude-code|vscode|cursor)\/tools\//.test(cmd)) {
    return slot({ tool: TEXT_SCHEMA, server: TEXT_SCHEMA, via: slot({ skill: TEXT_SCHEMA, invokedBy: TEXT_SCHEMA }), ...(inputSchema ? { input: inputSchema } : {}) });
  }
  return inputSchema;
}

/** The first index at which two lists of paths differ, or undefined when they are the same. */
function firstDifference(a: string[], b: string[]): number | undefined {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return undefined;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function summarize(cmd: string, args: Record<string, unknown>, allPaths: string[]): string {
  const tool = typeof args.tool === 'string' ? args.tool : undefined;
  // Unclassified strings may be file contents; the prompt shows the arguments themselves, so they are counted here.
  const paths = allPaths.filter((p) => !p.startsWith(UNCLASSIFIED_MARK));
  const unclassified = allPaths.length - paths.length;
  const more = unclassified ? `(and ${unclassified} ${unclassified === 1 ? 'string' : 'strings'} Signet could not tell from paths)` : '';
  const target = paths.length || unclassified ? [paths.join(', '), more].filter(Boolean).join(' ') : tool ? '' : JSON.stringify(args).slice(0, 120);
  return [tool ?? cmd, target].filter(Boolean).join(' ');
}

function describeScope(cmd: string, pol: Policy): string {
  return pol.length ? `${cmd} where ${JSON.stringify(pol)}` : `${cmd} (any arguments)`;
}
