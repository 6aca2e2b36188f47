// `signet mcp-guard --url`: a reverse proxy in front of a Streamable HTTP MCP server. Every POST body is read and
// its gated requests checked before anything reaches the server; a refused one is answered here, as JSON, and the
// server never sees it. Everything else (the SSE stream of a GET, DELETE ending a session, the headers, the
// session id) passes through unchanged, so the guard is invisible to a client whose calls are valid.
//
// It protects only if the server itself cannot be reached except through it: bind the server to loopback (or a
// socket only the guard can reach) and give clients the guard's address.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { JsonRpcErrorCode } from '../server/protocol';
import { AnswerReader } from './answerReader';
import { idKey, isGated, isGatedNotification, isRequest, isStatelessRevision, SIGNET_DENIED_ERROR_CODE } from './gatedRequests';
import { InvocationGuard } from './mcpGuard';
import { incomingParamHeaders, paramHeaderMismatch, paramHeaderValues, ToolHeaderBook } from './paramHeaders';
import { HEADER_MISMATCH_ERROR_CODE, headerBodyMismatch } from './statelessHttp';

const maxBodyBytes = 8 * 1024 * 1024;
// Hop-by-hop headers, and those fetch recomputes (it also decodes the body, so its encoding no longer applies).
const skippedRequestHeaders = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive', 'upgrade', 'expect']);
const skippedResponseHeaders = new Set(['connection', 'content-length', 'transfer-encoding', 'keep-alive', 'content-encoding']);

export interface HttpGuardOptions {
  upstream: URL;
  guard: InvocationGuard;
  host?: string;
  port?: number;
  log?: (line: string) => void;
}

export interface RunningHttpGuard {
  url: URL;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBodyBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function parseBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined; // not JSON to this guard: refused (see handle), since a server's parser may still read a call in it
  }
}

/** An answer the guard gives itself, never forwarding the request: its status, its JSON body and the line it logs. */
interface GuardAnswer {
  status: number;
  body: unknown;
  log: string;
}

/** What the guard learns from the server's answer to a forwarded POST: the tools listed, and how each call ended. */
interface AnswerWatch {
  toolLists: Set<string>;
  calls: Map<string, (result: unknown) => void>;
}

function messagesOf(parsed: unknown): JSONRPCMessage[] {
  return ((Array.isArray(parsed) ? parsed : [parsed]) as unknown[]).filter((m): m is JSONRPCMessage => m !== null && typeof m === 'object' && !Array.isArray(m));
}

function headerMismatchAnswer(message: string, id: unknown): GuardAnswer {
  const text = `Signet guard refused this request: its headers do not match its body (${message})`;
  return { status: 400, body: { jsonrpc: '2.0', ...(typeof id === 'string' || typeof id === 'number' ? { id } : {}), error: { code: HEADER_MISMATCH_ERROR_CODE, message: text } }, log: text };
}

/**
 * A gated method sent as a notification is refused, never forwarded: it has no id to answer, but a server may still
 * act on it. The revision has the server answer a notification it cannot accept with an HTTP error and a JSON-RPC
 * error without an id, so the whole POST gets that.
 */
function gatedNotificationAnswer(parsed: unknown): GuardAnswer | undefined {
  const notification = messagesOf(parsed).find(isGatedNotification);
  if (!notification) return undefined;
  const { name, message } = InvocationGuard.notificationRefusal(notification.method);
  const text = `Signet guard refused this request: ${message}`;
  return { status: 400, body: { jsonrpc: '2.0', id: null, error: { code: SIGNET_DENIED_ERROR_CODE, message: text, data: { signet: name } } }, log: text };
}

