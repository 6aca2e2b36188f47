// The transport toward a Streamable HTTP MCP server (`signet mcp-proxy --url`). It speaks whichever revision each
// message names. A request of a stateless revision (2026-07-28 on: its `_meta` names the protocol version) goes
// out as that revision's own POST with its request headers and no session (statelessHttp.ts). Everything else is
// the earlier, session-based revisions, and goes through the SDK's client transport, which does the HTTP part
// (POST per message, SSE streams, the session id); this wrapper only does what the SDK's Client would otherwise
// do for it, since the proxy relays raw messages instead of running a Client: it tells the transport the protocol
// version the server chose, so later requests carry the MCP-Protocol-Version header, and it ends the HTTP session
// when the proxy stops.
//
// A session id is only ever taken from a successful answer: the SDK's transport would keep one from any answer,
// so a server that sets `Mcp-Session-Id` on its 400 to a version probe would have every later request sent into a
// session that does not exist ("Session not found").
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';
import { StatelessHttpClient, statelessVersionOf, type StatelessOutcome } from './statelessHttp';

/** fetch, less the session id of an answer that is not a success. */
async function fetchKeepingSessionsOfSuccessOnly(input: string | URL, init?: RequestInit): Promise<Response> {
  const response = await fetch(input, init);
  if (response.ok || !response.headers.has('mcp-session-id')) return response;
  const headers = new Headers(response.headers);
  headers.delete('mcp-session-id');
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

export class HttpUpstreamTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private readonly inner: StreamableHTTPClientTransport;
  private readonly stateless: StatelessHttpClient;
  private readonly initializeIds = new Set<RequestId>();
  /**
   * The stateless revision the server last answered a request of with a result, for a notification that names none.
   * Only an answer sets it: a probe the server refused (a legacy server's 400 to `server/discover`) leaves the link
   * on the legacy transport, and any later failure or a legacy `initialize` clears it.
   */
  private statelessVersion: string | undefined;
  private closing = false;

  constructor(url: URL, headers: Record<string, string> = {}) {
    this.inner = new StreamableHTTPClientTransport(url, { requestInit: { headers }, fetch: fetchKeepingSessionsOfSuccessOnly });
    this.inner.onmessage = (message: JSONRPCMessage) => {
      if ('result' in message && message.id !== undefined && this.initializeIds.delete(message.id)) {
        const version = (message.result as { protocolVersion?: unknown }).protocolVersion;
        if (typeof version === 'string') this.inner.setProtocolVersion(version);
      }
      this.onmessage?.(message);
    };
    this.inner.onerror = (error) => this.onerror?.(error);
    this.inner.onclose = () => this.onclose?.();
    this.stateless = new StatelessHttpClient({
      url,
      headers,
      deliver: (message) => this.onmessage?.(message),
      onerror: (error) => this.onerror?.(error),
    });
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  send(message: JSONRPCMessage): Promise<void> {
    const version = statelessVersionOf(message);
    if (version) {
      // Answered asynchronously like any POST; a failure becomes an error answer under the request's id.
      void this.stateless.send(message, version).then((outcome) => this.noteOutcome(version, outcome));
      return Promise.resolve();
    }
    if ('method' in message && !('id' in message) && message.method === 'notifications/cancelled') {
      const requestId = (message.params as { requestId?: RequestId } | undefined)?.requestId;
      // Over HTTP the stateless revisions cancel by closing the request's stream, and expect no notification.
      if (requestId !== undefined && this.stateless.cancel(requestId)) return Promise.resolve();
    }
    if ('method' in message && message.method === 'initialize' && 'id' in message && message.id !== undefined) {
      this.initializeIds.add(message.id);
      this.statelessVersion = undefined;
    } else if ('method' in message && !('id' in message) && this.statelessVersion) {
      void this.stateless.send(message, this.statelessVersion);
      return Promise.resolve();
    }
    return this.inner.send(message);
  }

  private noteOutcome(version: string, outcome: StatelessOutcome): void {
    if (outcome === 'result') this.statelessVersion = version;
    else if (outcome === 'error') this.statelessVersion = undefined;
  }

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.stateless.close();
    // Ending the session is a courtesy to the server; a server that is already gone must not delay shutdown.
    await Promise.race([this.inner.terminateSession().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
    await this.inner.close();
  }
}
