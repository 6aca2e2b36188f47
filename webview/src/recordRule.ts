// Which owner policy rule decided an audit record, read from the record's `data.policy` (the daemon writes it),
// and whether the extension may open its file: only `.cedar` files by absolute path, at a positive line; built-in
// rules have no file. DOM-free, so it is tested under plain Node.
import type { AuditRecord } from '../../daemon/src/server/protocol';

export interface RecordRule {
  id: string;
  file: string;
  line: number;
  outcome: 'deny' | 'ask';
}

/** Events a rule can have decided: a denial, a prompt it asked for, and that prompt's decision. */
const RULE_KINDS = new Set(['authorize.denied', 'approval.requested', 'approval.decided']);

export function ruleOf(record: AuditRecord): RecordRule | undefined {
  if (!RULE_KINDS.has(record.kind)) return undefined;
  const policy = record.data.policy;
  if (typeof policy !== 'object' || policy === null) return undefined;
  const rule = (policy as { rule?: unknown }).rule;
  if (typeof rule !== 'object' || rule === null) return undefined;
  const { id, file, line, outcome } = rule as Record<string, unknown>;
  if (typeof id !== 'string' || typeof file !== 'string' || typeof line !== 'number' || (outcome !== 'deny' && outcome !== 'ask')) return undefined;
  return { id, file, line, outcome };
}

/** Whether the rule has a file the extension may open. */
export function openable(rule: RecordRule): boolean {
  return rule.file.startsWith('/') && rule.file.endsWith('.cedar') && Number.isInteger(rule.line) && rule.line > 0;
}
