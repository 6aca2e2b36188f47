// What the Protection view shows for a doctor report, without the editor: one node per client that is set up
// here (and one for Signet itself), under it one node per server, hook event or check, each green or red. Red
// nodes say what Signet can do: `protectable` ones get Protect (signet protect fixes them), the others Show Fix.
import type { ClientReport, DoctorItem, DoctorReport, EnvironmentCheck } from '../../../daemon/src/doctor/doctorReport';

export type ProtectionNode =
  | { kind: 'client'; id: string; client: ClientReport }
  | { kind: 'signet'; id: string; checks: EnvironmentCheck[] }
  | { kind: 'item'; id: string; item: DoctorItem }
  | { kind: 'check'; id: string; check: EnvironmentCheck };

/** The context value a node's menus are chosen by (package.json `viewItem`). */
export type ProtectionContext = 'signet.protection.ok' | 'signet.protection.protectable' | 'signet.protection.fixOnly' | 'signet.protection.group';

export interface NodeLook {
  label: string;
  description: string;
  tooltip: string;
  ok: boolean;
  contextValue: ProtectionContext;
  collapsible: boolean;
}

export function rootNodes(report: DoctorReport): ProtectionNode[] {
  const clients: ProtectionNode[] = report.clients.filter((c) => c.found).map((client) => ({ kind: 'client', id: `client:${client.client}`, client }));
  return [...clients, { kind: 'signet', id: 'signet', checks: report.environment }];
}

export function childNodes(node: ProtectionNode): ProtectionNode[] {
  if (node.kind === 'client') return node.client.items.map((item) => ({ kind: 'item', id: item.id, item }));
  if (node.kind === 'signet') return node.checks.map((check) => ({ kind: 'check', id: `check:${check.name}`, check }));
  return [];
}

/** How many things the report finds unprotected or unhealthy, for the status bar. */
export function problemCount(report: DoctorReport): number {
  return report.clients.flatMap((c) => c.items).filter((i) => !i.ok).length + report.environment.filter((e) => !e.ok).length;
}

function contextOf(ok: boolean, protectable: boolean, hasFix: boolean): ProtectionContext {
  if (ok) return 'signet.protection.ok';
  if (protectable) return 'signet.protection.protectable';
  return hasFix ? 'signet.protection.fixOnly' : 'signet.protection.ok';
}

function itemLook(item: DoctorItem): NodeLook {
  const probe = item.probe ? (item.probe.ok ? ' · probe refused ✓' : ` · probe ${item.probe.outcome === 'went-through' ? 'went through' : item.probe.outcome} ✗`) : '';
  const lines = [`${item.kind === 'server' ? 'MCP server' : 'Hook'} ${item.name}: ${item.summary}${probe}`, ...(item.path ? [item.path] : []), ...item.problems.map((p) => `• ${p}`)];
  if (!item.ok && item.fix) lines.push(`Fix: ${item.fix}`);
  return {
    label: `${item.kind === 'server' ? 'server' : 'hook'} ${item.name}`,
    description: `${item.summary}${probe}`,
    tooltip: lines.join('\n'),
    ok: item.ok,
    contextValue: contextOf(item.ok, item.protect !== undefined, item.fix !== undefined),
    collapsible: false,
  };
}

export function nodeLook(node: ProtectionNode): NodeLook {
  switch (node.kind) {
    case 'client': {
      const bad = node.client.items.filter((i) => !i.ok).length;
      const ok = bad === 0;
      return { label: node.client.label, description: ok ? 'protected' : `${bad} unprotected`, tooltip: `${node.client.label}: ${ok ? 'every server and hook is protected' : `${bad} item(s) need attention`}`, ok, contextValue: 'signet.protection.group', collapsible: true };
    }
    case 'signet': {
      const bad = node.checks.filter((c) => !c.ok).length;
      return { label: 'Signet', description: bad ? `${bad} problem(s)` : 'daemon, keychain and audit log healthy', tooltip: 'The daemon, the keychain and the audit log', ok: bad === 0, contextValue: 'signet.protection.group', collapsible: true };
    }
    case 'item':
      return itemLook(node.item);
    case 'check':
      return { label: node.check.name, description: node.check.summary, tooltip: `${node.check.summary}${node.check.fix && !node.check.ok ? `\nFix: ${node.check.fix}` : ''}`, ok: node.check.ok, contextValue: contextOf(node.check.ok, false, node.check.fix !== undefined), collapsible: false };
  }
}

/** The text Show Fix shows: what is wrong and what to do. */
export function fixText(node: ProtectionNode): { title: string; detail: string; command?: string } | undefined {
  if (node.kind === 'item' && !node.item.ok) {
    const command = node.item.fix?.startsWith('signet ') ? node.item.fix.replace(/ \(.*\)$/, '') : undefined;
    return { title: `${node.item.kind === 'server' ? 'MCP server' : 'Hook'} ${node.item.name}: ${node.item.summary}`, detail: [...node.item.problems, ...(node.item.fix ? ['', `Fix: ${node.item.fix}`] : [])].join('\n'), ...(command ? { command } : {}) };
  }
  if (node.kind === 'check' && !node.check.ok) return { title: `${node.check.name}: ${node.check.summary}`, detail: node.check.fix ?? '' };
  return undefined;
}

/**
 * True when a new report would draw a different tree. Redrawing an unchanged tree is not harmless: the workbench
 * forgets which element each row stands for until it has fetched the rows again, and a Protect clicked on a row
 * in that moment reaches the extension with no item at all.
 */
export function reportChanged(previous: DoctorReport | undefined, next: DoctorReport): boolean {
  return previous === undefined || JSON.stringify(previous) !== JSON.stringify(next);
}
