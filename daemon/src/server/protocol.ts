// The wire protocol between signetd and its clients (the extension, the CLI, the MCP proxy, the SDK).
//
// JSON-RPC 2.0 over a WebSocket on the loopback interface. This file holds types and schemas only and is
// imported by both sides: the daemon validates every inbound frame against these schemas before it
// dispatches, and clients use the same types so that no `any` crosses the boundary.
//
// Naming: requests are `domain/verb`, notifications `domain/didX`; `XxxParams` / `XxxResult` per method.
import { z } from 'zod';
import { AUDIT_KINDS } from './auditKinds';

/** Stable numeric error codes, outside the range JSON-RPC reserves (−32768…−32000). */
export const SignetErrorCode = {
  /** The connection's role may not call this method (an agent token calling `approval/decide`). */
  Forbidden: 4001,
  /** No agent of that name exists. */
  UnknownAgent: 4002,
  /** An agent of that name exists already. */
  AgentExists: 4003,
  /** A delegation would grant more than its issuer holds. */
  Escalation: 4004,
  /** No delegation has that CID. */
  UnknownDelegation: 4005,
  /** No pending approval has that id (decided elsewhere, timed out, or never existed). */
  UnknownApproval: 4006,
  /** The keychain could not be read or written; `data.fix` says what to do. */
  KeystoreUnavailable: 4007,
  /** A policy, command or name is malformed. */
  InvalidArgument: 4008,
  /** The daemon is shutting down and takes no new work. */
  ShuttingDown: 4009,
  /** Anything the daemon did not expect; the daemon log has the cause. */
  Internal: 4010,
} as const;
export type SignetErrorCode = (typeof SignetErrorCode)[keyof typeof SignetErrorCode];

/** JSON-RPC's own codes, used only for frame-level problems. */
export const JsonRpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
} as const;

export interface SignetErrorData {
  /** What the user can do about it, when there is something. */
  fix?: string;
  /** Schema issues for invalid params, as `path: message` lines. */
  issues?: string[];
}

/** Which token a connection presented. Agents may only ask; only UI clients may decide or administer. */
export type ClientRole = 'agent' | 'ui';

// ───────────────────────────── shared shapes ─────────────────────────────

const agentName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'an agent name is 1–64 characters: lowercase letters, digits, ".", "_" or "-"');
const command = z
  .string()
  .regex(/^\/([^/A-Z\s]+(\/[^/A-Z\s]+)*)?$/, 'a command starts with "/", is lowercase and has no trailing slash');
const cid = z.string().regex(/^b[a-z2-7]{20,}$/, 'a CID is a base32 CIDv1 string (bafy…)');
/** `/…` on POSIX; `C:\…`, `C:/…` or `\\server\…` on Windows. */
const absolutePath = /^(\/|[A-Za-z]:[\\/]|\\\\)/;
/**
 * Arguments nested deeper than this are refused on arrival. What the daemon does with arguments (canonical paths,
 * policies, the invocation, the audit record) walks them recursively, and no tool call needs a fraction of it.
 */
export const MAX_ARGS_DEPTH = 64;

/** True when `value` nests lists or maps more than `limit` levels deep; iterative, so any depth is safe to ask. */
export function nestedDeeperThan(value: unknown, limit: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [item, depth] = next;
    if (item === null || typeof item !== 'object') continue;
    if (depth > limit) return true;
    for (const child of Array.isArray(item) ? item : Object.values(item)) {
      if (child !== null && typeof child === 'object') stack.push([child, depth + 1]);
    }
  }
  return false;
}

// Taken as parsed, not copied key by key as z.record would: a copy would also turn a "__proto__" key (an own
// key after JSON.parse) into the copy's prototype, so the daemon would sign arguments without it, silently.
const callArguments = z
  .custom<Record<string, unknown>>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), 'the arguments must be a JSON object')
  .refine((args) => !nestedDeeperThan(args, MAX_ARGS_DEPTH), { message: `the arguments nest more than ${MAX_ARGS_DEPTH} levels deep` });
/** A UCAN envelope in base64 is far below this; the bound keeps a hostile frame from costing much. */
const MAX_TOKEN_BASE64 = 256 * 1024;

export const schemas = { agentName, command, cid };

/** A party to a delegation: the user (root of every chain) or a named agent. */
export interface Principal {
  did: string;
  /** `user` for the root identity, otherwise the agent's name. */
  name: string;
}

export interface AgentInfo {
  name: string;
  did: string;
  /** ISO 8601. */
  createdAt: string;
}

