// Requests that no delegation covers wait here for a person. Silence means deny: every request has a
// deadline, and a disconnect of the asking agent or a daemon shutdown resolves it as denied too. The
// ids of pending requests are kept in a small file so that a daemon killed outright can still deny,
// and audit, what it left pending when it starts again.
import { readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../home/atomicFile';
import type { ApprovalDecideParams, ApprovalOutcome, ApprovalRequest } from '../server/protocol';

/** Why a request was cancelled before anyone decided: the cause, so that no one has to read it from the reason. */
export type CancelCause = 'shutdown' | 'disconnected' | 'withdrawn';

export type ApprovalResolution =
  | { outcome: 'decided'; decision: ApprovalDecideParams }
  | { outcome: 'timeout'; reason: string }
  | { outcome: 'cancelled'; cause: CancelCause; reason: string };

interface Entry {
  request: ApprovalRequest;
  /** The connection of the agent that asked, so a `session` approval can end with it. */
  requesterConnection: string;
  resolve(resolution: ApprovalResolution): void;
  timer: NodeJS.Timeout;
}

export interface ApprovalQueueEvents {
  requested(request: ApprovalRequest): void;
  resolved(id: string, outcome: ApprovalOutcome, decidedBy?: string): void;
}

export class ApprovalQueue {
  private readonly entries = new Map<string, Entry>();
  private persistChain: Promise<void> = Promise.resolve();

  constructor(
    private readonly pendingFile: string,
    private timeoutSeconds: number,
    private readonly events: ApprovalQueueEvents,
  ) {}

  /** Ids left pending by a previous daemon run (read once at start), then forgotten. */
  async takeLeftovers(): Promise<{ id: string; agent: string; cmd: string }[]> {
    let leftovers: { id: string; agent: string; cmd: string }[] = [];
    try {
      leftovers = JSON.parse(await readFile(this.pendingFile, 'utf8')) as typeof leftovers;
    } catch {
      return [];
    }
    await this.persist();
    return Array.isArray(leftovers) ? leftovers : [];
  }

  get size(): number {
    return this.entries.size;
  }

  get timeout(): number {
    return this.timeoutSeconds;
  }

  list(): ApprovalRequest[] {
    return [...this.entries.values()].map((e) => e.request);
  }

  get(id: string): ApprovalRequest | undefined {
    return this.entries.get(id)?.request;
  }

  requesterOf(id: string): string | undefined {
    return this.entries.get(id)?.requesterConnection;
  }

  /** Queues a request; the promise settles on a decision, the deadline, or cancellation. Never rejects. */
  async request(fields: Omit<ApprovalRequest, 'requestedAt' | 'expiresAt'>, requesterConnection: string): Promise<{ request: ApprovalRequest; resolution: Promise<ApprovalResolution> }> {
    const now = Date.now();
    const request: ApprovalRequest = {
      ...fields,
      requestedAt: new Date(now).toISOString(),
      expiresAt: new Date(now + this.timeoutSeconds * 1000).toISOString(),
    };
    let resolve!: (r: ApprovalResolution) => void;
    const resolution = new Promise<ApprovalResolution>((r) => (resolve = r));
    const timer = setTimeout(() => this.settle(request.id, { outcome: 'timeout', reason: `no decision within ${this.timeoutSeconds} s` }), this.timeoutSeconds * 1000);
    this.entries.set(request.id, { request, requesterConnection, resolve, timer });
    await this.persist();
    this.events.requested(request);
    return { request, resolution };
  }

  /** Hands a decision to the waiting request; false when it is no longer pending. */
  decide(decision: ApprovalDecideParams): boolean {
    return this.settle(decision.id, { outcome: 'decided', decision });
  }

  cancel(id: string, cause: CancelCause, reason: string): boolean {
    return this.settle(id, { outcome: 'cancelled', cause, reason });
  }

  /** Resolves once the pending-ids file reflects every change made so far. */
  flush(): Promise<void> {
    return this.persistChain;
  }

  cancelAll(cause: CancelCause, reason: string): number {
    const ids = [...this.entries.keys()];
    for (const id of ids) this.cancel(id, cause, reason);
    return ids.length;
  }

  private settle(id: string, resolution: ApprovalResolution): boolean {
    const entry = this.entries.get(id);
    if (!entry) return false;
    this.entries.delete(id);
    clearTimeout(entry.timer);
    void this.persist();
    entry.resolve(resolution);
    const outcome: ApprovalOutcome = resolution.outcome === 'decided' ? resolution.decision.decision : resolution.outcome;
    this.events.resolved(id, outcome, resolution.outcome === 'decided' ? resolution.decision.decidedBy : undefined);
    return true;
  }

  /** Writes the pending ids; serialised so the file always ends in the latest state. */
  private persist(): Promise<void> {
    const write = () =>
      writeFileAtomic(
        this.pendingFile,
        JSON.stringify([...this.entries.values()].map((e) => ({ id: e.request.id, agent: e.request.agent.did, cmd: e.request.cmd }))),
        0o600,
      );
    this.persistChain = this.persistChain.then(write, write);
    return this.persistChain;
  }
}
