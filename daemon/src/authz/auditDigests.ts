// What the authorizer's records hold of a call: the arguments with long strings digested (the log keeps what was
// asked, not file bodies), and the owner policy's verdict as a record field.
import { createHash } from 'node:crypto';
import type { PolicyRuleRef } from '../server/protocol';
import type { PolicyVerdict } from '../policy/ownerPolicy';

/** The owner policy's part of an audit record: the deciding rule, where it is written, and why. */
export interface AuditedPolicy {
  outcome: 'deny' | 'ask' | 'allow';
  rule: PolicyRuleRef;
  reason: string;
  matched: string[];
  shell?: { commands: string[]; opaque: string[] };
}

export function policyRecord(verdict: PolicyVerdict): AuditedPolicy | undefined {
  if (verdict.outcome === 'none' || !verdict.rule) return undefined;
  return {
    outcome: verdict.outcome,
    rule: { id: verdict.rule.id, file: verdict.rule.file, line: verdict.rule.line, outcome: verdict.rule.outcome, ...(verdict.rule.reason ? { reason: verdict.rule.reason } : {}) },
    reason: verdict.reason,
    matched: verdict.matched.map((r) => r.id),
    ...(verdict.shell ? { shell: verdict.shell } : {}),
  };
}

/** Invocation envelopes up to this size (base64) are copied into `authorize.allowed` records. */
export const AUDIT_TOKEN_LIMIT = 16 * 1024;

/** Strings longer than this are recorded by digest: the audit log keeps what was asked, not file bodies. */
const AUDIT_STRING_LIMIT = 1024;

/** The arguments as the audit log records them: structure and short values verbatim, long strings digested. */
export function auditableArgs(value: unknown): unknown {
  // Nearly always nothing is that long, and the arguments go into the record as they are, uncopied.
  return holdsLongString(value) ? withLongStringsDigested(value) : value;
}

function holdsLongString(value: unknown): boolean {
  if (typeof value === 'string') return value.length > AUDIT_STRING_LIMIT;
  if (Array.isArray(value)) return value.some(holdsLongString);
  if (value && typeof value === 'object') {
    for (const k of Object.keys(value)) if (holdsLongString((value as Record<string, unknown>)[k])) return true;
  }
  return false;
}

function withLongStringsDigested(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.length <= AUDIT_STRING_LIMIT ? value : `<${value.length} characters, sha256:${createHash('sha256').update(value).digest('hex')}>`;
  }
  if (Array.isArray(value)) return value.map(withLongStringsDigested);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withLongStringsDigested(v)]));
  return value;
}
