// `agent/proof`: handing out an agent's SIGNET_AGENT_SECRET, which lets whatever process carries it act as that
// agent without a prompt (sign its commits). Think of who asks: the person setting up Claude Code, or an agent with
// a shell that wants to act as another agent. The UI token does not tell them apart (any process of the user can
// run `signet git env`), so the secret is never handed out silently: a person is always asked, shown the process the
// daemon found behind the connection, and every secret handed out is audited (`agent.proof.issued`). An owner rule
// can refuse it outright, and the default rules refuse it to agents' shell commands.
import type { AuditSink, Authorizer } from '../authz/authorizer';
import type { PeerIdentity } from '../server/peerProcess';
import { AGENT_PROOF_COMMAND, type AgentProofParams, type AgentProofResult } from '../server/protocol';
import type { Connection } from '../server/rpcServer';
import type { IdentityRegistry } from './identities';
import { agentSecretFor, rotateAgentSecret } from './agentSecrets';
import type { SecretStore } from './secretStore';

export interface AgentProofsOptions {
  home: string;
  store: SecretStore;
  identities: IdentityRegistry;
  authorizer: Authorizer;
  audit: AuditSink;
}

export class AgentProofs {
  constructor(private readonly options: AgentProofsOptions) {}

  async handOut(params: AgentProofParams, connection: Connection): Promise<AgentProofResult> {
    const { identities, authorizer, store, home, audit } = this.options;
    const agent = identities.findAgent(params.agent);
    if (!agent) return { decision: 'deny', code: 'unknown-agent', reason: `there is no agent named "${params.agent}"; create it with \`signet agent create ${params.agent}\`` };
    const requestedBy = describeRequester(await connection.peer);
    const args = { purpose: params.purpose, rotate: params.rotate === true, requestedBy };
    // Always a person, whatever a delegation or an owner "allow" rule says: the secret is the agent's identity.
    const result = await authorizer.authorize({ agent: agent.name, cmd: AGENT_PROOF_COMMAND, args }, connection, { mustAsk: true });
    if (result.decision === 'deny') return { decision: 'deny', code: result.code, reason: result.reason };
    const generation = params.rotate ? await rotateAgentSecret(store, home, agent.did) : undefined;
    const proof = await agentSecretFor(store, home, agent.did);
    await audit.append({
      agent: agent.did,
      kind: 'agent.proof.issued',
      data: { agentName: agent.name, purpose: params.purpose, generation: proof.generation, rotated: generation !== undefined, requestedBy, invocation: result.invocationCid, ...(result.approvalId ? { approvalId: result.approvalId } : {}) },
    });
    return { decision: 'allow', SIGNET_AGENT: agent.name, SIGNET_AGENT_SECRET: proof.secret, generation: proof.generation };
  }
}

/**
 * `node (pid 4242) ← bash (pid 4200) ← sshd (pid 900)`: base names only, so that the prompt's arguments hold no path
 * (which the owner policy would take for a file the call touches); "an unverified process" where the daemon could not
 * tell (the approval's `decider` record keeps why).
 */
export function describeRequester(peer: PeerIdentity): string {
  if (!peer.verified) return 'an unverified process';
  const name = (executable: string | null) => (executable ? executable.slice(executable.lastIndexOf('/') + 1) : 'unreadable');
  return [peer.process, ...peer.parents.slice(0, 4)].map((p) => `${name(p.executable)} (pid ${p.pid})`).join(' ← ');
}
