// The "Protection" view in the Signet container: clients → servers and hooks, green or red, from `signet doctor`.
// It refreshes when a watched config or hook file changes (workspace and user files alike) and when the daemon
// connects or goes away; red items offer Protect (runs `signet protect` for the item's client) or Show Fix.
import { homedir } from 'node:os';
import { basename, dirname } from 'node:path';
import * as vscode from 'vscode';
import { watchedConfigPaths } from '../../../daemon/src/clients/clientConfigs';
import type { DoctorReport } from '../../../daemon/src/doctor/doctorReport';
import type { Log } from '../log';
import { runDoctorCli, runProtectCli, type CliTarget } from './doctorCli';
import { childNodes, fixText, nodeLook, problemCount, reportChanged, rootNodes, type ProtectionNode } from './protectionModel';

export const PROTECTION_VIEW_ID = 'signet.protection';

const green = new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed'));
const red = new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));

export class ProtectionView implements vscode.TreeDataProvider<ProtectionNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly problemsChanged = new vscode.EventEmitter<number>();
  /** Fires with the number of red items after each refresh, for the status bar. */
  readonly onDidChangeProblems = this.problemsChanged.event;
  private readonly view: vscode.TreeView<ProtectionNode>;
  private readonly fileWatchers: vscode.Disposable[] = [];
  private readonly folderWatcher: vscode.Disposable;
  private report: DoctorReport | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private debounce: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly target: () => CliTarget,
    private readonly log: Log,
  ) {
    this.view = vscode.window.createTreeView(PROTECTION_VIEW_ID, { treeDataProvider: this, showCollapseAll: true });
    this.watch();
    this.folderWatcher = vscode.workspace.onDidChangeWorkspaceFolders(() => {
      this.watch();
      this.refreshSoon('the workspace folders changed');
    });
  }

  /** The folder doctor checks: the first of the window (doctor's `--workspace`). */
  private workspace(): string | undefined {
    return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  }

  /** Watches every file doctor reads, so a config edited in the editor, by a tool or by an agent is seen. */
  private watch(): void {
    for (const w of this.fileWatchers.splice(0)) w.dispose();
    const workspace = this.workspace();
    if (!workspace) return;
    for (const path of watchedConfigPaths({ workspace, userHome: homedir() })) {
      const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dirname(path)), basename(path)));
      const onChange = () => this.refreshSoon(`${path} changed`);
      this.fileWatchers.push(watcher, watcher.onDidChange(onChange), watcher.onDidCreate(onChange), watcher.onDidDelete(onChange));
    }
  }

  refreshSoon(reason: string): void {
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => void this.refresh(reason), 300);
  }

  /** Runs doctor (without probes unless asked); a refresh asked for while one runs runs once more after it. */
  async refresh(reason = 'refresh', options: { probe?: boolean } = {}): Promise<void> {
    if (this.running && !options.probe) {
      this.again = true;
      return this.running;
    }
    // Probes are asked for by a person: they wait for the run in progress, then run themselves.
    while (this.running) await this.running;
    this.running = this.load(reason, options.probe === true).finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.refresh('changed during a refresh');
      }
    });
    return this.running;
  }

  private async load(reason: string, probe: boolean): Promise<void> {
    const workspace = this.workspace();
    if (!workspace) {
      this.view.message = 'Open a folder to see whether its agents are protected.';
      return;
    }
    try {
      this.log.info(`protection: running signet doctor${probe ? ' with probes' : ''} (${reason})`);
      const report = await runDoctorCli(this.target(), workspace, { probe });
      this.view.message = report.ok ? undefined : `${problemCount(report)} thing(s) not protected: use Protect or Show Fix on the red items.`;
      this.problemsChanged.fire(problemCount(report));
      // Only a different report redraws the tree: a redraw drops the rows' items for a moment (see reportChanged).
      if (!reportChanged(this.report, report)) return;
      this.report = report;
      this.changed.fire();
    } catch (error) {
      this.log.error(`protection: ${(error as Error).message}`);
      this.view.message = `signet doctor could not run: ${(error as Error).message}`;
    }
  }

  getTreeItem(node: ProtectionNode): vscode.TreeItem {
    const look = nodeLook(node);
    const item = new vscode.TreeItem(look.label, look.collapsible ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = node.id;
    item.description = look.description;
    item.tooltip = look.tooltip;
    item.iconPath = look.ok ? green : red;
    item.contextValue = look.contextValue;
    item.accessibilityInformation = { label: `${look.label}, ${look.ok ? 'protected' : 'not protected'}: ${look.description}` };
    return item;
  }

  getChildren(node?: ProtectionNode): ProtectionNode[] {
    if (!this.report) return [];
    return node ? childNodes(node) : rootNodes(this.report);
  }

  /** Protect on a red item: `signet protect` with the item's own arguments, then a fresh look. */
  async protect(node: unknown): Promise<void> {
    // No item at all: the workbench was redrawing the view as Protect was clicked, and no longer knew the row.
    if (!isNode(node)) throw new Error('The Protection view was updating as Protect was clicked; click Protect on the item again');
    const args = node.kind === 'item' ? node.item.protect?.args : undefined;
    if (!args) throw new Error('Signet cannot protect this item by itself; use Show Fix');
    const output = await vscode.window.withProgress({ location: { viewId: PROTECTION_VIEW_ID } }, () => runProtectCli(this.target(), args));
    this.log.info(`protection: signet ${args.join(' ')}\n${output.trim()}`);
    await this.refresh('after Protect');
  }

  async showFix(node: unknown): Promise<void> {
    const fix = isNode(node) ? fixText(node) : undefined;
    if (!fix) return;
    const choice = await vscode.window.showWarningMessage(fix.title, { modal: true, detail: fix.detail }, ...(fix.command ? ['Copy Command'] : []));
    if (choice === 'Copy Command' && fix.command) await vscode.env.clipboard.writeText(fix.command);
  }

  dispose(): void {
    clearTimeout(this.debounce);
    for (const w of this.fileWatchers) w.dispose();
    this.folderWatcher.dispose();
    this.view.dispose();
    this.changed.dispose();
    this.problemsChanged.dispose();
  }
}

function isNode(value: unknown): value is ProtectionNode {
  return typeof value === 'object' && value !== null && 'kind' in value && 'id' in value;
}
