// Who is who: the user (root of every chain) and the named agents. Public facts (names, DIDs, creation
// times) live in `identities.json`; private keys live only in the secret store, one entry per DID, so a
// new identity can never overwrite an old key. A key that should exist but cannot be read is an error,
// never a reason to mint a new identity.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from '../home/atomicFile';
import { homePaths } from '../home/signetHome';
import type { AgentInfo, Principal } from '../server/protocol';
import { Ed25519Signer } from '../ucan/index';
import { nameConflict, ROOT_NAME } from './agentNames';
import { KeystoreError } from './keystoreError';
import type { SecretStore } from './secretStore';

const IdentitiesFile = z.object({
  version: z.literal(1),
  user: z.object({ did: z.string(), createdAt: z.string() }),
  agents: z.array(z.object({ name: z.string(), did: z.string(), createdAt: z.string() })),
});
type IdentitiesFile = z.infer<typeof IdentitiesFile>;

export class IdentityError extends Error {
  constructor(
    message: string,
    readonly kind: 'unknown-agent' | 'agent-exists' | 'reserved-name' | 'key-missing',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'IdentityError';
  }
}

/** True for a failure of the keystore itself (it cannot be read, or a key is gone), as opposed to a wrong name. */
export function isKeystoreFailure(error: unknown): error is KeystoreError | IdentityError {
  return error instanceof KeystoreError || (error instanceof IdentityError && error.kind === 'key-missing');
}

/** What the user can do about a keystore failure. */
export function keystoreFix(error: KeystoreError | IdentityError): string {
  return error instanceof KeystoreError ? error.fix : 'restore the keychain entry, or move this Signet home aside to start over';
}

/** The failure's message, ending with its fix (most messages carry it already, and then it is not said twice). */
export function keystoreMessageWithFix(error: KeystoreError | IdentityError, separator = ' '): string {
  const fix = keystoreFix(error);
  return error.message.includes(fix) ? error.message : `${error.message}${separator}${fix}`;
}

/** The secret-store account that holds the seed of `did`. */
export function keyAccountFor(did: string): string {
  return `key:${did}`;
}

export class IdentityRegistry {
  private readonly signers = new Map<string, Ed25519Signer>();
  private readonly agentsByName = new Map<string, AgentInfo>();
  /** Names whose identity is being created now (its key written, the file saved): taken already. */
  private readonly beingCreated = new Set<string>();
  private readonly namesByDid = new Map<string, string>();

  private constructor(
    private readonly path: string,
    private readonly store: SecretStore,
    private file: IdentitiesFile,
    userSigner: Ed25519Signer,
  ) {
    this.signers.set(userSigner.did, userSigner);
    for (const agent of file.agents) this.index(agent);
  }

