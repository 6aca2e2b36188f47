// The wire protocol between signetd and its clients (the extension, the CLI, the MCP proxy, the SDK).
//
// JSON-RPC 2.0 over a WebSocket on the loopback interface. This file holds types and schemas only and is
// imported by both sides: the daemon validates every inbound frame against these schemas before it
// dispatches, clients validate every answer and notification against them before their callers see it, and
// both use the types inferred from them, so that no `any` crosses the boundary.
//
// Naming: requests are `domain/verb`, notifications `domain/didX`; `XxxParams` / `XxxResult` per method, each a
// schema and the type inferred from it. The table `methods` near the end declares every method once: its name,
// params schema, result schema and roles. The daemon checks params against it, clients check results.
import { z } from 'zod';
import { CLIENT_REASON_PATTERN } from '../authz/sessionKeys';
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
  /** The audit log cannot take or answer this now (a failed write, a damaged index); `data.fix` says what to do. */
  AuditUnavailable: 4011,
} as const;
export type SignetErrorCode = (typeof SignetErrorCode)[keyof typeof SignetErrorCode];

/**
 * JSON-RPC's own codes. The daemon sends them only for frame-level problems; the MCP proxy, which speaks JSON-RPC
 * to its MCP client, answers with them when it cannot pass a request on (it never sends InternalError otherwise).
 */
export const JsonRpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
} as const;

export const SignetErrorData = z.object({
  /** What the user can do about it, when there is something. */
  fix: z.string().optional(),
  /** Schema issues for invalid params, as `path: message` lines. */
  issues: z.array(z.string()).optional(),
  /**
   * The daemon-side code of what failed, when a local error was mapped to this one: a keystore's `locked` or
   * `no-session-bus`, an identity's `key-missing`, the audit log's `write-failed`. For logs and for clients that
   * want to say more than the message; the numeric code stays what to branch on.
   */
  cause: z.string().optional(),
});
export type SignetErrorData = z.infer<typeof SignetErrorData>;

/** Which token a connection presented. Agents may only ask; only UI clients may decide or administer. */
export const ClientRole = z.enum(['agent', 'ui']);
export type ClientRole = z.infer<typeof ClientRole>;

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
/** A JSON object in an answer, taken as parsed for the same reason as `callArguments`. */
const jsonObject = z.custom<Record<string, unknown>>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), 'expected a JSON object');
/** A UCAN envelope in base64 is far below this; the bound keeps a hostile frame from costing much. */
const MAX_TOKEN_BASE64 = 256 * 1024;

export const schemas = { agentName, command, cid };

/** A party to a delegation: the user (root of every chain) or a named agent. */
export const Principal = z.object({
  did: z.string(),
  /** `user` for the root identity, otherwise the agent's name. */
  name: z.string(),
});
export type Principal = z.infer<typeof Principal>;

/**
 * Approvals given to an agent by someone who was not in the editor (the CLI, or another process holding the UI
 * token): how many, and the latest, with the deciding process as the daemon saw it (see approvals/decider.ts).
 */
export const OutsideEditorApprovals = z.object({
  count: z.number().int().positive(),
  latest: z.object({ approvalId: z.string(), decidedAt: z.string(), by: z.string() }),
});
export type OutsideEditorApprovals = z.infer<typeof OutsideEditorApprovals>;

export const AgentInfo = z.object({
  name: z.string(),
  did: z.string(),
  /** ISO 8601. */
  createdAt: z.string(),
  /** Set when some approval for this agent was made outside the editor; agents views flag it. */
  outsideEditor: OutsideEditorApprovals.optional(),
});
export type AgentInfo = z.infer<typeof AgentInfo>;

/**
 * How a delegation came to be, shown to people next to it. `subagent`: a client's main agent delegated a call it
 * holds to one of its subagents (a Claude Code subagent), automatically and within what it holds. `policy`:
 * minted for one call that an owner policy rule allowed (see daemon/src/policy/).
 */
export const DelegationSource = z.enum(['manual', 'approval', 'subagent', 'policy']);
export type DelegationSource = z.infer<typeof DelegationSource>;

export const DelegationInfo = z.object({
  cid: z.string(),
  issuer: Principal,
  audience: Principal,
  /** The subject of the chain: always the user's DID in Signet. */
  subject: z.string(),
  cmd: z.string(),
  /** The UCAN policy, as JSON. */
  pol: z.array(z.unknown()),
  /** Unix seconds, or null for a delegation that never expires. */
  exp: z.number().nullable(),
  nbf: z.number().optional(),
  /** ISO 8601 of issuance. */
  issuedAt: z.string(),
  /** The delegation this one was issued under (an agent delegating onward); null when issued by the user. */
  parent: z.string().nullable(),
  source: DelegationSource,
  /** For `once` approvals: single use, consumed by the first matching authorize. */
  singleUse: z.boolean(),
  /** For `session` approvals: ends when this connection of the requesting agent closes. */
  sessionBound: z.boolean(),
  revoked: z.boolean(),
  /** A short human description of the scope, such as `write_file on /repo/src/*`. */
  scope: z.string(),
  /** The base64 DAG-CBOR envelope, for offline verification. */
  token: z.string(),
});
export type DelegationInfo = z.infer<typeof DelegationInfo>;

// ───────────────────────────── daemon/status ─────────────────────────────