/** How a delegation came to be, shown to people next to it. */
export type DelegationSource = 'manual' | 'approval';

export interface DelegationInfo {
  cid: string;
  issuer: Principal;
  audience: Principal;
  /** The subject of the chain: always the user's DID in Signet. */
  subject: string;
  cmd: string;
  /** The UCAN policy, as JSON. */
  pol: unknown[];
  /** Unix seconds, or null for a delegation that never expires. */
  exp: number | null;
  nbf?: number;
  /** ISO 8601 of issuance. */
  issuedAt: string;
  /** The delegation this one was issued under (an agent delegating onward); null when issued by the user. */
  parent: string | null;
  source: DelegationSource;
  /** For `once` approvals: single use, consumed by the first matching authorize. */
  singleUse: boolean;
  /** For `session` approvals: ends when this connection of the requesting agent closes. */
  sessionBound: boolean;
  revoked: boolean;
  /** A short human description of the scope, such as `write_file on /repo/src/*`. */
  scope: string;
  /** The base64 DAG-CBOR envelope, for offline verification. */
  token: string;
}

// ───────────────────────────── daemon/status ─────────────────────────────

export const DaemonStatusParams = z.strictObject({}).optional();
export type DaemonStatusParams = z.infer<typeof DaemonStatusParams>;
export interface DaemonStatusResult {
  version: string;
  pid: number;
  home: string;
  user: Principal;
  keystore: 'keychain' | 'file' | 'memory';
  /** The library that signs and verifies: libsodium (sodium-native) when its binding loaded, node:crypto otherwise. Both sign alike. */
  ed25519: 'libsodium' | 'node:crypto';
  role: ClientRole;
  agents: number;
  pendingApprovals: number;
  auditRecords: number;
  approvalTimeoutSeconds: number;
  /** Seconds since the daemon started. */
  uptime: number;
}

// ───────────────────────────── agents ─────────────────────────────

export const AgentCreateParams = z.strictObject({ name: agentName });
export type AgentCreateParams = z.infer<typeof AgentCreateParams>;
export type AgentCreateResult = AgentInfo;

export const AgentListParams = z.strictObject({}).optional();
export type AgentListParams = z.infer<typeof AgentListParams>;
export interface AgentListResult {
  user: Principal;
  agents: AgentInfo[];
}

export const AgentRemoveParams = z.strictObject({ name: agentName });
export type AgentRemoveParams = z.infer<typeof AgentRemoveParams>;
export interface AgentRemoveResult {
  removed: AgentInfo;
  /** Delegations to or from the agent that were revoked with it. */
  revoked: string[];
}

// ───────────────────────────── authorize ─────────────────────────────

export const AuthorizeParams = z.strictObject({
  agent: agentName,
  cmd: command,
  args: callArguments,
  /**
   * The workspace root that path-like arguments are resolved against; defaults to the daemon's cwd. Absolute:
   * a relative one would mean the caller's working directory, which the daemon cannot know.
   */
  workspace: z.string().regex(absolutePath, 'the workspace must be an absolute path').optional(),
  /** Create the agent's identity if it does not exist yet (the MCP proxy's first use). Audited. */
  createAgent: z.boolean().optional(),
  /** A name the caller picks for this request, unique on its connection, so it can withdraw it with `authorize/cancel`. */
  requestId: z.string().min(1).max(128).optional(),
});
export type AuthorizeParams = z.infer<typeof AuthorizeParams>;

/**
 * Withdraws a request of this connection that is waiting for a person (the agent's client cancelled
 * the call). Its prompt closes and the waiting `authorize` answers deny; nothing is minted.
 */
export const AuthorizeCancelParams = z.strictObject({ requestId: z.string().min(1).max(128) });
export type AuthorizeCancelParams = z.infer<typeof AuthorizeCancelParams>;
export interface AuthorizeCancelResult {
  /** False when nothing of that id was waiting (already decided, or never asked). */
  cancelled: boolean;
}

export type AuthorizeResult =
  | {
      decision: 'allow';
      /** The invocation, signed by the agent: base64 of its DAG-CBOR envelope. */
      invocation: string;
      /** CID of the invocation. */
      invocationCid: string;
      /** The proof chain as CIDs, from the delegation to the agent up to the user's root delegation (`prf` order). */
      chain: string[];
      /** The delegations of `chain`, base64 envelopes in the same order, for offline verification. */
      proofs: string[];
      /** The arguments after path canonicalisation, exactly as signed into the invocation. */
      args: Record<string, unknown>;
      /** Set when the call was let through by a decision just made on an approval prompt. */
      approvalId?: string;
    }
  | {
      decision: 'deny';
      /** A sentence a person understands: why this was refused. */
      reason: string;
      /** A stable machine-readable cause. */
      code: DenyCode;
      approvalId?: string;
    };

