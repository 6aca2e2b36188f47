// The daemon's only listening socket: a WebSocket on 127.0.0.1 at a random port. The handshake is
// where untrusted callers are turned away, before any frame is read: a missing or wrong token, any
// browser Origin (a web page must never reach the daemon), or a Host other than our own loopback
// address (DNS rebinding) gets an HTTP error and no socket.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { MAX_FRAME_BYTES, type ClientRole } from './protocol';
import { identifyLoopbackPeer } from './peerProcess';
import type { RpcServer, RpcServerLogger } from './rpcServer';
import { webSocketTransport } from './transport';

export interface WsServerTokens {
  agent: string;
  ui: string;
}

export interface ListeningWsServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function listenWebSocket(rpc: RpcServer, tokens: WsServerTokens, log: RpcServerLogger, port = 0): Promise<ListeningWsServer> {
  const http: Server = createServer((_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' }).end('signetd speaks JSON-RPC over WebSocket only\n');
  });
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES + 1024 });
  const agentDigest = digest(tokens.agent);
  const uiDigest = digest(tokens.ui);

  http.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const refusal = refusalOf(req, actualPort());
    if (refusal) {
      log.warn(`refused a connection from ${req.socket.remoteAddress}:${req.socket.remotePort}: ${refusal.reason}`);
      socket.end(`HTTP/1.1 ${refusal.status}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${refusal.reason}\n`);
      return;
    }
    const role = roleOf(req.headers.authorization, agentDigest, uiDigest);
    if (!role) {
      log.warn(`refused a connection from port ${req.socket.remotePort}: missing or wrong token`);
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\na valid "Authorization: Bearer <token>" header is required\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      // Oversized frames close the socket inside `ws` (1009); frames at the limit reach the dispatcher,
      // which answers with an error and keeps the connection.
      ws.on('error', (error) => log.warn(`socket error on port ${req.socket.remotePort}: ${error.message}`));
      // Only a UI connection can decide, so only its process is looked up (it costs a walk of /proc).
      const peer = role === 'ui' && req.socket.remotePort !== undefined ? identifyLoopbackPeer(actualPort(), req.socket.remotePort) : undefined;
      rpc.accept(webSocketTransport(ws, req.socket), role, `${role}@${req.socket.remotePort}`, peer);
    });
  });

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, '127.0.0.1', () => resolve());
  });
  function actualPort(): number {
    const address = http.address();
    return typeof address === 'object' && address ? address.port : 0;
  }
  const boundPort = actualPort();
  return {
    port: boundPort,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of wss.clients) client.terminate();
        wss.close();
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}

function refusalOf(req: IncomingMessage, port: number): { status: string; reason: string } | undefined {
  if (req.headers.origin !== undefined) {
    return { status: '403 Forbidden', reason: `connections carrying an Origin header (${req.headers.origin}) are refused: browsers may not talk to signetd` };
  }
  const host = req.headers.host;
  const allowed = [`127.0.0.1:${port}`, `localhost:${port}`];
  if (!host || !allowed.includes(host.toLowerCase())) {
    return { status: '403 Forbidden', reason: `Host "${host ?? ''}" refused: only ${allowed.join(' or ')} is accepted` };
  }
  return undefined;
}

function roleOf(authorization: string | undefined, agentDigest: Buffer, uiDigest: Buffer): ClientRole | undefined {
  const match = /^Bearer ([A-Za-z0-9_-]{16,200})$/.exec(authorization ?? '');
  if (!match?.[1]) return undefined;
  const presented = digest(match[1]);
  // Compare digests in constant time so the token cannot be guessed byte by byte.
  if (timingSafeEqual(presented, uiDigest)) return 'ui';
  if (timingSafeEqual(presented, agentDigest)) return 'agent';
  return undefined;
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}