export const DaemonStatusParams = z.strictObject({}).optional();
export type DaemonStatusParams = z.infer<typeof DaemonStatusParams>;
export const DaemonStatusResult = z.object({
  version: z.string(),
  pid: z.number().int(),
  home: z.string(),
  user: Principal,
  keystore: z.enum(['keychain', 'file', 'memory']),
  /** The library that signs and verifies: libsodium (sodium-native) when its binding loaded, node:crypto otherwise. Both sign alike. */
  ed25519: z.enum(['libsodium', 'node:crypto']),
  role: ClientRole,
  agents: z.number().int().nonnegative(),
  pendingApprovals: z.number().int().nonnegative(),
  auditRecords: z.number().int().nonnegative(),
  approvalTimeoutSeconds: z.number(),
  /** Seconds since the daemon started. */
  uptime: z.number(),
});
export type DaemonStatusResult = z.infer<typeof DaemonStatusResult>;

// ───────────────────────────── agents ─────────────────────────────

export const AgentCreateParams = z.strictObject({ name: agentName });
export type AgentCreateParams = z.infer<typeof AgentCreateParams>;
export const AgentCreateResult = AgentInfo;
export type AgentCreateResult = AgentInfo;

export const AgentListParams = z.strictObject({}).optional();
export type AgentListParams = z.infer<typeof AgentListParams>;
export const AgentListResult = z.object({ user: Principal, agents: z.array(AgentInfo) });
export type AgentListResult = z.infer<typeof AgentListResult>;

export const AgentRemoveParams = z.strictObject({ name: agentName });
export type AgentRemoveParams = z.infer<typeof AgentRemoveParams>;
export const AgentRemoveResult = z.object({
  removed: AgentInfo,
  /** Delegations to or from the agent that were revoked with it. */
  revoked: z.array(z.string()),
});
export type AgentRemoveResult = z.infer<typeof AgentRemoveResult>;

// ───────────────────────────── authz ─────────────────────────────

/** The longest tool title and description kept from a server's `tools/list`; the proxy cuts them to these. */
export const MAX_TOOL_TITLE_CHARS = 200;
export const MAX_TOOL_DESCRIPTION_CHARS = 1000;

/**
 * What an MCP server says about one of its tools in `tools/list` (its `annotations`, title and description),
 * relayed by the proxy so that the prompt can show the risk. These are hints written by the server: the daemon
 * never decides anything from them, and the prompt lets them make it only more careful (a tool that calls
 * itself read-only is still asked for, and one that says it is destructive loses the easy "for session" button).
 */
export const ToolAnnotations = z.strictObject({
  title: z.string().max(MAX_TOOL_TITLE_CHARS).optional(),
  description: z.string().max(MAX_TOOL_DESCRIPTION_CHARS).optional(),
  readOnlyHint: z.boolean().optional(),
  destructiveHint: z.boolean().optional(),
  idempotentHint: z.boolean().optional(),
  openWorldHint: z.boolean().optional(),
});
export type ToolAnnotations = z.infer<typeof ToolAnnotations>;

/** The clients whose hooks ask Signet: each has its own session ids and call ids. */
export const HookClientName = z.enum(['claude-code', 'vscode', 'cursor']);
export type HookClientName = z.infer<typeof HookClientName>;
const clientChosenId = z.string().min(1).max(256);

/**
 * Which call of which client session a hook is asking about. The ids are the client's own (`session_id`,
 * `sessionId` or `conversation_id`; `tool_use_id`), so they are claims, not proofs: they scope what they bind
 * (a session approval, one decision, one outcome) to this agent and this client as well, never to the id alone.
 */
export const ClientCall = z.strictObject({
  client: HookClientName,
  /** The client's session: a `session` approval made for this call lasts while that session does. */
  session: clientChosenId.optional(),
  /** The client's id of the tool call, so a call decided twice (VS Code runs two hook files) is decided once. */
  toolUseId: clientChosenId.optional(),
});
export type ClientCall = z.infer<typeof ClientCall>;

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
  /**
   * The agent this one acts for: a client's main agent, when `agent` is one of its subagents. A call the main
   * agent holds is delegated onward to the subagent (main → sub, within what main holds); a call it does not is
   * asked for, and an approval mints user → main and main → sub, so revoking main's delegation cuts the subagent off.
   */
  actingFor: agentName.optional(),
  /** A name the caller picks for this request, unique on its connection, so it can withdraw it with `authz/cancel`. */
  requestId: z.string().min(1).max(128).optional(),
  /**
   * The JSON Schema of the tool's own arguments (`inputSchema` from the server's `tools/list`, or the hook's
   * built-in tool), which tells the daemon which strings are paths. It can only make Signet treat more strings
   * as paths or exempt strings that could not be paths anyway (no `/`, `~`, `..` or scheme).
   */
  inputSchema: z
    .record(z.string(), z.unknown())
    .refine((schema) => !nestedDeeperThan(schema, MAX_ARGS_DEPTH), { message: `the input schema nests more than ${MAX_ARGS_DEPTH} levels deep` })
    .optional(),
  /**
   * Set by `signet doctor`'s active probes (through the SIGNET_PROBE variable of the proxy or hook it runs): the
   * request is refused at once, audited as `probe.refused`, and never shown to a person. It can only make a
   * decision stricter: an agent that sets it on its own call is denied, nothing more.
   */
  probe: z.strictObject({ id: z.string().regex(/^[A-Za-z0-9-]{8,64}$/, 'a probe id is 8 to 64 letters, digits or dashes') }).optional(),
  /** The tool's annotations from the server's `tools/list` (MCP proxy only): shown on the prompt, never decided on. */
  toolAnnotations: ToolAnnotations.optional(),
  /** Set by a client's hook: the client session and call this request belongs to (see `ClientCall`). */
  clientCall: ClientCall.optional(),
});
export type AuthorizeParams = z.infer<typeof AuthorizeParams>;