export type DenyCode =
  | 'denied-by-user'
  | 'approval-timeout'
  | 'daemon-shutdown'
  | 'disconnected'
  | 'withdrawn'
  | 'unknown-agent'
  | 'path-outside-workspace'
  | 'invalid-arguments'
  | 'keystore-unavailable'
  | 'internal-error';

// ───────────────────────────── approvals ─────────────────────────────

export interface ApprovalRequest {
  id: string;
  agent: Principal;
  /** Whom the agent acts for: the issuers of the delegations it holds (e.g. planner for coder). */
  actingFor: Principal[];
  /** CIDs of the unexpired, unrevoked delegations the agent holds now. */
  heldDelegations: string[];
  cmd: string;
  /** The exact (canonicalised) arguments of the request. */
  args: Record<string, unknown>;
  /** A one-line summary such as `write_file /repo/src/auth.ts`. */
  summary: string;
  /** Path-like arguments after canonicalisation, for "on this file / this folder" choices. */
  paths: string[];
  /** `args.tool` for MCP calls, for "this tool" choices. */
  tool?: string;
  /** ISO 8601. */
  requestedAt: string;
  /** ISO 8601; no decision by then means deny. */
  expiresAt: string;
}

export const ApprovalListParams = z.strictObject({}).optional();
export type ApprovalListParams = z.infer<typeof ApprovalListParams>;
export interface ApprovalListResult {
  pending: ApprovalRequest[];
}

/**
 * What the user chose. `once` covers these exact arguments a single time; `session` lasts as long as
 * the requesting agent's connection; `ttl` for `ttlSeconds`; `always` never expires. Without `narrow`
 * the delegation covers the requested command with any arguments (except `once`); `narrow.path` limits it
 * to paths under a prefix, `narrow.tool` to one MCP tool of one server.
 */
export const ApprovalDecision = z.enum(['deny', 'once', 'session', 'ttl', 'always']);
export type ApprovalDecision = z.infer<typeof ApprovalDecision>;

export const ApprovalDecideParams = z
  .strictObject({
    id: z.string().min(1),
    decision: ApprovalDecision,
    ttlSeconds: z.number().int().positive().max(366 * 24 * 3600).optional(),
    narrow: z
      .strictObject({
        path: z.string().min(1).optional(),
        tool: z.boolean().optional(),
      })
      .optional(),
    /** Who decided, for the audit log (e.g. `vscode`, `cli`). */
    decidedBy: z.string().max(64).optional(),
  })
  .refine((p) => p.decision !== 'ttl' || p.ttlSeconds !== undefined, {
    message: 'a ttl decision needs ttlSeconds',
    path: ['ttlSeconds'],
  });
export type ApprovalDecideParams = z.infer<typeof ApprovalDecideParams>;
export interface ApprovalDecideResult {
  id: string;
  decision: ApprovalDecision;
  /** The delegation minted for an allow decision. */
  delegation?: DelegationInfo;
}

// ───────────────────────────── delegations ─────────────────────────────

export const DelegationIssueParams = z.strictObject({
  /** `user` or an agent name. An agent connection may only issue from itself. */
  from: z.union([z.literal('user'), agentName]),
  to: agentName,
  cmd: command,
  pol: z.array(z.unknown()).optional(),
  /** Seconds until expiry; omitted means no expiry for the user, or the parent's expiry for an agent. */
  ttl: z.number().int().positive().max(10 * 366 * 24 * 3600).optional(),
});
export type DelegationIssueParams = z.infer<typeof DelegationIssueParams>;
export type DelegationIssueResult = DelegationInfo;

export const DelegationRevokeParams = z.strictObject({ cid });
export type DelegationRevokeParams = z.infer<typeof DelegationRevokeParams>;
export interface DelegationRevokeResult {
  /** The CID given and every delegation issued below it, all now revoked. */
  revoked: string[];
}

export const DelegationListParams = z
  .strictObject({ agent: agentName.optional(), includeInactive: z.boolean().optional() })
  .optional();
export type DelegationListParams = z.infer<typeof DelegationListParams>;
export interface DelegationListResult {
  delegations: DelegationInfo[];
}

