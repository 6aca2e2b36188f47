// The services that answer calls beside authorize, each through the authorizer so that the owner policy, the
// delegations and the prompt apply to them too: the hooks' client calls (decided once per client call, their
// outcomes and session ends recorded), commit signing as an agent, and handing out an agent's proof of identity.
import type { AuditLog } from '../audit/auditLog';
import type { Authorizer } from '../authz/authorizer';
import { wireAnswer } from '../authz/callAnswers';
import type { DelegationStore } from '../authz/delegationStore';
import { CommitSigner } from '../git/commitSigner';
import { ClientCalls } from '../hooks/clientCalls';
import { AgentProofs } from '../keys/agentProofs';
import type { IdentityRegistry } from '../keys/identities';
import type { SecretStore } from '../keys/secretStore';

export interface CallServiceParts {
  home: string;
  store: SecretStore;
  identities: IdentityRegistry;
  delegations: DelegationStore;
  authorizer: Authorizer;
  audit: AuditLog;
}

export function startCallServices(parts: CallServiceParts): { clientCalls: ClientCalls; commitSigner: CommitSigner; agentProofs: AgentProofs } {
  const { home, store, identities, delegations, authorizer, audit } = parts;
  const clientCalls = new ClientCalls({
    authorize: (params, connection) => authorizer.authorize(params, connection).then(wireAnswer),
    audit,
    agentDid: (name) => identities.findAgent(name)?.did,
    sessionDelegations: (key) => delegations.all().filter((d) => d.sessionConnection === key && !d.revoked).map((d) => d.cid),
    revoke: (cid, reason, detail) => authorizer.revoke(cid, reason, detail),
  });
  const commitSigner = new CommitSigner({ home, store, identities, authorizer, audit, isRevoked: (cid) => delegations.get(cid)?.revoked === true });
  const agentProofs = new AgentProofs({ home, store, identities, authorizer, audit });
  return { clientCalls, commitSigner, agentProofs };
}