/** Why a path-like argument could not be authorized (see daemon/src/authz/canonicalPaths.ts). */
export const PathRefusalCode = z.enum([
  /** `~` or `~user`: the kernel has no home shorthand, but many tools expand it, each its own way. */
  'home-relative',
  /** A scheme other than `file:` where a file path is expected (`ab:/../x` reads as a relative path to a server). */
  'unknown-scheme',
  /** `file:` without an absolute path (`file:../x`): URL parsers and path functions read it differently. */
  'relative-file-uri',
  /** `file://host/…` with a host other than localhost: one reader would drop the host and another not. */
  'file-uri-host',
  /** A `file:` URI with a query, a fragment, or an encoded `/` or NUL, which some readers keep and some drop. */
  'ambiguous-file-uri',
  /** A NUL byte: the kernel ends the path there, JavaScript does not. */
  'nul-byte',
  /** Longer than the kernel's PATH_MAX, or a component longer than NAME_MAX. */
  'too-long',
  /** More path-like strings in one call, or more bytes of them, than Signet checks. */
  'too-many-paths',
  /** More symbolic links along the path than the kernel follows (ELOOP). */
  'symlink-loop',
  /** A component after something that exists and is not a directory (ENOTDIR). */
  'not-a-directory',
  /** A folder along the path could not be examined (permission denied, say). */
  'unreadable',
  /** What the path names changed between the check and the moment the call was to go on (a symlink swapped in). */
  'changed',
]);
export type PathRefusalCode = z.infer<typeof PathRefusalCode>;

export const PathRefusalDetail = z.object({
  code: PathRefusalCode,
  /** Where the value sits in the call's arguments, as a JSON Pointer (`/arguments/paths/1`). */
  at: z.string(),
  /** The value as the agent sent it (its first 64 characters when it was refused for its length). */
  value: z.string(),
});
export type PathRefusalDetail = z.infer<typeof PathRefusalDetail>;

/** The owner policy rule behind a decision, as audited and shown: "asked because rule `x` in ~/.signet/policy/team.cedar:12". */
export const PolicyRuleRef = z.object({
  id: z.string(),
  file: z.string(),
  line: z.number().int(),
  outcome: z.enum(['deny', 'ask', 'allow']),
  reason: z.string().optional(),
});
export type PolicyRuleRef = z.infer<typeof PolicyRuleRef>;

/**
 * A stable machine-readable cause of a deny. Each is chosen from what caused the refusal, never from the
 * words of a reason.
 */
export const DenyCode = z.enum([
  /** A person chose deny on the prompt. */
  'denied-by-user',
  /** Nobody decided before the approval timeout. */
  'approval-timeout',
  /** The daemon was stopping, before or while the request waited. */
  'daemon-shutdown',
  /** The asking agent's connection closed while it waited, or (said by clients) the daemon could not be reached. */
  'disconnected',
  /** The agent withdrew its own request (`authz/cancel`). */
  'withdrawn',
  /** No agent of that name, and `createAgent` was not set. */
  'unknown-agent',
  /** The arguments could not be checked as sent (not an object, say). */
  'invalid-arguments',
  /** A path-like argument cannot be made canonical unambiguously; `path` says which and why. */
  'path-refused',
  /** A path named something else by the time the call was to go on (a symlink swapped in during the prompt). */
  'path-changed',
  /** The agent's key could not be read from, or written to, the keystore; the reason carries the fix. */
  'keystore-unavailable',
  /** An owner policy rule denied the call; `reason` names the rule and where it is written. */
  'denied-by-policy',
  /** Policy files exist but none could ever be loaded, or OPA could not answer: nothing runs without the user's rules. */
  'policy-unavailable',
  /** Anything else; the daemon log (or the client's) has the cause. */
  'internal-error',
  /** A `signet doctor` probe (`probe` was set): refused at once, as every probe is, without asking anyone. */
  'probe',
]);
export type DenyCode = z.infer<typeof DenyCode>;

export const AuthorizeResult = z.discriminatedUnion('decision', [
  z.object({
    decision: z.literal('allow'),
    /** The invocation, signed by the agent: base64 of its DAG-CBOR envelope. */
    invocation: z.string(),
    /** CID of the invocation. */
    invocationCid: z.string(),
    /** The proof chain as CIDs in `prf` order: from the user's root delegation down to the one held by the agent. */
    chain: z.array(z.string()),
    /** The delegations of `chain`, base64 envelopes in the same order, for offline verification. */
    proofs: z.array(z.string()),
    /** The arguments after path canonicalisation, exactly as signed into the invocation. */
    args: jsonObject,
    /** Set when the call was let through by a decision just made on an approval prompt. */
    approvalId: z.string().optional(),
  }),
  z.object({
    decision: z.literal('deny'),
    /** A sentence a person understands: why this was refused. */
    reason: z.string(),
    /** A stable machine-readable cause. */
    code: DenyCode,
    approvalId: z.string().optional(),
    /** For `path-refused` and `path-changed`: which argument, and why. */
    path: PathRefusalDetail.optional(),
  }),
]);
export type AuthorizeResult = z.infer<typeof AuthorizeResult>;

/**
 * Withdraws a request of this connection that is waiting for a person (the agent's client cancelled
 * the call). Its prompt closes and the waiting `authz/authorize` answers deny; nothing is minted.
 */
export const AuthorizeCancelParams = z.strictObject({ requestId: z.string().min(1).max(128) });
export type AuthorizeCancelParams = z.infer<typeof AuthorizeCancelParams>;
export const AuthorizeCancelResult = z.object({
  /** False when nothing of that id was waiting (already decided, or never asked). */
  cancelled: z.boolean(),
});
export type AuthorizeCancelResult = z.infer<typeof AuthorizeCancelResult>;

