// Every delegation the daemon has issued, by CID, with what the token itself does not say: the
// delegation it was issued under (for cascading revocation), where it came from, and whether it was
// revoked or used up. Tokens are verified once when loaded or issued; after that the decoded payload is
// trusted from memory, which is what keeps a warm authorize at about one signature.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from '../home/atomicFile';
import { cidOf, decodeDelegation, type DelegationPayload } from '../ucan/index';
import type { DelegationSource } from '../server/protocol';

export interface StoredDelegation {
  cid: string;
  bytes: Uint8Array;
  payload: DelegationPayload;
  parent: string | null;
  source: DelegationSource;
  singleUse: boolean;
  sessionBound: boolean;
  /** The connection a session delegation lives and dies with; not persisted. */
  sessionConnection?: string;
  revoked: boolean;
  issuedAt: string;
  scope: string;
  approvalId?: string;
}

const PersistedDelegation = z.object({
  token: z.string(),
  parent: z.string().nullable(),
  source: z.enum(['manual', 'approval', 'policy']),
  singleUse: z.boolean(),
  sessionBound: z.boolean(),
  revoked: z.boolean(),
  issuedAt: z.string(),
  scope: z.string(),
  approvalId: z.string().optional(),
});
const PersistedFile = z.object({ version: z.literal(1), delegations: z.array(PersistedDelegation) });

/**
 * What the Merkle-checked audit log says about delegations: the record that issued each one, and the record
 * that revoked it or used it up. The store is a cache of tokens; where it and the log differ, the log is right.
 */
export interface LoggedDelegationStates {
  issued: Map<string, number>;
  ended: Map<string, number>;
}

/** Reads the delegation states out of audit records (`delegation.issued`, `delegation.revoked`, `authorize.allowed` with `usedUp`). */
export function delegationStatesOf(records: readonly { seq: number; kind: string; data: Record<string, unknown> }[]): LoggedDelegationStates {
  const issued = new Map<string, number>();
  const ended = new Map<string, number>();
  for (const r of records) {
    if (r.kind === 'delegation.issued' && typeof r.data.cid === 'string') issued.set(r.data.cid, r.seq);
    else if (r.kind === 'delegation.revoked' && typeof r.data.cid === 'string') {
      if (!ended.has(r.data.cid)) ended.set(r.data.cid, r.seq);
    } else if (r.kind === 'authorize.allowed' && Array.isArray(r.data.usedUp)) {
      for (const cid of r.data.usedUp) if (typeof cid === 'string' && !ended.has(cid)) ended.set(cid, r.seq);
    }
  }
  return { issued, ended };
}

/** The lines `delegationStatesOf` needs, as byte needles for `AuditLog.recordsMentioning`. */
export const DELEGATION_STATE_NEEDLES = ['"kind":"delegation.issued"', '"kind":"delegation.revoked"', '"usedUp":'];

export type DelegationStoreErrorCode = 'revoked-in-log' | 'not-in-log' | 'damaged';

/**
 * `delegations.json` says what the audit log does not: a delegation the log revoked or used up is active again,
 * or one the log never issued is there. Both are what an offline edit does (a crash cannot cause either, since a
 * delegation is recorded before it is stored and stored revoked before the revocation is recorded), so the daemon
 * does not start on it.
 */
export class DelegationStoreError extends Error {
  override name = 'DelegationStoreError';
  /** The daemon refused to start on this; `signet` exits with ExitCode.StateRefused. */
  readonly refusedStart = true;
  constructor(
    readonly code: DelegationStoreErrorCode,
    message: string,
    readonly data: { path: string; cid?: string; seq?: number | null },
    readonly fix: string,
  ) {
    super(`${message}. To recover: ${fix}`);
  }
}

export class DelegationStore {
  private readonly byCid = new Map<string, StoredDelegation>();
  private readonly byAudience = new Map<string, StoredDelegation[]>();
  private saveChain: Promise<void> = Promise.resolve();

  private constructor(private readonly path: string) {}

