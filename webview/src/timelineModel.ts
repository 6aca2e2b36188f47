// The timeline's data: records (oldest first, as the log holds them), who is who, the delegations that
// chains are drawn from, and the filtered view newest first. Pure and DOM-free, so filtering 100,000
// records is tested under plain Node.
import { describeDecider } from '../../daemon/src/approvals/deciderText';
import type { AgentInfo, AuditRecord, Principal } from '../../daemon/src/server/protocol';
import type { ActivityCount } from './activityStrip';
import { EventGroups, OUTCOME_KIND } from './eventGroups';
import type { TimelineDelegation } from './protocol';

export type Outcome = 'allowed' | 'denied' | 'requested' | 'granted' | 'revoked' | 'info';

export interface Filters {
  /** An agent name, or '' for all. */
  agent: string;
  /** An audit kind, or '' for all. */
  kind: string;
  outcome: Outcome | '';
  text: string;
  /** A time window [from, to) in ms since the epoch, set by clicking a bar of the activity strip. */
  window?: { from: number; to: number; count?: ActivityCount } | undefined;
  /** A delegation CID, set by selecting an edge of the delegation graph. */
  delegation?: string | undefined;
}

export const NO_FILTERS: Filters = { agent: '', kind: '', outcome: '', text: '' };

/** Whether a record names a delegation: issues or revokes it, was decided into it, or used it in its chain. */
export function mentionsDelegation(data: Record<string, unknown>, cid: string): boolean {
  if (data.cid === cid || data.delegation === cid) return true;
  for (const list of [data.chain, data.usedUp, data.heldDelegations]) if (Array.isArray(list) && list.includes(cid)) return true;
  return false;
}

const countKinds: Record<ActivityCount, string> = { allowed: 'authorize.allowed', asked: 'approval.requested', denied: 'authorize.denied' };

