// The audit log's checkpoint key: an Ed25519 key of its own, kept in the same store as the agent keys,
// that signs every checkpoint. Like every key it is never replaced silently: if checkpoints were
// already signed and the key cannot be found, that is an error, since a new key would make the old
// checkpoints unverifiable.
import { createHash, randomBytes } from 'node:crypto';
import { IdentityError } from './identities';
import type { SecretStore } from './secretStore';

export function logKeyAccount(home: string): string {
  return `log-key:${createHash('sha256').update(home).digest('hex').slice(0, 16)}`;
}

export async function loadOrCreateLogKey(store: SecretStore, home: string, checkpointsExist: boolean): Promise<Uint8Array> {
  const existing = await store.get(logKeyAccount(home));
  if (existing) return existing;
  if (checkpointsExist) {
    throw new IdentityError(
      `the audit log of ${home} has signed checkpoints, but its log key is missing from ${store.describe()}. Signet will not sign with a new key in its place: restore the keychain entry, or move ${home}/audit aside to start a new log`,
      'key-missing',
    );
  }
  const seed = randomBytes(32);
  await store.set(logKeyAccount(home), seed);
  return seed;
}

/** For readers such as `signet audit verify`: the log key, or undefined when none was ever made. */
export async function readLogKey(store: SecretStore, home: string): Promise<Uint8Array | undefined> {
  return (await store.get(logKeyAccount(home))) ?? undefined;
}