// ───────────────────────────── approvals ─────────────────────────────

export const ApprovalRequest = z.object({
  id: z.string(),
  agent: Principal,
  /** Whom the agent acts for: the issuers of the delegations it holds (e.g. planner for coder). */
  actingFor: z.array(Principal),
  /** CIDs of the unexpired, unrevoked delegations the agent holds now. */
  heldDelegations: z.array(z.string()),
  cmd: z.string(),
  /** The exact (canonicalised) arguments of the request. */
  args: jsonObject,
  /** A one-line summary such as `write_file /repo/src/auth.ts`. */
  summary: z.string(),
  /** Path-like arguments after canonicalisation, for "on this file / this folder" choices. */
  paths: z.array(z.string()),
  /** `args.tool` for MCP calls, for "this tool" choices. */
  tool: z.string().optional(),
  /** Set when an owner policy rule asked for this prompt (it is shown even if a delegation covered the call). */
  policy: z.object({ rule: PolicyRuleRef, reason: z.string() }).optional(),
  /** What the MCP server says about the tool (read-only, destructive, reaches the network), as the proxy relayed it. */
  toolAnnotations: ToolAnnotations.optional(),
  /** ISO 8601. */
  requestedAt: z.string(),
  /** ISO 8601; no decision by then means deny. */
  expiresAt: z.string(),
  /** Set when an earlier approval for this agent was made outside the editor; the prompt says so and by what. */
  earlierOutsideEditor: OutsideEditorApprovals.optional(),
});
export type ApprovalRequest = z.infer<typeof ApprovalRequest>;

export const ApprovalListParams = z.strictObject({}).optional();
export type ApprovalListParams = z.infer<typeof ApprovalListParams>;
export const ApprovalListResult = z.object({ pending: z.array(ApprovalRequest) });
export type ApprovalListResult = z.infer<typeof ApprovalListResult>;

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
    /**
     * For a commit-signing request (`/git/commit/sign`) from a process that could not prove which agent it is:
     * `user` with decision `deny` is "Sign as me": the agent's claim is refused and the person signs the commit
     * with the user's own key instead.
     */
    signAs: z.enum(['agent', 'user']).optional(),
  })
  .refine((p) => p.decision !== 'ttl' || p.ttlSeconds !== undefined, {
    message: 'a ttl decision needs ttlSeconds',
    path: ['ttlSeconds'],
  });
export type ApprovalDecideParams = z.infer<typeof ApprovalDecideParams>;
export const ApprovalDecideResult = z.object({
  id: z.string(),
  decision: ApprovalDecision,
  /** The delegation minted for an allow decision. */
  delegation: DelegationInfo.optional(),
});
export type ApprovalDecideResult = z.infer<typeof ApprovalDecideResult>;

// ───────────────────────────── delegations ─────────────────────────────

export const DelegationIssueParams = z.strictObject({
  /**
   * `user` or an agent name. Only a UI connection may issue from the user. An agent connection may issue from
   * any agent that holds a live delegation covering the command: the agent token is one per daemon, shared by
   * every agent client, so the daemon cannot tell which agent a connection speaks for.
   */
  from: z.union([z.literal('user'), agentName]),
  to: agentName,
  cmd: command,
  pol: z.array(z.unknown()).optional(),
  /** Seconds until expiry; omitted means no expiry for the user, or the parent's expiry for an agent. */
  ttl: z.number().int().positive().max(10 * 366 * 24 * 3600).optional(),
});
export type DelegationIssueParams = z.infer<typeof DelegationIssueParams>;
export const DelegationIssueResult = DelegationInfo;
export type DelegationIssueResult = DelegationInfo;

export const DelegationRevokeParams = z.strictObject({ cid });
export type DelegationRevokeParams = z.infer<typeof DelegationRevokeParams>;
export const DelegationRevokeResult = z.object({
  /** The CID given and every delegation issued below it, all now revoked. */
  revoked: z.array(z.string()),
});
export type DelegationRevokeResult = z.infer<typeof DelegationRevokeResult>;

export const DelegationListParams = z
  .strictObject({ agent: agentName.optional(), includeInactive: z.boolean().optional() })
  .optional();
export type DelegationListParams = z.infer<typeof DelegationListParams>;
export const DelegationListResult = z.object({ delegations: z.array(DelegationInfo) });
export type DelegationListResult = z.infer<typeof DelegationListResult>;

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
export const InvocationVerifyResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), invocationCid: z.string(), iss: Principal, cmd: z.string(), args: jsonObject, chain: z.array(z.string()) }),
  z.object({ ok: z.literal(false), error: z.object({ name: z.string(), message: z.string() }) }),
]);
export type InvocationVerifyResult = z.infer<typeof InvocationVerifyResult>;

// ───────────────────────────── audit ─────────────────────────────

export const AuditKind = z.enum(AUDIT_KINDS);
export type AuditKind = z.infer<typeof AuditKind>;

/**
 * One line of the audit log. The byte form is fixed: keys in this order, JSON without spaces, one
 * record per line; the Merkle leaf is the line without its newline. Keep it stable.
 */
export const AuditRecord = z.object({
  seq: z.number().int().nonnegative(),
  /** ISO 8601 with milliseconds, UTC. */
  time: z.string(),
  /** The DID of the agent the record is about, or null for records about the daemon or the user. */
  agent: z.string().nullable(),
  kind: AuditKind,
  data: jsonObject,
});
export type AuditRecord = z.infer<typeof AuditRecord>;

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
export const AuditQueryResult = z.object({
  records: z.array(AuditRecord),
  /** True when more records matched than one answer carries (by `limit` or by size); page on with `since`. */
  truncated: z.boolean(),
});
export type AuditQueryResult = z.infer<typeof AuditQueryResult>;

