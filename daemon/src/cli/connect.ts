// How the CLI finds and reaches the daemon of a Signet home, with errors that say what to do.
import { DaemonClient } from '../client/daemonClient';
import { loadConfig, readRuntimeFile } from '../home/signetHome';
import type { ClientRole } from '../server/protocol';

/** Exit codes of `signet`, documented in the README. */
export const ExitCode = {
  Ok: 0,
  Error: 1,
  Usage: 2,
  Denied: 3,
  DaemonNotRunning: 4,
  KeystoreUnavailable: 5,
  VerificationFailed: 6,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

export async function connectToDaemon(home: string, role: ClientRole): Promise<DaemonClient> {
  const runtime = await readRuntimeFile(home);
  if (!runtime) {
    throw new CliError(`no Signet daemon is running for ${home}; start one with \`signet daemon\` (or open VS Code with the Signet extension)`, ExitCode.DaemonNotRunning);
  }
  let token = runtime.agentToken;
  if (role === 'ui') {
    const config = await loadConfig(home);
    let uiToken: string | undefined;
    // The keychain binding is loaded only by commands that act as the user.
    const [{ openSecretStore }, { readUiToken }] = await Promise.all([import('../keys/openSecretStore'), import('../keys/uiToken')]);
    try {
      uiToken = await readUiToken(openSecretStore({ kind: config.keystore, home }), home);
    } catch (error) {
      throw new CliError(`cannot read the UI token from the keystore: ${(error as Error).message}`, ExitCode.KeystoreUnavailable, { cause: error });
    }
    if (!uiToken) throw new CliError(`the keystore holds no UI token for ${home}; restart the daemon to create one`, ExitCode.KeystoreUnavailable);
    token = uiToken;
  }
  try {
    return await DaemonClient.connect({ port: runtime.port, token });
  } catch (error) {
    throw new CliError((error as Error).message, ExitCode.DaemonNotRunning, { cause: error });
  }
}

/** `90`, `45s`, `30m`, `1h`, `2d` → seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!match) throw new CliError(`"${text}" is not a duration; use seconds or a number with s, m, h or d (e.g. 1h)`, ExitCode.Usage);
  const value = Number(match[1]);
  const unit = { '': 1, s: 1, m: 60, h: 3600, d: 86400 }[match[2] ?? ''] ?? 1;
  if (value <= 0) throw new CliError('a duration must be positive', ExitCode.Usage);
  return value * unit;
}

export function parseJsonOption(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${what} is not valid JSON: ${(error as Error).message}`, ExitCode.Usage);
  }
}
