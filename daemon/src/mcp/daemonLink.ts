// An agent-side connection to signetd that survives the daemon: the MCP proxy and the hook adapter ask through
// it. It fails closed: whenever no daemon answers, `authorize` resolves to a denial that says why and what to do,
// never to an exception and never to an allow. When the daemon goes away the link keeps trying in the background
// (with backoff) and also tries again on every call, re-reading daemon.json each time, because a restarted
// daemon listens on a new port with a new token.
import { DaemonClient, DaemonConnectionError, DaemonProtocolError, DaemonRequestError, RequestTooLargeError, UnserializableRequestError } from '../client/daemonClient';
import { probeMarkerFromEnv } from '../authz/probeRequests';
import { readRuntimeFile } from '../home/signetHome';
import { REFUSED, unreachableReason } from '../hooks/hookDaemon';
import { JsonRpcErrorCode, MAX_FRAME_BYTES, SignetErrorCode, type AuthorizeParams, type AuthorizeResult, type DenyCode } from '../server/protocol';

export interface DaemonLinkOptions {
  home: string;
  /** Called with one line whenever the link connects or loses the daemon (the proxy writes it to stderr). */
  log?: (line: string) => void;
  /** First and largest pause between background reconnect attempts. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  connectTimeoutMs?: number;
}

/** The deny code for a request the daemon refused with an error, by the error's code. */
export function denyCodeOfRequestError(code: number): DenyCode {
  switch (code) {
    case JsonRpcErrorCode.InvalidParams:
    case SignetErrorCode.InvalidArgument:
      return 'invalid-arguments';
    case SignetErrorCode.UnknownAgent:
      return 'unknown-agent';
    case SignetErrorCode.KeystoreUnavailable:
      return 'keystore-unavailable';
    case SignetErrorCode.ShuttingDown:
      return 'daemon-shutdown';
    default:
      return 'internal-error';
  }
}

export class DaemonLink {
  private client: DaemonClient | undefined;
  private connecting: Promise<DaemonClient> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private backoffMs: number;
  private closed = false;
  private everConnected = false;
  private lastFailure: string | undefined;

  /** Set when `signet doctor` runs this process as a probe: every request is then refused at once (see probeRequests.ts). */
  private readonly probe = probeMarkerFromEnv(process.env);

  constructor(private readonly options: DaemonLinkOptions) {
    this.backoffMs = options.initialBackoffMs ?? 100;
  }

  get connected(): boolean {
    return this.client?.isOpen === true;
  }

  /** Connects now; rejects with a DaemonConnectionError that says why when no daemon is reachable. */
  connect(): Promise<DaemonClient> {
    if (this.closed) return Promise.reject(new DaemonConnectionError('the Signet daemon link was closed'));
    if (this.client?.isOpen) return Promise.resolve(this.client);
    this.connecting ??= this.attempt().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** Withdraws a waiting request; best effort, since a lost connection withdraws everything anyway. */
  withdraw(requestId: string): void {
    if (!this.client?.isOpen) return;
    this.client.request('authz/cancel', { requestId }).catch(() => undefined);
  }

  /** Asks the daemon; resolves to a denial (code `disconnected`) whenever it cannot be asked or does not answer. */
  async authorize(params: AuthorizeParams): Promise<AuthorizeResult> {
    // With the link up (the usual case) the request is sent at once, without a round through connect()'s promise.
    let client = this.client?.isOpen ? this.client : undefined;
    if (!client) {
      try {
        client = await this.connect();
      } catch (error) {
        return { decision: 'deny', code: 'disconnected', reason: unreachableReason(this.options.home, error) };
      }
    }
    try {
      return await client.request('authz/authorize', this.probe ? { ...params, probe: this.probe } : params);
    } catch (error) {
      if (error instanceof RequestTooLargeError) {
        return {
          decision: 'deny',
          code: 'invalid-arguments',
          reason: `the arguments are too large for Signet to check (the request is ${error.bytes} bytes; the limit is ${MAX_FRAME_BYTES}), so the call was refused`,
        };
      }
      if (error instanceof UnserializableRequestError) {
        return { decision: 'deny', code: 'invalid-arguments', reason: `Signet could not read the arguments, so the call was refused: ${error.message}` };
      }
      if (error instanceof DaemonRequestError) {
        return {
          decision: 'deny',
          code: denyCodeOfRequestError(error.code),
          reason: `signetd could not check this call: ${error.message}${error.data?.fix ? ` (${error.data.fix})` : ''}`,
        };
      }
      if (error instanceof DaemonProtocolError) {
        return { decision: 'deny', code: 'internal-error', reason: `signetd answered in a way this proxy does not understand, so the call was refused: ${error.message}` };
      }
      return {
        decision: 'deny',
        code: 'disconnected',
        reason: `the connection to the Signet daemon was lost before it answered, ${REFUSED} (${(error as Error).message}); it will be asked again on the next call`,
      };
    }
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.client?.close();
    this.client = undefined;
  }

  private async attempt(): Promise<DaemonClient> {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    try {
      const runtime = await readRuntimeFile(this.options.home);
      if (!runtime) throw new DaemonConnectionError(`no Signet daemon is running for ${this.options.home}`);
      const client = await DaemonClient.connect({ port: runtime.port, token: runtime.agentToken, connectTimeoutMs: this.options.connectTimeoutMs ?? 3000 });
      if (this.closed) {
        client.close();
        throw new DaemonConnectionError('the Signet daemon link was closed');
      }
      this.client = client;
      client.onProtocolError((error) => this.options.log?.(error.message));
      this.backoffMs = this.options.initialBackoffMs ?? 100;
      this.lastFailure = undefined;
      this.options.log?.(`${this.everConnected ? 'reconnected' : 'connected'} to signetd (pid ${runtime.pid}, port ${runtime.port})`);
      this.everConnected = true;
      client.onClose((reason) => {
        if (this.client === client) this.client = undefined;
        if (this.closed) return;
        this.options.log?.(`lost signetd (${reason}); every call is refused until it is back`);
        this.scheduleRetry();
      });
      return client;
    } catch (error) {
      const message = (error as Error).message;
      if (message !== this.lastFailure) this.options.log?.(`cannot reach signetd: ${message}`);
      this.lastFailure = message;
      this.scheduleRetry();
      throw error instanceof DaemonConnectionError ? error : new DaemonConnectionError(message, { cause: error });
    }
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer) return;
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.options.maxBackoffMs ?? 5000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect().catch(() => undefined);
    }, delay);
    // Reconnecting must never be what keeps a finished proxy alive.
    this.retryTimer.unref();
  }
}