  /**
   * Loads and re-verifies every stored delegation. Session delegations of a previous daemon run cannot
   * outlive it: they come back revoked and are listed in `endedSessions` for the audit log.
   */
  static async open(
    path: string,
    logged?: LoggedDelegationStates,
  ): Promise<{ store: DelegationStore; endedSessions: StoredDelegation[]; unrecordedRevocations: StoredDelegation[] }> {
    const store = new DelegationStore(path);
    const endedSessions: StoredDelegation[] = [];
    const unrecordedRevocations: StoredDelegation[] = [];
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text !== undefined) {
      const parsed = PersistedFile.safeParse(JSON.parse(text));
      if (!parsed.success) {
        throw new DelegationStoreError('damaged', `${path} is damaged (${parsed.error.issues[0]?.message})`, { path }, `restore it from a backup, or move it aside (every delegation is then lost and must be approved again)`);
      }
      const aside = `move ${path} aside to start again without delegations (each must then be approved again), or restore a copy that agrees with the log`;
      for (const entry of parsed.data.delegations) {
        const bytes = new Uint8Array(Buffer.from(entry.token, 'base64'));
        const { payload } = decodeDelegation(bytes);
        const stored: StoredDelegation = { ...entry, cid: cidOf(bytes), bytes, payload };
        if (logged) {
          const endedAt = logged.ended.get(stored.cid);
          if (endedAt !== undefined && !stored.revoked) {
            throw new DelegationStoreError(
              'revoked-in-log',
              `${path} lists delegation ${stored.cid} as active, but audit record ${endedAt} ${stored.singleUse ? 'used it up' : 'revoked it'}: the file was changed outside Signet. Signet does not start on it`,
              { path, cid: stored.cid, seq: endedAt },
              aside,
            );
          }
          if (!logged.issued.has(stored.cid)) {
            throw new DelegationStoreError(
              'not-in-log',
              `${path} holds delegation ${stored.cid}, which the audit log never issued: it was added outside Signet. Signet does not start on it`,
              { path, cid: stored.cid, seq: null },
              aside,
            );
          }
          if (stored.revoked && endedAt === undefined) unrecordedRevocations.push(stored);
        }
        if (stored.sessionBound && !stored.revoked) {
          stored.revoked = true;
          endedSessions.push(stored);
        }
        store.index(stored);
      }
      if (endedSessions.length) await store.save();
    }
    return { store, endedSessions, unrecordedRevocations };
  }

  add(delegation: StoredDelegation): Promise<void> {
    this.index(delegation);
    return this.save();
  }

  get(cid: string): StoredDelegation | undefined {
    return this.byCid.get(cid);
  }

  /** Delegations whose audience is `did`, including revoked ones (callers filter). */
  heldBy(did: string): readonly StoredDelegation[] {
    return this.byAudience.get(did) ?? [];
  }

  all(): StoredDelegation[] {
    return [...this.byCid.values()];
  }

  /** `cid` and everything issued below it, transitively. */
  descendantsOf(cid: string): StoredDelegation[] {
    const children = new Map<string, StoredDelegation[]>();
    for (const d of this.byCid.values()) {
      if (d.parent === null) continue;
      const siblings = children.get(d.parent);
      if (siblings) siblings.push(d);
      else children.set(d.parent, [d]);
    }
    const found: StoredDelegation[] = [];
    const frontier = [cid];
    for (let current = frontier.pop(); current !== undefined; current = frontier.pop()) {
      for (const child of children.get(current) ?? []) {
        found.push(child);
        frontier.push(child.cid);
      }
    }
    return found;
  }

  /** Marks delegations revoked (or used up) and persists; returns those that were active before. */
  async markRevoked(delegations: StoredDelegation[]): Promise<StoredDelegation[]> {
    const changed = delegations.filter((d) => !d.revoked);
    for (const d of changed) d.revoked = true;
    if (changed.length) await this.save();
    return changed;
  }

  private index(delegation: StoredDelegation): void {
    this.byCid.set(delegation.cid, delegation);
    const list = this.byAudience.get(delegation.payload.aud);
    if (list) list.push(delegation);
    else this.byAudience.set(delegation.payload.aud, [delegation]);
  }

  /** Saves are serialised so that two quick changes never write an older state last. */
  private save(): Promise<void> {
    const write = async () => {
      const delegations = [...this.byCid.values()].map((d) => ({
        token: Buffer.from(d.bytes).toString('base64'),
        parent: d.parent,
        source: d.source,
        singleUse: d.singleUse,
        sessionBound: d.sessionBound,
        revoked: d.revoked,
        issuedAt: d.issuedAt,
        scope: d.scope,
        ...(d.approvalId ? { approvalId: d.approvalId } : {}),
      }));
      await writeFileAtomic(this.path, `${JSON.stringify({ version: 1, delegations })}\n`, 0o600);
    };
    this.saveChain = this.saveChain.then(write, write);
    return this.saveChain;
  }
}
