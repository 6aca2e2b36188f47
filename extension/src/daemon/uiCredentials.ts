// The UI token lets this window approve requests, so the daemon keeps it where it keeps private keys (the
// OS keychain, or with the explicit file store a 0600 file). The extension reads it with the daemon's own
// reader, as the CLI does, and only turns what went wrong into words for this window.
import { isKeystoreError } from '../../../daemon/src/keys/keystoreError';
import { readUiTokenOfHome, UiTokenMissingError } from '../../../daemon/src/keys/uiToken';

/** The keychain could not be read: `fix` is what the user should do, shown once. */
export class KeystoreUnavailableError extends Error {
  constructor(
    message: string,
    readonly fix: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'KeystoreUnavailableError';
  }
}

export async function readUiTokenOf(home: string): Promise<string> {
  try {
    return await readUiTokenOfHome(home);
  } catch (error) {
    if (isKeystoreError(error)) {
      throw new KeystoreUnavailableError(`Signet cannot read its UI token from the keystore: ${error.message}`, error.fix, { cause: error });
    }
    if (error instanceof UiTokenMissingError) throw new Error(`${error.message} ("Signet: Restart Daemon")`, { cause: error });
    throw new Error(`Signet cannot read its UI token for ${home}: ${(error as Error).message}`, { cause: error });
  }
}
