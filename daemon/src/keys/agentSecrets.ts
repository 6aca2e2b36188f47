// The per-agent secret that makes `SIGNET_AGENT=<name>` more than a claim. Signet puts `SIGNET_AGENT_SECRET` into
// the environment it sets up for an agent (its hook or terminal settings); a process that names an agent without
// that agent's secret is only claiming to be it, and the daemon asks a person instead of trusting the name.
//
// Only the daemon works secrets out: one random key per Signet home lives in the keystore beside the agents'
// private keys, and each agent's secret is HMAC-SHA256(key, DID, generation). A secret is handed out only through
// `agent/proof`, which a person approves (agentProofs.ts). Rotating an agent's secret moves its generation on, so
// every copy handed out before stops proving anything; removing the key revokes them all. No list of secrets is
// stored anywhere, and the generations are kept in the keystore too, where an agent cannot roll them back.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { SecretStore } from './secretStore';

const LABEL = 'signet agent environment secret v1\0';

function homeTag(home: string): string {
  return createHash('sha256').update(home).digest('hex').slice(0, 16);
}

const keyAccount = (home: string) => `agent-secret-key:${homeTag(home)}`;
const generationsAccount = (home: string) => `agent-secret-generations:${homeTag(home)}`;

const Generations = z.record(z.string(), z.number().int().nonnegative());

interface HomeSecrets {
  key: Uint8Array;
  /** The current generation of each agent's secret, by DID; absent = 0, the secret as first handed out. */
  generations: Record<string, number>;
}

/** What was read, so that checking a secret costs no keychain round trip after the first. */
const loaded = new WeakMap<SecretStore, Map<string, Promise<HomeSecrets>>>();

async function readHome(store: SecretStore, home: string): Promise<HomeSecrets> {
  let key = await store.get(keyAccount(home));
  if (!key) {
    key = new Uint8Array(randomBytes(32));
    await store.set(keyAccount(home), key);
  }
  const stored = await store.get(generationsAccount(home));
  // A generations entry that does not parse is refused rather than read as "all zero", which would bring back
  // every rotated-out secret.
  const generations = stored ? Generations.parse(JSON.parse(Buffer.from(stored).toString('utf8'))) : {};
  return { key, generations };
}

function homeSecrets(store: SecretStore, home: string): Promise<HomeSecrets> {
  const cache = loaded.get(store) ?? new Map<string, Promise<HomeSecrets>>();
  loaded.set(store, cache);
  let entry = cache.get(home);
  if (!entry) {
    entry = readHome(store, home);
    // A failed read is not remembered: the next check tries the keystore again.
    entry.catch(() => cache.delete(home));
    cache.set(home, entry);
  }
  return entry;
}

function secretOf(secrets: HomeSecrets, did: string): string {
  const generation = secrets.generations[did] ?? 0;
  const mac = createHmac('sha256', secrets.key).update(LABEL).update(did);
  // Generation 0 is the secret of the first version, unchanged, so that set-ups made before rotation still prove.
  if (generation > 0) mac.update(`\0${generation}`);
  return mac.digest('base64url');
}

/** The current secret of the agent with `did`, as `SIGNET_AGENT_SECRET` carries it, and its generation. */
export async function agentSecretFor(store: SecretStore, home: string, did: string): Promise<{ secret: string; generation: number }> {
  const secrets = await homeSecrets(store, home);
  return { secret: secretOf(secrets, did), generation: secrets.generations[did] ?? 0 };
}

/** Moves the agent's secret to a new generation: every secret of it handed out before stops proving anything. */
export async function rotateAgentSecret(store: SecretStore, home: string, did: string): Promise<number> {
  const secrets = await homeSecrets(store, home);
  const before = secrets.generations;
  const generations = { ...before, [did]: (before[did] ?? 0) + 1 };
  // Taken in memory before the keystore write, so that two rotations at once move on by two, not one.
  secrets.generations = generations;
  try {
    await store.set(generationsAccount(home), new Uint8Array(Buffer.from(JSON.stringify(generations))));
  } catch (error) {
    if (secrets.generations === generations) secrets.generations = before;
    throw error;
  }
  return generations[did]!;
}

/** True when `presented` is the current secret of `did`; compared in constant time. */
export async function isAgentSecret(store: SecretStore, home: string, did: string, presented: string): Promise<boolean> {
  const expected = Buffer.from(secretOf(await homeSecrets(store, home), did));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
