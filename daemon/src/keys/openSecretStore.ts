import { join } from 'node:path';
import { FileStore } from './fileStore';
import { KeychainStore } from './keychainStore';
import type { SecretStore } from './secretStore';

export interface OpenSecretStoreOptions {
  /** `keychain` (the default everywhere) or `file`, the explicit opt-in for headless machines. */
  kind: 'keychain' | 'file';
  /** The Signet home; the file store keeps its files in `<home>/keys`. */
  home: string;
  /** Keychain service name (default `signet`). */
  service?: string;
  /** Upper bound for one keychain call, in milliseconds (default 5000). */
  timeoutMs?: number;
}

/** The store the daemon keeps its keys in. Opening does not touch the store; call `probe()` for that. */
export function openSecretStore(options: OpenSecretStoreOptions): SecretStore {
  if (options.kind === 'file') return new FileStore(join(options.home, 'keys'));
  return new KeychainStore({
    ...(options.service !== undefined ? { service: options.service } : {}),
    ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
  });
}
