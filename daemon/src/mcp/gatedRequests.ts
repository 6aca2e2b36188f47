// Which MCP requests need a right from Signet, what the daemon is asked for each, and how the proxy answers
// the client when the answer is no. Pure functions over JSON-RPC messages, so the mapping is tested on its own.
import type { JSONRPCMessage, JSONRPCRequest, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { AuthorizeResult, PathRefusalDetail, ToolAnnotations } from '../server/protocol';

/** The `_meta` key under which a forwarded request carries its signed invocation. */
export const INVOCATION_META_KEY = 'signet/invocation';
/** The `_meta` key of a refused tool call's result: `{ code, path? }`, the deny code and, for a path, which and why. */
export const DENIAL_META_KEY = 'signet/denial';

/**
 * What a tool author finds in `params._meta["signet/invocation"]`: the invocation signed by the acting agent and
 * the delegation chain behind it, enough to verify offline with public keys only (see `verifySignetInvocation`).
 */
export interface SignetInvocationMeta {
  /** The UCAN invocation, base64 of its DAG-CBOR envelope. */
  invocation: string;
  /** The delegations of `chain`, base64 envelopes, in `prf` order (root first). */
  proofs: string[];
  /** CIDs of the delegations in `prf` order: the user's root delegation first, the agent's last. */
  chain: string[];
}

/** The MCP methods that act on the world, and the Signet command each one needs. */
export const gatedMethods = {
  'tools/call': '/mcp/tools/call',
  'resources/read': '/mcp/resources/read',
  'prompts/get': '/mcp/prompts/get',
} as const;
export type GatedMethod = keyof typeof gatedMethods;

/**
 * A Signet-specific JSON-RPC error code for a refused `resources/read` or `prompts/get` (those have no result
 * shape that can carry a refusal). Outside the range JSON-RPC reserves, as the design asks.
 */
export const SIGNET_DENIED_ERROR_CODE = 4100;

export interface GateRequest {
  cmd: string;
  args: Record<string, unknown>;
  /** The tool's `inputSchema` from the server's `tools/list`, when the proxy has seen it: it tells paths from text. */
  inputSchema?: Record<string, unknown>;
  /** What the server's `tools/list` says of the tool's risk, for the prompt only. */
  toolAnnotations?: ToolAnnotations;
}

/** A gated request the proxy refuses before asking, as its shape could be read two ways. */
export interface MalformedGateRequest {
  malformed: string;
}

export function isRequest(message: JSONRPCMessage): message is JSONRPCRequest {
  return 'method' in message && 'id' in message && message.id !== undefined;
}

export function isGated(message: JSONRPCMessage): message is JSONRPCRequest & { method: GatedMethod } {
  return isRequest(message) && Object.hasOwn(gatedMethods, message.method);
}

/** A gated method sent without an id: no place in MCP, nothing to answer, and never to be forwarded. */
export function isGatedNotification(message: JSONRPCMessage): message is JSONRPCMessage & { method: GatedMethod } {
  return 'method' in message && !('id' in message && message.id !== undefined) && Object.hasOwn(gatedMethods, message.method);
}

function asObject(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The command and arguments the daemon is asked to authorize for a gated request. Arguments that are not a JSON
 * object, or a name or URI that is not a string, are refused instead of being authorized as something else: what is
 * authorized must be what the server receives.
 */
export function gateRequestFor(
  message: JSONRPCRequest & { method: GatedMethod },
  server: string,
  inputSchemaOf?: (tool: string) => Record<string, unknown> | undefined,
  annotationsOf?: (tool: string) => ToolAnnotations | undefined,
): GateRequest | MalformedGateRequest {
  if (message.params !== undefined && !isPlainObject(message.params)) return { malformed: 'its params are not a JSON object' };
  const params = message.params ?? {};
  if (params.arguments !== undefined && !isPlainObject(params.arguments)) return { malformed: 'its arguments are not a JSON object' };
  const cmd = gatedMethods[message.method];
  switch (message.method) {
    case 'tools/call': {
      if (typeof params.name !== 'string') return { malformed: 'it names no tool' };
      const inputSchema = inputSchemaOf?.(params.name);
      const toolAnnotations = annotationsOf?.(params.name);
      return { cmd, args: { server, tool: params.name, arguments: params.arguments ?? {} }, ...(inputSchema ? { inputSchema } : {}), ...(toolAnnotations ? { toolAnnotations } : {}) };
    }
    case 'resources/read':
      if (typeof params.uri !== 'string') return { malformed: 'it names no URI' };
      return { cmd, args: { server, uri: params.uri } };
    case 'prompts/get':
      if (typeof params.name !== 'string') return { malformed: 'it names no prompt' };
      return { cmd, args: { server, prompt: params.name, arguments: params.arguments ?? {} } };
  }
}

/**
 * The request as the server receives it: with the arguments exactly as the daemon checked and signed them (every
 * path canonical), and `params._meta` gaining the invocation. The client's own `_meta` entries (a progress token,
 * say) and any other params stay as they were.
 */
export function withInvocation(message: JSONRPCRequest & { method: GatedMethod }, allowed: Extract<AuthorizeResult, { decision: 'allow' }>): JSONRPCRequest {
  const params = asObject(message.params);
  const meta: SignetInvocationMeta = { invocation: allowed.invocation, proofs: allowed.proofs, chain: allowed.chain };
  const authorized: Record<string, unknown> =
    message.method === 'resources/read' ? { uri: allowed.args.uri } : { name: message.method === 'tools/call' ? allowed.args.tool : allowed.args.prompt, arguments: allowed.args.arguments };
  return { ...message, params: { ...params, ...authorized, _meta: { ...asObject(params._meta), [INVOCATION_META_KEY]: meta } } };
}

/** The `_meta` key that carries a request's protocol version from MCP 2026-07-28 on (schema.ts, RequestMetaObject). */
export const PROTOCOL_VERSION_META_KEY = 'io.modelcontextprotocol/protocolVersion';
/**
 * The first stateless revision: no `initialize`, every request names its version in `_meta`, and every result
 * carries `resultType` (2026-07-28 changelog, major changes 2 and 8).
 */
export const STATELESS_REVISION = '2026-07-28';

/**
 * The revision a request says it speaks, or undefined for a request of an earlier revision, whose version was
 * settled once by `initialize` and is not repeated per request.
 */
export function requestProtocolVersion(message: { params?: unknown }): string | undefined {
  const version = asObject(asObject(message.params)._meta)[PROTOCOL_VERSION_META_KEY];
  return typeof version === 'string' ? version : undefined;
}

/** Whether a revision is 2026-07-28 or later; revisions are dates, so they compare as strings. */
export function isStatelessRevision(version: string | undefined): boolean {
  return version !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(version) && version >= STATELESS_REVISION;
}

/**
 * The answer to a refused request. A refused tool call is a tool result with `isError`, which the model reads and
 * can act on; a refused resource read or prompt is a JSON-RPC error, as the spec has no error result for those.
 * For a request of revision 2026-07-28 or later the tool result also carries `resultType: "complete"`, which that
 * revision's `Result` requires of every result (schema.ts, `interface Result`): a client validating against it
 * would otherwise reject the refusal instead of showing the model its reason.
 */
export function denialFor(method: GatedMethod, id: RequestId, reason: string, code?: string, path?: PathRefusalDetail, protocolVersion?: string): JSONRPCMessage {
  const text = `Signet refused this ${method === 'tools/call' ? 'tool call' : method === 'resources/read' ? 'resource read' : 'prompt'}: ${reason}`;
  // The stable code and the path refused, for a client that acts on them; the text is for the model and people.
  const denial = { ...(code ? { code } : {}), ...(path ? { path } : {}) };
  if (method === 'tools/call') {
    const resultType = isStatelessRevision(protocolVersion) ? { resultType: 'complete' } : {};
    return { jsonrpc: '2.0', id, result: { ...resultType, content: [{ type: 'text', text }], isError: true, ...(code ? { _meta: { [DENIAL_META_KEY]: denial } } : {}) } };
  }
  return { jsonrpc: '2.0', id, error: { code: SIGNET_DENIED_ERROR_CODE, message: text, ...(code ? { data: { signet: code, ...(path ? { path } : {}) } } : {}) } };
}

/** A stable map key for a JSON-RPC id (the number 1 and the string "1" are different requests). */
export function idKey(id: RequestId): string {
  return `${typeof id}:${id}`;
}
