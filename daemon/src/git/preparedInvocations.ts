// The invocations prepared for commits and not yet used, kept in memory until git asks for the signature. Bounded
// twice: per agent, so that one agent's flood of prepares pushes out only its own oldest (never another agent's
// commit in progress), and in all, so that many agents together cannot grow the daemon either.

export interface PreparedEntry {
  invocationCid: string;
  /** Whose prepares count together: the agent that asked. */
  claimedAgent: string;
  /** Unix seconds after which the entry is of no use and goes at the next add. */
  exp: number;
}

export interface PreparedLimits {
  perAgent: number;
  total: number;
}

export class PreparedInvocations<T extends PreparedEntry> {
  /** In insertion order, which is the order of age. */
  private readonly entries = new Map<string, T>();

  constructor(private readonly limits: PreparedLimits) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * Removes and answers the entry, so that it is used up before the caller awaits anything: two requests under
   * one invocation cannot both get it.
   */
  take(invocationCid: string): T | undefined {
    const entry = this.entries.get(invocationCid);
    this.entries.delete(invocationCid);
    return entry;
  }

  /** Keeps `entry`, first dropping expired ones, then its agent's oldest beyond the cap, then the oldest of all. */
  add(entry: T, now: number): void {
    let own: string[] = [];
    for (const [cid, kept] of this.entries) {
      if (now > kept.exp) this.entries.delete(cid);
      else if (kept.claimedAgent === entry.claimedAgent) own.push(cid);
    }
    for (; own.length >= this.limits.perAgent; own = own.slice(1)) this.entries.delete(own[0]!);
    while (this.entries.size >= this.limits.total) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    this.entries.set(entry.invocationCid, entry);
  }
}
