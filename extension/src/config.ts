// The extension's settings, typed, read fresh whenever they are used so that a change applies without a
// reload. Names and defaults mirror `contributes.configuration` in package.json.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import * as vscode from 'vscode';
import { parseDuration } from '../../daemon/src/duration';

export interface SignetSettings {
  /** The Signet home: `signet.home`, else $SIGNET_HOME, else ~/.signet. */
  home: string;
  /** The daemon CLI to start: `signet.daemonPath`, else the one bundled with the extension. */
  cliPath: string;
  autoStartDaemon: boolean;
  /** Passed to a daemon this window starts; undefined keeps what the home's config says. */
  keystore: 'keychain' | 'file' | undefined;
  /** Passed to a daemon this window starts, only when the user set it. */
  approvalTimeoutSeconds: number | undefined;
  /** The durations offered under "More…", in seconds. */
  offeredTtlSeconds: number[];
}

const DEFAULT_TTLS = ['1h', '8h'];

export function readSettings(extensionPath: string): SignetSettings {
  const config = vscode.workspace.getConfiguration('signet');
  const home = config.get<string>('home', '').trim();
  const daemonPath = config.get<string>('daemonPath', '').trim();
  const keystore = config.get<string>('keystore', 'default');
  const timeout = config.inspect<number>('approvalTimeoutSeconds');
  const userTimeout = timeout?.workspaceFolderValue ?? timeout?.workspaceValue ?? timeout?.globalValue;
  const ttls = config.get<string[]>('offeredDurations', DEFAULT_TTLS);
  return {
    home: resolve(expandHome(home || process.env.SIGNET_HOME || join(homedir(), '.signet'))),
    cliPath: daemonPath ? resolve(expandHome(daemonPath)) : join(extensionPath, 'dist', 'cli.js'),
    autoStartDaemon: config.get<boolean>('autoStartDaemon', true),
    keystore: keystore === 'keychain' || keystore === 'file' ? keystore : undefined,
    approvalTimeoutSeconds: typeof userTimeout === 'number' && userTimeout > 0 ? Math.floor(userTimeout) : undefined,
    offeredTtlSeconds: (Array.isArray(ttls) ? ttls : DEFAULT_TTLS)
      .map((t) => (typeof t === 'number' ? t : parseDuration(String(t))))
      .filter((s): s is number => s !== undefined),
  };
}

function expandHome(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return path;
}
