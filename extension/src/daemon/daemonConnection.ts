// The extension's one connection to signetd: finds or starts the daemon, connects as a UI client, and
// reconnects with backoff whenever the connection drops. Notification handlers registered here survive
// reconnects, and every (re)connect is announced so that views reload what they show.
import { DaemonClient, DaemonConnectionError, DaemonRequestError } from '../../../daemon/src/client/daemonClient';
import { ExitCode } from '../../../daemon/src/cli/exitCode';
import { homePaths } from '../../../daemon/src/home/signetHome';
import type {
  ClientDescribeParams,
  DaemonRuntimeFile,
  DaemonStatusResult,
  MethodName,
  MethodParams,
  MethodResults,
  NotificationName,
  Notifications,
} from '../../../daemon/src/server/protocol';
import { SignetErrorCode } from '../../../daemon/src/server/protocol';
import { Emitter, type Disposable } from '../events';
import { DaemonStartError, ensureDaemon, findRunningDaemon } from './daemonProcess';
import { KeystoreUnavailableError, readUiTokenOf } from './uiCredentials';

export interface ConnectionLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface DaemonLaunchSettings {
  home: string;
  /** The CLI script to start when no daemon runs, or undefined to only attach to a running one. */
  cliPath: string | undefined;
  /** The runtime to start it with (the editor's own by default). */
  runtime?: string;
  keystore?: 'keychain' | 'file';
  approvalTimeoutSeconds?: number;
  /** What this window says about itself on its connection, so that its decisions name the window (`client/describe`). */
  window?: ClientDescribeParams;
}

export type ConnectionState =
  | { kind: 'connecting'; attempt: number }
  | { kind: 'connected'; status: DaemonStatusResult; runtime: DaemonRuntimeFile; startedByUs: boolean }
  | {
      kind: 'disconnected';
      reason: string;
      retryAt: number | undefined;
      /** True when the daemon this window started stopped, or never came up: worth telling the user once. */
      startFailed?: boolean;
    }
  | { kind: 'keystore-unavailable'; message: string; fix: string; retryAt: number | undefined };

const NOTIFICATIONS: readonly NotificationName[] = ['approval/didRequest', 'approval/didResolve', 'audit/didAppend', 'policy/didReportProblem', 'policy/didChange'];

/** Backoff between attempts: 0.5 s doubling to 30 s, with ±20 % jitter so windows do not retry in step. */
export function backoffDelay(attempt: number, random = Math.random): number {
  const base = Math.min(30_000, 500 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + 0.4 * random()));
}

export class DaemonConnection implements Disposable {
  private client: DaemonClient | undefined;
  private currentState: ConnectionState = { kind: 'disconnected', reason: 'not started', retryAt: undefined };
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private connecting: Promise<void> | undefined;
  private disposed = false;
  private readonly handlers = new Map<NotificationName, Set<(params: never) => void>>();
  private readonly stateChanged = new Emitter<ConnectionState>();
  private readonly connected = new Emitter<DaemonClient>();

  /** Fires on every change of state. */
  readonly onDidChangeState = this.stateChanged.event;
  /** Fires after every successful (re)connect, once the daemon answered its status. */
  readonly onDidConnect = this.connected.event;

  constructor(
    private settings: () => DaemonLaunchSettings,
    private readonly log: ConnectionLogger,
  ) {}

  get state(): ConnectionState {
    return this.currentState;
  }

  get isConnected(): boolean {
    return this.currentState.kind === 'connected' && this.client?.isOpen === true;
  }

  /** Starts connecting now (idempotent). */
  start(): Promise<void> {
    return this.connectNow();
  }

