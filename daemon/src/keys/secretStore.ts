/**
 * Where the daemon keeps secrets: Ed25519 seeds (32 bytes) and random tokens, under an account name
 * such as `key:did:key:z6Mk…` or `ui-token:…`.
 *
 * The contract that matters most: `get` resolves `null` only when the store answered that it has no
 * such entry. Every other outcome (no keychain, a locked one, one that does not answer, a damaged entry)
 * rejects with a `KeystoreError`, so a caller can never mistake "could not read" for "does not exist"
 * and mint a new identity in place of one it failed to read.
 */
export type SecretStoreKind = 'keychain' | 'file' | 'memory';

export interface SecretStore {
  readonly kind: SecretStoreKind;
  /** The secret, or `null` when the store says there is no entry for `account`. */
  get(account: string): Promise<Uint8Array | null>;
  /** Creates or replaces the entry. */
  set(account: string, secret: Uint8Array): Promise<void>;
  /** Removes the entry; `false` when there was none. */
  delete(account: string): Promise<boolean>;
  /** Where the secrets live, for people: "Secret Service (org.freedesktop.secrets), service 'signet'". */
  describe(): string;
  /**
   * Checks that the store can be used right now, so that a daemon fails at start with a clear
   * `KeystoreError` instead of at the first signature. May write a harmless marker entry.
   */
  probe(): Promise<void>;
}
