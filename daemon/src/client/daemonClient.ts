// The typed client every Signet client uses: the CLI, the extension, the MCP proxy and the SDK.
// It speaks the protocol in server/protocol.ts over a WebSocket (or any MessageTransport in tests).
import type { Socket } from 'node:net';
import WebSocket from 'ws';
import {
  MAX_FRAME_BYTES,
  type JsonRpcError,
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
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer?: NodeJS.Timeout;
}

export class DaemonClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly notificationHandlers = new Map<string, Set<(params: never) => void>>();
  private readonly closeHandlers = new Set<(reason: string) => void>();
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
      const entry: Pending = { resolve: resolve as (v: unknown) => void, reject };
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

  close(): void {
    this.transport.close('client closed');
    this.handleClose('client closed');
  }

  private handleFrame(frame: string): void {
    let message: { id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: JsonRpcError };
    try {
      message = JSON.parse(frame);
    } catch {
      return;
    }
    if (typeof message.method === 'string' && message.id === undefined) {
      for (const handler of this.notificationHandlers.get(message.method) ?? []) {
        try {
          handler(message.params as never);
        } catch {
          /* one faulty listener must not starve the others */
        }
      }
      return;
    }
    if (typeof message.id !== 'number') return;
    const entry = this.pending.get(message.id);
    if (!entry) return;
    this.pending.delete(message.id);
    clearTimeout(entry.timer);
    if (message.error) entry.reject(new DaemonRequestError(message.error.code, message.error.message, message.error.data));
    else entry.resolve(message.result);
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
