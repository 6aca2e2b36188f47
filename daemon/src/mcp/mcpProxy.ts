// The relay at the heart of `signet mcp-proxy`: JSON-RPC messages pass between the MCP client and the real
// server unchanged, except the three requests that act on the world (tools/call, resources/read, prompts/get).
// Those wait for the daemon's answer first; an allowed one goes on with its signed invocation in `_meta`, a
// refused one is answered by the proxy itself and the server never sees it.
//
// The proxy originates no requests of its own, so it never rewrites ids: every response, notification and
// server→client request (sampling, elicitation, roots) passes through exactly as it came. Between two line
// transports (stdio on both sides, as in production) the server's output is not even decoded: its lines are
// written to the client byte for byte, one write per chunk read. What the client sends is always decoded,
// since the proxy must judge it, and the server is handed the proxy's own encoding of what it judged: a line
// that could read differently to the server's JSON parser (a duplicated "method" key, which JavaScript reads
// as the last and some parsers as the first) then cannot slip an unchecked call past the gate. For a client
// that writes JSON the way JSON.stringify does, as the SDK does, that encoding is the very line it sent.
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { firstChangedPath } from '../authz/canonicalPaths';
import { JsonRpcErrorCode, type AuthorizeResult, type ToolAnnotations } from '../server/protocol';
import { decodeInvocationPayload } from '../ucan/envelope';
import { denialFor, gatedMethods, gateRequestFor, idKey, isGated, isRequest, isStatelessRevision, requestProtocolVersion, withInvocation, type GateRequest } from './gatedRequests';
import { RetryableCalls } from './inputRetries';
import { MalformedMessageError, forEachLine, isLineTransport, parseMessageLine, serializeLine, type LineTransport } from './lineFraming';
import { toolAnnotationsOf } from './toolAnnotations';

export interface McpProxyOptions {
  /** Toward the MCP client (the editor or agent): stdio in production. */
  client: Transport;
  /** Toward the real MCP server: a child process or a Streamable HTTP endpoint. */
  server: Transport;
  /** The server's name as the client knows it; part of every authorize request. */
  serverName: string;
  /**
   * Asks the daemon. Must resolve to a decision, never reject: a failure to ask is a denial. `requestId`
   * names the call for `withdraw`.
   */
  authorize: (request: GateRequest, requestId: string) => Promise<AuthorizeResult>;
  /** Withdraws a call still waiting for a person, so its prompt closes and nothing is minted for it. */
  withdraw?: (requestId: string) => void;
  /** One line per notable event (denials, transport errors), for the proxy's stderr. */
  log?: (line: string) => void;
}

interface WaitingCall {
  cancelled: boolean;
}

export class McpProxy {
  /** Gated requests whose authorization is still under way, by id. */
  private readonly waiting = new Map<string, WaitingCall>();
  private closed = false;
  private readonly closeListeners: (() => void)[] = [];
  /** The two sides as line transports, when they are. */
  private readonly clientLines: LineTransport | undefined;
  private readonly serverLines: LineTransport | undefined;
  /** Ids of the client's `tools/list` requests still unanswered: their answers carry the tools' input schemas. */
  private readonly toolListsPending = new Set<string>();
  /** Each tool's `inputSchema` as the server last listed it, which tells the daemon paths from text. */
  private readonly inputSchemas = new Map<string, Record<string, unknown>>();
  /** Each tool's annotations (read-only, destructive, …) as the server last listed them, for the prompt. */
  private readonly annotations = new Map<string, ToolAnnotations>();
  /** 2026-07-28 calls forwarded, and those the server answered `input_required`: their retry is the same call. */
  private readonly retryable = new RetryableCalls<Allowed>();

  constructor(private readonly options: McpProxyOptions) {
    this.clientLines = isLineTransport(options.client) ? options.client : undefined;
    this.serverLines = isLineTransport(options.server) ? options.server : undefined;
  }

