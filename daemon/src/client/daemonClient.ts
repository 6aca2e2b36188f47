// The typed client every Signet client uses: the CLI, the extension, the MCP proxy and the SDK.
// It speaks the protocol in server/protocol.ts over a WebSocket (or any MessageTransport in tests), and checks
// every frame that arrives against the same declarations the daemon checks requests with: an answer whose
// result does not match its method's schema rejects the request, a notification whose params do not match is
// dropped, and both are reported to `onProtocolError`.
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import type { z } from 'zod';
import {
  JsonRpcError,
  MAX_FRAME_BYTES,
  methods,
  notifications,
  type MethodName,
  type MethodParams,
  type MethodResults,
  type NotificationName,
  type Notifications,
  type SignetErrorData,
} from '../server/protocol';
import { webSocketTransport, type MessageTransport } from '../server/transport';

/** The largest answer a client accepts from the daemon (which caps its own answers well below it). */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

/** The daemon answered with an error. `code` is one of SignetErrorCode or a JSON-RPC code. */
export class DaemonRequestError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: SignetErrorData,
  ) {
    super(message);
    this.name = 'DaemonRequestError';
  }
}

/**
 * A request too large to send: the daemon reads no frame over MAX_FRAME_BYTES, and answers one without an id, so
 * the answer could not be matched to the request. Refused here, before anything is sent.
 */
export class RequestTooLargeError extends Error {
  constructor(
    readonly method: string,
    readonly bytes: number,
  ) {
    super(`"${method}" is ${bytes} bytes, over the ${MAX_FRAME_BYTES}-byte frame limit of signetd`);
    this.name = 'RequestTooLargeError';
  }
}

/**
 * A request that cannot be written as JSON (nested past the stack, a cycle, a bigint). Refused here, like one too
 * large: it is the caller's input, not a daemon that went away.
 */
export class UnserializableRequestError extends Error {
  constructor(
    readonly method: string,
    cause: unknown,
  ) {
    super(`"${method}" cannot be written as JSON (${cause instanceof Error ? cause.message : String(cause)})`, { cause });
    this.name = 'UnserializableRequestError';
  }
}

/**
 * The daemon sent something the protocol does not allow: a frame that is not JSON-RPC, or an answer or
 * notification that does not match its declaration (a daemon of another version, or a bug). Never crosses the wire.
 */
export class DaemonProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DaemonProtocolError';
  }
}

/** The daemon could not be reached, went away, or did not answer in time. Never crosses the wire. */
export class DaemonConnectionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DaemonConnectionError';
  }
}

export interface ConnectOptions {
  port: number;
  token: string;
  /** How long to wait for the handshake. */
  connectTimeoutMs?: number;
}

interface Pending {
  method: MethodName;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer?: NodeJS.Timeout;
}

