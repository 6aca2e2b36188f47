// Signet's guard for tool authors who write their own server: the checks `signet mcp-guard` makes (mcpGuard.ts),
// inside the server process, for the official MCP SDK's `McpServer` and for plain HTTP handlers.
//
//   protectMcpServer(server, { trust: userDid, serverName: 'notes' });  // before server.connect(…)
//   server.registerTool('add', {…}, async (args, extra) => { const caller = signetCaller(extra); … });
//
//   const check = verifySignetRequest(req.body, options);              // Express, Fastify, …
//   if (!check.ok) return res.json(check.response);
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { isGated, isGatedNotification, SIGNET_DENIED_ERROR_CODE } from '../mcp/gatedRequests';
import { FileNonceLedger, type NonceLedger } from '../mcp/guardNonceLedger';
import { GuardedTransport, InvocationGuard, type GuardErrorName, type GuardOptions, type VerifiedCaller } from '../mcp/mcpGuard';

export interface SignetGuardOptions extends Omit<GuardOptions, 'trust' | 'ledger'> {
  /** The user DID (or DIDs) whose rights this server honours: `signet status` shows it. */
  trust: string | readonly string[];
  /** Where used nonces are kept: a ledger, or a file path for one that survives restarts. In memory by default. */
  ledger?: NonceLedger | string;
}

/** Anything with a `connect(transport)` the way the SDK's `McpServer` and `Server` have it. */
export interface ConnectableServer {
  connect(transport: Transport): Promise<void>;
}

// Who made each verified request, keyed by the request's own `_meta` object, which the SDK hands to the handler
// as `extra._meta`: a client cannot forge an entry, since only the guard writes here.
const callers = new WeakMap<object, VerifiedCaller>();
const guards = new WeakMap<object, InvocationGuard>();

/** A guard for these options; one per options object, so that its nonce ledger is shared by every call. */
export function createSignetGuard(options: SignetGuardOptions): InvocationGuard {
  const known = guards.get(options);
  if (known) return known;
  const { trust, ledger, ...rest } = options;
  const guard = new InvocationGuard({
    ...rest,
    trust: typeof trust === 'string' ? [trust] : trust,
    ...(ledger === undefined ? {} : { ledger: typeof ledger === 'string' ? new FileNonceLedger(ledger) : ledger }),
  });
  guards.set(options, guard);
  return guard;
}

/**
 * Guards every transport `server` connects from now on: a `tools/call`, `resources/read` or `prompts/get` reaches
 * its handler only with a valid Signet invocation for exactly that call; any other is answered with an MCP error
 * that says why, and the handler never runs. Call it before `server.connect(…)`.
 */
export function protectMcpServer<S extends ConnectableServer>(server: S, options: SignetGuardOptions | InvocationGuard): S {
  const guard = options instanceof InvocationGuard ? options : createSignetGuard(options);
  const connect = server.connect.bind(server);
  server.connect = (transport: Transport) => connect(new GuardedTransport(transport, guard, (meta, caller) => callers.set(meta, caller)));
  return server;
}

/** In a handler of a protected server: the agent that made this call, the user it acts for and the chain between. */
export function signetCaller(extra: { _meta?: unknown } | undefined): VerifiedCaller | undefined {
  const meta = extra?._meta;
  return meta && typeof meta === 'object' ? callers.get(meta) : undefined;
}

export type SignetRequestCheck =
  | { ok: true; gated: false }
  | { ok: true; gated: true; caller: VerifiedCaller }
  /** `response` is the JSON-RPC error to send back (HTTP 200, JSON); the request must not be handled. */
  | { ok: false; name: GuardErrorName; message: string; response: JSONRPCMessage };

/**
 * Checks one JSON-RPC request (an HTTP handler's parsed body) as the guard would. Requests that need no right
 * (`initialize`, `tools/list`, notifications) pass as `gated: false`, but a gated method sent as a notification is
 * refused. Pass the same options object on every call: it holds the nonce ledger.
 */
export function verifySignetRequest(body: unknown, options: SignetGuardOptions | InvocationGuard): SignetRequestCheck {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, name: 'InvalidClaim', message: 'the body is not one JSON-RPC message', response: { jsonrpc: '2.0', id: null as never, error: { code: -32600, message: 'expected one JSON-RPC message' } } };
  }
  const message = body as JSONRPCMessage;
  if (isGatedNotification(message)) {
    const refusal = InvocationGuard.notificationRefusal(message.method);
    return { ok: false, ...refusal, response: { jsonrpc: '2.0', id: null as never, error: { code: SIGNET_DENIED_ERROR_CODE, message: `Signet guard refused this request: ${refusal.message}`, data: { signet: refusal.name } } } };
  }
  if (!isGated(message)) return { ok: true, gated: false };
  const guard = options instanceof InvocationGuard ? options : createSignetGuard(options);
  const verdict = guard.check(message.method, message.params);
  if (!verdict.ok) return { ok: false, name: verdict.name, message: verdict.message, response: InvocationGuard.refusal(message.method, message.id, verdict) };
  return { ok: true, gated: true, caller: verdict.caller };
}
