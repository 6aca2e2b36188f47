// The Policies view of the Signet container, the "Open Rule" command that prompts and the timeline link to, and
// the notification for a policy file that breaks. The state comes from the daemon (`policy/state`), which reads the
// files the way authorize does; `policy/didChange` and `policy/didReportProblem` keep it current while you edit.
import * as vscode from 'vscode';
import type { PolicyFileState, PolicyStateResult } from '../../../daemon/src/server/protocol';
import type { DaemonConnection } from '../daemon/daemonConnection';
import type { Log } from '../log';
import { policyChildren, policyRoots, policyRow, problemKey, problemNotice, type PolicyNode } from './policyModel';

export const POLICIES_VIEW_ID = 'signet.policies';

/** Opens a policy file at a line. Only `.cedar` files, by absolute path: the link may come from a log record. */
export async function openPolicyRule(file: unknown, line: unknown): Promise<void> {
  if (typeof file !== 'string' || !file.startsWith('/') || !file.endsWith('.cedar')) throw new Error('Open Policy Rule needs the absolute path of a .cedar file');
  const at = typeof line === 'number' && Number.isInteger(line) && line > 0 ? line - 1 : 0;
  const document = await vscode.workspace.openTextDocument(vscode.Uri.file(file));
  const position = new vscode.Position(at, 0);
  await vscode.window.showTextDocument(document, { selection: new vscode.Range(position, position), preview: false });
}

export class PoliciesView implements vscode.TreeDataProvider<PolicyNode>, vscode.Disposable {
  private state: PolicyStateResult | undefined;
  private error: string | undefined;
  /** Problems already told, so that each version of a broken file raises one notification. */
  private readonly told = new Set<string>();
  private readonly changed = new vscode.EventEmitter<PolicyNode | undefined>();
  private readonly subscriptions: vscode.Disposable[] = [];
  readonly onDidChangeTreeData = this.changed.event;

  constructor(
    private readonly connection: DaemonConnection,
    private readonly log: Log,
  ) {
    this.subscriptions.push(
      this.changed,
      vscode.window.createTreeView(POLICIES_VIEW_ID, { treeDataProvider: this }),
      connection.onDidConnect(() => void this.reload()),
      connection.onNotification('policy/didChange', ({ workspace, files }) => {
        if (workspace !== this.workspace() || !this.state) return;
        this.state = { ...this.state, files };
        this.changed.fire(undefined);
      }),
      connection.onNotification('policy/didReportProblem', (file) => {
        this.notify(file);
        void this.reload();
      }),
    );
    if (connection.isConnected) void this.reload();
  }

  private workspace(): string | undefined {
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  }

  async reload(): Promise<void> {
    if (!this.connection.isConnected) return;
    try {
      const workspace = this.workspace();
      this.state = await this.connection.request('policy/state', workspace ? { workspace } : {});
      this.error = undefined;
      for (const file of this.state.files) if (file.state === 'broken') this.notify(file);
    } catch (error) {
      this.error = (error as Error).message;
      this.log.warn(`could not read the policy state: ${this.error}`);
    }
    this.changed.fire(undefined);
  }

  private notify(file: PolicyFileState): void {
    const key = problemKey(file);
    if (this.told.has(key) || !file.problems.length) return;
    this.told.add(key);
    this.log.warn(problemNotice(file));
    const line = file.problems[0]?.line ?? 1;
    void vscode.window.showWarningMessage(problemNotice(file), 'Open File').then((action) => {
      if (action === 'Open File') void openPolicyRule(file.file, line).catch((error: Error) => this.log.error(`could not open ${file.file}: ${error.message}`));
    });
  }

  getChildren(node?: PolicyNode): PolicyNode[] {
    return node ? policyChildren(node) : policyRoots(this.state, this.error);
  }

  getTreeItem(node: PolicyNode): vscode.TreeItem {
    const row = policyRow(node);
    const item = new vscode.TreeItem(row.label, row.expandable ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.description = row.description;
    item.tooltip = row.tooltip;
    item.iconPath = new vscode.ThemeIcon(row.icon);
    item.contextValue = `signet.policy.${node.kind}`;
    item.accessibilityInformation = { label: `${row.label}, ${row.description}` };
    if (row.open) item.command = { command: 'signet.policy.openRule', title: 'Open Policy Rule', arguments: [row.open.file, row.open.line] };
    return item;
  }

  dispose(): void {
    for (const s of this.subscriptions.reverse()) s.dispose();
  }
}