/** One `audit/query` answer carries at most this many bytes of records. */
export const MAX_AUDIT_ANSWER_BYTES = 8 * 1024 * 1024;

/** The latest signed checkpoint (C2SP tlog-checkpoint signed note) over the whole log. */
export const AuditCheckpointParams = z.strictObject({}).optional();
export type AuditCheckpointParams = z.infer<typeof AuditCheckpointParams>;
export const AuditCheckpointResult = z.object({
  checkpoint: z.string(),
  /** The verifier key (`<name>+<id>+<base64>`) that checks it. */
  verifierKey: z.string(),
});
export type AuditCheckpointResult = z.infer<typeof AuditCheckpointResult>;

/** RFC 9162 inclusion proof of record `seq` in the current tree. Hashes are standard base64. */
export const AuditProveInclusionParams = z.strictObject({ seq: z.number().int().nonnegative() });
export type AuditProveInclusionParams = z.infer<typeof AuditProveInclusionParams>;
export const AuditProveInclusionResult = z.object({
  seq: z.number().int(),
  treeSize: z.number().int(),
  leafHash: z.string(),
  proof: z.array(z.string()),
  rootHash: z.string(),
  checkpoint: z.string().optional(),
});
export type AuditProveInclusionResult = z.infer<typeof AuditProveInclusionResult>;

/** RFC 9162 consistency proof between two tree sizes (`to` defaults to the current size). */
export const AuditProveConsistencyParams = z.strictObject({ from: z.number().int().positive(), to: z.number().int().positive().optional() });
export type AuditProveConsistencyParams = z.infer<typeof AuditProveConsistencyParams>;
export const AuditProveConsistencyResult = z.object({
  from: z.number().int(),
  to: z.number().int(),
  proof: z.array(z.string()),
  fromRoot: z.string(),
  toRoot: z.string(),
  checkpoint: z.string().optional(),
});
export type AuditProveConsistencyResult = z.infer<typeof AuditProveConsistencyResult>;

/**
 * Recomputes the whole tree from the records and checks every checkpoint, as `signet audit verify` does,
 * for the audit panel's verification state. Problems name the sequence number concerned.
 */
export const AuditVerifyParams = z.strictObject({}).optional();
export type AuditVerifyParams = z.infer<typeof AuditVerifyParams>;
export const AuditVerifyResult = z.object({
  ok: z.boolean(),
  records: z.number().int(),
  rootHash: z.string(),
  problems: z.array(z.object({ seq: z.number().int().nullable(), kind: z.string(), message: z.string() })),
  /** ISO 8601 of when this verification finished. */
  verifiedAt: z.string(),
});
export type AuditVerifyResult = z.infer<typeof AuditVerifyResult>;

// ───────────────────────────── owner policy ─────────────────────────────

/** One problem of a policy file: where, and what Cedar (or Signet) said. */
export const PolicyProblemInfo = z.object({ line: z.number().int(), message: z.string() });
export type PolicyProblemInfo = z.infer<typeof PolicyProblemInfo>;

/** One owner policy file that applies in a workspace, and what of it is in force. */
export const PolicyFileState = z.object({
  /** Absolute path of the file. */
  file: z.string(),
  /** `user`: under `~/.signet/policy/`; `workspace`: the repository's `.signet/policy.cedar`, which may only tighten. */
  scope: z.enum(['user', 'workspace']),
  /** True for the default rules Signet writes on first start (`defaults.cedar`). */
  defaults: z.boolean(),
  /** `ok`: in force as written; `broken`: it does not parse or validate, and its last valid version is in force, if any. */
  state: z.enum(['ok', 'broken']),
  /** How many rules are in force from it. */
  rules: z.number().int().nonnegative(),
  /** False when the file never loaded: then every call is denied until it is fixed. */
  everValid: z.boolean(),
  problems: z.array(PolicyProblemInfo),
  /** Workspace rules deleted or weakened in the file that stay in force until the user confirms (`signet policy confirm`). */
  pendingRemoval: z.array(z.string()),
});
export type PolicyFileState = z.infer<typeof PolicyFileState>;

export const PolicyStateParams = z
  .strictObject({
    /** The workspace whose `.signet/policy.cedar` is included; defaults to the daemon's. */
    workspace: z.string().regex(absolutePath, 'the workspace must be an absolute path').optional(),
  })
  .optional();
export type PolicyStateParams = z.infer<typeof PolicyStateParams>;
export const PolicyStateResult = z.object({
  /** False when the daemon runs without an owner policy (a test's choice); then `files` is empty. */
  enabled: z.boolean(),
  /** Where the user's policy files live (`~/.signet/policy`). */
  userDir: z.string(),
  /** The workspace file that would apply, whether or not it exists. */
  workspaceFile: z.string(),
  files: z.array(PolicyFileState),
});
export type PolicyStateResult = z.infer<typeof PolicyStateResult>;

// ───────────────────────────── git commit signing ─────────────────────────────

/** The UCAN command of signing a commit: a right like any other, delegated, approved, narrowed and audited. */
export const GIT_COMMIT_SIGN_COMMAND = '/git/commit/sign';

/** A commit object's payload, base64; commits are small, and the bound keeps a hostile frame cheap. */
const MAX_COMMIT_PAYLOAD_BASE64 = 512 * 1024;

