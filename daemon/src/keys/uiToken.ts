// The UI token lets a client approve requests, so it lives where the private keys live (the keychain,
// or with the file store its own 0600 file), never in daemon.json next to the agent token.
import { createHash, randomBytes } from 'node:crypto';
import { loadConfig } from '../home/signetHome';
import { openSecretStore } from './openSecretStore';
import type { SecretStore } from './secretStore';

/** One UI token per Signet home: the account names the home so that several homes share a keychain. */
export function uiTokenAccount(home: string): string {
  return `ui-token:${createHash('sha256').update(home).digest('hex').slice(0, 16)}`;
}

export async function loadOrCreateUiToken(store: SecretStore, home: string): Promise<string> {
  const existing = await store.get(uiTokenAccount(home));
  if (existing) return Buffer.from(existing).toString('base64url');
  const token = randomBytes(24);
  await store.set(uiTokenAccount(home), token);
  return token.toString('base64url');
}

/** For clients: the UI token of a home, or undefined when the daemon never created one. */
export async function readUiToken(store: SecretStore, home: string): Promise<string | undefined> {
  const existing = await store.get(uiTokenAccount(home));
  return existing ? Buffer.from(existing).toString('base64url') : undefined;
}

/** The keystore answered, and holds no UI token for the home: its daemon never started, or the entry was removed. */
export class UiTokenMissingError extends Error {
  constructor(readonly home: string) {
    super(`the keystore holds no UI token for ${home}; the daemon creates one when it starts, so restart it`);
    this.name = 'UiTokenMissingError';
  }
}

/**
 * The UI token of `home`, read from the keystore its config names: how every client that acts as the user (the
 * CLI, the extension) finds it, so that all of them agree on where it lives. Rejects with the store's
 * KeystoreError when the keystore cannot be read, and with UiTokenMissingError when it holds no token.
 */
export async function readUiTokenOfHome(home: string): Promise<string> {
  const config = await loadConfig(home);
  const token = await readUiToken(openSecretStore({ kind: config.keystore, home }), home);
  if (token === undefined) throw new UiTokenMissingError(home);
  return token;
}
