// authorize = does a chain of live delegations user → … → agent cover this call? If yes, the agent signs
// an invocation; if not, a person is asked, and an approval becomes exactly the delegation chosen. The owner
// policy is asked first. This is the façade the daemon holds; the rest of the authorizer is layered below it
// (see chainSearch.ts): delegation administration, answering a call, and the approval flow.
import { isKeystoreFailure, keystoreMessageWithFix } from '../keys/identities';
import { describeRule, type OwnerPolicy, type PolicyVerdict } from '../policy/ownerPolicy';
import type { AgentInfo, ApprovalDecideParams, AuthorizeParams, AuthorizeResult, PolicyRuleRef } from '../server/protocol';
import type { Connection } from '../server/rpcServer';
import { ApprovalFlow } from './approvalFlow';
import { policyRecord } from './auditDigests';
import { PATHS_FIELD, type AuthorizeAnswer } from './callAnswers';
import { clientSessionKey } from './sessionKeys';
import { MAX_CHAIN_DEPTH, type AuthorizerOptions } from './chainSearch';
import type { StoredDelegation } from './delegationStore';

// Kept importable from here, where they were declared before the authorizer was split.
export { auditableArgs } from './auditDigests';
export { PATHS_FIELD } from './callAnswers';
export type { AuditSink, AuthorizerOptions } from './chainSearch';

/** A delegation minted for one call a policy rule allowed: used at once, or never. */
const POLICY_ALLOW_LIFETIME_SECONDS = 60;

/** What a caller inside the daemon (the commit signer) may add to one authorize; nothing of it comes from the wire. */
export interface AuthorizeOptions {
  /** Ask a person even where a delegation or a policy allow would cover the call (a claimed, unproven identity). */
  mustAsk?: boolean;
  /** Told the person's decision, when one was made, before the call is answered. */
  onDecision?: (decision: ApprovalDecideParams) => void;
}

export class Authorizer extends ApprovalFlow {
  readonly policy: OwnerPolicy | undefined;

  constructor(options: AuthorizerOptions) {
    super(options);
    this.policy = options.policy;
  }

  /**
   * Answers allow or deny, and audits either. A keystore that cannot give the agent's key (or take a new agent's)
   * is a deny too, audited with its own code, rather than an error: the call was refused for a cause.
   */
  async authorize(params: AuthorizeParams, connection: Connection, options: AuthorizeOptions = {}): Promise<AuthorizeAnswer> {
    try {
      return await this.authorizeOrThrow(params, connection, options);
    } catch (error) {
      if (!isKeystoreFailure(error)) throw error;
      const reason = `Signet could not use the keystore for agent "${params.agent}": ${keystoreMessageWithFix(error)}`;
      return this.deny(this.identities.findAgent(params.agent) ?? null, params, 'keystore-unavailable', reason);
    }
  }

  private async authorizeOrThrow(params: AuthorizeParams, connection: Connection, options: AuthorizeOptions): Promise<AuthorizeAnswer> {
    // A hook's session is the client's, for its main agent (see sessionKeys.ts); anything else's is its connection.
    const sessionKey = clientSessionKey(params.clientCall, params.actingFor ?? params.agent) ?? connection.id;
    let agent = this.identities.findAgent(params.agent);
    if (!agent) {
      if (!params.createAgent) {
        return this.deny(null, params, 'unknown-agent', `there is no agent named "${params.agent}"; create it with \`signet agent create ${params.agent}\``);
      }
      agent = await this.createOnFirstUse(params.agent, 'first use');
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
    if (verdict?.outcome === 'allow' && verdict.rule && !options.mustAsk) {
      const minted = await this.mintPolicyDelegation(agent, params.cmd, args, verdict.rule);
      return this.allow(agent, params.cmd, args, [minted], undefined, policy);
    }

    const chain = verdict?.outcome === 'ask' || options.mustAsk ? undefined : this.findChain(agent.did, params.cmd, args, undefined, sessionKey);
    if (chain) return this.allow(agent, params.cmd, args, chain);

    let main: AgentInfo | undefined;
    if (params.actingFor !== undefined && params.actingFor !== agent.name) {
      main = this.identities.findAgent(params.actingFor) ?? (params.createAgent ? await this.createOnFirstUse(params.actingFor, 'first use, as the main agent of a subagent') : undefined);
      if (!main) return this.deny(agent, params, 'unknown-agent', `there is no agent named "${params.actingFor}" for ${agent.name} to act for`);
      // A subagent is its own agent: what its main agent holds does not cover it silently. The person is asked,
      // seeing whom it acts for, and an approval is delegated to it by the main agent (see decide).
    }
    return this.askPerson({ agent, main, params, canonical, args, workspace, policy, connection, sessionKey, ...(options.onDecision ? { onDecision: options.onDecision } : {}) });
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
}
