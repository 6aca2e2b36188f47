// The one place where a failure inside the daemon becomes an error on the wire. Handlers throw what they
// throw (an IdentityError, a KeystoreError, an AuditLogError, an RpcError); the dispatcher hands every one of
// them to `wireErrorOf`, which picks the stable code from the error's own kind, never from its message, and
// carries the fix along as typed `data`.
import { AuditLogError, type AuditLogErrorCode } from '../audit/auditLog';
import { IdentityError, keystoreFix } from '../keys/identities';
import { KeystoreError } from '../keys/keystoreError';
import { SignetErrorCode, type JsonRpcError, type SignetErrorData } from './protocol';

/** An error meant for the client: a stable code, a sentence, and optional typed data. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: SignetErrorData,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'RpcError';
  }
}

const auditCodes: Record<AuditLogErrorCode, { code: SignetErrorCode; fix?: string }> = {
  // The caller asked for what is not there (a proof beyond the tree): their input, not the log's state.
  'invalid-entry': { code: SignetErrorCode.InvalidArgument },
  // The log closes only when the daemon stops.
  closed: { code: SignetErrorCode.ShuttingDown },
  'write-failed': { code: SignetErrorCode.AuditUnavailable, fix: 'check that the disk holding the Signet home has room and is writable, then try again' },
  unusable: { code: SignetErrorCode.AuditUnavailable, fix: 'restart the daemon ("Signet: Restart Daemon" or `signet daemon`); it repairs the log at start' },
  corrupt: { code: SignetErrorCode.AuditUnavailable, fix: 'run `signet audit verify` to see which record is damaged' },
  inconsistent: { code: SignetErrorCode.AuditUnavailable, fix: 'run `signet audit verify` to see where the log and its checkpoint disagree' },
  unanchored: { code: SignetErrorCode.AuditUnavailable, fix: 'run `signet audit verify` to see where the log and its anchored checkpoint disagree, then `signet audit reanchor`' },
  'index-unavailable': { code: SignetErrorCode.AuditUnavailable, fix: 'restart the daemon, which rebuilds the Merkle index from the records' },
};

/**
 * The wire error for anything a handler threw, or undefined for an error nobody foresaw (the dispatcher logs
 * those and answers Internal).
 */
export function wireErrorOf(error: unknown): JsonRpcError | undefined {
  if (error instanceof RpcError) return withData(error.code, error.message, error.data);
  if (error instanceof KeystoreError) {
    return withData(SignetErrorCode.KeystoreUnavailable, error.message, { fix: error.fix, cause: error.code });
  }
  if (error instanceof IdentityError) {
    switch (error.kind) {
      case 'unknown-agent':
        return withData(SignetErrorCode.UnknownAgent, error.message, { cause: error.kind });
      case 'agent-exists':
        return withData(SignetErrorCode.AgentExists, error.message, { cause: error.kind });
      case 'reserved-name':
        return withData(SignetErrorCode.InvalidArgument, error.message, { cause: error.kind });
      case 'key-missing':
        return withData(SignetErrorCode.KeystoreUnavailable, error.message, { fix: keystoreFix(error), cause: error.kind });
    }
  }
  if (error instanceof AuditLogError) {
    const { code, fix } = auditCodes[error.code];
    return withData(code, error.message, { ...(fix ? { fix } : {}), cause: error.code });
  }
  return undefined;
}

function withData(code: number, message: string, data: SignetErrorData | undefined): JsonRpcError {
  return { code, message, ...(data && Object.keys(data).length ? { data } : {}) };
}