export function outcomeOf(record: AuditRecord): Outcome {
  switch (record.kind) {
    case 'authorize.allowed':
    case 'git.commit.signed':
      return 'allowed';
    case 'authorize.denied':
      return 'denied';
    case 'approval.requested':
      return 'requested';
    case 'approval.decided':
      return record.data.decision === 'deny' ? 'denied' : 'allowed';
    case 'delegation.issued':
    case 'identity.created':
      return 'granted';
    case 'delegation.revoked':
    case 'identity.removed':
      return 'revoked';
    default:
      return 'info';
  }
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The tool call or command with its target, compact: `write_file {"path":"/repo/a.ts"}`. */
export function describeCall(data: Record<string, unknown>): string {
  const cmd = str(data.cmd) ?? '';
  const args = typeof data.args === 'object' && data.args !== null ? (data.args as Record<string, unknown>) : {};
  const tool = str(args.tool);
  const inner = typeof args.arguments === 'object' && args.arguments !== null ? args.arguments : undefined;
  const rest = inner ?? Object.fromEntries(Object.entries(args).filter(([k]) => k !== '_paths' && k !== 'tool' && k !== 'server'));
  const json = JSON.stringify(rest);
  const target = json === '{}' ? '' : ` ${json.length > 140 ? `${json.slice(0, 139)}…` : json}`;
  return tool ? `${tool}${target}` : `${cmd}${target}`;
}

function durationText(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'a while';
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

export class TimelineModel {
  records: AuditRecord[] = [];
  user: Principal | null = null;
  private agentsByDid = new Map<string, AgentInfo>();
  delegations = new Map<string, TimelineDelegation>();
  private searchText: (string | undefined)[] = [];
  /** Request → decision → outcome: each row of the list is one group, shown by its first record. */
  private groups = new EventGroups();
  /** Indices into `records` of the group leads that pass the filters, ascending (oldest first). */
  private visible: number[] = [];
  filters: Filters = { ...NO_FILTERS };
  truncated = false;

  load(records: AuditRecord[], agents: AgentInfo[], delegations: TimelineDelegation[], user: Principal | null, truncated: boolean): void {
    this.records = [...records].sort((a, b) => a.seq - b.seq);
    this.searchText = new Array(this.records.length);
    this.groups = new EventGroups();
    this.records.forEach((r, i) => this.groups.add(r, i));
    this.user = user;
    this.truncated = truncated;
    this.setDirectory(agents, delegations);
    this.refilter();
  }

  setDirectory(agents: AgentInfo[], delegations: TimelineDelegation[]): void {
    this.agentsByDid = new Map(agents.map((a) => [a.did, a]));
    this.delegations = new Map(delegations.map((d) => [d.cid, d]));
  }

  agents(): AgentInfo[] {
    return [...this.agentsByDid.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /**
   * Appends newer records; returns how many new rows pass the filters (they go on top). A record that joins an
   * earlier group (a decision, an outcome) adds no row; should it make a hidden group match, the list is refiltered.
   */
  append(records: AuditRecord[]): number {
    let shown = 0;
    let refilter = false;
    const last = this.records[this.records.length - 1]?.seq ?? -1;
    for (const record of records) {
      if (record.seq <= last && this.records.some((r) => r.seq === record.seq)) continue;
      this.records.push(record);
      this.searchText.push(undefined);
      const index = this.records.length - 1;
      const lead = this.groups.add(record, index);
      if (lead === index && this.matches(index)) {
        this.visible.push(index);
        shown++;
      } else if (lead !== index && this.rowOfIndex(lead) < 0 && this.matches(lead)) {
        refilter = true;
      }
    }
    if (refilter) this.refilter();
    return shown;
  }

  /** The records of the row's group, oldest first: request, decision, authorization, outcome. */
  groupAt(row: number): AuditRecord[] {
    const index = this.visible[this.visible.length - 1 - row];
    return index === undefined ? [] : this.groups.membersOf(index).map((i) => this.records[i]).filter((r): r is AuditRecord => r !== undefined);
  }

  /** The group a record belongs to, by seq. */
  groupOf(seq: number): AuditRecord[] {
    const index = this.indexOf(seq);
    if (index < 0) return [];
    return this.groups.membersOf(this.groups.leadOf(index)).map((i) => this.records[i]).filter((r): r is AuditRecord => r !== undefined);
  }

  /** What a group came to: denied if any step denied, else allowed if it ran, else what its steps say. */
  groupOutcome(group: readonly AuditRecord[]): Outcome {
    if (group.some((r) => r.kind === 'authorize.denied')) return 'denied';
    if (group.some((r) => r.kind === 'authorize.allowed')) return 'allowed';
    const last = group.at(-1);
    return last ? outcomeOf(last) : 'info';
  }

  /** One line for a group: the first record's summary, then each later step in a few words. */
  groupSummary(group: readonly AuditRecord[]): string {
    // A call that signed a commit leads with the commit, whose hash a truncated row would otherwise hide.
    const signed = group.find((r) => r.kind === 'git.commit.signed');
    const [first, ...rest] = signed ? [signed, ...group.filter((r) => r !== signed)] : group;
    if (!first) return '';
    return [this.summary(first), ...rest.map((r) => this.stepSummary(r))].join(' → ');
  }

  private stepSummary(record: AuditRecord): string {
    const d = record.data;
    if (record.kind === 'authorize.allowed') return 'allowed';
    if (record.kind === 'authorize.denied') return `denied: ${str(d.reason) ?? str(d.code) ?? 'denied'}`;
    if ((record.kind as string) === OUTCOME_KIND) {
      const files = Array.isArray(d.changedFiles) ? d.changedFiles.length : 0;
      return `outcome: ${typeof d.exitStatus === 'number' ? `exit ${d.exitStatus}` : 'ran'}${files ? `, ${files} file${files === 1 ? '' : 's'} changed` : ''}`;
    }
    return this.summary(record);
  }

  setFilters(filters: Filters): void {
    this.filters = { ...filters, text: filters.text.trim().toLowerCase() };
    this.refilter();
  }

  get count(): number {
    return this.visible.length;
  }

  /** How many records the visible rows hold (a row holds a whole call). */
  get visibleRecords(): number {
    let n = 0;
    for (const lead of this.visible) n += this.groups.membersOf(lead).length;
    return n;
  }

  /** The record at display row `row`, newest first. */
  at(row: number): AuditRecord | undefined {
    const index = this.visible[this.visible.length - 1 - row];
    return index === undefined ? undefined : this.records[index];
  }

  /** The display row of the record with `seq` (of its group's row), or -1 when filtered out. */
  rowOf(seq: number): number {
    const index = this.indexOf(seq);
    return index < 0 ? -1 : this.rowOfIndex(this.groups.leadOf(index));
  }

  /** The seq of the record that leads the group of `seq` (the one its row shows). */
  leadSeqOf(seq: number): number | undefined {
    const index = this.indexOf(seq);
    return index < 0 ? undefined : this.records[this.groups.leadOf(index)]?.seq;
  }

  private rowOfIndex(index: number): number {
    // The visible indices are ascending: binary search.
    let lo = 0;
    let hi = this.visible.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = this.visible[mid] ?? 0;
      if (v === index) return this.visible.length - 1 - mid;
      if (v < index) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The index in `records` of `seq`; records are sorted by seq. */
  private indexOf(seq: number): number {
    let lo = 0;
    let hi = this.records.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.records[mid]?.seq ?? 0;
      if (s === seq) return mid;
      if (s < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  nameOf(did: string | null): string {
    if (did === null) return '—';
    if (this.user && did === this.user.did) return 'user';
    return this.agentsByDid.get(did)?.name ?? `${did.slice(0, 16)}…`;
  }

  principalName(did: string): string {
    return this.nameOf(did);
  }

  summary(record: AuditRecord): string {
    const d = record.data;
    switch (record.kind) {
      case 'authorize.allowed':
        return `${describeCall(d)}${d.approvalId ? ' — after approval' : ''}`;
      case 'authorize.denied':
        return `${describeCall(d)} — ${str(d.reason) ?? str(d.code) ?? 'denied'}`;
      case 'approval.requested':
        return `asks for ${describeCall(d)}`;
      case 'approval.decided': {
        const decision = str(d.decision) ?? '?';
        const outcome = str(d.outcome);
        if (outcome && outcome !== 'decided') return `${outcome === 'timeout' ? 'timed out' : outcome} — ${str(d.reason) ?? 'denied'}`;
        const how = decision === 'deny' ? 'denied' : decision === 'once' ? 'allowed once' : decision === 'session' ? 'allowed for the session' : decision === 'ttl' ? `allowed for ${durationText(Number(d.ttlSeconds))}` : 'allowed always';
        return `${how} by ${describeDecider(d.decider, d.decidedBy)}${d.narrow ? ` (${JSON.stringify(d.narrow)})` : ''}`;
      }
      case 'delegation.issued':
        return `${this.nameOf(str(d.iss) ?? null)} → ${this.nameOf(str(d.aud) ?? null)}: ${str(d.scope) ?? str(d.cmd) ?? ''}`;
      case 'delegation.revoked':
        return `${str(d.cmd) ?? ''} revoked — ${str(d.reason) ?? ''}`;
      case 'identity.created':
        return `${str(d.name) ?? ''} created (${str(d.role) ?? ''})`;
      case 'identity.removed':
        return `${str(d.name) ?? ''} removed`;
      case 'git.commit.signed':
        return `signed commit ${(str(d.commit) ?? '?').slice(0, 12)} in ${str(d.repo)?.split('/').pop() ?? '?'} on ${str(d.branch) ?? '?'}${d.as === 'user' ? ` as the user, asked by ${str(d.claimedBy) ?? '?'}` : ''}`;
      case 'agent.proof.issued':
        return `${str(d.agentName) ?? '?'}'s proof of identity handed out${d.rotated === true ? ' after a rotation' : ''} (generation ${String(d.generation ?? '?')}) to ${str(d.requestedBy) ?? 'an unknown process'}`;
      case 'daemon.started':
        return `daemon started (pid ${String(d.pid ?? '?')}, ${String(d.keystore ?? '')})`;
      case 'daemon.stopped':
        return `daemon stopped: ${str(d.reason) ?? ''}`;
      default:
        return JSON.stringify(d).slice(0, 160);
    }
  }

  /**
   * The chain of an authorization, root first: `[user → planner, planner → coder]`, each with its CID.
   * `chain` in the record is leaf first (the `prf` order).
   */
  chainOf(record: AuditRecord): { cid: string; delegation: TimelineDelegation | undefined }[] {
    const chain = Array.isArray(record.data.chain) ? record.data.chain.filter((c): c is string => typeof c === 'string') : [];
    if (chain.length) return [...chain].reverse().map((cid) => ({ cid, delegation: this.delegations.get(cid) }));
    const cid = str(record.data.cid) ?? str(record.data.delegation);
    if (!cid) return [];
    const out: { cid: string; delegation: TimelineDelegation | undefined }[] = [];
    const seen = new Set<string>();
    for (let current: string | null = cid; current && !seen.has(current); ) {
      seen.add(current);
      const delegation = this.delegations.get(current);
      out.unshift({ cid: current, delegation });
      current = delegation?.parent ?? null;
    }
    return out;
  }

  private text(index: number): string {
    let text = this.searchText[index];
    if (text === undefined) {
      const r = this.records[index];
      text = r ? `${r.kind} ${this.nameOf(r.agent)} ${this.summary(r)} ${JSON.stringify(r.data)}`.toLowerCase() : '';
      this.searchText[index] = text;
    }
    return text;
  }

  /** A group passes when any of its records does: a decision "by alice" finds the whole call. */
  private matches(lead: number): boolean {
    for (const index of this.groups.membersOf(lead)) if (this.recordMatches(index)) return true;
    return false;
  }

  private recordMatches(index: number): boolean {
    const r = this.records[index];
    if (!r) return false;
    const f = this.filters;
    if (f.window) {
      const t = Date.parse(r.time);
      if (!(t >= f.window.from && t < f.window.to)) return false;
      if (f.window.count && r.kind !== countKinds[f.window.count]) return false;
    }
    if (f.delegation && !mentionsDelegation(r.data, f.delegation)) return false;
    if (f.kind && r.kind !== f.kind) return false;
    if (f.agent) {
      const name = this.nameOf(r.agent);
      const named = str(r.data.agentName) ?? str(r.data.name);
      if (name !== f.agent && named !== f.agent) return false;
    }
    if (f.outcome && outcomeOf(r) !== f.outcome) return false;
    if (f.text && !this.text(index).includes(f.text)) return false;
    return true;
  }

  private refilter(): void {
    const visible: number[] = [];
    for (let i = 0; i < this.records.length; i++) if (this.groups.isLead(i) && this.matches(i)) visible.push(i);
    this.visible = visible;
  }
}
