// The "Agents" view: every agent, the delegations it holds (command, scope, expiry), and under each
// delegation the chain of issuers back to the user. It reloads on connect and whenever the audit log
// says identities or delegations changed.
import * as vscode from 'vscode';
import { outsideEditorWarning } from '../../../daemon/src/approvals/deciderText';
import type { AgentInfo, AuditKind, DelegationInfo, Principal } from '../../../daemon/src/server/protocol';
import type { DaemonConnection } from '../daemon/daemonConnection';
import { signingKeyLine } from '../../../daemon/src/git/signingKey';
import { clip, formatExpiry, shortCid, shortDid } from '../format';
import type { Log } from '../log';

export type AgentsNode =
  | { kind: 'agent'; agent: AgentInfo; delegations: DelegationInfo[] }
  | { kind: 'delegation'; delegation: DelegationInfo; chain: DelegationInfo[]; missingParent: string | undefined }
  | { kind: 'hop'; delegation: DelegationInfo; position: number };

/** Audit records after which the tree is out of date. */
const RELOAD_ON: ReadonlySet<AuditKind> = new Set<AuditKind>([
  'identity.created',
  'identity.removed',
  'delegation.issued',
  'delegation.revoked',
  'approval.decided',
  'authorize.allowed',
]);

/**
 * The chain of `leaf` up to the user, leaf first (the `prf` order), and the CID of a parent that could
 * not be found (so the tree says the chain is broken instead of silently looking complete).
 */
export function chainOf(leaf: DelegationInfo, byCid: ReadonlyMap<string, DelegationInfo>): { chain: DelegationInfo[]; missingParent: string | undefined } {
  const chain = [leaf];
  const seen = new Set([leaf.cid]);
  let current = leaf;
  while (current.parent !== null) {
    const parent = byCid.get(current.parent);
    if (!parent || seen.has(parent.cid)) return { chain, missingParent: current.parent };
    chain.push(parent);
    seen.add(parent.cid);
    current = parent;
  }
  return { chain, missingParent: undefined };
}

/** "user → planner → coder". */
export function chainLabel(chain: readonly DelegationInfo[]): string {
  const root = chain[chain.length - 1];
  if (!root) return '';
  return [root.issuer.name, ...[...chain].reverse().map((d) => d.audience.name)].join(' → ');
}

