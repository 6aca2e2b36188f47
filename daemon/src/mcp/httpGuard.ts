// `signet mcp-guard --url`: a reverse proxy in front of a Streamable HTTP MCP server. Every POST body is read and
// its gated requests checked before anything reaches the server; a refused one is answered here, as JSON, and the
// server never sees it. Everything else (the SSE stream of a GET, DELETE ending a session, the headers, the
// session id) passes through unchanged, so the guard is invisible to a client whose calls are valid.
//
// It protects only if the server itself cannot be reached except through it: bind the server to loopback (or a
// socket only the guard can reach) and give clients the guard's address.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { JsonRpcErrorCode } from '../server/protocol';
import { isGated } from './gatedRequests';
import { InvocationGuard } from './mcpGuard';
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

/**
 * The answer to a POST whose MCP request headers (2026-07-28: Mcp-Method, Mcp-Name, MCP-Protocol-Version) disagree
 * with its body: refused here, as the transport's "Server Validation" asks, with 400 and HeaderMismatch. Whatever
 * routes or decides on the headers and the server acting on the body must see one and the same call.
 */
function headerMismatchAnswer(request: IncomingMessage, parsed: unknown): { status: number; body: JSONRPCMessage } | undefined {
  const mismatch = headerBodyMismatch(request.headers, parsed);
  if (!mismatch) return undefined;
  const id = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as { id?: unknown }).id : undefined;
  const message = `Signet guard refused this request: its headers do not match its body (${mismatch})`;
  return { status: 400, body: { jsonrpc: '2.0', ...(typeof id === 'string' || typeof id === 'number' ? { id } : {}), error: { code: HEADER_MISMATCH_ERROR_CODE, message } } as JSONRPCMessage };
}

/** The refusals for a POST body, or null when every gated request in it may pass. */
function refusalsFor(parsed: unknown, guard: InvocationGuard): JSONRPCMessage[] | null {
  if (parsed === undefined) return null;
  const messages = (Array.isArray(parsed) ? parsed : [parsed]) as JSONRPCMessage[];
  const refusals: JSONRPCMessage[] = [];
  for (const message of messages) {
    if (!message || typeof message !== 'object' || !isGated(message)) continue;
    const verdict = guard.check(message.method, message.params);
    if (!verdict.ok) refusals.push(InvocationGuard.refusal(message.method, message.id, verdict));
  }
  if (!refusals.length) return null;
  // One refused request in a batch stops the whole batch: the others are answered as not forwarded.
  for (const message of messages) {
    if (message && typeof message === 'object' && 'id' in message && 'method' in message && !refusals.some((r) => 'id' in r && r.id === message.id)) {
      refusals.push({ jsonrpc: '2.0', id: message.id, error: { code: 4100, message: 'Signet guard did not forward this request: another request in its batch was refused' } });
    }
  }
  return Array.isArray(parsed) ? refusals : refusals.slice(0, 1);
}

/** Sends a checked request on to the guarded server and streams its answer back unchanged. */
async function relayToUpstream(request: IncomingMessage, response: ServerResponse, forwarded: Uint8Array<ArrayBuffer> | undefined, upstreamUrl: URL, log: (message: string) => void): Promise<void> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value === undefined || skippedRequestHeaders.has(name)) continue;
    headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const target = new URL(upstreamUrl);
  const query = (request.url ?? '').split('?')[1];
  if (query) target.search = query;
  const abort = new AbortController();
  response.on('close', () => abort.abort());
  let upstream: Response;
  try {
    upstream = await fetch(target, { method: request.method ?? 'GET', headers, ...(forwarded ? { body: forwarded } : {}), signal: abort.signal });
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
  if (!upstream.body) {
    response.end();
    return;
  }
  try {
    const reader = upstream.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      response.write(value);
    }
  } catch {
    // The client or the server went away mid-stream.
  }
  response.end();
}

export async function startHttpGuard(options: HttpGuardOptions): Promise<RunningHttpGuard> {
  const log = options.log ?? (() => undefined);
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const body = request.method === 'POST' || request.method === 'PUT' ? await readBody(request) : undefined;
    if (body === undefined && (request.method === 'POST' || request.method === 'PUT')) {
      response.writeHead(413, { 'content-type': 'text/plain' }).end('request too large');
      return;
    }
    let forwarded = body && body.length ? new Uint8Array(body) : undefined;
    if (body && body.length) {
      // Only a body this guard reads as the server will is let through: a compressed body, or one that is not plain
      // UTF-8 JSON to JSON.parse (a byte-order mark, another charset), is read as a call by servers' body parsers
      // that inflate or strip it, so passing it on would hand the server a call nobody checked.
      const encoding = request.headers['content-encoding'];
      if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
        response.writeHead(415, { 'content-type': 'text/plain' }).end('the Signet guard takes uncompressed JSON bodies only');
        return;
      }
      const parsed = parseBody(body);
      if (parsed === undefined) {
        log('refused a body that is not plain UTF-8 JSON');
        response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: JsonRpcErrorCode.ParseError, message: 'Signet guard refused this request: its body is not plain UTF-8 JSON' } }));
        return;
      }
      // The server is handed the guard's own encoding of what it checked, as the proxy does: a body another
      // parser could read differently (a "method" or "name" key given twice) cannot carry an unchecked call past.
      forwarded = Buffer.from(JSON.stringify(parsed));
      const mismatch = headerMismatchAnswer(request, parsed);
      if (mismatch) {
        log(mismatch.body && 'error' in mismatch.body ? mismatch.body.error.message : 'refused a request whose headers do not match its body');
        response.writeHead(mismatch.status, { 'content-type': 'application/json' }).end(JSON.stringify(mismatch.body));
        return;
      }
      const refusals = refusalsFor(parsed, options.guard);
      if (refusals) {
        const payload = refusals.length === 1 && !body.toString('utf8').trimStart().startsWith('[') ? refusals[0] : refusals;
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
        return;
      }
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
