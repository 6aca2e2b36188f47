// `audit/*`: checkpoints, proofs, verification of the log on disk, and paged queries for the timeline.
import { verifyLog } from '../../audit/verify';
import { didForName } from '../../keys/agentNames';
import { MAX_AUDIT_ANSWER_BYTES } from '../protocol';
import type { MethodHandlers } from '../rpcServer';
import type { DaemonParts } from './daemonParts';

type AuditMethod = 'audit/checkpoint' | 'audit/proveInclusion' | 'audit/proveConsistency' | 'audit/verify' | 'audit/query';

export function auditHandlers(parts: DaemonParts): Pick<MethodHandlers, AuditMethod> {
  const { audit, anchor, verifierKey, identities, auditDir } = parts;
  return {
    'audit/checkpoint': async () => ({ checkpoint: await audit.checkpoint(), verifierKey }),
    'audit/proveInclusion': ({ seq }) => audit.inclusionProof(seq),
    'audit/proveConsistency': ({ from, to }) => audit.consistencyProof(from, to),
    'audit/verify': async () => {
      const anchored = await anchor.read();
      const result = await verifyLog(auditDir, { verifierKey, checkpoints: anchored ? [{ text: anchored, source: `the checkpoint anchored in ${anchor.describe()}` }] : [] });
      return { ok: result.ok, records: result.records, rootHash: result.rootHash, problems: result.problems.map(({ seq, kind, message }) => ({ seq, kind, message })), verifiedAt: new Date().toISOString() };
    },
    'audit/query': async (params) => {
      const agent = params?.agent ? didForName(params.agent, identities.user, (name) => identities.findAgent(name)) : undefined;
      // One more than asked tells whether there is more; the answer is also cut to a size any client
      // takes. With `since` the page runs forward from it, without it the page is the newest records.
      const limit = params?.limit;
      const forward = params?.since !== undefined;
      const found = await audit.query({ ...params, ...(agent ? { agent } : {}), ...(limit !== undefined ? { limit: limit + 1 } : {}) });
      let truncated = limit !== undefined && found.length > limit;
      let records = !truncated ? found : forward ? found.slice(0, limit) : found.slice(found.length - (limit ?? 0));
      let bytes = 0;
      const ordered = forward ? records : [...records].reverse();
      const overflow = ordered.findIndex((r) => (bytes += JSON.stringify(r).length) > MAX_AUDIT_ANSWER_BYTES);
      if (overflow >= 0) {
        records = forward ? records.slice(0, overflow) : records.slice(records.length - overflow);
        truncated = true;
      }
      return { records, truncated };
    },
  };
}
