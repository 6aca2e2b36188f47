// The UI token lets this window approve requests, so the daemon keeps it where it keeps private keys (the
// OS keychain, or with the explicit file store a 0600 file). The extension reads it the same way the CLI
// does, through the daemon's own keystore module, so both agree on where it lives.
import { loadConfig } from '../../../daemon/src/home/signetHome';
import { isKeystoreError } from '../../../daemon/src/keys/keystoreError';
import { openSecretStore } from '../../../daemon/src/keys/openSecretStore';
import { readUiToken } from '../../../daemon/src/keys/uiToken';

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
  const config = await loadConfig(home);
  let token: string | undefined;
  try {
    token = await readUiToken(openSecretStore({ kind: config.keystore, home }), home);
  } catch (error) {
    if (isKeystoreError(error)) {
      throw new KeystoreUnavailableError(`Signet cannot read its UI token from the ${config.keystore === 'file' ? 'file keystore' : 'OS keychain'}: ${error.message}`, error.fix, {
        cause: error,
      });
    }
    throw new Error(`Signet cannot read its UI token for ${home}: ${(error as Error).message}`, { cause: error });
  }
  if (!token) {
    throw new Error(`the keystore holds no UI token for ${home}; the daemon creates one when it starts, so restart it ("Signet: Restart Daemon")`);
  }
  return token;
}
