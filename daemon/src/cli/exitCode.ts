// Exit codes of `signet`, documented in the README. In a file of their own because they are a contract with
// other programs too: the extension tells a daemon that stopped for want of a keychain by its exit code.
export const ExitCode = {
  Ok: 0,
  Error: 1,
  Usage: 2,
  Denied: 3,
  DaemonNotRunning: 4,
  KeystoreUnavailable: 5,
  VerificationFailed: 6,
  /** The daemon refused to start on state that disagrees with the audit log or with the anchor kept in the keystore. */
  StateRefused: 7,
  /** `signet doctor`: something found is not protected, a probe was not refused, or Signet itself is unhealthy. */
  Unprotected: 8,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
