// The approval flow: a call nothing covers is put to a person, and a decision becomes exactly the delegation chosen
// (once, for the session, for a while, always; narrowed to a tool or a path), delegated by the main agent when a
// subagent asked. No decision before the timeout, a disconnect, a withdrawal or a stop each deny with their cause.
import { randomUUID } from 'node:crypto';
import type { CancelCause } from '../approvals/approvalQueue';
import type { AgentInfo, ApprovalDecideParams, ApprovalDecideResult, ApprovalRequest, AuthorizeParams, AuthorizeResult, DenyCode } from '../server/protocol';
import { AGENT_PROOF_COMMAND, GIT_COMMIT_SIGN_COMMAND, SignetErrorCode } from '../server/protocol';
import type { Connection } from '../server/rpcServer';
import { RpcError } from '../server/wireErrors';
import type { Statement } from '../ucan/index';
import { auditableArgs, type AuditedPolicy } from './auditDigests';
import { CallAnswers, PATHS_FIELD } from './callAnswers';
import { canonicalPath, HARD_LINKED_MARK, UNCLASSIFIED_MARK, type CanonicalArgs } from './canonicalPaths';
import type { StoredDelegation } from './delegationStore';

/** An `allow once` delegation must be used right away; this bounds it if the agent vanished. */
const ONCE_LIFETIME_SECONDS = 300;
/** A session delegation ends with its connection; this bounds it should the daemon be killed. */
const SESSION_BACKSTOP_SECONDS = 24 * 3600;

/** A call that is put to a person, with what authorize found out about it on the way. */
export interface PersonAsked {
  agent: AgentInfo;
  /** The main agent a subagent acts for. */
  main: AgentInfo | undefined;
  params: AuthorizeParams;
  canonical: CanonicalArgs;
  /** The canonical arguments with the paths field added. */
  args: Record<string, unknown>;
  workspace: string;
  policy: AuditedPolicy | undefined;
  connection: Connection;
  /** What a `session` approval of this call lasts for: the client's session for a hook, else the connection. */
  sessionKey: string;
  /** Told the person's decision, when one was made, before the call is answered (the commit signer's "Sign as me"). */
  onDecision?: (decision: ApprovalDecideParams) => void;
}

export abstract class ApprovalFlow extends CallAnswers {
  /** The workspace each pending approval's request was made in. */
  private readonly requestWorkspaces = new Map<string, string>();
  /** Pending approvals by `connection id + requestId`, so the asking agent can withdraw them. */
  private readonly withdrawable = new Map<string, string>();
  /** The main agent a pending approval's subagent acts for, so an approval mints main's delegation first. */
  private readonly requestMains = new Map<string, AgentInfo>();
  /** The delegation minted by an approval decision, handed to the authorize call that waits for it. */
  private readonly mintedForApproval = new Map<string, string>();

