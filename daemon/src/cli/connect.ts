// How the CLI finds and reaches the daemon of a Signet home, with errors that say what to do.
import { DaemonClient } from '../client/daemonClient';
import { parseDuration } from '../duration';
import { readRuntimeFile } from '../home/signetHome';
import type { ClientRole } from '../server/protocol';
import { ExitCode } from './exitCode';

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
    // The keychain binding is loaded only by commands that act as the user.
    const { readUiTokenOfHome, UiTokenMissingError } = await import('../keys/uiToken');
    try {
      token = await readUiTokenOfHome(home);
    } catch (error) {
      const message = error instanceof UiTokenMissingError ? error.message : `cannot read the UI token from the keystore: ${(error as Error).message}`;
      throw new CliError(message, ExitCode.KeystoreUnavailable, { cause: error });
    }
  }
  try {
    return await DaemonClient.connect({ port: runtime.port, token });
  } catch (error) {
    throw new CliError((error as Error).message, ExitCode.DaemonNotRunning, { cause: error });
  }
}

/** `90`, `45s`, `30m`, `1h`, `2d` → seconds, or a usage error that says what a duration looks like. */
export function parseDurationOption(text: string): number {
  const seconds = parseDuration(text);
  if (seconds !== undefined) return seconds;
  if (/^0+\s*[smhd]?$/.test(text.trim())) throw new CliError('a duration must be positive', ExitCode.Usage);
  throw new CliError(`"${text}" is not a duration; use seconds or a number with s, m, h or d (e.g. 1h)`, ExitCode.Usage);
}

export function parseJsonOption(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new CliError(`${what} is not valid JSON: ${(error as Error).message}`, ExitCode.Usage);
  }
}

/** The server an MCP command fronts: a command after `--` or `--url`, exactly one of them, and a URL that parses. */
export function requireOneServer(server: readonly string[], url: string | undefined, missingHint: string): void {
  if (url && server.length) throw new CliError('give either --url or a server command after --, not both', ExitCode.Usage);
  if (!url && !server.length) throw new CliError(missingHint, ExitCode.Usage);
  if (url) {
    try {
      new URL(url);
    } catch {
      throw new CliError(`--url "${url}" is not a URL`, ExitCode.Usage);
    }
  }
}
