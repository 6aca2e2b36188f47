// The link from a denied or asked event to the owner policy rule behind it ("rule no-dotenv · defaults.cedar:12"):
// clicking it asks the extension to open the rule's file at its line. The rule is read from the audit record's
// `data.policy`, which the daemon writes; only `.cedar` files by absolute path make a link, and built-in rules
// (which have no file) are named without one.
import type { AuditRecord } from '../../daemon/src/server/protocol';
import type { WebviewToExtension } from './protocol';

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

function fileName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Fills the row's rule cell: a link to the rule, plain text for a built-in one, or nothing. */
export function renderRuleLink(cell: HTMLElement, record: AuditRecord, post: (message: WebviewToExtension) => void): void {
  const rule = ruleOf(record);
  cell.replaceChildren();
  cell.hidden = rule === undefined;
  if (!rule) return;
  const verb = rule.outcome === 'deny' ? 'denied' : 'asked';
  if (!openable(rule)) {
    cell.textContent = `rule ${rule.id}`;
    cell.title = `${verb} by the built-in rule ${rule.id}`;
    return;
  }
  const link = document.createElement('a');
  link.href = '#';
  link.className = 'rule-link';
  link.textContent = `rule ${rule.id} · ${fileName(rule.file)}:${rule.line}`;
  link.title = `${verb} by rule ${rule.id} in ${rule.file}:${rule.line}: open it`;
  link.setAttribute('aria-label', `open rule ${rule.id}, ${fileName(rule.file)} line ${rule.line}`);
  link.addEventListener('click', (event) => {
    event.preventDefault();
    event.stopPropagation();
    post({ type: 'openRule', file: rule.file, line: rule.line });
  });
  cell.append(link);
}
