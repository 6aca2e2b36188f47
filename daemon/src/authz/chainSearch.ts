// The chain search of the authorizer: which live delegations lead from the user to an agent and cover a call.
// The authorizer's concerns are layered classes, each in its own file and each calling only the layers below it:
// chain search (here) → delegation administration (delegationAdmin.ts) → answering a call (callAnswers.ts) →
// the approval flow (approvalFlow.ts) → authorize itself and the owner policy (authorizer.ts). They share the
// state below, which is why they are layers rather than separate objects.
import type { ApprovalQueue } from '../approvals/approvalQueue';
import { DecisionPlaces } from '../approvals/decider';
import { OutsideEditorApprovals } from '../approvals/outsideEditorApprovals';
import type { IdentityRegistry } from '../keys/identities';
import type { OwnerPolicy } from '../policy/ownerPolicy';
import type { AuditKind, AuditRecord } from '../server/protocol';
import { commandCovers, evaluatePolicy, type Policy } from '../ucan/index';
import type { DelegationStore, StoredDelegation } from './delegationStore';

/** Where records go. The audit log implements it; `append` resolves once the record is durable. */
export interface AuditSink {
  append(entry: { agent: string | null; kind: AuditKind; data: Record<string, unknown> }): Promise<AuditRecord>;
}

/** Tolerated clock difference on `nbf`/`exp`, as the UCAN spec recommends. */
const CLOCK_SKEW_SECONDS = 60;
export const MAX_CHAIN_DEPTH = 8;

export interface AuthorizerOptions {
  identities: IdentityRegistry;
  delegations: DelegationStore;
  approvals: ApprovalQueue;
  audit: AuditSink;
  defaultWorkspace: string;
  now?: () => number;
  /** The owner policy, asked on every authorize before any chain (see daemon/src/policy/). */
  policy?: OwnerPolicy;
  /** Who decides where (approvals/decider.ts); shared with the `client/describe` handler. */
  places?: DecisionPlaces;
  /** Agents holding an approval made outside the editor, flagged in their later prompts. */
  outsideEditor?: OutsideEditorApprovals;
}

export abstract class ChainSearch {
  protected readonly identities: IdentityRegistry;
  protected readonly delegations: DelegationStore;
  protected readonly approvals: ApprovalQueue;
  protected readonly audit: AuditSink;
  protected readonly defaultWorkspace: string;
  protected readonly now: () => number;
  protected readonly places: DecisionPlaces;
  protected readonly outsideEditor: OutsideEditorApprovals;

  constructor(options: AuthorizerOptions) {
    this.identities = options.identities;
    this.delegations = options.delegations;
    this.approvals = options.approvals;
    this.audit = options.audit;
    this.defaultWorkspace = options.defaultWorkspace;
    this.now = options.now ?? (() => Math.floor(Date.now() / 1000));
    this.places = options.places ?? new DecisionPlaces(options.identities.user.did);
    this.outsideEditor = options.outsideEditor ?? new OutsideEditorApprovals();
  }

  /**
   * The chain of live delegations from the user to `did` covering `cmd` on `args`, leaf first (the
   * `prf` order). `prefer` puts one delegation first, so an approval uses the delegation it just minted.
   * An "allow once" delegation is usable only as `prefer`, by the call whose approval minted it, and a
   * session delegation only by the connection (`connectionId`) that asked for it: an identical request
   * from elsewhere asks anew.
   */
  findChain(did: string, cmd: string, args: Record<string, unknown>, prefer?: string, connectionId?: string, depth = 0): StoredDelegation[] | undefined {
    if (depth >= MAX_CHAIN_DEPTH) return undefined;
    const now = this.now();
    const held = this.delegations.heldBy(did);
    const candidates = prefer ? [...held].sort((a, b) => Number(b.cid === prefer) - Number(a.cid === prefer)) : held;
    for (const d of candidates) {
      if (!this.isLive(d, now) || !commandCovers(d.payload.cmd, cmd)) continue;
      if (d.singleUse && d.cid !== prefer) continue;
      // Above the leaf the asker is another agent; a session delegation there still ends with its own connection.
      if (depth === 0 && d.sessionBound && d.sessionConnection !== connectionId) continue;
      if (!safeEvaluate(d.payload.pol, args)) continue;
      if (d.payload.iss === this.identities.user.did) return [d];
      if (!d.parent) continue;
      const parent = this.delegations.get(d.parent);
      if (!parent || parent.payload.aud !== d.payload.iss) continue;
      const above = this.findChain(d.payload.iss, cmd, args, parent.cid, connectionId, depth + 1);
      if (above && above[0]?.cid === parent.cid) return [d, ...above];
    }
    return undefined;
  }

  protected isLive(d: StoredDelegation, now: number): boolean {
    if (d.revoked) return false;
    if (d.payload.exp !== null && now > d.payload.exp + CLOCK_SKEW_SECONDS) return false;
    if (d.payload.nbf !== undefined && now + CLOCK_SKEW_SECONDS < d.payload.nbf) return false;
    return true;
  }

  protected chainIsLive(d: StoredDelegation): boolean {
    const now = this.now();
    for (let current: StoredDelegation | undefined = d, depth = 0; current && depth < MAX_CHAIN_DEPTH; depth++) {
      if (!this.isLive(current, now)) return false;
      if (current.payload.iss === this.identities.user.did) return true;
      current = current.parent ? this.delegations.get(current.parent) : undefined;
    }
    return false;
  }

  protected activeHeldBy(did: string): StoredDelegation[] {
    const now = this.now();
    return this.delegations.heldBy(did).filter((d) => this.isLive(d, now));
  }
}

function safeEvaluate(pol: unknown, args: Record<string, unknown>): boolean {
  try {
    return evaluatePolicy(pol as Policy, args);
  } catch {
    return false;
  }
}
