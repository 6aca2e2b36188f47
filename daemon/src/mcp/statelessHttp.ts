// The proxy's side toward a Streamable HTTP server for requests of MCP 2026-07-28 and later, the stateless
// revisions. The SDK's client transport speaks the earlier revisions (a session from `initialize`, a GET stream,
// the protocol version header only after the handshake), so these requests do not go through it. What the
// revision asks of a client, from its transport section (specification/2026-07-28/basic/transports/streamable-http):
//
// - every message is its own POST, with `Accept: application/json, text/event-stream` ("Sending Messages");
// - every POST carries `MCP-Protocol-Version`, equal to the body's `_meta["io.modelcontextprotocol/protocolVersion"]`
//   ("Protocol Version Header"), `Mcp-Method`, and for tools/call, resources/read and prompts/get `Mcp-Name`, in
//   the Base64 sentinel form when the value is not plain ASCII ("Standard Request Headers", "Value Encoding");
// - a tool parameter whose schema has `x-mcp-header` is mirrored into `Mcp-Param-{name}` ("Custom Headers from
//   Tool Parameters"), taken here from the very arguments forwarded, so header and body cannot disagree;
// - there is no session: no `Mcp-Session-Id` is ever sent, and one in an answer (an error answer above all) is not
//   kept ("Earlier Streamable HTTP Revisions");
// - an answer is one JSON object or an SSE stream scoped to the request; closing that stream is the cancellation
//   ("Receiving Messages", "Cancellation"), so a client's notifications/cancelled becomes an abort here.
import type { JSONRPCMessage, JSONRPCResultResponse, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { JsonRpcErrorCode } from '../server/protocol';
import { sseEventMessage } from './answerReader';
import { isStatelessRevision, requestProtocolVersion } from './gatedRequests';
import { decodeHeaderValue, encodeHeaderValue, paramHeaderValues, ToolHeaderBook, type ParamHeaders } from './paramHeaders';

/** `Mcp-Name`'s source field, per method ("Standard Request Headers"). */
const NAMED_METHODS: Record<string, 'name' | 'uri'> = { 'tools/call': 'name', 'resources/read': 'uri', 'prompts/get': 'name' };

// Kept importable from here, where they were declared before the parameter headers had a module of their own.
export { decodeHeaderValue, encodeHeaderValue, paramHeadersOf, type ParamHeaders } from './paramHeaders';

/** The request metadata headers of one message, computed from the message itself. */
export function requestHeaders(message: JSONRPCMessage, version: string, paramHeaders?: ParamHeaders): Record<string, string> {
  const headers: Record<string, string> = { 'MCP-Protocol-Version': version };
  if (!('method' in message)) return headers;
  headers['Mcp-Method'] = message.method;
  const params = (message.params ?? {}) as Record<string, unknown>;
  const field = NAMED_METHODS[message.method];
  const name = field ? params[field] : undefined;
  if (typeof name === 'string') headers['Mcp-Name'] = encodeHeaderValue(name);
  if (message.method === 'tools/call' && paramHeaders) Object.assign(headers, paramHeaderValues(params.arguments, paramHeaders));
  return headers;
}

export interface StatelessPostOptions {
  url: URL;
  /** The user's own headers (`--header`, SIGNET_MCP_HEADERS); the protocol's are set after them and win. */
  headers: Record<string, string>;
  deliver: (message: JSONRPCMessage) => void;
  onerror: (error: Error) => void;
}

/**
 * How one stateless request ended: with a result, with an error answer (the server's or one written here because
 * the server gave none), or cancelled. A notification that the server accepted counts as a result.
 */
export type StatelessOutcome = 'result' | 'error' | 'cancelled';

/** Posts stateless-revision messages, one POST each, and hands every message of the answers to `deliver`. */
export class StatelessHttpClient {
  /** Requests whose answer is still open, so that a cancellation can close it. */
  private readonly inFlight = new Map<RequestId, AbortController>();
  /** The `x-mcp-header` parameters of each tool, from the answers to tools/list sent this way. */
  private readonly toolHeaders = new ToolHeaderBook();
  private readonly toolListIds = new Set<RequestId>();

  constructor(private readonly options: StatelessPostOptions) {}

  /** Sends one message of a stateless revision; `version` is the revision its `_meta` names. Resolves once it is answered. */
  async send(message: JSONRPCMessage, version: string): Promise<StatelessOutcome> {
    const id = 'id' in message && 'method' in message ? message.id : undefined;
    if (id !== undefined && 'method' in message && message.method === 'tools/list') this.toolListIds.add(id);
    const tool = 'method' in message && message.method === 'tools/call' ? (message.params as { name?: unknown } | undefined)?.name : undefined;
    const declarations = typeof tool === 'string' ? this.toolHeaders.of(tool) : undefined;
    if (declarations && 'invalid' in declarations) {
      // The tool was dropped from the client's list (see deliverMessage); a call naming it anyway is not sent, since
      // its headers could not be written as the server declared them.
      if (id !== undefined) this.answerError(id, JsonRpcErrorCode.InvalidParams, `Signet does not send calls to the tool "${String(tool)}": its definition is invalid (${declarations.invalid})`);
      return 'error';
    }
    const headers = this.headersFor(message, version, declarations?.headers);
    const abort = new AbortController();
    if (id !== undefined) this.inFlight.set(id, abort);
    try {
      // Redirects are not followed: the configured headers (a token) go to the configured server and nowhere else.
      const response = await fetch(this.options.url, { method: 'POST', headers, body: JSON.stringify(message), signal: abort.signal, redirect: 'manual' });
      return await this.readAnswer(response, id);
    } catch (error) {
      if (abort.signal.aborted) return 'cancelled';
      // The request is lost with its stream; the client is told so under its id rather than left waiting.
      if (id !== undefined) this.answerError(id, JsonRpcErrorCode.InternalError, `the MCP server could not be reached through Signet: ${(error as Error).message}`);
      else this.options.onerror(error as Error);
      return 'error';
    } finally {
      if (id !== undefined) this.inFlight.delete(id);
    }
  }

  /** The user's headers and the protocol's, which win. */
  private headersFor(message: JSONRPCMessage, version: string, declarations: ParamHeaders | undefined): Record<string, string> {
    const protocol = {
      'Content-Type': 'application/json',
      Accept: 'application/json, text/event-stream',
      ...requestHeaders(message, version, declarations),
    };
    // Header names are case-insensitive: a configured `mcp-name` beside the computed `Mcp-Name` would be sent as
    // both, joined, so the user's headers give way to every protocol header (and to any Mcp-* header at all).
    const ours = new Set(Object.keys(protocol).map((name) => name.toLowerCase()));
    const own = Object.entries(this.options.headers).filter(([name]) => !ours.has(name.toLowerCase()) && !/^mcp-/i.test(name));
    return { ...Object.fromEntries(own), ...protocol };
  }

  /** Closes the answer stream of a request the client cancelled, which is how this revision cancels over HTTP. */
  cancel(id: RequestId): boolean {
    const abort = this.inFlight.get(id);
    if (!abort) return false;
    abort.abort();
    this.inFlight.delete(id);
    return true;
  }

  isInFlight(id: RequestId): boolean {
    return this.inFlight.has(id);
  }

  close(): void {
    for (const abort of this.inFlight.values()) abort.abort();
    this.inFlight.clear();
  }

  private async readAnswer(response: Response, id: RequestId | undefined): Promise<StatelessOutcome> {
    const type = response.headers.get('content-type') ?? '';
    if (response.status === 202 || (id === undefined && response.ok)) {
      await response.body?.cancel();
      return 'result';
    }
    if (type.includes('text/event-stream') && response.ok && response.body) {
      const answer = await this.readEvents(response.body, id);
      if (answer) return 'result' in answer ? 'result' : 'error';
      // A stream that ends without the response loses the request (2026-07-28 changelog, major change 9); the
      // client is told, so that it can send it again, instead of waiting for ever.
      if (id !== undefined) this.answerError(id, JsonRpcErrorCode.InternalError, 'the MCP server ended its answer stream before it answered; send the request again');
      return 'error';
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    const messages = (Array.isArray(parsed) ? parsed : parsed === undefined ? [] : [parsed]) as JSONRPCMessage[];
    const answered = messages.filter((m) => m && typeof m === 'object' && ('result' in m || 'error' in m));
    for (const message of answered) this.deliverMessage(!('id' in message) || message.id === undefined || message.id === null ? ({ ...message, id } as JSONRPCMessage) : message);
    if (answered.length || id === undefined) {
      if (!response.ok && id === undefined) this.options.onerror(new Error(`the MCP server refused a notification (HTTP ${response.status})`));
      return response.ok && answered.every((m) => 'result' in m) ? 'result' : 'error';
    }
    // No JSON-RPC answer at all: an error status of a server that does not speak this revision, most likely. The
    // client is answered with a plain error, which its version probe reads as "not this revision" and falls back.
    this.answerError(id, JsonRpcErrorCode.InternalError, `the MCP server answered HTTP ${response.status} without a JSON-RPC answer`);
    return 'error';
  }

  /** Reads an SSE answer to its end; the response to `id` when it carried one. */
  private async readEvents(body: ReadableStream<Uint8Array>, id: RequestId | undefined): Promise<JSONRPCMessage | undefined> {
    const decoder = new TextDecoder();
    let buffer = '';
    let answered: JSONRPCMessage | undefined;
    const read = (event: string) => {
      const message = this.readEvent(event);
      if (message && !('method' in message) && 'id' in message && message.id === id) answered = message;
    };
    for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let end = buffer.search(/\r?\n\r?\n/); end >= 0; end = buffer.search(/\r?\n\r?\n/)) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, '');
        read(event);
      }
    }
    if (buffer.trim()) read(buffer);
    return answered;
  }

  /** One SSE event: its `data:` lines joined are one JSON-RPC message; comments and other fields carry none. */
  private readEvent(event: string): JSONRPCMessage | undefined {
    const message = sseEventMessage(event);
    if (message) this.deliverMessage(message);
    else if (/^data:/m.test(event)) this.options.onerror(new Error('the MCP server sent an event that is not JSON'));
    return message;
  }

  private deliverMessage(message: JSONRPCMessage): void {
    if ('result' in message && message.id !== undefined && this.toolListIds.delete(message.id)) {
      this.options.deliver({ ...message, result: this.validTools(message.result) });
      return;
    }
    if ('error' in message && message.id !== undefined) this.toolListIds.delete(message.id);
    this.options.deliver(message);
  }

  /**
   * A tools/list result less the tools whose `x-mcp-header` declarations are invalid: over Streamable HTTP a client
   * must exclude them from the list ("Schema Extension"), so that one malformed tool does not stop the others.
   */
  private validTools(result: JSONRPCResultResponse['result']): JSONRPCResultResponse['result'] {
    const rejected = this.toolHeaders.note(result);
    if (!rejected.length) return result;
    for (const tool of rejected) this.options.onerror(new Error(`left the tool "${tool.name}" out of the tool list: ${tool.invalid}`));
    const names = new Set(rejected.map((tool) => tool.name));
    const tools = (result as { tools: { name?: unknown }[] }).tools.filter((tool) => !(tool && typeof tool.name === 'string' && names.has(tool.name)));
    return { ...result, tools };
  }

  private answerError(id: RequestId, code: number, message: string): void {
    this.options.deliver({ jsonrpc: '2.0', id, error: { code, message } });
  }
}