export class DaemonClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly notificationHandlers = new Map<string, Set<(params: never) => void>>();
  private readonly closeHandlers = new Set<(reason: string) => void>();
  private readonly protocolErrorHandlers = new Set<(error: DaemonProtocolError) => void>();
  private closedReason: string | undefined;

  private constructor(private readonly transport: MessageTransport) {
    transport.onMessage((frame) => this.handleFrame(frame));
    transport.onClose((reason) => this.handleClose(reason));
  }

  static overTransport(transport: MessageTransport): DaemonClient {
    return new DaemonClient(transport);
  }

  static connect(options: ConnectOptions): Promise<DaemonClient> {
    const url = `ws://127.0.0.1:${options.port}`;
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, {
        headers: { authorization: `Bearer ${options.token}` },
        // Answers come from the trusted daemon and may be large (an audit page); only frames *to* the
        // daemon are held to MAX_FRAME_BYTES.
        maxPayload: MAX_ANSWER_BYTES,
        handshakeTimeout: options.connectTimeoutMs ?? 5000,
      });
      const fail = (error: Error) => {
        socket.removeAllListeners();
        socket.on('error', () => undefined);
        socket.terminate();
        reject(new DaemonConnectionError(`cannot connect to signetd at ${url}: ${error.message}`, { cause: error }));
      };
      socket.once('error', fail);
      // The connection under the WebSocket, so that requests sent in one turn leave in one system call (see
      // webSocketTransport): an agent with many calls in flight then costs itself and the daemon fewer writes and reads.
      let tcp: Socket | undefined;
      socket.once('upgrade', (response) => (tcp = response.socket));
      socket.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => fail(new Error(`HTTP ${res.statusCode}: ${body.trim()}`)));
      });
      socket.once('open', () => {
        socket.removeListener('error', fail);
        socket.on('error', () => undefined);
        resolve(new DaemonClient(webSocketTransport(socket, tcp)));
      });
    });
  }

  get isOpen(): boolean {
    return this.closedReason === undefined;
  }

  request<M extends MethodName>(method: M, params: MethodParams<M>, options: { timeoutMs?: number } = {}): Promise<MethodResults[M]> {
    if (this.closedReason !== undefined) {
      return Promise.reject(new DaemonConnectionError(`not connected to signetd (${this.closedReason})`));
    }
    const id = this.nextId++;
    let frame: string;
    try {
      frame = JSON.stringify({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
    } catch (error) {
      return Promise.reject(new UnserializableRequestError(method, error));
    }
    const bytes = Buffer.byteLength(frame);
    if (bytes > MAX_FRAME_BYTES) return Promise.reject(new RequestTooLargeError(method, bytes));
    return new Promise<MethodResults[M]>((resolve, reject) => {
      const entry: Pending = { method, resolve: resolve as (v: unknown) => void, reject };
      if (options.timeoutMs !== undefined) {
        entry.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new DaemonConnectionError(`signetd did not answer "${method}" within ${options.timeoutMs} ms`));
        }, options.timeoutMs);
      }
      this.pending.set(id, entry);
      try {
        this.transport.send(frame);
      } catch (error) {
        this.pending.delete(id);
        clearTimeout(entry.timer);
        reject(new DaemonConnectionError(`could not send "${method}" to signetd`, { cause: error }));
      }
    });
  }

  onNotification<N extends NotificationName>(method: N, handler: (params: Notifications[N]) => void): () => void {
    let set = this.notificationHandlers.get(method);
    if (!set) this.notificationHandlers.set(method, (set = new Set()));
    set.add(handler as (params: never) => void);
    return () => set.delete(handler as (params: never) => void);
  }

  onClose(handler: (reason: string) => void): () => void {
    if (this.closedReason !== undefined) queueMicrotask(() => handler(this.closedReason ?? 'closed'));
    else this.closeHandlers.add(handler);
    return () => this.closeHandlers.delete(handler);
  }

  /** Hears every inbound frame that broke the protocol (for logs); the request concerned has been rejected already. */
  onProtocolError(handler: (error: DaemonProtocolError) => void): () => void {
    this.protocolErrorHandlers.add(handler);
    return () => this.protocolErrorHandlers.delete(handler);
  }

  close(): void {
    this.transport.close('client closed');
    this.handleClose('client closed');
  }

  private handleFrame(frame: string): void {
    let message: unknown;
    try {
      message = JSON.parse(frame);
    } catch {
      this.protocolError('signetd sent a frame that is not JSON');
      return;
    }
    if (typeof message !== 'object' || message === null || Array.isArray(message) || (message as { jsonrpc?: unknown }).jsonrpc !== '2.0') {
      this.protocolError('signetd sent a frame that is not a JSON-RPC 2.0 message');
      return;
    }
    const fields = message as Record<string, unknown>;
    if (typeof fields.method === 'string' && !('id' in fields)) {
      this.handleNotification(fields.method, fields.params);
      return;
    }
    const entry = typeof fields.id === 'number' ? this.pending.get(fields.id) : undefined;
    if (!entry) {
      this.protocolError(`signetd sent an answer to no request of this connection (id ${JSON.stringify(fields.id)})`);
      return;
    }
    this.pending.delete(fields.id as number);
    clearTimeout(entry.timer);
    if ('error' in fields) {
      const error = JsonRpcError.safeParse(fields.error);
      if (error.success) entry.reject(new DaemonRequestError(error.data.code, error.data.message, error.data.data));
      else entry.reject(this.protocolError(`signetd answered "${entry.method}" with a malformed error: ${issueText(error.error)}`));
      return;
    }
    if (!('result' in fields)) {
      entry.reject(this.protocolError(`signetd answered "${entry.method}" with neither a result nor an error`));
      return;
    }
    const result = (methods[entry.method].result as z.ZodType).safeParse(fields.result);
    if (result.success) entry.resolve(result.data);
    else entry.reject(this.protocolError(`signetd answered "${entry.method}" with a result this client does not understand: ${issueText(result.error)}`));
  }

  private handleNotification(method: string, params: unknown): void {
    // A newer daemon may send notifications this client does not know; they are none of its business.
    if (!Object.hasOwn(notifications, method)) return;
    const name = method as NotificationName;
    const parsed = (notifications[name] as z.ZodType).safeParse(params);
    if (!parsed.success) {
      this.protocolError(`signetd sent "${name}" with params this client does not understand: ${issueText(parsed.error)}`);
      return;
    }
    for (const handler of this.notificationHandlers.get(name) ?? []) {
      try {
        handler(parsed.data as never);
      } catch {
        /* one faulty listener must not starve the others */
      }
    }
  }

  private protocolError(message: string): DaemonProtocolError {
    const error = new DaemonProtocolError(message);
    for (const handler of this.protocolErrorHandlers) {
      try {
        handler(error);
      } catch {
        /* a faulty logger must not break the connection */
      }
    }
    return error;
  }

  private handleClose(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    for (const [id, entry] of this.pending) {
      clearTimeout(entry.timer);
      entry.reject(new DaemonConnectionError(`signetd closed the connection before answering (${reason})`));
      this.pending.delete(id);
    }
    for (const handler of this.closeHandlers) handler(reason);
    this.closeHandlers.clear();
  }
}

function issueText(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(value)'}: ${i.message}`)
    .join('; ');
}
