/**
 * Why a secret store could not answer. Each code has its own cause and fix, and none of them can be
 * mistaken for "there is no such entry": a store only returns `null` when it answered that question.
 * This is what stops the daemon from minting a new identity in place of one it could not read.
 */
export type KeystoreErrorCode =
  /** There is no D-Bus session bus to reach the Secret Service through. */
  | 'no-session-bus'
  /** The bus is there, but no Secret Service (GNOME Keyring, KWallet, KeePassXC…) is on it. */
  | 'no-secret-service'
  /** The keyring is locked (or has no default keyring) and nobody unlocked it. */
  | 'locked'
  /** The keychain (or the bus in front of it) did not answer within the time limit. */
  | 'timeout'
  /** Any other failure to read or write the store. */
  | 'io'
  /** The store answered, but what it holds is not a secret Signet wrote. */
  | 'corrupt'
  /** A key file or folder can be read by other users, or belongs to someone else. */
  | 'permissions';

export interface KeystoreErrorDetails {
  code: KeystoreErrorCode;
  /** What went wrong, as a sentence fragment a person understands ("the keyring is locked…"). */
  problem: string;
  /** What the user should do about it. */
  fix: string;
  /** The account the operation was about, when there was one. */
  account?: string;
  cause?: unknown;
}

export class KeystoreError extends Error {
  override readonly name = 'KeystoreError';
  readonly code: KeystoreErrorCode;
  /** The message without the fix, for places that show the fix on its own line. */
  readonly problem: string;
  readonly fix: string;
  readonly account: string | undefined;

  constructor(details: KeystoreErrorDetails) {
    super(`${details.problem} ${details.fix}`, { cause: details.cause });
    this.code = details.code;
    this.problem = details.problem;
    this.fix = details.fix;
    this.account = details.account;
  }
}

export function isKeystoreError(value: unknown): value is KeystoreError {
  return value instanceof KeystoreError;
}

/** The advice shared by every "no keychain here" error, so all of them mention the headless way out. */
export const HEADLESS_FIX =
  "On a headless machine without a keychain, run 'signet daemon --keystore file' instead: keys are then " +
  'kept unencrypted in files only your user can read, so anyone with access to your account or your ' +
  'backups can use them.';
