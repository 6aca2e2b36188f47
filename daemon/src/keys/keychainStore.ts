import { AsyncEntry } from '@napi-rs/keyring';
import { preflightSecretService } from './dbusPreflight';
import type { PreflightResult } from './dbusPreflight';
import { HEADLESS_FIX, KeystoreError } from './keystoreError';
import type { KeystoreErrorCode } from './keystoreError';
import { checkAccount, checkSecret, decodeSecret, encodeSecret } from './secretEncoding';
import type { SecretStore } from './secretStore';

export interface KeychainStoreOptions {
  /** The keychain "service" every entry is filed under; tests pass their own to stay isolated. */
  service?: string;
  /** Upper bound for one call (get, set, delete, probe), in milliseconds. */
  timeoutMs?: number;
  /** Overrides `process.platform`, for the description only. */
  platform?: NodeJS.Platform;
}

export const DEFAULT_KEYCHAIN_SERVICE = 'signet';
export const DEFAULT_KEYCHAIN_TIMEOUT_MS = 5_000;

/**
 * The account of a harmless marker entry. A Secret Service answers "no such item" for a locked keyring
 * too (gnome-keyring searches hashed attributes; other implementations may hide locked items
 * altogether), so a `null` is only trusted once this marker could be read or written: that proves the
 * keyring was unlocked and answering at that moment.
 */
export const KEYCHAIN_MARKER_ACCOUNT = 'signet-keychain-check';
const MARKER_SECRET = new TextEncoder().encode('Signet keeps this entry to tell a locked keychain from an empty one.');

type Operation = 'read' | 'write' | 'delete' | 'check';

/**
 * Secrets in the OS keychain through `@napi-rs/keyring`: the Secret Service on Linux (pinned, so it
 * never silently falls back to the kernel keyring, which forgets everything at reboot), the macOS
 * Keychain, the Windows Credential Manager. Secrets are stored as base64 text.
 */
export class KeychainStore implements SecretStore {
  readonly kind = 'keychain';
  readonly service: string;
  readonly timeoutMs: number;
  private readonly platform: NodeJS.Platform;
  /** Constructing an entry blocks the thread for 8–16 ms (it opens a D-Bus session), so keep them. */
  private readonly entries = new Map<string, AsyncEntry>();

  constructor(options: KeychainStoreOptions = {}) {
    this.service = options.service ?? DEFAULT_KEYCHAIN_SERVICE;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_KEYCHAIN_TIMEOUT_MS;
    this.platform = options.platform ?? process.platform;
    if (this.service.length === 0) throw new TypeError('The keychain service name must not be empty.');
    if (!(this.timeoutMs > 0)) throw new RangeError('The keychain timeout must be a positive number of milliseconds.');
  }

  async get(account: string): Promise<Uint8Array | null> {
    checkReservedAccount(account);
    const deadline = Date.now() + this.timeoutMs;
    const text = await this.call(account, 'read', deadline, (entry, signal) => entry.getPassword(signal));
    if (text !== null) return decodeSecret(text, { account, store: this.describe(), fix: this.corruptFix(account) });
    await this.confirmOpen(deadline, account);
    return null;
  }

  async set(account: string, secret: Uint8Array): Promise<void> {
    checkReservedAccount(account);
    checkSecret(secret);
    const deadline = Date.now() + this.timeoutMs;
    await this.call(account, 'write', deadline, (entry, signal) => entry.setPassword(encodeSecret(secret), signal));
  }

  async delete(account: string): Promise<boolean> {
    checkReservedAccount(account);
    const deadline = Date.now() + this.timeoutMs;
    return this.call(account, 'delete', deadline, (entry, signal) => entry.deleteCredential(signal));
  }

  describe(): string {
    switch (this.platform) {
      case 'linux':
        return `Secret Service (org.freedesktop.secrets), service '${this.service}'`;
      case 'darwin':
        return `macOS Keychain, service '${this.service}'`;
      case 'win32':
        return `Windows Credential Manager, service '${this.service}'`;
      default:
        return `OS keychain, service '${this.service}'`;
    }
  }

  /**
   * Reads (and on first use writes) the marker entry, so that a missing, locked or hung keychain is
   * reported when the daemon starts rather than at its first signature. On a desktop this is also when
   * an unlock prompt appears; pass a longer `timeoutMs` to leave the user time to answer it.
   */
  async probe(options: { timeoutMs?: number } = {}): Promise<void> {
    await this.confirmOpen(Date.now() + (options.timeoutMs ?? this.timeoutMs), undefined);
  }