  /** Starts the server side first, so that nothing from the client arrives before there is somewhere to send it. */
  async start(): Promise<void> {
    const { client, server } = this.options;
    const clientLines = this.clientLines;
    if (this.serverLines && clientLines) {
      this.serverLines.onlines = (lines) => {
        if (this.closed) return;
        // Only while a tools/list or a 2026-07-28 call is unanswered is the server's output decoded, to read the
        // schemas in its answer or whether the call needs the client's input and a retry.
        if (this.toolListsPending.size || this.retryable.awaiting) forEachLine(lines, (line) => this.readServerLine(line));
        clientLines.sendLines(lines).catch((error: Error) => this.log(`could not pass a message to the client: ${error.message}`));
      };
    } else {
      server.onmessage = (message) => this.fromServer(message);
    }
    server.onerror = (error) => this.log(`server transport: ${error.message}`);
    server.onclose = () => this.shutdown('the MCP server closed');
    if (clientLines) clientLines.onlines = (lines) => forEachLine(lines, (line) => this.fromClientLine(line));
    else client.onmessage = (message) => this.fromClient(message);
    client.onerror = (error) => this.log(`client transport: ${error.message}`);
    client.onclose = () => this.shutdown('the MCP client closed');
    await server.start();
    await client.start();
  }

  /** Calls still waiting for the daemon (for tests and diagnostics). */
  get waitingCalls(): number {
    return this.waiting.size;
  }

  onClose(listener: () => void): void {
    if (this.closed) queueMicrotask(listener);
    else this.closeListeners.push(listener);
  }

  async close(): Promise<void> {
    this.shutdown('closed');
    await Promise.allSettled([this.options.client.close(), this.options.server.close()]);
  }

  private fromClientLine(line: Buffer): void {
    let message: JSONRPCMessage;
    try {
      message = parseMessageLine(line);
    } catch (error) {
      this.log(`dropped a line from the MCP client that is not a JSON-RPC message: ${(error as Error).message}`);
      // A request that can still be told by its id is answered, so its sender learns why instead of waiting.
      if (error instanceof MalformedMessageError && error.requestId !== undefined) {
        this.toClient({
          jsonrpc: '2.0',
          id: error.requestId,
          error: { code: JsonRpcErrorCode.InvalidRequest, message: `Signet's MCP proxy could not pass this request on: ${error.message}` },
        });
      }
      return;
    }
    this.fromClient(message);
  }

  private fromClient(message: JSONRPCMessage): void {
    if (isGated(message)) {
      void this.gate(message);
      return;
    }
    if ('method' in message && !('id' in message) && Object.hasOwn(gatedMethods, message.method)) {
      // A notification named like a gated request has no id to answer and no place in MCP; passing it on would
      // hand the server an unauthorized call, so it is dropped.
      this.log(`dropped a "${message.method}" notification: it must be a request to be authorized`);
      return;
    }
    if (isRequest(message) && message.method === 'tools/list') this.toolListsPending.add(idKey(message.id));
    if ('method' in message && message.method === 'notifications/cancelled' && !('id' in message)) {
      const requestId = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      const entry = requestId === undefined ? undefined : this.waiting.get(idKey(requestId));
      if (entry) {
        // The server never saw this request, so it gets no cancellation either; the call is dropped when its
        // authorization comes back. Per the spec the client expects no answer to a cancelled request.
        entry.cancelled = true;
        this.options.withdraw?.(idKey(requestId as RequestId));
        return;
      }
    }
    this.toServer(message);
  }

  private fromServer(message: JSONRPCMessage): void {
    this.noteToolList(message);
    this.noteAnswer(message);
    this.toClient(message);
  }

  private readServerLine(line: Buffer): void {
    try {
      const message = parseMessageLine(line);
      this.noteToolList(message);
      this.noteAnswer(message);
    } catch {
      // A line the client cannot read either; it passes on as it is.
    }
  }

