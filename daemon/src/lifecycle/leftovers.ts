// What a previous run left: delegations whose state the log must certify, session delegations whose sessions ended
// with that run, and approval requests that were still waiting when it stopped. Each is settled, and audited,
// before anything is served.
import type { ApprovalQueue } from '../approvals/approvalQueue';
import { OUTSIDE_EDITOR_NEEDLE, OutsideEditorApprovals } from '../approvals/outsideEditorApprovals';
import type { AuditLog } from '../audit/auditLog';
import { DELEGATION_STATE_NEEDLES, DelegationStore, delegationStatesOf } from '../authz/delegationStore';

/**
 * The delegation store, checked against the log: an offline edit that brings a revoked or used-up delegation back,
 * or adds one the log never issued, refuses the start (DelegationStoreError). The same pass over the log finds the
 * approvals decided outside the editor, which later prompts of those agents flag.
 */
export async function openDelegationsCheckedAgainstLog(path: string, audit: AuditLog): Promise<{ delegations: DelegationStore; outsideEditor: OutsideEditorApprovals }> {
  const mentioned = await audit.recordsMentioning([...DELEGATION_STATE_NEEDLES, OUTSIDE_EDITOR_NEEDLE]);
  const logged = delegationStatesOf(mentioned);
  const { store: delegations, endedSessions, unrecordedRevocations } = await DelegationStore.open(path, logged);
  for (const d of unrecordedRevocations) {
    await audit.append({ agent: d.payload.aud, kind: 'delegation.revoked', data: { cid: d.cid, reason: 'revoked before the daemon stopped; recorded at the next start', cmd: d.payload.cmd } });
  }
  for (const d of endedSessions) {
    await audit.append({ agent: d.payload.aud, kind: 'delegation.revoked', data: { cid: d.cid, reason: 'its session ended when the daemon stopped', cmd: d.payload.cmd } });
  }
  return { delegations, outsideEditor: OutsideEditorApprovals.fromRecords(mentioned) };
}

/** Requests that waited for a person when the daemon stopped are denied, as they would have been at the stop. */
export async function denyLeftoverApprovals(approvals: ApprovalQueue, audit: AuditLog): Promise<void> {
  for (const leftover of await approvals.takeLeftovers()) {
    await audit.append({
      agent: leftover.agent,
      kind: 'approval.decided',
      data: { approvalId: leftover.id, decision: 'deny', outcome: 'cancelled', reason: 'the daemon stopped before a decision', decidedBy: 'signetd', cmd: leftover.cmd },
    });
  }
}
