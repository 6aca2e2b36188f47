// The checks of Signet itself that every protected call depends on: a daemon answering (without one every call
// is refused), a keystore it can read (without one it cannot sign), and an audit log that is intact and still
// extends the checkpoint anchored in the keystore (otherwise its history may have been rewritten).
import { verifyLog } from '../audit/verify';
import { anchoredCheckpointOf, verifierKeyOf } from '../cli/auditCommands';
import { DaemonClient } from '../client/daemonClient';
import { homePaths, loadConfig, readRuntimeFile } from '../home/signetHome';
import { isKeystoreFailure, keystoreMessageWithFix } from '../keys/identities';
import { readLogKey } from '../keys/logKey';
import { openSecretStore } from '../keys/openSecretStore';
import type { EnvironmentCheck } from './doctorReport';

const startDaemonFix = 'Start it: open VS Code with the Signet extension, or run `signet daemon`.';

export async function checkDaemon(home: string): Promise<EnvironmentCheck> {
  const runtime = await readRuntimeFile(home).catch(() => undefined);
  if (!runtime) return { name: 'daemon', ok: false, summary: `no Signet daemon is running for ${home}: every protected call is refused`, fix: startDaemonFix };
  try {
    const client = await DaemonClient.connect({ port: runtime.port, token: runtime.agentToken, connectTimeoutMs: 3000 });
    try {
      const status = await client.request('daemon/status', {});
      return { name: 'daemon', ok: true, summary: `signetd ${status.version} answers (pid ${status.pid}, port ${runtime.port})` };
    } finally {
      client.close();
    }
  } catch (error) {
    return { name: 'daemon', ok: false, summary: `the daemon named in ${homePaths(home).runtime} does not answer: ${(error as Error).message}`, fix: startDaemonFix };
  }
}

export async function checkKeychain(home: string): Promise<EnvironmentCheck> {
  const config = await loadConfig(home);
  const store = openSecretStore({ kind: config.keystore, home });
  try {
    await store.probe();
    const logKey = await readLogKey(store, home);
    const held = logKey ? 'holds this home\'s log key' : 'holds no log key yet (Signet has not run on this home)';
    return { name: 'keychain', ok: true, summary: `${store.describe()} is readable and ${held}` };
  } catch (error) {
    const message = isKeystoreFailure(error) ? keystoreMessageWithFix(error) : (error as Error).message;
    return { name: 'keychain', ok: false, summary: `${store.describe()} cannot be read: ${message}`, fix: 'Unlock or start the keychain (on Linux, the Secret Service of your desktop session), then run signet doctor again.' };
  }
}

export async function checkAuditLog(home: string): Promise<EnvironmentCheck> {
  const fix = 'Run `signet audit verify` for the details; if the change is expected, `signet audit reanchor` (with the daemon stopped) accepts the log as it is and records what was lost.';
  try {
    const anchored = await anchoredCheckpointOf(home);
    const result = await verifyLog(homePaths(home).auditDir, { verifierKey: await verifierKeyOf(home), checkpoints: anchored ? [anchored] : [] });
    if (!result.ok) {
      const first = result.problems[0];
      return { name: 'audit-log', ok: false, summary: `the audit log fails verification: ${first ? `${first.kind}: ${first.message}` : 'unknown problem'}`, fix };
    }
    if (!anchored && result.records > 0) return { name: 'audit-log', ok: false, summary: `the keystore holds no anchored checkpoint for this log of ${result.records} records, so a rewritten history cannot be told from the original`, fix };
    const extended = anchored ? `, extending its anchored checkpoint (size ${result.checkpoints.find((c) => c.source === anchored.source)?.size ?? '?'})` : '';
    return { name: 'audit-log', ok: true, summary: `intact: ${result.records} records${extended}` };
  } catch (error) {
    return { name: 'audit-log', ok: false, summary: `the audit log cannot be checked: ${(error as Error).message}`, fix };
  }
}
