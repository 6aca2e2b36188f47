// JSON-RPC 2.0 over any MessageTransport. Every inbound frame is size-checked, parsed, shape-checked and
// its params validated against the protocol schema before a handler sees it; a bad frame gets an error
// reply and the connection stays up. Handlers never see a method their connection's role may not call.
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import {
  JsonRpcErrorCode,
  JsonRpcRequestFrame,
  MAX_FRAME_BYTES,
  SignetErrorCode,
  methodNamed,
  methods,
  type ClientRole,
  type JsonRpcError,
  type JsonRpcResponseFrame,
  type MethodName,
  type MethodResults,
  type NotificationName,
  type Notifications,
} from './protocol';
import type { PeerIdentity } from './peerProcess';
import type { MessageTransport } from './transport';
import { wireErrorOf } from './wireErrors';

export interface Connection {
  readonly id: string;
  readonly role: ClientRole;
  /** A label for logs, e.g. the remote port. */
  readonly label: string;
  notify<N extends NotificationName>(method: N, params: Notifications[N]): void;
  onClose(listener: () => void): void;
  readonly isOpen: boolean;
  /** Who connected, as the daemon verified it itself (peerProcess.ts); never from what the client says. */
  readonly peer: Promise<PeerIdentity>;
}

type ParsedParams<M extends MethodName> = z.output<(typeof methods)[M]['params']>;

export type MethodHandlers = {
  [M in MethodName]: (params: ParsedParams<M>, connection: Connection) => Promise<MethodResults[M]> | MethodResults[M];
};

export interface RpcServerLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string, error?: unknown): void;
}

export class RpcServer {
  private readonly connections = new Map<string, ConnectionImpl>();
  /** Former method names some client has called, each said once in the log. */
  private readonly formerNamesSeen = new Set<string>();

  constructor(
    private readonly handlers: MethodHandlers,
    private readonly log: RpcServerLogger,
  ) {}

  /** Serves one client on `transport` with the role its token earned. */
  accept(transport: MessageTransport, role: ClientRole, label: string, peer?: Promise<PeerIdentity>): Connection {
    const connection = new ConnectionImpl(randomUUID(), role, label, transport, peer ?? Promise.resolve({ verified: false, reason: 'an in-process connection, not a socket' }));
    this.connections.set(connection.id, connection);
    transport.onMessage((frame, byteLength) => void this.handleFrame(connection, frame, byteLength));
    transport.onClose(() => {
      this.connections.delete(connection.id);
      connection.markClosed();
    });
    return connection;
  }

  /** Sends a notification to every open UI connection; agents never see other agents' business. */
  broadcastToUi<N extends NotificationName>(method: N, params: Notifications[N]): void {
    this.broadcastJsonToUi(method, JSON.stringify(params));
  }

