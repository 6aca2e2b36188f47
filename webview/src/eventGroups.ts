// Request → decision → outcome as one item. The records of one call are apart in the log (a request, a person's
// decision minutes later, the allowed or denied authorization, and once the hooks audit results, the outcome);
// they share an `approvalId` (request, decision, authorization) or an `invocation` CID (authorization, outcome).
// Each record belongs to exactly one group, led by its first record; a record that shares nothing leads its own.

/** The kind the hooks add for what a call did (`{invocation, toolUseId?, exitStatus?, outputDigest?, changedFiles?}`). */
export const OUTCOME_KIND = 'call.outcome';

interface GroupedRecord {
  agent: string | null;
  kind: string;
  data: Record<string, unknown>;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

export class EventGroups {
  /** For each record index, the index of the record that leads its group. */
  private readonly leads: number[] = [];
  private readonly members = new Map<number, number[]>();
  private readonly byApproval = new Map<string, number>();
  private readonly byInvocation = new Map<string, number>();
  private readonly agents = new Map<number, string | null>();

  /** Adds the record at `index` (indices come in ascending order); returns its group's lead. */
  add(record: GroupedRecord, index: number): number {
    const approvalId = str(record.data.approvalId);
    const invocation = str(record.data.invocation);
    let lead: number | undefined;
    if (approvalId) lead = this.byApproval.get(approvalId);
    // Only an outcome joins by invocation: an authorization leads (or, after an approval, closes) its own call.
    if (lead === undefined && invocation && record.kind === OUTCOME_KIND) lead = this.byInvocation.get(invocation);
    // A record joins only a call of its own agent: a hook reporting an outcome for another agent's invocation
    // is shown on its own row, not as that agent's result.
    if (lead !== undefined && this.agents.get(lead) !== record.agent) lead = undefined;
    if (lead === undefined) {
      lead = index;
      this.members.set(index, [index]);
      this.agents.set(index, record.agent);
      // Usually the request; but a person (or script) that decides at once can have the decision and its
      // delegation logged before the request's own record, so whichever comes first leads.
      if (approvalId) this.byApproval.set(approvalId, index);
    } else {
      this.members.get(lead)?.push(index);
    }
    if (invocation && record.kind === 'authorize.allowed' && !this.byInvocation.has(invocation)) this.byInvocation.set(invocation, lead);
    this.leads[index] = lead;
    return lead;
  }

  leadOf(index: number): number {
    return this.leads[index] ?? index;
  }

  /** The record indices of the group led by `lead`, oldest first. */
  membersOf(lead: number): readonly number[] {
    return this.members.get(lead) ?? [lead];
  }

  isLead(index: number): boolean {
    return this.leads[index] === index;
  }
}
