// The daemon's audit log: its checkpoint key from the keystore, its anchor beside that key, and the first record
// of a new home's user identity. Opened before anything is served, so that nothing is reachable unaudited.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AuditLog, CHECKPOINT_FILE, type CheckpointAnchor } from '../audit/auditLog';
import { checkpointOrigin, createCheckpointSigner, formatVerifierKey } from '../audit/checkpoint';
import type { IdentityRegistry } from '../keys/identities';
import { checkpointAnchorIn } from '../keys/logAnchor';
import { loadOrCreateLogKey } from '../keys/logKey';
import type { SecretStore } from '../keys/secretStore';
import type { Logger } from '../logger';

export interface DaemonAuditLog {
  audit: AuditLog;
  verifierKey: string;
  anchor: CheckpointAnchor;
}

export async function openDaemonAuditLog(home: string, auditDir: string, store: SecretStore, identities: IdentityRegistry, log: Logger): Promise<DaemonAuditLog> {
  const logKey = await loadOrCreateLogKey(store, home, existsSync(join(auditDir, CHECKPOINT_FILE)));
  const checkpointSigner = createCheckpointSigner(checkpointOrigin(identities.user.did, home), logKey);
  const verifierKey = formatVerifierKey(checkpointSigner.keyName, checkpointSigner.publicKey);
  const anchor = checkpointAnchorIn(store, home);
  const audit = await AuditLog.open(auditDir, {
    checkpointSigner,
    anchor,
    onTruncated: (notice) => log.warn(`the audit log ended in a torn record (a crash mid-write); removed it and recorded #${notice.record.seq}`),
    onError: (error) => log.error('audit log', error),
  });
  return { audit, verifierKey, anchor };
}

/** A new home's user identity is the log's first fact about it. */
export async function recordCreatedUser(audit: AuditLog, identities: IdentityRegistry, store: SecretStore): Promise<void> {
  await audit.append({ agent: null, kind: 'identity.created', data: { name: 'user', did: identities.user.did, role: 'user', keystore: store.describe() } });
}
