// The transport toward a Streamable HTTP MCP server (`signet mcp-proxy --url`). The SDK's client transport does
// the HTTP part (POST per message, SSE streams, the session id); this wrapper only does what the SDK's Client
// would otherwise do for it, since the proxy relays raw messages instead of running a Client: it tells the
// transport the protocol version the server chose, so later requests carry the MCP-Protocol-Version header,
// and it ends the HTTP session when the proxy stops.
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage, RequestId } from '@modelcontextprotocol/sdk/types.js';

export class HttpUpstreamTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: (message: JSONRPCMessage) => void;

  private readonly inner: StreamableHTTPClientTransport;
  private readonly initializeIds = new Set<RequestId>();
  private closing = false;

  constructor(url: URL, headers: Record<string, string> = {}) {
    this.inner = new StreamableHTTPClientTransport(url, { requestInit: { headers } });
    this.inner.onmessage = (message: JSONRPCMessage) => {
      if ('result' in message && message.id !== undefined && this.initializeIds.delete(message.id)) {
        const version = (message.result as { protocolVersion?: unknown }).protocolVersion;
        if (typeof version === 'string') this.inner.setProtocolVersion(version);
      }
      this.onmessage?.(message);
    };
    this.inner.onerror = (error) => this.onerror?.(error);
    this.inner.onclose = () => this.onclose?.();
  }

  start(): Promise<void> {
    return this.inner.start();
  }

  send(message: JSONRPCMessage): Promise<void> {
    if ('method' in message && message.method === 'initialize' && 'id' in message && message.id !== undefined) {
      this.initializeIds.add(message.id);
    }
    return this.inner.send(message);
  }

  get sessionId(): string | undefined {
    return this.inner.sessionId;
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    // Ending the session is a courtesy to the server; a server that is already gone must not delay shutdown.
    await Promise.race([this.inner.terminateSession().catch(() => undefined), new Promise((r) => setTimeout(r, 2000).unref())]);
    await this.inner.close();
  }
}