  /** Proves the keychain is unlocked and answering, by reading the marker entry or writing it. */
  private async confirmOpen(deadline: number, forAccount: string | undefined): Promise<void> {
    const seen = await this.call(KEYCHAIN_MARKER_ACCOUNT, 'check', deadline, (entry, signal) => entry.getPassword(signal), forAccount);
    if (seen !== null) return;
    await this.call(KEYCHAIN_MARKER_ACCOUNT, 'check', deadline, (entry, signal) => entry.setPassword(encodeSecret(MARKER_SECRET), signal), forAccount);
    const readBack = await this.call(KEYCHAIN_MARKER_ACCOUNT, 'check', deadline, (entry, signal) => entry.getPassword(signal), forAccount);
    if (readBack === null) {
      throw this.error('io', forAccount, 'check', 'the keychain accepted an entry but then did not return it', undefined);
    }
  }

  /**
   * Runs one keychain call with what is left of the deadline. The library's calls cannot really be
   * cancelled (an aborted call still finishes on its worker thread), so the deadline is enforced here
   * and the caller gets a `timeout` error while the library gives up on its own.
   */
  private async call<T>(
    account: string,
    operation: Operation,
    deadline: number,
    run: (entry: AsyncEntry, signal: AbortSignal) => Promise<T>,
    reportAs: string | undefined = account,
  ): Promise<T> {
    const entry = await this.entryFor(account, operation, deadline, reportAs);
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw this.timeoutError(reportAs, operation);
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(this.timeoutError(reportAs, operation));
      }, remaining);
    });
    try {
      return await Promise.race([run(entry, controller.signal), expired]);
    } catch (error) {
      // A failed entry may hold a dead session (a restarted keyring); build a fresh one next time.
      this.entries.delete(account);
      if (error instanceof KeystoreError) throw error;
      throw this.classify(error, reportAs, operation);
    } finally {
      clearTimeout(timer);
    }
  }

  private async entryFor(account: string, operation: Operation, deadline: number, reportAs: string | undefined): Promise<AsyncEntry> {
    checkAccount(account);
    const cached = this.entries.get(account);
    if (cached) return cached;
    if (this.platform === 'linux') {
      // The entry constructor blocks the thread while it talks to D-Bus; make sure somebody answers first.
      const result = await preflightSecretService(process.env.DBUS_SESSION_BUS_ADDRESS, Math.max(1, deadline - Date.now()));
      if (!result.ok && result.reason !== 'unsupported') throw this.preflightError(result, reportAs, operation);
    }
    let entry: AsyncEntry;
    try {
      entry = new AsyncEntry(this.service, account, { linux: { store: 'secret-service' } });
    } catch (error) {
      throw this.classify(error, reportAs, operation);
    }
    this.entries.set(account, entry);
    return entry;
  }

  private preflightError(result: Exclude<PreflightResult, { ok: true }>, account: string | undefined, operation: Operation): KeystoreError {
    const cause = 'cause' in result ? result.cause : undefined;
    switch (result.reason) {
      case 'no-address':
      case 'unreachable-bus':
        return this.error('no-session-bus', account, operation, result.detail, cause ?? new Error(result.detail));
      case 'no-service':
        return this.error('no-secret-service', account, operation, result.detail, new Error(result.detail));
      case 'bus-timeout':
      case 'service-timeout': {
        const detail = `${result.detail} within ${this.timeoutMs} ms`;
        return this.error('timeout', account, operation, detail, new Error(detail));
      }
      case 'unsupported':
        return this.error('io', account, operation, result.detail, new Error(result.detail));
    }
  }

  /** Turns what the keyring library threw into the error a person can act on. */
  private classify(error: unknown, account: string | undefined, operation: Operation): KeystoreError {
    const text = messageChain(error);
    const code = codeForLibraryMessage(text);
    return this.error(code, account, operation, text, error);
  }

  private timeoutError(account: string | undefined, operation: Operation): KeystoreError {
    return this.error('timeout', account, operation, `no answer within ${this.timeoutMs} ms`, new Error(`keychain call timed out after ${this.timeoutMs} ms`));
  }

  private error(code: KeystoreErrorCode, account: string | undefined, operation: Operation, detail: string, cause: unknown): KeystoreError {
    const what = operation === 'check' || account === undefined
      ? `Signet could not use the ${this.describe()}`
      : `Signet could not ${VERBS[operation]} '${account}' in the ${this.describe()}`;
    return new KeystoreError({ code, account, problem: `${what}: ${PROBLEMS[code]} (${detail}).`, fix: this.fixFor(code), cause });
  }

  private fixFor(code: KeystoreErrorCode): string {
    const isLinux = this.platform === 'linux';
    switch (code) {
      case 'no-session-bus':
        return `Run Signet inside your desktop session, where GNOME Keyring or KWallet runs, or start a session bus with a keyring (dbus-run-session, then gnome-keyring-daemon --unlock --components=secrets). ${HEADLESS_FIX}`;
      case 'no-secret-service':
        return `Start a Secret Service: GNOME Keyring (gnome-keyring-daemon --start --components=secrets), KWallet, or KeePassXC with its Secret Service integration enabled. ${HEADLESS_FIX}`;
      case 'locked':
        return isLinux
          ? "Unlock your login keyring (Passwords and Keys / Seahorse, or KWallet) and try again; a headless session can unlock GNOME Keyring with 'gnome-keyring-daemon --unlock --components=secrets', which reads the password on standard input. If there is no login keyring yet, create one first."
          : 'Unlock your keychain and try again.';
      case 'timeout':
        return isLinux
          ? `If an unlock prompt is waiting, answer it and try again. Otherwise the keyring (or the session bus) is hung: restart it, e.g. gnome-keyring-daemon --replace --components=secrets. ${HEADLESS_FIX}`
          : 'If an unlock prompt is waiting, answer it and try again; otherwise restart the keychain service.';
      case 'corrupt':
        return `Remove the duplicate or damaged entries of service '${this.service}' with your keychain manager, knowing that the identity in a removed entry is lost.`;
      case 'permissions':
        return 'Allow Signet to access the keychain (your keychain manager asks or lists the allowed applications) and try again.';
      case 'io':
        return isLinux
          ? `Check that the keyring works (for example: secret-tool store --label=test signet-check 1, then secret-tool lookup signet-check 1) and try again. ${HEADLESS_FIX}`
          : 'Check that the keychain works and try again.';
    }
  }

  private corruptFix(account: string): string {
    return `Another program changed the entry '${account}' of service '${this.service}'. Restore it from a backup of your keychain; removing it loses the identity it held.`;
  }
}

