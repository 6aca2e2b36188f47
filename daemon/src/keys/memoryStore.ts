import type { KeystoreError } from './keystoreError';
import { checkAccount, checkSecret } from './secretEncoding';
import type { SecretStore } from './secretStore';

/**
 * Secrets in a Map, for fast unit tests only: nothing is persisted or protected. `failWith` makes every
 * call reject, so that callers can test how they handle a keychain that cannot be read.
 */
export class MemoryStore implements SecretStore {
  readonly kind = 'memory';
  private readonly entries = new Map<string, Uint8Array>();
  private failure: KeystoreError | undefined;

  /** From now on every call rejects with `error` (pass `undefined` to stop). */
  failWith(error: KeystoreError | undefined): void {
    this.failure = error;
  }

  async get(account: string): Promise<Uint8Array | null> {
    checkAccount(account);
    this.throwIfFailing();
    const secret = this.entries.get(account);
    return secret ? secret.slice() : null;
  }

  async set(account: string, secret: Uint8Array): Promise<void> {
    checkAccount(account);
    checkSecret(secret);
    this.throwIfFailing();
    this.entries.set(account, secret.slice());
  }

  async delete(account: string): Promise<boolean> {
    checkAccount(account);
    this.throwIfFailing();
    return this.entries.delete(account);
  }

  describe(): string {
    return 'memory (tests only; nothing is kept after the process exits)';
  }

  async probe(): Promise<void> {
    this.throwIfFailing();
  }

  private throwIfFailing(): void {
    if (this.failure) throw this.failure;
  }
}
