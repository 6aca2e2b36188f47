// The keystore a daemon starts with, probed before anything else: a missing or locked keychain fails the start
// with its cause and fix rather than at the first signature.
import type { SignetConfig } from '../home/signetHome';
import { openSecretStore } from '../keys/openSecretStore';
import type { SecretStore } from '../keys/secretStore';
import type { Logger } from '../logger';

export interface KeystoreChoice {
  /** Overrides the saved config. */
  keystore?: 'keychain' | 'file';
  /** A ready store (tests pass an in-memory one); wins over `keystore`. */
  secretStore?: SecretStore;
}

export async function openProbedKeystore(choice: KeystoreChoice, config: SignetConfig, home: string, keysDir: string, log: Logger): Promise<SecretStore> {
  const store = choice.secretStore ?? openSecretStore({ kind: choice.keystore ?? config.keystore, home });
  // Fail at start, with the cause and the fix, rather than at the first signature.
  await store.probe();
  if (store.kind === 'file') {
    log.warn(`private keys are kept in plain files under ${keysDir} (the file keystore was chosen explicitly). Anyone who can read your home folder can act as your agents; use the OS keychain where you can.`);
  }
  return store;
}
