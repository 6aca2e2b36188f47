// The audit log's anchor: its latest signed checkpoint, kept in the keystore beside the log key rather than
// in the log folder, so that deleting the folder's checkpoint and index does not let a rewritten history pass.
// With the OS keychain a process that can only write files (a tool call, a sandboxed agent) cannot move it; with
// the file keystore it is one more file under keys/ and proves only what that folder's permissions do.
import { createHash } from 'node:crypto';
import type { CheckpointAnchor } from '../audit/auditLog';
import type { SecretStore } from './secretStore';

export function logAnchorAccount(home: string): string {
  return `log-anchor:${createHash('sha256').update(home).digest('hex').slice(0, 16)}`;
}

export function checkpointAnchorIn(store: SecretStore, home: string): CheckpointAnchor {
  const account = logAnchorAccount(home);
  return {
    async read() {
      const bytes = await store.get(account);
      return bytes ? Buffer.from(bytes).toString('utf8') : null;
    },
    write: (note) => store.set(account, new Uint8Array(Buffer.from(note, 'utf8'))),
    describe: () => store.describe(),
  };
}
