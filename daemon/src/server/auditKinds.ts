// The kinds of audit record, in a file of its own with no dependencies, so that the webview can list
// them without bundling the protocol's schema library.
export const AUDIT_KINDS = [
  'daemon.started',
  'daemon.stopped',
  'identity.created',
  'identity.removed',
  'delegation.issued',
  'delegation.revoked',
  'approval.requested',
  'approval.decided',
  'authorize.allowed',
  'authorize.denied',
  'log.truncated',
  'log.reanchored',
  'call.outcome',
] as const;