/** The one tools/call of a 2026-07-28 POST (its version header already checked against the body), if it is one. */
function statelessToolCall(request: IncomingMessage, parsed: unknown): { id: unknown; name: string; args: unknown } | undefined {
  const version = request.headers['mcp-protocol-version'];
  if (Array.isArray(parsed) || !isStatelessRevision(typeof version === 'string' ? version : undefined)) return undefined;
  const message = (parsed && typeof parsed === 'object' ? parsed : {}) as { id?: unknown; method?: unknown; params?: { name?: unknown; arguments?: unknown } };
  if (message.method !== 'tools/call' || typeof message.params?.name !== 'string') return undefined;
  return { id: message.id, name: message.params.name, args: message.params.arguments };
}

/**
 * The check of a POST's `Mcp-Param-*` headers against its body, from the tool's `x-mcp-header` declarations as the
 * server listed them through this guard. Headers that are not exactly those the body gives are refused (400,
 * HeaderMismatch); so are any on a request that defines none, and any on a call of a tool the guard has not seen
 * listed, since it could not check them (a client told HeaderMismatch lists the tools and sends the call again, as
 * the revision has it). A call of a tool whose declarations are invalid is refused outright.
 */
function paramHeadersAnswer(request: IncomingMessage, parsed: unknown, book: ToolHeaderBook): GuardAnswer | undefined {
  const carried = incomingParamHeaders(request.headers);
  const call = statelessToolCall(request, parsed);
  const id = call?.id ?? (parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as { id?: unknown }).id : undefined);
  if (!call) return carried.size ? headerMismatchAnswer(`${[...carried.keys()].join(', ')} may only be sent with a 2026-07-28 tools/call`, id) : undefined;
  const declarations = book.of(call.name);
  if (declarations === undefined) {
    return carried.size ? headerMismatchAnswer(`the guard has not seen the tool "${call.name}" listed, so it cannot check ${[...carried.keys()].join(', ')}; list the tools, then send the call again`, id) : undefined;
  }
  if ('invalid' in declarations) {
    const text = `Signet guard refused this tool call: the server's definition of "${call.name}" is invalid (${declarations.invalid}), and a client must leave such a tool out`;
    return { status: 200, body: { jsonrpc: '2.0', ...(typeof id === 'string' || typeof id === 'number' ? { id } : {}), error: { code: SIGNET_DENIED_ERROR_CODE, message: text, data: { signet: 'InvalidToolDefinition' } } }, log: text };
  }
  const mismatch = paramHeaderMismatch(request.headers, call.args, declarations.headers);
  return mismatch ? headerMismatchAnswer(mismatch, id) : undefined;
}

/** The `Mcp-Param-*` headers the server is sent: derived from the checked body, never the client's own. */
function forwardedParamHeaders(request: IncomingMessage, parsed: unknown, book: ToolHeaderBook): Record<string, string> {
  const call = statelessToolCall(request, parsed);
  const declarations = call ? book.of(call.name) : undefined;
  return call && declarations && 'headers' in declarations ? paramHeaderValues(call.args, declarations.headers) : {};
}

/** The refusals for a POST body, or the calls let through with what to tell the guard of their answers. */
function checkGated(parsed: unknown, guard: InvocationGuard): { refusals: JSONRPCMessage[] } | { calls: AnswerWatch['calls'] } {
  const messages = messagesOf(parsed);
  const refusals: JSONRPCMessage[] = [];
  const calls: AnswerWatch['calls'] = new Map();
  for (const message of messages) {
    if (!isGated(message)) continue;
    const verdict = guard.check(message.method, message.params);
    if (verdict.ok) calls.set(idKey(message.id), verdict.answered);
    else refusals.push(InvocationGuard.refusal(message.method, message.id, verdict));
  }
  if (!refusals.length) return { calls };
  // One refused request in a batch stops the whole batch: the others are answered as not forwarded.
  for (const message of messages) {
    if (isRequest(message) && !refusals.some((r) => 'id' in r && r.id === message.id)) {
      refusals.push({ jsonrpc: '2.0', id: message.id, error: { code: SIGNET_DENIED_ERROR_CODE, message: 'Signet guard did not forward this request: another request in its batch was refused' } });
    }
  }
  return { refusals: Array.isArray(parsed) ? refusals : refusals.slice(0, 1) };
}