/**
 * Signing a commit as an agent, in two steps because the commit message must name the invocation before git
 * computes what is signed. `prepare` (from the `prepare-commit-msg` hook) authorizes `/git/commit/sign` for the
 * repository and branch, through the same path as every call (owner policy, delegations, the prompt), and answers
 * the invocation whose CID the hook writes as the `Signet-Invocation` trailer. `sign` (from `signet git-sign`, which
 * git runs as `gpg.ssh.program`) hands over the payload git wants signed; the daemon checks that its trailer names
 * a prepared, unused, unexpired invocation of this agent for this repository, signs the SSHSIG blob it builds from
 * that payload with the agent's key, and audits the signature with the payload's digest and the commit's id.
 *
 * `agent` only selects; `agentSecret` (`SIGNET_AGENT_SECRET`) proves it. Without the agent's secret the request
 * always goes to a person ("Sign as coder · Sign as me · Deny"), whatever delegations the agent holds.
 */
export const GitSignParams = z.discriminatedUnion('step', [
  z.strictObject({
    step: z.literal('prepare'),
    agent: agentName,
    agentSecret: z.string().min(1).max(128).optional(),
    /** The repository's top-level folder, absolute. */
    repo: z.string().regex(absolutePath, 'the repository must be an absolute path').max(4096),
    /** The branch being committed to, or `HEAD` when detached. */
    branch: z.string().min(1).max(255),
  }),
  z.strictObject({
    step: z.literal('sign'),
    agent: agentName,
    agentSecret: z.string().min(1).max(128).optional(),
    repo: z.string().regex(absolutePath, 'the repository must be an absolute path').max(4096),
    /** What git asked to have signed (the commit or tag object without its signature), base64. */
    payload: z.string().min(1).max(MAX_COMMIT_PAYLOAD_BASE64),
    /** `-n` of `ssh-keygen -Y sign`: `git` for commits and tags. */
    namespace: z.literal('git'),
  }),
]);
export type GitSignParams = z.infer<typeof GitSignParams>;

/** Why a signing step was refused, beyond the authorize deny codes. */
export const GitSignRefusal = z.enum([
  /** The payload carries no `Signet-Invocation` trailer (the hook did not run), or more than one. */
  'no-invocation-trailer',
  /** The trailer names an invocation this daemon did not prepare (forged, copied, or prepared before a restart). */
  'unknown-invocation',
  /** The prepared invocation signed a commit already: each signs one payload. */
  'invocation-used',
  /** The prepared invocation expired before git asked for the signature. */
  'invocation-expired',
  /** The signing process is not the agent, or not in the repository, the invocation was prepared for. */
  'invocation-mismatch',
  /** A delegation of the invocation's chain was revoked or expired between the two steps. */
  'chain-revoked',
  /** HEAD of the repository, as the daemon reads it at the signing step, is not on the branch that was prepared. */
  'branch-mismatch',
  /** The payload's first parent is not the branch's tip (nor, for an amend, the tip's first parent). */
  'parent-mismatch',
  /** git could not tell the daemon where HEAD is (not a repository, a broken or blocking HEAD). */
  'repository-unreadable',
]);
export type GitSignRefusal = z.infer<typeof GitSignRefusal>;

const GitSigner = z.object({
  principal: Principal,
  /** `agent`: signed with the agent's own key; `user`: the person chose "Sign as me". */
  as: z.enum(['agent', 'user']),
  /** The signing key, `ssh-ed25519 AAAA… name@signet.local`. */
  publicKey: z.string(),
});

export const GitSignResult = z.discriminatedUnion('decision', [
  z.object({
    decision: z.literal('allow'),
    signer: GitSigner,
    /** `prepare`: the invocation the trailer names. */
    invocationCid: z.string(),
    /** `sign`: the armored SSHSIG that git stores in the commit's `gpgsig` header. */
    signature: z.string().optional(),
    /** `sign`: the id the commit gets with this signature (SHA-1 repositories). */
    commit: z.string().optional(),
  }),
  z.object({ decision: z.literal('deny'), code: z.union([DenyCode, GitSignRefusal]), reason: z.string() }),
]);
export type GitSignResult = z.infer<typeof GitSignResult>;

// ───────────────────────────── an agent's proof of identity ─────────────────────────────

/** The command a person approves when an agent's proof (`SIGNET_AGENT_SECRET`) is handed out. */
export const AGENT_PROOF_COMMAND = '/signet/agent/prove';

/**
 * Hands out an agent's `SIGNET_AGENT_SECRET`, which lets a process that carries it act as that agent without a
 * prompt (sign its commits). UI role only, and never silently: the daemon always asks a person, showing the
 * process it found behind the connection, and audits what it handed out (`agent.proof.issued`). `rotate` first
 * moves the agent's secret to a new generation, so every copy handed out before stops proving anything.
 */
export const AgentProofParams = z.strictObject({
  agent: agentName,
  /** What the secret is for, shown to the person: printed for a shell, or written into Claude Code's local settings. */
  purpose: z.enum(['shell-environment', 'claude-code-settings']),
  rotate: z.boolean().optional(),
});
export type AgentProofParams = z.infer<typeof AgentProofParams>;

export const AgentProofResult = z.discriminatedUnion('decision', [
  z.object({
    decision: z.literal('allow'),
    SIGNET_AGENT: z.string(),
    SIGNET_AGENT_SECRET: z.string(),
    /** The secret's generation: each rotation moves it on by one. */
    generation: z.number().int().nonnegative(),
  }),
  z.object({ decision: z.literal('deny'), code: DenyCode, reason: z.string() }),
]);
export type AgentProofResult = z.infer<typeof AgentProofResult>;

// ───────────────────────────── clients ─────────────────────────────

