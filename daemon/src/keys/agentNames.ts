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

// Agent names are what a person reads in a prompt ("coder wants to write src/auth.ts"), so no two may look
// alike, and none may look like the root's own name, `user`. Names are already lowercase ASCII (the protocol's
// schema), which leaves the look-alikes of that alphabet: digits read as letters, `rn` as `m`, and the three
// separators as one another.

/** The name that stands for the user (the root of every chain); no agent may take it or a look-alike. */
export const ROOT_NAME = 'user';

/** What a name looks like: two names with the same skeleton are too alike to tell apart in a prompt. */
export function nameSkeleton(name: string): string {
  return name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[._-]/g, '-')
    .replace(/rn/g, 'm')
    .replace(/vv/g, 'w')
    .replace(/0/g, 'o')
    .replace(/[1il|]/g, 'l')
    .replace(/5/g, 's');
}

/** Why `name` cannot be an agent's next to `existing`, or undefined when it can. */
export function nameConflict(name: string, existing: Iterable<string>): { kind: 'reserved' | 'look-alike'; like: string } | undefined {
  const skeleton = nameSkeleton(name);
  if (skeleton === nameSkeleton(ROOT_NAME)) return { kind: 'reserved', like: ROOT_NAME };
  for (const other of existing) if (other !== name && nameSkeleton(other) === skeleton) return { kind: 'look-alike', like: other };
  return undefined;
}
