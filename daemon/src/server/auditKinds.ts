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
  'probe.refused',
  /** A commit signed through `signet git-sign`: signer, invocation, payload digest, commit id. */
  'git.commit.signed',
  'call.outcome',
  /** An agent's SIGNET_AGENT_SECRET handed out (and rotated first, when asked) after a person approved it. */
  'agent.proof.issued',
] as const;