  /**
   * Opens the registry of `home`, creating the user identity on first run. `created` is true when the
   * user identity was made just now (the caller audits it).
   */
  static async open(home: string, store: SecretStore): Promise<{ registry: IdentityRegistry; created: boolean }> {
    const path = homePaths(home).identities;
    let existing: IdentitiesFile | undefined;
    try {
      const parsed = IdentitiesFile.safeParse(JSON.parse(await readFile(path, 'utf8')));
      if (!parsed.success) throw new Error(`${path} is damaged: ${parsed.error.issues[0]?.message ?? 'invalid'}; restore it from a backup`);
      existing = parsed.data;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (existing) {
      const signer = await loadSigner(store, existing.user.did, 'the user');
      return { registry: new IdentityRegistry(path, store, existing, signer), created: false };
    }
    const seed = randomBytes(32);
    const signer = Ed25519Signer.fromSeed(seed);
    // The key goes into the store before the name is written, so a crash between the two leaves an
    // unused key rather than a name without a key.
    await store.set(keyAccountFor(signer.did), seed);
    const file: IdentitiesFile = { version: 1, user: { did: signer.did, createdAt: new Date().toISOString() }, agents: [] };
    await writeFileAtomic(path, `${JSON.stringify(file, null, 2)}\n`, 0o600);
    return { registry: new IdentityRegistry(path, store, file, signer), created: true };
  }

  get user(): Principal {
    return { did: this.file.user.did, name: 'user' };
  }

  get userSigner(): Ed25519Signer {
    const signer = this.signers.get(this.file.user.did);
    if (!signer) throw new Error('the user signer is not loaded');
    return signer;
  }

  listAgents(): AgentInfo[] {
    return [...this.agentsByName.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  findAgent(name: string): AgentInfo | undefined {
    return this.agentsByName.get(name);
  }

  requireAgent(name: string): AgentInfo {
    const agent = this.agentsByName.get(name);
    if (!agent) throw new IdentityError(`no agent named "${name}"; create it with \`signet agent create ${name}\``, 'unknown-agent');
    return agent;
  }

  /** The display principal for a DID: `user`, an agent's name, or the DID itself for strangers. */
  principalOf(did: string): Principal {
    if (did === this.file.user.did) return this.user;
    return { did, name: this.namesByDid.get(did) ?? did };
  }

  async createAgent(name: string): Promise<AgentInfo> {
    // A name is taken from the first await on: two creations at once would otherwise both pass this check and leave
    // two identities, two keys, under one name.
    if (this.agentsByName.has(name) || this.beingCreated.has(name)) throw new IdentityError(`an agent named "${name}" exists already`, 'agent-exists');
    this.beingCreated.add(name);
    try {
      return await this.createNamed(name);
    } finally {
      this.beingCreated.delete(name);
    }
  }

  private async createNamed(name: string): Promise<AgentInfo> {
    const conflict = nameConflict(name, this.agentsByName.keys());
    if (conflict?.kind === 'reserved') throw new IdentityError(`"${name}" cannot name an agent: it is, or looks like, "${ROOT_NAME}", the name of the user who approves`, 'reserved-name');
    if (conflict) throw new IdentityError(`"${name}" cannot name an agent: it looks too much like the agent "${conflict.like}" to tell them apart in a prompt`, 'reserved-name');
    const seed = randomBytes(32);
    const signer = Ed25519Signer.fromSeed(seed);
    await this.store.set(keyAccountFor(signer.did), seed);
    const agent: AgentInfo = { name, did: signer.did, createdAt: new Date().toISOString() };
    this.file = { ...this.file, agents: [...this.file.agents, agent] };
    await this.save();
    this.index(agent);
    this.signers.set(agent.did, signer);
    return agent;
  }

  async removeAgent(name: string): Promise<AgentInfo> {
    const agent = this.requireAgent(name);
    this.file = { ...this.file, agents: this.file.agents.filter((a) => a.name !== name) };
    await this.save();
    this.agentsByName.delete(name);
    this.namesByDid.delete(agent.did);
    this.signers.delete(agent.did);
    await this.store.delete(keyAccountFor(agent.did));
    return agent;
  }

  /** The agent's signer, read from the store once and then kept in memory. */
  async signerFor(name: string): Promise<Ed25519Signer> {
    const agent = this.requireAgent(name);
    const cached = this.signers.get(agent.did);
    if (cached) return cached;
    const signer = await loadSigner(this.store, agent.did, `agent "${name}"`);
    this.signers.set(agent.did, signer);
    return signer;
  }

  private index(agent: AgentInfo): void {
    this.agentsByName.set(agent.name, agent);
    this.namesByDid.set(agent.did, agent.name);
  }

  private async save(): Promise<void> {
    await writeFileAtomic(this.path, `${JSON.stringify(this.file, null, 2)}\n`, 0o600);
  }
}

async function loadSigner(store: SecretStore, did: string, who: string): Promise<Ed25519Signer> {
  const seed = await store.get(keyAccountFor(did));
  if (!seed) {
    throw new IdentityError(
      `the private key of ${who} (${did}) is missing from ${store.describe()}. Signet will not create a new identity in its place: restore the keychain entry, or move this Signet home aside to start over`,
      'key-missing',
    );
  }
  const signer = Ed25519Signer.fromSeed(seed);
  if (signer.did !== did) throw new IdentityError(`the key stored for ${who} belongs to ${signer.did}, not ${did}; the keychain entry was altered`, 'key-missing');
  return signer;
}