  /**
   * Asks a person about a call nothing covers, waits for the decision, and answers it: a refusal, a timeout or a
   * cancellation denies with its cause; an approval allows through the delegation it minted, if the call's paths
   * still name what the person was shown.
   */
  protected async askPerson(call: PersonAsked): Promise<AuthorizeResult> {
    const { agent, main, params, canonical, args, workspace, policy, connection } = call;
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
      summary: summarize(agent.name, params.cmd, args, canonical.paths),
      paths: canonical.paths,
      ...(tool ? { tool } : {}),
      ...(policy ? { policy: { rule: policy.rule, reason: policy.reason } } : {}),
      // Relayed to the prompt only: a server's word about its tool never decides anything here.
      ...(params.toolAnnotations ? { toolAnnotations: params.toolAnnotations } : {}),
      ...(this.outsideEditor.of(agent.did) ? { earlierOutsideEditor: this.outsideEditor.of(agent.did) } : {}),
    }, call.sessionKey);
    await this.audit.append({
      agent: agent.did,
      kind: 'approval.requested',
      data: { approvalId: request.id, cmd: params.cmd, args: auditableArgs(args), expiresAt: request.expiresAt, heldDelegations: request.heldDelegations, ...(policy ? { policy } : {}) },
    });
    const cancelOnDisconnect = () => this.approvals.cancel(request.id, 'disconnected', `${agent.name} disconnected before a decision`);
    connection.onClose(cancelOnDisconnect);

    const outcome = await resolution;
    if (outcome.outcome === 'decided') call.onDecision?.(outcome.decision);
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
    const approvedChain = this.findChain(agent.did, params.cmd, args, minted, call.sessionKey);
    if (!approvedChain) {
      return this.deny(agent, params, 'internal-error', 'the approval was given, but its delegation no longer covers the call (revoked meanwhile?)', request.id);
    }
    return this.allow(agent, params.cmd, args, approvedChain, request.id, policy);
  }

  /** Withdraws a waiting request of `connection`; false when none of that id is waiting. */
  withdraw(requestId: string, connection: Connection): boolean {
    const approvalId = this.withdrawable.get(`${connection.id} ${requestId}`);
    return approvalId !== undefined && this.approvals.cancel(approvalId, 'withdrawn', 'the agent withdrew the request');
  }

  async decide(params: ApprovalDecideParams, connection?: Connection): Promise<ApprovalDecideResult> {
    const request = this.approvals.get(params.id);
    if (!request) {
      throw new RpcError(SignetErrorCode.UnknownApproval, `no pending approval "${params.id}": it was decided elsewhere, timed out, or never existed`);
    }
    // `decidedBy` is what the client says; `decider` is the person and the place, from what the daemon verified
    // (the process behind the socket) and what an editor stated about its window, each marked as which.
    const decidedBy = params.decidedBy ?? 'user';
    const decider = await this.places.deciderOf(connection);
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
      data: { approvalId: request.id, decision: params.decision, decidedBy, decider, ...(params.signAs ? { signAs: params.signAs } : {}), ...(params.ttlSeconds ? { ttlSeconds: params.ttlSeconds } : {}), ...(params.narrow ? { narrow: params.narrow } : {}), ...(delegation ? { delegation: delegation.cid } : {}) },
    });
    this.outsideEditor.noteDecision(request.agent.did, request.id, params.decision, decider);
    if (!this.approvals.decide({ ...params, decidedBy })) {
      // It expired while we were minting: the delegation must not outlive the moment.
      if (delegation) await this.revoke(delegation.cid, 'the approval expired while it was being decided');
      throw new RpcError(SignetErrorCode.UnknownApproval, `approval "${params.id}" expired before the decision arrived`);
    }
    return { id: request.id, decision: params.decision, ...(delegation ? { delegation: this.info(delegation) } : {}) };
  }

  protected async mintApprovalDelegation(
    request: ApprovalRequest,
    params: ApprovalDecideParams,
    connectionId: string | undefined,
    under?: { main: AgentInfo; parent: StoredDelegation },
  ): Promise<StoredDelegation> {
    const now = this.now();
    const { pol, scopeParts } = await this.approvalScope(request, params);
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

  /** The policy and the words of an approval's scope: its exact arguments for `once`, and the tool and path it is narrowed to. */
  protected async approvalScope(request: ApprovalRequest, params: ApprovalDecideParams): Promise<{ pol: Statement[]; scopeParts: string[] }> {
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
    return { pol, scopeParts };
  }

  /**
   * The main agent's delegation of `cmd` to its subagent, below `parent` (what main holds): no wider, no longer,
   * single-use and session-bound when the parent is, signed by the main agent's own key.
   */
  protected async delegateToSubagent(main: AgentInfo, sub: { did: string; name: string }, cmd: string, parent: StoredDelegation, sessionConnection: string | undefined): Promise<StoredDelegation> {
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
}

const denyCodeOfCancel: Record<CancelCause, DenyCode> = { shutdown: 'daemon-shutdown', disconnected: 'disconnected', withdrawn: 'withdrawn' };

function uniquePrincipals<T extends { did: string }>(list: T[]): T[] {
  const seen = new Set<string>();
  return list.filter((p) => !seen.has(p.did) && seen.add(p.did));
}

/** The first index at which two lists of paths differ, or undefined when they are the same. */
function firstDifference(a: string[], b: string[]): number | undefined {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return undefined;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Signet's own commands in words: their arguments are Signet's, which the path count below would only muddle. */
function ownCommandSummary(agent: string, cmd: string, args: Record<string, unknown>): string | undefined {
  if (cmd === GIT_COMMIT_SIGN_COMMAND) {
    return `a commit in ${String(args.repo)} on ${String(args.branch)}${args.identity === 'claimed' ? ` (the process did not prove it is ${agent})` : ''}`;
  }
  if (cmd === AGENT_PROOF_COMMAND) {
    return `${agent}'s proof of identity (${String(args.purpose)}${args.rotate === true ? ', after a rotation' : ''}), asked for by ${String(args.requestedBy)}`;
  }
  return undefined;
}

function summarize(agent: string, cmd: string, args: Record<string, unknown>, allPaths: string[]): string {
  const own = ownCommandSummary(agent, cmd, args);
  if (own !== undefined) return own;
  const tool = typeof args.tool === 'string' ? args.tool : undefined;
  // Unclassified strings may be file contents; the prompt shows the arguments themselves, so they are counted here.
  const paths = allPaths.filter((p) => !p.startsWith(UNCLASSIFIED_MARK));
  const unclassified = allPaths.length - paths.length;
  const more = unclassified ? `(and ${unclassified} ${unclassified === 1 ? 'string' : 'strings'} Signet could not tell from paths)` : '';
  const target = paths.length || unclassified ? [paths.join(', '), more].filter(Boolean).join(' ') : tool ? '' : JSON.stringify(args).slice(0, 120);
  return [tool ?? cmd, target].filter(Boolean).join(' ');
}
