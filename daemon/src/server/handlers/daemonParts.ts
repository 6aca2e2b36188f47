// The running parts of one daemon that the method handlers serve: built by startDaemon, in its start order.
import type { ApprovalQueue } from '../../approvals/approvalQueue';
import type { DecisionPlaces } from '../../approvals/decider';
import type { OutsideEditorApprovals } from '../../approvals/outsideEditorApprovals';
import type { AuditLog, CheckpointAnchor } from '../../audit/auditLog';
import type { Authorizer } from '../../authz/authorizer';
import type { DelegationStore } from '../../authz/delegationStore';
import type { NonceLedger } from '../../authz/nonceLedger';
import type { IdentityRegistry } from '../../keys/identities';
import type { SecretStore } from '../../keys/secretStore';
import type { CommitSigner } from '../../git/commitSigner';
import type { AgentProofs } from '../../keys/agentProofs';
import type { ClientCalls } from '../../hooks/clientCalls';
import type { ShutdownGate } from '../../lifecycle/shutdownGate';
import type { OwnerPolicy } from '../../policy/ownerPolicy';
import type { PolicyWatcher } from '../../policy/policyStatus';

export interface DaemonParts {
  home: string;
  /** Milliseconds since the epoch, for `daemon/status`'s uptime. */
  startedAt: number;
  store: SecretStore;
  identities: IdentityRegistry;
  delegations: DelegationStore;
  approvals: ApprovalQueue;
  audit: AuditLog;
  /** The folder of the audit log, which `audit/verify` reads from disk. */
  auditDir: string;
  /** The checkpoint verifier key (C2SP note format) of this daemon's log. */
  verifierKey: string;
  anchor: CheckpointAnchor;
  authorizer: Authorizer;
  nonces: NonceLedger;
  shutdown: ShutdownGate;
  /** The workspace a request that names none is resolved against (the daemon's own, or its working folder). */
  workspace: string;
  /** The owner policy, unless a test turned it off, and the watcher that tells the editor when its files change. */
  policy: OwnerPolicy | undefined;
  policyWatcher: PolicyWatcher | undefined;
  /** The user's policy folder, `~/.signet/policy`. */
  policyDir: string;
  /** Signs commits as an agent (`git/sign`), through the same authorize path as every call. */
  commitSigner: CommitSigner;
  /** Hands out an agent's SIGNET_AGENT_SECRET (`agent/proof`), only after a person approves. */
  agentProofs: AgentProofs;
  /** Who decides where: the verified process behind each connection, and what an editor stated (`client/describe`). */
  places: DecisionPlaces;
  /** Agents holding an approval made outside the editor, flagged in their later prompts and in `agent/list`. */
  outsideEditor: OutsideEditorApprovals;
  /** The hooks' calls: decided once per client call, their outcomes and session ends recorded (hooks/clientCalls.ts). */
  clientCalls: ClientCalls;
}