// ───────────────────────────── invocations ─────────────────────────────

/**
 * Checks an invocation presented by a tool (for instance an MCP server that received one in `_meta`):
 * signatures, chain, time bounds, policies, revocation, that the chain roots at this daemon's user, and
 * that its nonce was never accepted before. A second presentation of the same invocation is refused.
 */
export const InvocationVerifyParams = z.strictObject({
  invocation: z.string().min(1).max(MAX_TOKEN_BASE64),
  proofs: z.array(z.string().min(1).max(MAX_TOKEN_BASE64)).max(16),
});
export type InvocationVerifyParams = z.infer<typeof InvocationVerifyParams>;
export type InvocationVerifyResult =
  | { ok: true; invocationCid: string; iss: Principal; cmd: string; args: Record<string, unknown>; chain: string[] }
  | { ok: false; error: { name: string; message: string } };

// ───────────────────────────── audit ─────────────────────────────

export const AuditKind = z.enum(AUDIT_KINDS);
export type AuditKind = z.infer<typeof AuditKind>;

/**
 * One line of the audit log. The byte form is fixed: keys in this order, JSON without spaces, one
 * record per line; the Merkle leaf is the line without its newline. Keep it stable.
 */
export interface AuditRecord {
  seq: number;
  /** ISO 8601 with milliseconds, UTC. */
  time: string;
  /** The DID of the agent the record is about, or null for records about the daemon or the user. */
  agent: string | null;
  kind: AuditKind;
  data: Record<string, unknown>;
}

export const AuditQueryParams = z
  .strictObject({
    /** An agent name or DID. */
    agent: z.string().min(1).optional(),
    kind: AuditKind.optional(),
    /** Only records with seq ≥ since. */
    since: z.number().int().nonnegative().optional(),
    limit: z.number().int().positive().max(100_000).optional(),
  })
  .optional();
export type AuditQueryParams = z.infer<typeof AuditQueryParams>;
export interface AuditQueryResult {
  records: AuditRecord[];
  /** True when more records matched than one answer carries (by `limit` or by size); page on with `since`. */
  truncated: boolean;
}

/** One `audit/query` answer carries at most this many bytes of records. */
export const MAX_AUDIT_ANSWER_BYTES = 8 * 1024 * 1024;

/** The latest signed checkpoint (C2SP tlog-checkpoint signed note) over the whole log. */
export const AuditCheckpointParams = z.strictObject({}).optional();
export type AuditCheckpointParams = z.infer<typeof AuditCheckpointParams>;
export interface AuditCheckpointResult {
  checkpoint: string;
  /** The verifier key (`<name>+<id>+<base64>`) that checks it. */
  verifierKey: string;
}

/** RFC 9162 inclusion proof of record `seq` in the current tree. Hashes are standard base64. */
export const AuditProveInclusionParams = z.strictObject({ seq: z.number().int().nonnegative() });
export type AuditProveInclusionParams = z.infer<typeof AuditProveInclusionParams>;
export interface AuditProveInclusionResult {
  seq: number;
  treeSize: number;
  leafHash: string;
  proof: string[];
  rootHash: string;
  checkpoint?: string;
}

/** RFC 9162 consistency proof between two tree sizes (`to` defaults to the current size). */
export const AuditProveConsistencyParams = z.strictObject({ from: z.number().int().positive(), to: z.number().int().positive().optional() });
export type AuditProveConsistencyParams = z.infer<typeof AuditProveConsistencyParams>;
export interface AuditProveConsistencyResult {
  from: number;
  to: number;
  proof: string[];
  fromRoot: string;
  toRoot: string;
  checkpoint?: string;
}

/**
 * Recomputes the whole tree from the records and checks every checkpoint, as `signet audit verify` does,
 * for the audit panel's verification state. Problems name the sequence number concerned.
 */
export const AuditVerifyParams = z.strictObject({}).optional();
export type AuditVerifyParams = z.infer<typeof AuditVerifyParams>;
export interface AuditVerifyResult {
  ok: boolean;
  records: number;
  rootHash: string;
  problems: { seq: number | null; kind: string; message: string }[];
  /** ISO 8601 of when this verification finished. */
  verifiedAt: string;
}

// ───────────────────────────── method table ─────────────────────────────