/** The revision a message is sent under when it names a stateless one, else undefined (the SDK's transport sends it). */
export function statelessVersionOf(message: JSONRPCMessage): string | undefined {
  if (!('method' in message)) return undefined;
  const version = requestProtocolVersion(message);
  return isStatelessRevision(version) ? version : undefined;
}

/** JSON-RPC code of a request whose headers disagree with its body (schema.ts, HEADER_MISMATCH; streamable-http "Server Validation"). */
export const HEADER_MISMATCH_ERROR_CODE = -32020;

type HeaderBag = Record<string, string | string[] | undefined>;

function single(headers: HeaderBag, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Why a POST's request headers disagree with its body, or undefined when they agree or the request has none. A
 * party that decides from `Mcp-Method`/`Mcp-Name` without reading the body (a gateway, a load balancer) and the
 * server that acts on the body must see the same call, or an agent could have one thing checked and another run:
 * `Mcp-Method: tools/list` on a body that calls a tool, `Mcp-Name: echo` on a call of `delete_file`.
 * `headers` are Node's, with lowercase names.
 */
export function headerBodyMismatch(headers: HeaderBag, body: unknown): string | undefined {
  const method = single(headers, 'mcp-method');
  const name = single(headers, 'mcp-name');
  const version = single(headers, 'mcp-protocol-version');
  const stateless = isStatelessRevision(version);
  if (method === undefined && name === undefined && !stateless) return undefined;
  if (Array.isArray(body)) return 'a POST with MCP request headers must carry one JSON-RPC message, not a batch';
  const message = (body && typeof body === 'object' ? body : {}) as { id?: unknown; method?: unknown; params?: unknown };
  // The revision defines no headers for a notification's POST, so only a request must name its method.
  if (method === undefined) return message.id === undefined ? undefined : 'the Mcp-Method header is missing, which this revision requires on every request';
  if (message.method !== method) return `the Mcp-Method header says "${method}" but the body is "${String(message.method)}"`;
  const params = (message.params && typeof message.params === 'object' ? message.params : {}) as Record<string, unknown>;
  const field = NAMED_METHODS[method];
  if (field) {
    if (name === undefined) return `the Mcp-Name header is missing, which ${method} requires`;
    if (decodeHeaderValue(name) !== params[field]) return `the Mcp-Name header says "${decodeHeaderValue(name)}" but the body names "${String(params[field])}"`;
  } else if (name !== undefined) {
    return `${method} has no name, but the request carries an Mcp-Name header ("${name}")`;
  }
  const bodyVersion = requestProtocolVersion(message);
  if (stateless && bodyVersion !== version) return `the MCP-Protocol-Version header says "${version}" but the body's _meta says "${String(bodyVersion)}"`;
  return undefined;
}