  /** Keeps the input schemas of a `tools/list` answer (the page it is; later pages add to it). */
  private noteToolList(message: JSONRPCMessage): void {
    if (!this.toolListsPending.size || !('id' in message) || 'method' in message || message.id === undefined) return;
    if (!this.toolListsPending.delete(idKey(message.id)) || !('result' in message)) return;
    const tools = (message.result as { tools?: unknown }).tools;
    if (!Array.isArray(tools)) return;
    for (const tool of tools as { name?: unknown; inputSchema?: unknown }[]) {
      const schema = tool?.inputSchema;
      if (typeof tool?.name === 'string' && schema && typeof schema === 'object' && !Array.isArray(schema)) {
        this.inputSchemas.set(tool.name, schema as Record<string, unknown>);
      }
      const annotations = typeof tool?.name === 'string' ? toolAnnotationsOf(tool) : undefined;
      if (annotations && typeof tool.name === 'string') this.annotations.set(tool.name, annotations);
      else if (typeof tool?.name === 'string') this.annotations.delete(tool.name);
    }
  }

  private noteAnswer(message: JSONRPCMessage): void {
    if (this.retryable.awaiting && 'id' in message && !('method' in message) && message.id !== undefined) this.retryable.answered(idKey(message.id), message);
  }

  /**
   * The authorization a 2026-07-28 retry goes out under: the one of the call whose `input_required` answer it
   * follows, so that one call is one prompt however many rounds it takes (inputRetries.ts).
   */
  private retryOf(message: Parameters<typeof gateRequestFor>[0]): Allowed | undefined {
    if (!isStatelessRevision(requestProtocolVersion(message))) return undefined;
    const allowed = this.retryable.claim(message.method, message.params, Math.floor(Date.now() / 1000));
    if (allowed) this.log(`sent a retry of ${message.method} ${String((message.params as { name?: unknown; uri?: unknown }).name ?? (message.params as { uri?: unknown }).uri)} after the server asked for input, under the call's own authorization`);
    return allowed;
  }

  private forward(message: Parameters<typeof gateRequestFor>[0], allowed: Allowed): void {
    const until = isStatelessRevision(requestProtocolVersion(message)) ? retryDeadline(allowed) : undefined;
    if (until !== undefined) this.retryable.sent(idKey(message.id), message.method, message.params, allowed, until);
    this.toServer(withInvocation(message, allowed));
  }

  private async gate(message: Parameters<typeof gateRequestFor>[0]): Promise<void> {
    const key = idKey(message.id);
    if (this.waiting.has(key)) {
      // A client reusing the id of a request still in flight breaks JSON-RPC; the second one is refused
      // rather than risk two answers under one id.
      this.log(`refused a second "${message.method}" with the id ${String(message.id)} while the first is still waiting`);
      return;
    }
    const entry: WaitingCall = { cancelled: false };
    this.waiting.set(key, entry);
    const request = gateRequestFor(message, this.options.serverName, (tool) => this.inputSchemas.get(tool), (tool) => this.annotations.get(tool));
    if ('malformed' in request) {
      this.waiting.delete(key);
      this.log(`refused a "${message.method}" request: ${request.malformed}`);
      this.toClient(denialFor(message.method, message.id, `the request cannot be checked as sent: ${request.malformed}`, 'invalid-arguments', undefined, requestProtocolVersion(message)));
      return;
    }
    let result: AuthorizeResult;
    try {
      result = this.retryOf(message) ?? (await this.options.authorize(request, key));
      if (result.decision === 'allow') result = fitsRequest(result, request) ? await recheckPaths(result) : mismatched(result);
    } catch (error) {
      result = { decision: 'deny', code: 'internal-error', reason: `Signet could not check this call (${(error as Error).message}), so it was refused` };
    }
    this.waiting.delete(key);
    if (entry.cancelled || this.closed) return;
    if (result.decision === 'allow') {
      this.forward(message, result);
    } else {
      this.log(`refused ${describe(request)}: ${result.reason}`);
      this.toClient(denialFor(message.method, message.id, result.reason, result.code, result.path, requestProtocolVersion(message)));
    }
  }