const VERBS: Record<Operation, string> = { read: 'read', write: 'store', delete: 'delete', check: 'check' };

const PROBLEMS: Record<KeystoreErrorCode, string> = {
  'no-session-bus': 'there is no D-Bus session bus to reach the keychain through',
  'no-secret-service': 'no Secret Service (org.freedesktop.secrets) runs on the session bus',
  locked: 'the keyring is locked and was not unlocked (the unlock prompt was dismissed or could not be shown)',
  timeout: 'the keychain did not answer in time',
  io: 'the keychain reported an error',
  corrupt: 'the keychain holds more than one entry, or an unreadable one, for this name',
  permissions: 'the keychain refused Signet access',
};

/**
 * The library reports every failure with the same code ("GenericFailure"), so the cause is read from
 * the messages of keyring-rs and libdbus. Anything not recognised is `io`, which is still an error: an
 * unknown failure must never turn into "no such entry".
 */
export function codeForLibraryMessage(text: string): KeystoreErrorCode {
  if (/DBUS_SESSION_BUS_ADDRESS|autolaunch|Failed to connect to socket|Connection refused|Could not connect/i.test(text)) return 'no-session-bus';
  if (/org\.freedesktop\.secrets was not provided|ServiceUnknown|NameHasNoOwner|The name \S+ was not provided/i.test(text)) return 'no-secret-service';
  if (/prompt was dismissed|is locked|locked collection|User interaction is not allowed|no result found/i.test(text)) return 'locked';
  if (/Did not receive a reply|NoReply|timed? ?out/i.test(text)) return 'timeout';
  if (/Ambiguous|more than one|Bad encoding|Invalid UTF-8/i.test(text)) return 'corrupt';
  if (/Access denied|not permitted|AccessDenied/i.test(text)) return 'permissions';
  return 'io';
}

function messageChain(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 5; depth += 1) {
    const message = current instanceof Error ? current.message : String(current);
    if (!parts.some((part) => part.includes(message))) parts.push(message);
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join(': ');
}

function checkReservedAccount(account: string): void {
  checkAccount(account);
  if (account === KEYCHAIN_MARKER_ACCOUNT) {
    throw new RangeError(`The account name '${KEYCHAIN_MARKER_ACCOUNT}' is reserved for the keychain check.`);
  }
}
