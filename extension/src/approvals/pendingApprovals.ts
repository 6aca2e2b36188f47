// The approvals waiting for a decision, as this window knows them. Fed by `approval/list` after every
// (re)connect and by the `approval/didRequest` / `approval/didResolve` notifications; the prompts, the
// status bar and "Show Pending Approvals" all read from here, so none of them can lose a request.
import type { ApprovalOutcome, ApprovalRequest } from '../../../daemon/src/server/protocol';
import { Emitter } from '../events';

export interface ResolvedApproval {
  request: ApprovalRequest;
  outcome: ApprovalOutcome | 'gone';
  decidedBy?: string;
}

/** How many resolved ids to remember, so a late `didRequest` for a resolved id is not shown again. */
const REMEMBERED_RESOLUTIONS = 1000;

export class PendingApprovals {
  private readonly pending = new Map<string, ApprovalRequest>();
  private readonly resolvedIds = new Set<string>();
  private readonly added = new Emitter<ApprovalRequest>();
  private readonly resolved = new Emitter<ResolvedApproval>();
  private readonly changed = new Emitter<void>();

  readonly onDidAdd = this.added.event;
  readonly onDidResolve = this.resolved.event;
  readonly onDidChange = this.changed.event;

  get size(): number {
    return this.pending.size;
  }

  /** Oldest first: the order in which they were asked. */
  list(): ApprovalRequest[] {
    return [...this.pending.values()].sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
  }

  get(id: string): ApprovalRequest | undefined {
    return this.pending.get(id);
  }

  /** Returns false for a request already known or already resolved. */
  add(request: ApprovalRequest): boolean {
    if (this.pending.has(request.id) || this.resolvedIds.has(request.id)) return false;
    this.pending.set(request.id, request);
    this.added.fire(request);
    this.changed.fire();
    return true;
  }

  resolve(id: string, outcome: ApprovalOutcome | 'gone', decidedBy?: string): boolean {
    this.remember(id);
    const request = this.pending.get(id);
    if (!request) return false;
    this.pending.delete(id);
    this.resolved.fire({ request, outcome, ...(decidedBy ? { decidedBy } : {}) });
    this.changed.fire();
    return true;
  }

  /**
   * Brings the model in line with the daemon's list after a (re)connect: requests that appeared while
   * disconnected are added, and those resolved meanwhile are closed as `gone`.
   */
  synchronize(current: readonly ApprovalRequest[]): void {
    const ids = new Set(current.map((r) => r.id));
    for (const id of [...this.pending.keys()]) if (!ids.has(id)) this.resolve(id, 'gone');
    for (const request of current) this.add(request);
  }

  /** Drops requests past their deadline: the daemon denies them, even if its notification was missed. */
  expireOverdue(now = Date.now()): void {
    for (const request of [...this.pending.values()]) {
      if (Date.parse(request.expiresAt) <= now) this.resolve(request.id, 'timeout');
    }
  }

  /** Forgets everything, as when the daemon restarted (it denied all it had pending). */
  clear(): void {
    for (const id of [...this.pending.keys()]) this.resolve(id, 'gone');
  }

  private remember(id: string): void {
    this.resolvedIds.add(id);
    if (this.resolvedIds.size > REMEMBERED_RESOLUTIONS) {
      const oldest = this.resolvedIds.values().next().value;
      if (oldest !== undefined) this.resolvedIds.delete(oldest);
    }
  }

  dispose(): void {
    this.added.dispose();
    this.resolved.dispose();
    this.changed.dispose();
  }
}