/**
 * What an editor says about itself on its UI connection, once after connecting: its application, the window's
 * workspace and the process it speaks from. The daemon keeps it as stated by the editor, never as verified, and
 * records it beside the process it identified itself (`decider` in `approval.decided`).
 */
export const ClientDescribeParams = z.strictObject({
  kind: z.literal('editor'),
  /** The editor's application name, e.g. "Visual Studio Code" or "code-server". */
  app: z.string().min(1).max(64),
  /** The window's workspace name; null for a window with no folder open. */
  workspace: z.string().max(256).nullable(),
  /** The process the connection comes from (the extension host). */
  pid: z.number().int().positive(),
});
export type ClientDescribeParams = z.infer<typeof ClientDescribeParams>;
export const ClientDescribeResult = z.object({
  /** How the daemon will name this connection's decisions, e.g. `alice in code-server, window "demo"`. */
  decider: z.string(),
  /** False when the statement disagrees with what the daemon verified (another pid holds the connection). */
  consistent: z.boolean(),
});
export type ClientDescribeResult = z.infer<typeof ClientDescribeResult>;

// ───────────────────────────── the methods, each declared once ─────────────────────────────

// ───────────────────────────── client hooks ─────────────────────────────

const digest = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'a digest is sha256: and 64 hex digits');

/**
 * What came of a call a client's hook asked about (Claude Code's and VS Code's PostToolUse, Cursor's after-events),
 * appended to the audit log as `call.outcome` against the allowed call it belongs to. Contents never cross: the
 * hook sends digests of the output and of the changed files.
 */
export const CallOutcomeParams = z.strictObject({
  agent: agentName,
  call: ClientCall.extend({ toolUseId: clientChosenId }),
  /** The client's hook event that reported it (`PostToolUse`, `afterShellExecution`…). */
  event: z.string().min(1).max(64),
  tool: z.string().min(1).max(256).optional(),
  exitStatus: z.number().int().optional(),
  /** The tool reported a failure (Claude Code's PostToolUseFailure) or was interrupted. */
  failed: z.boolean().optional(),
  outputDigest: digest.optional(),
  /** Files the call changed, with the digest of their new content (null when the file is gone). */
  changedFiles: z.array(z.strictObject({ path: z.string().min(1).max(4096), digest: digest.nullable() })).max(256).optional(),
});
export type CallOutcomeParams = z.infer<typeof CallOutcomeParams>;
export const CallOutcomeResult = z.object({
  /** The allowed call's invocation CID, or null when no allowed call of this agent and client has the id. */
  invocation: z.string().nullable(),
  /** The outcome was recorded before (a client that runs two hook files reports it twice); nothing was appended. */
  duplicate: z.boolean(),
  seq: z.number().int().nonnegative(),
});
export type CallOutcomeResult = z.infer<typeof CallOutcomeResult>;

/**
 * A client session ended (Claude Code's SessionEnd): the session approvals made in it for `agent` (the hook's main
 * agent, and the subagents acting for it) end too, and no one else's: another agent's hook naming the same session
 * id ends nothing of it. `reason` is the client's own short code, recorded as its claim (`sessionEnd.clientReason`).
 */
export const SessionEndParams = z.strictObject({
  agent: agentName,
  call: ClientCall.extend({ session: clientChosenId }).omit({ toolUseId: true }),
  reason: z.string().regex(CLIENT_REASON_PATTERN, 'a client\'s reason is 1–32 letters, digits, "_" or "-"').optional(),
});
export type SessionEndParams = z.infer<typeof SessionEndParams>;
export const SessionEndResult = z.object({ revoked: z.array(z.string()) });
export type SessionEndResult = z.infer<typeof SessionEndResult>;

/**
 * Whether this daemon refused the `signet doctor` probe with this id, read from its own `probe.refused` record.
 * Doctor's verdict rests on this answer, not on what the probed line printed: the probed process is told the id
 * (SIGNET_PROBE), so any program there could echo it back.
 */
export const ProbeRefusalParams = z.strictObject({ probeId: z.string().regex(/^[A-Za-z0-9-]{8,64}$/, 'a probe id is 8 to 64 letters, digits or dashes') });
export type ProbeRefusalParams = z.infer<typeof ProbeRefusalParams>;
export const ProbeRefusalResult = z.object({
  refused: z.boolean(),
  /** The refusal's record, when there is one: what the probed line asked for, as the daemon saw it. */
  record: z.object({ seq: z.number().int().nonnegative(), time: z.string(), cmd: z.string(), server: z.string().optional(), tool: z.string().optional() }).optional(),
});
export type ProbeRefusalResult = z.infer<typeof ProbeRefusalResult>;

/**
 * One request method: what it takes (checked by the daemon before dispatch), what it answers (checked by the
 * client before the caller sees it), who may call it, and the names it answered to before, kept for one release
 * so that an older client still attaches.
 */
export interface MethodSpec<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  readonly params: P;
  readonly result: R;
  readonly roles: readonly ClientRole[];
  readonly formerNames?: readonly string[];
}

function method<P extends z.ZodType, R extends z.ZodType>(spec: MethodSpec<P, R>): MethodSpec<P, R> {
  return spec;
}

const anyRole = ['agent', 'ui'] as const;
const uiOnly = ['ui'] as const;

