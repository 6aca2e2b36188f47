// The audit log's errors: a stable code for each way it can fail, and for a log that was changed, how to recover.
// The RPC boundary (server/wireErrors.ts) turns them into wire errors with the fix as typed data.
export const LOG_FILE = 'audit.log';
export const CHECKPOINT_FILE = 'checkpoint';

export type AuditLogErrorCode = 'closed' | 'invalid-entry' | 'write-failed' | 'unusable' | 'corrupt' | 'inconsistent' | 'unanchored' | 'index-unavailable';

export class AuditLogError extends Error {
  override name = 'AuditLogError';
  constructor(
    readonly code: AuditLogErrorCode,
    message: string,
    options?: ErrorOptions & { fix?: string; data?: { seq?: number | null; anchoredSize?: number; records?: number } },
  ) {
    super(options?.fix !== undefined ? `${message}. To recover: ${options.fix}` : message, options);
    if (options?.fix !== undefined) this.fix = options.fix;
    if (options?.data !== undefined) this.data = options.data;
  }

  /** How to recover, for errors that refuse to open a log that was changed. */
  readonly fix?: string;
  readonly data?: { seq?: number | null; anchoredSize?: number; records?: number };

  /** The log refused to open because it was changed: the daemon refuses to start on it (`signet` exits 7). */
  get refusedStart(): boolean {
    return this.fix !== undefined;
  }
}

/** What to tell a user whose log no longer extends its anchor or its own checkpoint. */
export const REANCHOR_FIX =
  'run `signet audit verify` to see what changed, then `signet audit reanchor` (with the daemon stopped) to go on recording from the log as it is now; reanchoring records what was lost in the log itself';

/** A failure's errno code, or its message: short enough to name inside a sentence. */
export function describe(error: unknown): string {
  if (error instanceof Error) return (error as NodeJS.ErrnoException).code ?? error.message;
  return String(error);
}