  private toServer(message: JSONRPCMessage): void {
    if (this.closed) return;
    const sent = this.serverLines ? this.serverLines.sendLines(serializeLine(message)) : this.options.server.send(message);
    sent.catch((error: Error) => {
      this.log(`could not pass a message to the server: ${error.message}`);
      // A request that cannot reach the server must still be answered, or the client waits forever.
      if (isRequest(message)) {
        this.toClient({ jsonrpc: '2.0', id: message.id, error: { code: JsonRpcErrorCode.InternalError, message: `the MCP server could not be reached through Signet: ${error.message}` } });
      }
    });
  }

  private toClient(message: JSONRPCMessage): void {
    if (this.closed) return;
    const sent = this.clientLines ? this.clientLines.sendLines(serializeLine(message)) : this.options.client.send(message);
    sent.catch((error: Error) => this.log(`could not pass a message to the client: ${error.message}`));
  }

  private shutdown(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.log(`stopping: ${reason}`);
    for (const entry of this.waiting.values()) entry.cancelled = true;
    for (const listener of this.closeListeners.splice(0)) listener();
  }

  private log(line: string): void {
    this.options.log?.(line);
  }
}

type Allowed = Extract<AuthorizeResult, { decision: 'allow' }>;

/** Seconds of an invocation's life kept back, so that a retry sent under it still arrives while it is valid. */
const RETRY_MARGIN_SECONDS = 15;

/** Until when a retry may go out under `allowed`'s invocation; undefined when it cannot be read (no retry then). */
function retryDeadline(allowed: Allowed): number | undefined {
  try {
    const { exp } = decodeInvocationPayload(new Uint8Array(Buffer.from(allowed.invocation, 'base64')));
    return exp === null ? undefined : exp - RETRY_MARGIN_SECONDS;
  } catch {
    return undefined;
  }
}

/** Whether the daemon's signed arguments are for this very request: same server and tool, arguments an object. */
function fitsRequest(result: Extract<AuthorizeResult, { decision: 'allow' }>, request: GateRequest): boolean {
  const signed = result.args;
  const asked = request.args;
  if (signed.server !== asked.server || signed.tool !== asked.tool || signed.prompt !== asked.prompt) return false;
  return 'uri' in asked ? typeof signed.uri === 'string' : signed.arguments !== null && typeof signed.arguments === 'object' && !Array.isArray(signed.arguments);
}

function mismatched(result: Extract<AuthorizeResult, { decision: 'allow' }>): AuthorizeResult {
  return {
    decision: 'deny',
    code: 'internal-error',
    reason: 'the daemon signed arguments that are not those of this call, so it was refused',
    ...(result.approvalId ? { approvalId: result.approvalId } : {}),
  };
}

/**
 * Looks at every authorized path once more right before the call goes on: a canonical path must still resolve to
 * itself, or something along it was swapped for a symlink since the daemon checked it. What is left is the moment
 * between this look and the server's open, which only the server itself could close.
 */
async function recheckPaths(result: Extract<AuthorizeResult, { decision: 'allow' }>): Promise<AuthorizeResult> {
  const paths = result.args._paths;
  const changed = Array.isArray(paths) ? await firstChangedPath(paths) : undefined;
  if (!changed) return result;
  return {
    decision: 'deny',
    code: 'path-changed',
    reason: `${changed.path} no longer names what was authorized (it now leads to ${changed.now}), so the call was refused`,
    path: { code: 'changed', at: '', value: changed.path },
    ...(result.approvalId ? { approvalId: result.approvalId } : {}),
  };
}

function describe(request: GateRequest): string {
  const { args } = request;
  const what = typeof args.tool === 'string' ? args.tool : typeof args.uri === 'string' ? args.uri : typeof args.prompt === 'string' ? args.prompt : '';
  return `${request.cmd} ${what}`.trim();
}
