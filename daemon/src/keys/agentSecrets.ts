// The per-agent secret that makes `SIGNET_AGENT=<name>` more than a claim. Signet puts `SIGNET_AGENT_SECRET` into
// the environment it sets up for an agent (its hook or terminal settings); a process that names an agent without
// that agent's secret is only claiming to be it, and the daemon asks a person instead of trusting the name.
//
// One random key per Signet home lives in the keystore beside the agents' private keys; each agent's secret is
// HMAC-SHA256(key, DID), so no list of secrets is stored anywhere and removing the key revokes them all.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SecretStore } from './secretStore';

const LABEL = 'signet agent environment secret v1\0';

function accountFor(home: string): string {
  return `agent-secret-key:${createHash('sha256').update(home).digest('hex').slice(0, 16)}`;
}

/** Keys already read, so that checking a secret costs no keychain round trip after the first. */
const loaded = new WeakMap<SecretStore, Map<string, Uint8Array>>();

async function loadOrCreateKey(store: SecretStore, home: string): Promise<Uint8Array> {
  const cache = loaded.get(store) ?? new Map<string, Uint8Array>();
  loaded.set(store, cache);
  const cached = cache.get(home);
  if (cached) return cached;
  let key = await store.get(accountFor(home));
  if (!key) {
    key = new Uint8Array(randomBytes(32));
    await store.set(accountFor(home), key);
  }
  cache.set(home, key);
  return key;
}

/** The secret of the agent with `did`, as `SIGNET_AGENT_SECRET` carries it. */
export async function agentSecretFor(store: SecretStore, home: string, did: string): Promise<string> {
  const key = await loadOrCreateKey(store, home);
  return createHmac('sha256', key).update(LABEL).update(did).digest('base64url');
}

/** True when `presented` is the secret of `did`; compared in constant time. */
export async function isAgentSecret(store: SecretStore, home: string, did: string, presented: string): Promise<boolean> {
  const expected = Buffer.from(await agentSecretFor(store, home, did));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
