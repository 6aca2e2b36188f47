// Which MCP requests need a right from Signet, what the daemon is asked for each, and how the proxy answers
// the client when the answer is no. Pure functions over JSON-RPC messages, so the mapping is tested on its own.
import type { JSONRPCMessage, JSONRPCRequest, RequestId } from '@modelcontextprotocol/sdk/types.js';
import type { AuthorizeResult } from '../server/protocol';

/** The `_meta` key under which a forwarded request carries its signed invocation. */
export const INVOCATION_META_KEY = 'signet/invocation';

/**
 * What a tool author finds in `params._meta["signet/invocation"]`: the invocation signed by the acting agent and
 * the delegation chain behind it, enough to verify offline with public keys only (see `verifySignetInvocation`).
 */
export interface SignetInvocationMeta {
  /** The UCAN invocation, base64 of its DAG-CBOR envelope. */
  invocation: string;
  /** The delegations of `chain`, base64 envelopes, in `prf` order (leaf first). */
  proofs: string[];
  /** CIDs of the delegations, leaf first, ending at the user's root delegation. */
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
}

export function isRequest(message: JSONRPCMessage): message is JSONRPCRequest {
  return 'method' in message && 'id' in message && message.id !== undefined;
}

export function isGated(message: JSONRPCMessage): message is JSONRPCRequest & { method: GatedMethod } {
  return isRequest(message) && Object.hasOwn(gatedMethods, message.method);
}

function asObject(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The command and arguments the daemon is asked to authorize for a gated request. */
export function gateRequestFor(message: JSONRPCRequest & { method: GatedMethod }, server: string): GateRequest {
  const params = asObject(message.params);
  const cmd = gatedMethods[message.method];
  switch (message.method) {
    case 'tools/call':
      return { cmd, args: { server, tool: String(params.name ?? ''), arguments: asObject(params.arguments) } };
    case 'resources/read':
      return { cmd, args: { server, uri: String(params.uri ?? '') } };
    case 'prompts/get':
      return { cmd, args: { server, prompt: String(params.name ?? ''), arguments: asObject(params.arguments) } };
  }
}

/**
 * The request as the server receives it: unchanged, except that `params._meta` gains the invocation. The
 * client's own `_meta` entries (a progress token, say) stay as they were.
 */
export function withInvocation(message: JSONRPCRequest, allowed: Extract<AuthorizeResult, { decision: 'allow' }>): JSONRPCRequest {
  const params = asObject(message.params);
  const meta: SignetInvocationMeta = { invocation: allowed.invocation, proofs: allowed.proofs, chain: allowed.chain };
  return { ...message, params: { ...params, _meta: { ...asObject(params._meta), [INVOCATION_META_KEY]: meta } } };
}

/**
 * The answer to a refused request. A refused tool call is a tool result with `isError`, which the model reads and
 * can act on; a refused resource read or prompt is a JSON-RPC error, as the spec has no error result for those.
 */
export function denialFor(method: GatedMethod, id: RequestId, reason: string, code?: string): JSONRPCMessage {
  const text = `Signet refused this ${method === 'tools/call' ? 'tool call' : method === 'resources/read' ? 'resource read' : 'prompt'}: ${reason}`;
  if (method === 'tools/call') {
    return { jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }], isError: true } };
  }
  return { jsonrpc: '2.0', id, error: { code: SIGNET_DENIED_ERROR_CODE, message: text, ...(code ? { data: { signet: code } } : {}) } };
}

/** A stable map key for a JSON-RPC id (the number 1 and the string "1" are different requests). */
export function idKey(id: RequestId): string {
  return `${typeof id}:${id}`;
}