/** Every request method of the protocol. This table is the only place a method is declared. */
export const methods = {
  'daemon/status': method({ params: DaemonStatusParams, result: DaemonStatusResult, roles: anyRole }),
  'agent/create': method({ params: AgentCreateParams, result: AgentCreateResult, roles: uiOnly }),
  'agent/list': method({ params: AgentListParams, result: AgentListResult, roles: uiOnly }),
  'agent/remove': method({ params: AgentRemoveParams, result: AgentRemoveResult, roles: uiOnly }),
  /** Also answered as `authorize`, its former name, for one release: until 0.2. */
  'authz/authorize': method({ params: AuthorizeParams, result: AuthorizeResult, roles: anyRole, formerNames: ['authorize'] }),
  /** Also answered as `authorize/cancel`, its former name, for one release: until 0.2. */
  'authz/cancel': method({ params: AuthorizeCancelParams, result: AuthorizeCancelResult, roles: anyRole, formerNames: ['authorize/cancel'] }),
  'approval/list': method({ params: ApprovalListParams, result: ApprovalListResult, roles: uiOnly }),
  'approval/decide': method({ params: ApprovalDecideParams, result: ApprovalDecideResult, roles: uiOnly }),
  'delegation/issue': method({ params: DelegationIssueParams, result: DelegationIssueResult, roles: anyRole }),
  'delegation/revoke': method({ params: DelegationRevokeParams, result: DelegationRevokeResult, roles: uiOnly }),
  'delegation/list': method({ params: DelegationListParams, result: DelegationListResult, roles: uiOnly }),
  'audit/query': method({ params: AuditQueryParams, result: AuditQueryResult, roles: uiOnly }),
  'invocation/verify': method({ params: InvocationVerifyParams, result: InvocationVerifyResult, roles: anyRole }),
  'audit/checkpoint': method({ params: AuditCheckpointParams, result: AuditCheckpointResult, roles: uiOnly }),
  'audit/proveInclusion': method({ params: AuditProveInclusionParams, result: AuditProveInclusionResult, roles: uiOnly }),
  'audit/proveConsistency': method({ params: AuditProveConsistencyParams, result: AuditProveConsistencyResult, roles: uiOnly }),
  'audit/verify': method({ params: AuditVerifyParams, result: AuditVerifyResult, roles: uiOnly }),
  'policy/state': method({ params: PolicyStateParams, result: PolicyStateResult, roles: uiOnly }),
  'git/sign': method({ params: GitSignParams, result: GitSignResult, roles: anyRole }),
  'client/describe': method({ params: ClientDescribeParams, result: ClientDescribeResult, roles: uiOnly }),
  'call/outcome': method({ params: CallOutcomeParams, result: CallOutcomeResult, roles: anyRole }),
  'session/end': method({ params: SessionEndParams, result: SessionEndResult, roles: anyRole }),
  'agent/proof': method({ params: AgentProofParams, result: AgentProofResult, roles: uiOnly }),
  // Any role: `signet doctor` asks with the agent token, and a probe id tells nothing but whether it was refused.
  'authz/probeRefusal': method({ params: ProbeRefusalParams, result: ProbeRefusalResult, roles: anyRole }),
} as const;

export type MethodName = keyof typeof methods;
export type MethodParams<M extends MethodName> = z.input<(typeof methods)[M]['params']>;
export type MethodResults = { [M in MethodName]: z.output<(typeof methods)[M]['result']> };

/** The method a frame's `method` names, by its current name or a former one; undefined for anything else. */
export function methodNamed(name: string): MethodName | undefined {
  if (Object.hasOwn(methods, name)) return name as MethodName;
  return formerMethodNames.get(name);
}

const formerMethodNames: ReadonlyMap<string, MethodName> = new Map(
  (Object.entries(methods) as [MethodName, MethodSpec][]).flatMap(([name, spec]) => (spec.formerNames ?? []).map((former) => [former, name] as const)),
);

// ───────────────────────────── notifications (daemon → UI clients) ─────────────────────────────

/** How an approval left the pending list, so every prompt for it can close. */
export const ApprovalOutcome = z.union([ApprovalDecision, z.enum(['timeout', 'cancelled'])]);
export type ApprovalOutcome = z.infer<typeof ApprovalOutcome>;

/** Every notification, by name, with the schema of its params; clients check each one on arrival. */
export const notifications = {
  /** A request that no delegation covers is waiting for a decision. */
  'approval/didRequest': ApprovalRequest,
  /** A pending request was decided (here or elsewhere), timed out, or was cancelled by a disconnect or shutdown. */
  'approval/didResolve': z.object({ id: z.string(), outcome: ApprovalOutcome, decidedBy: z.string().optional() }),
  /** A record was appended to the audit log (and is durable). */
  'audit/didAppend': AuditRecord,
  /** A policy file failed to parse or validate (once per version of it); its last valid version stays in force. */
  'policy/didReportProblem': PolicyFileState,
  /** The policy files of a workspace the daemon watches changed state (edited, added, removed, fixed). */
  'policy/didChange': z.object({ workspace: z.string(), files: z.array(PolicyFileState) }),
} as const;
export type NotificationName = keyof typeof notifications;
export type Notifications = { [N in NotificationName]: z.output<(typeof notifications)[N]> };

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

export const JsonRpcError = z.object({
  code: z.number().int(),
  message: z.string(),
  data: SignetErrorData.optional(),
});
export type JsonRpcError = z.infer<typeof JsonRpcError>;

export type JsonRpcResponseFrame =
  | { jsonrpc: '2.0'; id: string | number; result: unknown }
  | { jsonrpc: '2.0'; id: string | number | null; error: JsonRpcError };

/** Runtime file `$SIGNET_HOME/daemon.json` (mode 0600), how clients find a running daemon. */
export interface DaemonRuntimeFile {
  port: number;
  pid: number;
  /** Bearer token for agent clients (authorize, delegation/issue from agents, status). */
  agentToken: string;
  version: string;
  startedAt: string;
}
