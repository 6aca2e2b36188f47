// How a name given by a person (`--agent coder`, an audit filter) becomes the DID that records carry. One
// function for the daemon, which knows its identities, and for the CLI, which knows them from `agent/list`.
import type { AgentInfo, Principal } from '../server/protocol';

/**
 * The DID `nameOrDid` stands for: a DID as it is, an agent's name as that agent's DID, `user` as the user's DID.
 * Anything else comes back as it is, so that a filter by an unknown name matches no record instead of all.
 */
export function didForName(nameOrDid: string, user: Principal, agentNamed: (name: string) => AgentInfo | undefined): string {
  if (nameOrDid.startsWith('did:')) return nameOrDid;
  return agentNamed(nameOrDid)?.did ?? (nameOrDid === user.name ? user.did : nameOrDid);
}