export class AgentsTreeProvider implements vscode.TreeDataProvider<AgentsNode>, vscode.Disposable {
  private agents: AgentInfo[] = [];
  private delegations: DelegationInfo[] = [];
  private user: Principal | undefined;
  private loaded = false;
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly changed = new vscode.EventEmitter<AgentsNode | undefined>();
  private readonly subscriptions: vscode.Disposable[] = [];
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly connection: DaemonConnection,
    private readonly log: Log,
    private readonly onUser: (user: Principal | undefined) => void,
  ) {
    this.subscriptions.push(
      connection.onDidConnect(() => this.scheduleReload(0)),
      connection.onDidChangeState((state) => {
        if (state.kind !== 'connected' && this.loaded) {
          this.loaded = false;
          this.changed.fire(undefined);
        }
      }),
      connection.onNotification('audit/didAppend', (record) => {
        if (RELOAD_ON.has(record.kind)) this.scheduleReload(150);
      }),
      this.changed,
    );
  }

  /** Everything the view shows now, for commands that pick from it. */
  snapshot(): { user: Principal | undefined; agents: AgentInfo[]; delegations: DelegationInfo[] } {
    return { user: this.user, agents: [...this.agents], delegations: [...this.delegations] };
  }

  scheduleReload(delayMs = 150): void {
    clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => void this.reload(), delayMs);
  }

  async reload(): Promise<void> {
    if (!this.connection.isConnected) return;
    try {
      const [list, delegations] = await Promise.all([
        this.connection.request('agent/list', {}),
        this.connection.request('delegation/list', {}),
      ]);
      this.user = list.user;
      this.agents = [...list.agents].sort((a, b) => a.name.localeCompare(b.name));
      this.delegations = delegations.delegations.filter((d) => !d.revoked);
      this.loaded = true;
      this.onUser(this.user);
      this.changed.fire(undefined);
    } catch (error) {
      this.log.warn(`could not load agents and delegations: ${(error as Error).message}`);
    }
  }

  getChildren(node?: AgentsNode): AgentsNode[] {
    if (!this.loaded) return [];
    const byCid = new Map(this.delegations.map((d) => [d.cid, d]));
    if (!node) {
      return this.agents.map((agent) => ({
        kind: 'agent',
        agent,
        delegations: this.delegations
          .filter((d) => d.audience.did === agent.did)
          .sort((a, b) => b.issuedAt.localeCompare(a.issuedAt)),
      }));
    }
    if (node.kind === 'agent') {
      return node.delegations.map((delegation) => ({ kind: 'delegation', delegation, ...chainOf(delegation, byCid) }));
    }
    if (node.kind === 'delegation') {
      // Root first, so the hops read as the chain of issuers from the user down to this agent.
      return [...node.chain].reverse().map((delegation, position) => ({ kind: 'hop', delegation, position }));
    }
    return [];
  }

  getTreeItem(node: AgentsNode): vscode.TreeItem {
    switch (node.kind) {
      case 'agent': {
        const item = new vscode.TreeItem(
          node.agent.name,
          node.delegations.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None,
        );
        // The editor keeps an item's expansion by id; an agent that gets its first delegation gets a new id,
        // so that it opens to show it instead of staying a leaf.
        item.id = `agent:${node.agent.name}${node.delegations.length ? '' : ':empty'}`;
        item.description = `${shortDid(node.agent.did)} · ${node.delegations.length} delegation${node.delegations.length === 1 ? '' : 's'}`;
        const outside = outsideEditorWarning(node.agent.outsideEditor);
        if (outside) item.description = `⚠ approved outside the editor · ${item.description}`;
        item.iconPath = outside ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')) : new vscode.ThemeIcon('hubot');
        item.contextValue = 'signet.agent';
        // The signing key is the DID's own key in OpenSSH's form: what `signet git pubkey` prints and commits carry.
        item.tooltip = new vscode.MarkdownString(`**${node.agent.name}**\n\n\`${node.agent.did}\`\n\ncreated ${node.agent.createdAt}${outside ? `\n\n⚠ ${escapeMd(outside)}` : ''}\n\ncommit signing key:\n\n\`${signingKeyLine(node.agent)}\``);
        item.accessibilityInformation = { label: `agent ${node.agent.name}, ${node.delegations.length} delegations${outside ? `, warning: ${outside}` : ''}` };
        return item;
      }
      case 'delegation': {
        const d = node.delegation;
        const item = new vscode.TreeItem(d.cmd, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `dlg:${d.cid}`;
        const flags = [d.singleUse ? 'once' : '', d.sessionBound ? 'session' : ''].filter(Boolean).join(', ');
        item.description = `${formatExpiry(d.exp)}${flags ? ` · ${flags}` : ''} · ${clip(d.scope, 80)}`;
        item.iconPath = new vscode.ThemeIcon(d.source === 'approval' ? 'pass' : 'key');
        item.contextValue = 'signet.delegation';
        const chain = chainLabel(node.chain);
        const md = new vscode.MarkdownString(undefined, true);
        md.appendMarkdown(`**${escapeMd(d.cmd)}** held by **${escapeMd(d.audience.name)}**\n\n`);
        md.appendMarkdown(`scope: ${escapeMd(d.scope)}\n\n`);
        md.appendMarkdown(`${formatExpiry(d.exp)}${d.exp ? ` (${new Date(d.exp * 1000).toLocaleString()})` : ''} · from ${d.source === 'approval' ? 'an approval' : 'a manual delegation'}\n\n`);
        md.appendMarkdown(`chain: ${escapeMd(chain)}${node.missingParent ? ` (parent ${node.missingParent} not found)` : ''}\n\n`);
        md.appendMarkdown(`CID \`${d.cid}\``);
        item.tooltip = md;
        item.accessibilityInformation = { label: `delegation ${d.cmd} for ${d.audience.name}, ${formatExpiry(d.exp)}, chain ${chain}` };
        return item;
      }
      case 'hop': {
        const d = node.delegation;
        const item = new vscode.TreeItem(`${d.issuer.name} → ${d.audience.name}`, vscode.TreeItemCollapsibleState.None);
        item.id = `hop:${d.cid}:${node.position}`;
        item.description = `${shortCid(d.cid)} · ${d.cmd}`;
        item.iconPath = new vscode.ThemeIcon(node.position === 0 ? 'account' : 'arrow-small-right');
        item.contextValue = 'signet.hop';
        item.tooltip = new vscode.MarkdownString(`${escapeMd(d.issuer.name)} (\`${d.issuer.did}\`) delegated **${escapeMd(d.cmd)}** to ${escapeMd(d.audience.name)}\n\nCID \`${d.cid}\``);
        return item;
      }
    }
  }

  dispose(): void {
    clearTimeout(this.reloadTimer);
    for (const s of this.subscriptions) s.dispose();
  }
}

function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!<>|]/g, (c) => `\\${c}`);
}
