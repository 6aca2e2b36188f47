// Which agents hold an approval that was not made in the editor. Such an approval may have been given by
// something other than the person (a process that read the UI token), so later prompts for that agent, the
// agents view and the timeline say so. Rebuilt at start from the log's `approval.decided` records, so a
// restart does not forget it; kept in memory after that.
import type { AuditRecord, OutsideEditorApprovals as Summary } from '../server/protocol';
import type { Decider } from './decider';
import { describeDecider } from './deciderText';

/** The byte needle for `AuditLog.recordsMentioning`: decisions whose decider was outside the editor. */
export const OUTSIDE_EDITOR_NEEDLE = '"outsideEditor":true';

export class OutsideEditorApprovals {
  private readonly byAgent = new Map<string, Summary>();

  /** From the log; only allow decisions count, and only what `approval.decided` itself says (never arguments). */
  static fromRecords(records: readonly AuditRecord[]): OutsideEditorApprovals {
    const ledger = new OutsideEditorApprovals();
    for (const r of records) {
      if (r.kind !== 'approval.decided' || r.agent === null || r.data.decision === 'deny') continue;
      const decider = r.data.decider as Decider | undefined;
      if (decider?.outsideEditor !== true || typeof r.data.approvalId !== 'string') continue;
      ledger.add(r.agent, { approvalId: r.data.approvalId, decidedAt: r.time, by: describeDecider(decider) });
    }
    return ledger;
  }

  /** Notes an allow decision by `decider`, if it was made outside the editor. */
  noteDecision(agentDid: string, approvalId: string, decision: string, decider: Decider, at: Date = new Date()): void {
    if (decision === 'deny' || !decider.outsideEditor) return;
    this.add(agentDid, { approvalId, decidedAt: at.toISOString(), by: describeDecider(decider) });
  }

  of(agentDid: string): Summary | undefined {
    return this.byAgent.get(agentDid);
  }

  private add(agentDid: string, latest: Summary['latest']): void {
    this.byAgent.set(agentDid, { count: (this.byAgent.get(agentDid)?.count ?? 0) + 1, latest });
  }
}
