// Delegation administration: issuing (an agent only delegates onward what it holds), revoking (everything issued
// below goes too), listing, and the agents themselves. Every delegation is minted here, audited before it is stored.
import type { AgentInfo, DelegationInfo, DelegationIssueParams, DelegationSource } from '../server/protocol';
import { SignetErrorCode } from '../server/protocol';
import type { Connection } from '../server/rpcServer';
import { RpcError } from '../server/wireErrors';
import { cidOf, commandCovers, encodeDelegationWith, validatePolicy, type DelegationPayload, type Policy } from '../ucan/index';
import { auditableArgs } from './auditDigests';
import { ChainSearch } from './chainSearch';
import type { StoredDelegation } from './delegationStore';
import { freshNonce } from './freshNonce';

export abstract class DelegationAdmin extends ChainSearch {
  private readonly watchedConnections = new Set<string>();
  /** Base64 of each delegation's token, made on first use (see tokenText). */
  private readonly tokenTexts = new WeakMap<StoredDelegation, string>();

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

  /** Revokes a delegation and all below it; `detail` is typed data for the first record (what ended a client session). */
  async revoke(cid: string, reason: string, detail: Record<string, unknown> = {}): Promise<string[]> {
    const root = this.delegations.get(cid);
    if (!root) throw new RpcError(SignetErrorCode.UnknownDelegation, `no delegation with CID ${cid}`);
    const affected = [root, ...this.delegations.descendantsOf(cid)];
    const changed = await this.delegations.markRevoked(affected);
    for (const d of changed) {
      await this.audit.append({
        agent: d.payload.aud,
        kind: 'delegation.revoked',
        data: { cid: d.cid, reason: d.cid === cid ? reason : `issued below revoked ${cid}`, cmd: d.payload.cmd, ...(d.cid === cid ? detail : {}) },
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

  /** Calls that arrive at once for an agent not created yet share its one creation (a proxy's first burst of calls). */
  private readonly firstUses = new Map<string, Promise<AgentInfo>>();

  protected createOnFirstUse(name: string, reason: string): Promise<AgentInfo> {
    let creating = this.firstUses.get(name);
    if (!creating) {
      creating = this.createAgent(name, reason).finally(() => this.firstUses.delete(name));
      this.firstUses.set(name, creating);
    }
    return creating;
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
  protected tokenText(d: StoredDelegation): string {
    let text = this.tokenTexts.get(d);
    if (text === undefined) {
      text = Buffer.from(d.bytes).toString('base64');
      this.tokenTexts.set(d, text);
    }
    return text;
  }

  protected async mint(spec: {
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

  protected requireAgent(name: string): AgentInfo {
    const agent = this.identities.findAgent(name);
    if (!agent) throw new RpcError(SignetErrorCode.UnknownAgent, `there is no agent named "${name}"; create it with \`signet agent create ${name}\``);
    return agent;
  }

  /** Session delegations die with the agent's connection. */
  protected watch(connection: Connection): void {
    if (this.watchedConnections.has(connection.id)) return;
    this.watchedConnections.add(connection.id);
    connection.onClose(() => {
      this.watchedConnections.delete(connection.id);
      const ended = this.delegations.all().filter((d) => d.sessionConnection === connection.id && !d.revoked);
      for (const d of ended) void this.revoke(d.cid, 'the agent session ended').catch(() => undefined);
    });
  }
}

function describeScope(cmd: string, pol: Policy): string {
  return pol.length ? `${cmd} where ${JSON.stringify(pol)}` : `${cmd} (any arguments)`;
}