/** Reads a POST body the way the server will, or answers why not: compressed, not UTF-8 JSON. */
function parsedBody(request: IncomingMessage, body: Buffer): { parsed: unknown } | GuardAnswer {
  // Only a body this guard reads as the server will is let through: a compressed body, or one that is not plain
  // UTF-8 JSON to JSON.parse (a byte-order mark, another charset), is read as a call by servers' body parsers that
  // inflate or strip it, so passing it on would hand the server a call nobody checked.
  const encoding = request.headers['content-encoding'];
  if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
    return { status: 415, body: 'the Signet guard takes uncompressed JSON bodies only', log: 'refused a compressed body' };
  }
  const parsed = parseBody(body);
  if (parsed !== undefined) return { parsed };
  return { status: 400, body: { jsonrpc: '2.0', id: null, error: { code: JsonRpcErrorCode.ParseError, message: 'Signet guard refused this request: its body is not plain UTF-8 JSON' } }, log: 'refused a body that is not plain UTF-8 JSON' };
}

/**
 * The guard's decision on one POST body: an answer of its own, or the body to forward (the guard's own encoding of
 * what it checked, as the proxy does: a body another parser could read differently, a "method" or "name" key given
 * twice, cannot carry an unchecked call past), with its derived headers and what to watch for in the answer.
 */
function decidePost(request: IncomingMessage, body: Buffer, guard: InvocationGuard, book: ToolHeaderBook): GuardAnswer | { forwarded: Buffer; paramHeaders: Record<string, string>; watch: AnswerWatch } {
  const read = parsedBody(request, body);
  if (!('parsed' in read)) return read;
  const { parsed } = read;
  const id = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as { id?: unknown }).id : undefined;
  const mismatch = headerBodyMismatch(request.headers, parsed);
  // Every check that can refuse without using up the invocation comes first, so that a client told to list the
  // tools and send again can send the same invocation again.
  const early = (mismatch ? headerMismatchAnswer(mismatch, id) : undefined) ?? gatedNotificationAnswer(parsed) ?? paramHeadersAnswer(request, parsed, book);
  if (early) return early;
  const checked = checkGated(parsed, guard);
  if ('refusals' in checked) {
    const payload = checked.refusals.length === 1 && !Array.isArray(parsed) ? checked.refusals[0] : checked.refusals;
    return { status: 200, body: payload, log: checked.refusals.map((r) => ('error' in r ? r.error.message : '')).join('; ') };
  }
  const toolLists = new Set(messagesOf(parsed).filter((m) => isRequest(m) && m.method === 'tools/list').map((m) => idKey((m as { id: RequestId }).id)));
  return { forwarded: Buffer.from(JSON.stringify(parsed)), paramHeaders: forwardedParamHeaders(request, parsed, book), watch: { toolLists, calls: checked.calls } };
}

/** Reads the server's answers as they pass: the tools a tools/list names, and each call's result for the guard. */
function answerWatcher(watch: AnswerWatch, book: ToolHeaderBook, log: (line: string) => void): ((message: JSONRPCMessage) => void) | undefined {
  if (!watch.toolLists.size && !watch.calls.size) return undefined;
  return (message) => {
    if (!('result' in message) || message.id === undefined || message.id === null) return;
    const key = idKey(message.id);
    if (watch.toolLists.delete(key)) {
      for (const rejected of book.note(message.result)) log(`the server lists the tool "${rejected.name}" with an invalid definition; calls of it are refused: ${rejected.invalid}`);
    }
    watch.calls.get(key)?.(message.result);
    watch.calls.delete(key);
  };
}

