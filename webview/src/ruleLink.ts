// The link from a denied or asked event to the owner policy rule behind it ("rule no-dotenv · defaults.cedar:12"):
// clicking it asks the extension to open the rule's file at its line. Built-in rules (which have no file) are
// named without a link.
import type { AuditRecord } from '../../daemon/src/server/protocol';
import type { WebviewToExtension } from './protocol';
import { openable, ruleOf } from './recordRule';

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