  /** Forgets the backoff and tries at once, as after the user clicked "Reconnect". */
  connectNow(): Promise<void> {
    if (this.disposed) return Promise.resolve();
    if (this.connecting) return this.connecting;
    if (this.isConnected) return Promise.resolve();
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.connecting = this.connectOnce().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  /** Drops the connection (if any) and connects again at once, as after a change of settings. */
  async reconnect(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    client?.close();
    this.attempt = 0;
    await this.connecting;
    await this.connectNow();
  }

  /** Resolves once connected, or rejects after `timeoutMs`. */
  async whenConnected(timeoutMs = 30_000): Promise<DaemonClient> {
    if (this.isConnected && this.client) return this.client;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        sub.dispose();
        reject(new DaemonConnectionError(`not connected to the Signet daemon: ${describeState(this.currentState)}`));
      }, timeoutMs);
      const sub = this.onDidConnect((client) => {
        clearTimeout(timer);
        sub.dispose();
        resolve(client);
      });
      void this.connectNow();
    });
  }

  request<M extends MethodName>(method: M, params: MethodParams<M>, options: { timeoutMs?: number } = {}): Promise<MethodResults[M]> {
    const client = this.client;
    if (!client || !client.isOpen) {
      return Promise.reject(new DaemonConnectionError(`not connected to the Signet daemon (${describeState(this.currentState)})`));
    }
    return client.request(method, params, { timeoutMs: options.timeoutMs ?? 30_000 });
  }

  onNotification<N extends NotificationName>(name: N, handler: (params: Notifications[N]) => void): Disposable {
    let set = this.handlers.get(name);
    if (!set) this.handlers.set(name, (set = new Set()));
    const entry = handler as (params: never) => void;
    set.add(entry);
    return { dispose: () => set.delete(entry) };
  }

  /** Stops the running daemon (it denies what is pending) so that the next connect starts a fresh one. */
  async restartDaemon(): Promise<void> {
    const { home } = this.settings();
    const runtime = await findRunningDaemon(home);
    this.client?.close();
    if (runtime) {
      this.log.info(`stopping the Signet daemon (pid ${runtime.pid}) for a restart`);
      try {
        process.kill(runtime.pid, 'SIGTERM');
      } catch (error) {
        this.log.warn(`could not stop pid ${runtime.pid}: ${(error as Error).message}`);
      }
      for (let i = 0; i < 100 && (await findRunningDaemon(home)); i++) await new Promise((r) => setTimeout(r, 100));
    }
    this.attempt = 0;
    await this.connectNow();
  }

  private setState(state: ConnectionState): void {
    this.currentState = state;
    this.stateChanged.fire(state);
  }

  private async connectOnce(): Promise<void> {
    this.attempt++;
    this.setState({ kind: 'connecting', attempt: this.attempt });
    const settings = this.settings();
    let client: DaemonClient | undefined;
    try {
      let runtime: DaemonRuntimeFile | undefined;
      let startedByUs = false;
      if (settings.cliPath) {
        const ensured = await ensureDaemon({
          home: settings.home,
          cliPath: settings.cliPath,
          ...(settings.runtime ? { runtime: settings.runtime } : {}),
          ...(settings.keystore ? { keystore: settings.keystore } : {}),
          ...(settings.approvalTimeoutSeconds ? { approvalTimeoutSeconds: settings.approvalTimeoutSeconds } : {}),
          log: (line) => this.log.info(line),
        });
        runtime = ensured.runtime;
        startedByUs = ensured.started;
        if (startedByUs) this.log.info(`started the Signet daemon (pid ${runtime.pid}) on port ${runtime.port} for ${settings.home}`);
      } else {
        runtime = await findRunningDaemon(settings.home);
        if (!runtime) throw new DaemonConnectionError(`no Signet daemon runs for ${settings.home} (${homePaths(settings.home).runtime} is missing), and starting one is turned off`);
      }
      const token = await readUiTokenOf(settings.home);
      client = await DaemonClient.connect({ port: runtime.port, token, connectTimeoutMs: 5000 });
      const opened = client;
      opened.onProtocolError((error) => this.log.warn(error.message));
      for (const name of NOTIFICATIONS) opened.onNotification(name, (params) => this.dispatch(name, params));
      const status = await opened.request('daemon/status', {}, { timeoutMs: 10_000 });
      if (status.role !== 'ui') throw new Error(`the daemon accepted this window as "${status.role}", not as a UI client; the UI token is wrong`);
      if (settings.window) await this.describeWindow(opened, settings.window);
      if (this.disposed) {
        opened.close();
        return;
      }
      this.client = opened;
      this.attempt = 0;
      opened.onClose((reason) => this.handleClose(opened, reason));
      this.log.info(`connected to signetd ${status.version} (pid ${status.pid}, keystore ${status.keystore}) at 127.0.0.1:${runtime.port}`);
      this.setState({ kind: 'connected', status, runtime, startedByUs });
      this.connected.fire(opened);
    } catch (error) {
      client?.close();
      if (this.disposed) return;
      this.scheduleRetry(error);
    }
  }

  /** States the window before any decision can be made on this connection; an older daemon only lacks the name. */
  private async describeWindow(client: DaemonClient, window: ClientDescribeParams): Promise<void> {
    try {
      const described = await client.request('client/describe', window, { timeoutMs: 10_000 });
      if (described.consistent) this.log.info(`decisions from this window are recorded as made by ${described.decider}`);
      else this.log.warn(`the daemon does not see this window's process where it says it is: decisions are recorded as ${described.decider}`);
    } catch (error) {
      this.log.warn(`the daemon did not take this window's description (${(error as Error).message}); its decisions will be recorded by process only`);
    }
  }

  private dispatch(name: NotificationName, params: unknown): void {
    for (const handler of [...(this.handlers.get(name) ?? [])]) {
      try {
        (handler as (p: unknown) => void)(params);
      } catch (error) {
        this.log.error(`a handler of ${name} failed: ${(error as Error).stack ?? String(error)}`);
      }
    }
  }

  private handleClose(client: DaemonClient, reason: string): void {
    if (client !== this.client) return;
    this.client = undefined;
    if (this.disposed) return;
    this.log.warn(`the connection to the Signet daemon closed: ${reason}`);
    this.scheduleRetry(new DaemonConnectionError(`the connection closed (${reason})`));
  }

  private scheduleRetry(error: unknown): void {
    const keystore = keystoreProblem(error);
    // A keychain that is missing or locked will not fix itself within seconds: retry slowly.
    const delay = keystore ? Math.max(30_000, backoffDelay(this.attempt)) : backoffDelay(this.attempt);
    const retryAt = Date.now() + delay;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.connectNow();
    }, delay);
    const message = error instanceof Error ? error.message : String(error);
    if (keystore) {
      this.log.error(`${keystore.message} — retrying in ${Math.round(delay / 1000)} s`);
      this.setState({ kind: 'keystore-unavailable', message: keystore.message, fix: keystore.fix, retryAt });
    } else {
      this.log.warn(`cannot reach the Signet daemon: ${message} — retrying in ${Math.round(delay / 1000)} s`);
      this.setState({ kind: 'disconnected', reason: message, retryAt, ...(error instanceof DaemonStartError ? { startFailed: true } : {}) });
    }
  }

  dispose(): void {
    this.disposed = true;
    clearTimeout(this.retryTimer);
    this.client?.close();
    this.client = undefined;
    this.stateChanged.dispose();
    this.connected.dispose();
    this.handlers.clear();
  }
}

function keystoreProblem(error: unknown): { message: string; fix: string } | undefined {
  if (error instanceof KeystoreUnavailableError) return { message: error.message, fix: error.fix };
  if (error instanceof DaemonRequestError && error.code === SignetErrorCode.KeystoreUnavailable) {
    return { message: error.message, fix: error.data?.fix ?? '' };
  }
  // The daemon refuses to start without its keychain: it says why, with the fix, on stderr, and exits with the
  // keystore's own exit code, which is what tells this case from the others.
  if (error instanceof DaemonStartError && error.exitCode === ExitCode.KeystoreUnavailable) {
    return { message: error.message, fix: error.daemonOutput };
  }
  return undefined;
}

export function describeState(state: ConnectionState): string {
  switch (state.kind) {
    case 'connecting':
      return 'connecting';
    case 'connected':
      return `connected to pid ${state.status.pid}`;
    case 'disconnected':
      return state.reason;
    case 'keystore-unavailable':
      return state.message;
  }
}