/** Sends a checked request on to the guarded server and streams its answer back unchanged, showing it to `watch`. */
async function relayToUpstream(request: IncomingMessage, response: ServerResponse, forwarded: ForwardedRequest, upstreamUrl: URL, log: (message: string) => void): Promise<void> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    // A client's own Mcp-Param-* headers never reach the server; those derived from the checked body do.
    if (value === undefined || skippedRequestHeaders.has(name) || name.startsWith('mcp-param-')) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  for (const [name, value] of Object.entries(forwarded.paramHeaders)) headers.set(name, value);
  const target = new URL(upstreamUrl);
  const query = (request.url ?? '').split('?')[1];
  if (query) target.search = query;
  const abort = new AbortController();
  response.on('close', () => abort.abort());
  let upstream: Response;
  try {
    upstream = await fetch(target, { method: request.method ?? 'GET', headers, ...(forwarded.body ? { body: forwarded.body } : {}), signal: abort.signal });
  } catch (error) {
    log(`the server at ${upstreamUrl.href} cannot be reached: ${(error as Error).message}`);
    if (!response.headersSent) response.writeHead(502, { 'content-type': 'text/plain' }).end('the MCP server behind the Signet guard cannot be reached');
    return;
  }
  const outHeaders: Record<string, string> = {};
  upstream.headers.forEach((value, name) => {
    if (!skippedResponseHeaders.has(name)) outHeaders[name] = value;
  });
  response.writeHead(upstream.status, outHeaders);
  await streamAnswer(upstream, response, forwarded.watch);
}

async function streamAnswer(upstream: Response, response: ServerResponse, watch: ((message: JSONRPCMessage) => void) | undefined): Promise<void> {
  const reader = watch && upstream.ok ? new AnswerReader(upstream.headers.get('content-type') ?? '', watch) : undefined;
  if (!upstream.body) {
    response.end();
    return;
  }
  try {
    const chunks = upstream.body.getReader();
    for (;;) {
      const { done, value } = await chunks.read();
      if (done) break;
      reader?.push(value);
      response.write(value);
    }
    reader?.end();
  } catch {
    // The client or the server went away mid-stream.
  }
  response.end();
}

interface ForwardedRequest {
  body: Uint8Array<ArrayBuffer> | undefined;
  paramHeaders: Record<string, string>;
  watch: ((message: JSONRPCMessage) => void) | undefined;
}

function answerSelf(response: ServerResponse, answer: GuardAnswer, log: (line: string) => void): void {
  log(answer.log);
  const json = typeof answer.body !== 'string';
  response.writeHead(answer.status, { 'content-type': json ? 'application/json' : 'text/plain' }).end(json ? JSON.stringify(answer.body) : answer.body);
}

export async function startHttpGuard(options: HttpGuardOptions): Promise<RunningHttpGuard> {
  const log = options.log ?? (() => undefined);
  // Every tool the server listed through this guard, with its x-mcp-header declarations.
  const book = new ToolHeaderBook();
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const body = request.method === 'POST' || request.method === 'PUT' ? await readBody(request) : undefined;
    if (body === undefined && (request.method === 'POST' || request.method === 'PUT')) {
      response.writeHead(413, { 'content-type': 'text/plain' }).end('request too large');
      return;
    }
    let forwarded: ForwardedRequest = { body: undefined, paramHeaders: {}, watch: undefined };
    if (body && body.length) {
      const decided = decidePost(request, body, options.guard, book);
      if (!('forwarded' in decided)) return answerSelf(response, decided, log);
      forwarded = { body: new Uint8Array(decided.forwarded), paramHeaders: decided.paramHeaders, watch: answerWatcher(decided.watch, book, log) };
    }
    await relayToUpstream(request, response, forwarded, options.upstream, log);
  };
  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log(`request failed: ${(error as Error).message}`);
      if (!response.headersSent) response.writeHead(500).end();
      else response.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: new URL(`http://${host}:${address.port}${options.upstream.pathname}`),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