  /**
   * `broadcastToUi` for params that exist as JSON text already, `paramsJson` being exactly
   * `JSON.stringify(params)`: an audit record's line in the log is its JSON text, so it is not serialised twice.
   * The frame is made once, and only when a UI client is there to receive it.
   */
  broadcastJsonToUi(method: NotificationName, paramsJson: string): void {
    let frame: string | undefined;
    for (const c of this.connections.values()) {
      if (c.role === 'ui') c.sendText((frame ??= `{"jsonrpc":"2.0","method":${JSON.stringify(method)},"params":${paramsJson}}`));
    }
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  closeAll(reason: string): void {
    for (const c of this.connections.values()) c.transport.close(reason);
  }

  private async handleFrame(connection: ConnectionImpl, frame: string, byteLength: number): Promise<void> {
    if (byteLength > MAX_FRAME_BYTES) {
      connection.reply({ jsonrpc: '2.0', id: null, error: { code: JsonRpcErrorCode.InvalidRequest, message: `frame of ${byteLength} bytes refused: the limit is ${MAX_FRAME_BYTES}` } });
      return;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(frame);
    } catch (error) {
      connection.reply({ jsonrpc: '2.0', id: null, error: { code: JsonRpcErrorCode.ParseError, message: `the frame is not JSON: ${(error as Error).message}` } });
      return;
    }
    const request = JsonRpcRequestFrame.safeParse(raw);
    if (!request.success) {
      const id = idOf(raw);
      connection.reply({ jsonrpc: '2.0', id, error: { code: JsonRpcErrorCode.InvalidRequest, message: 'not a JSON-RPC 2.0 request: expected {"jsonrpc":"2.0","id","method","params"}', data: { issues: issueLines(request.error) } } });
      return;
    }
    const { id, method, params } = request.data;
    const reply = (body: { result: unknown } | { error: JsonRpcError }) => connection.reply({ jsonrpc: '2.0', id, ...body } as JsonRpcResponseFrame);

    const name = methodNamed(method);
    if (name === undefined) {
      reply({ error: { code: JsonRpcErrorCode.MethodNotFound, message: `unknown method "${method}"` } });
      return;
    }
    if (name !== method && !this.formerNamesSeen.has(method)) {
      this.formerNamesSeen.add(method);
      this.log.info(`a client (${connection.label}) called "${method}", the former name of "${name}"; it is answered until 0.2`);
    }
    const spec = methods[name];
    if (!(spec.roles as readonly ClientRole[]).includes(connection.role)) {
      reply({ error: { code: SignetErrorCode.Forbidden, message: `"${name}" needs the UI token; this connection holds the ${connection.role} token` } });
      return;
    }
    const parsed = spec.params.safeParse(params);
    if (!parsed.success) {
      reply({ error: { code: JsonRpcErrorCode.InvalidParams, message: `invalid params for "${name}": ${issueLines(parsed.error).join('; ')}`, data: { issues: issueLines(parsed.error) } } });
      return;
    }
    try {
      const handler = this.handlers[name] as (p: unknown, c: Connection) => Promise<unknown> | unknown;
      const result = await handler(parsed.data, connection);
      reply({ result: result ?? null });
    } catch (error) {
      const wire = wireErrorOf(error);
      if (wire) {
        reply({ error: wire });
      } else {
        this.log.error(`"${name}" failed`, error);
        reply({ error: { code: SignetErrorCode.Internal, message: `internal error in "${name}": ${(error as Error)?.message ?? String(error)}` } });
      }
    }
  }
}

class ConnectionImpl implements Connection {
  private readonly closeListeners: (() => void)[] = [];
  private closed = false;

  constructor(
    readonly id: string,
    readonly role: ClientRole,
    readonly label: string,
    readonly transport: MessageTransport,
    readonly peer: Promise<PeerIdentity>,
  ) {}

  get isOpen(): boolean {
    return !this.closed && this.transport.isOpen;
  }

  notify<N extends NotificationName>(method: N, params: Notifications[N]): void {
    this.send({ jsonrpc: '2.0', method, params });
  }

  reply(frame: JsonRpcResponseFrame): void {
    this.send(frame);
  }

  onClose(listener: () => void): void {
    if (this.closed) queueMicrotask(listener);
    else this.closeListeners.push(listener);
  }

  markClosed(): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.closeListeners.splice(0)) l();
  }

  private send(frame: unknown): void {
    if (this.isOpen) this.sendText(JSON.stringify(frame));
  }

  /** Sends a frame already serialised. */
  sendText(text: string): void {
    // A client that went away mid-request loses its answer; the work it asked for was already audited.
    if (!this.isOpen) return;
    try {
      this.transport.send(text);
    } catch {
      /* the close listener handles the rest */
    }
  }
}

function idOf(raw: unknown): string | number | null {
  if (raw && typeof raw === 'object' && 'id' in raw) {
    const id = (raw as { id: unknown }).id;
    if (typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id))) return id;
  }
  return null;
}

function issueLines(error: z.ZodError): string[] {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(params)'}: ${i.message}`);
}