/** Every request method, its params schema, its result type and the roles allowed to call it. */
export const methods = {
  'daemon/status': { params: DaemonStatusParams, roles: ['agent', 'ui'] },
  'agent/create': { params: AgentCreateParams, roles: ['ui'] },
  'agent/list': { params: AgentListParams, roles: ['ui'] },
  'agent/remove': { params: AgentRemoveParams, roles: ['ui'] },
  authorize: { params: AuthorizeParams, roles: ['agent', 'ui'] },
  'authorize/cancel': { params: AuthorizeCancelParams, roles: ['agent', 'ui'] },
  'approval/list': { params: ApprovalListParams, roles: ['ui'] },
  'approval/decide': { params: ApprovalDecideParams, roles: ['ui'] },
  'delegation/issue': { params: DelegationIssueParams, roles: ['agent', 'ui'] },
  'delegation/revoke': { params: DelegationRevokeParams, roles: ['ui'] },
  'delegation/list': { params: DelegationListParams, roles: ['ui'] },
  'audit/query': { params: AuditQueryParams, roles: ['ui'] },
  'invocation/verify': { params: InvocationVerifyParams, roles: ['agent', 'ui'] },
  'audit/checkpoint': { params: AuditCheckpointParams, roles: ['ui'] },
  'audit/proveInclusion': { params: AuditProveInclusionParams, roles: ['ui'] },
  'audit/proveConsistency': { params: AuditProveConsistencyParams, roles: ['ui'] },
  'audit/verify': { params: AuditVerifyParams, roles: ['ui'] },
} as const satisfies Record<string, { params: z.ZodType; roles: readonly ClientRole[] }>;

export type MethodName = keyof typeof methods;

export interface MethodResults {
  'daemon/status': DaemonStatusResult;
  'agent/create': AgentCreateResult;
  'agent/list': AgentListResult;
  'agent/remove': AgentRemoveResult;
  authorize: AuthorizeResult;
  'authorize/cancel': AuthorizeCancelResult;
  'approval/list': ApprovalListResult;
  'approval/decide': ApprovalDecideResult;
  'delegation/issue': DelegationIssueResult;
  'delegation/revoke': DelegationRevokeResult;
  'delegation/list': DelegationListResult;
  'audit/query': AuditQueryResult;
  'invocation/verify': InvocationVerifyResult;
  'audit/checkpoint': AuditCheckpointResult;
  'audit/proveInclusion': AuditProveInclusionResult;
  'audit/proveConsistency': AuditProveConsistencyResult;
  'audit/verify': AuditVerifyResult;
}

export type MethodParams<M extends MethodName> = z.input<(typeof methods)[M]['params']>;

// ───────────────────────────── notifications (daemon → UI clients) ─────────────────────────────

/** How an approval left the pending list, so every prompt for it can close. */
export type ApprovalOutcome = ApprovalDecision | 'timeout' | 'cancelled';

export interface Notifications {
  /** A request that no delegation covers is waiting for a decision. */
  'approval/didRequest': ApprovalRequest;
  /** A pending request was decided (here or elsewhere), timed out, or was cancelled by a disconnect or shutdown. */
  'approval/didResolve': { id: string; outcome: ApprovalOutcome; decidedBy?: string };
  /** A record was appended to the audit log (and is durable). */
  'audit/didAppend': AuditRecord;
}
export type NotificationName = keyof Notifications;

// ───────────────────────────── frames ─────────────────────────────

/** The largest frame either side accepts; larger ones are refused unread. */
export const MAX_FRAME_BYTES = 1024 * 1024;

export const JsonRpcRequestFrame = z.strictObject({
  jsonrpc: z.literal('2.0'),
  id: z.union([z.string().max(128), z.number().int()]),
  method: z.string().max(128),
  params: z.unknown().optional(),
});
export type JsonRpcRequestFrame = z.infer<typeof JsonRpcRequestFrame>;

export interface JsonRpcError {
  code: number;
  message: string;
  data?: SignetErrorData;
}

export type JsonRpcResponseFrame =
  | { jsonrpc: '2.0'; id: string | number; result: unknown }
  | { jsonrpc: '2.0'; id: string | number | null; error: JsonRpcError };

export interface JsonRpcNotificationFrame<N extends NotificationName = NotificationName> {
  jsonrpc: '2.0';
  method: N;
  params: Notifications[N];
}

/** Runtime file `$SIGNET_HOME/daemon.json` (mode 0600), how clients find a running daemon. */
export interface DaemonRuntimeFile {
  port: number;
  pid: number;
  /** Bearer token for agent clients (authorize, delegation/issue from themselves, status). */
  agentToken: string;
  version: string;
  startedAt: string;
}
