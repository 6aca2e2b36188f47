// Everything the extension does once it is active, loaded after activation returns so that the editor's
// startup never waits for it: the daemon connection, approvals, the Agents view, the timeline, commands.
import * as vscode from 'vscode';
import type { Principal } from '../../daemon/src/server/protocol';
import { AgentCommands } from './agents/agentCommands';
import { AgentsTreeProvider, type AgentsNode } from './agents/agentsTree';
import { ApprovalActions } from './approvals/approvalActions';
import { ApprovalPrompts, DECIDE_COMMAND, MORE_COMMAND } from './approvals/approvalPrompts';
import { PendingApprovals } from './approvals/pendingApprovals';
import { ProposedChanges, SHOW_DIFF_COMMAND } from './approvals/proposedChangeView';
import { readSettings } from './config';
import { DaemonConnection, describeState, type ConnectionState } from './daemon/daemonConnection';
import { letDemoAgentAsk } from './demo/demoAgent';
import { copyAgentReport } from './report/agentReportCommand';
import type { CommandId } from './commandIds';
import { shortDid } from './format';
import type { Log } from './log';
import { FILE_KEYSTORE_WARNING, SignetStatusBar } from './statusBar';
import { protectWorkspaceMcpServers, registerMcpIntegration } from './mcp/mcpIntegration';
import { ProtectionStatus } from './protection/protectionStatus';
import { ProtectionView } from './protection/protectionView';
import { ConnectionChecks } from './protection/connectionChecks';
import { LogAnchorWatch } from './timeline/logAnchorWatch';
import { TimelinePanel } from './timeline/timelinePanel';
import { decideGroup } from './approvals/groupDecisions';
import { GroupOffers } from './approvals/requestGroups';
import { openPolicyRule, PoliciesView } from './policy/policyView';

export const AGENTS_VIEW_ID = 'signet.agents';

/** What the extension exports to other extensions and to its tests: read-only state, nothing that decides. */
export interface SignetState {
  home: string;
  connection: ConnectionState['kind'];
  pid: number | undefined;
  port: number | undefined;
  startedDaemon: boolean;
  pendingApprovals: string[];
  visiblePrompts: string[];
}

export class Signet implements vscode.Disposable {
  readonly connection: DaemonConnection;
  readonly pending = new PendingApprovals();
  private readonly prompts: ApprovalPrompts;
  private readonly changes: ProposedChanges;
  private readonly approvals: ApprovalActions;
  private readonly tree: AgentsTreeProvider;
  private readonly treeView: vscode.TreeView<AgentsNode>;
  private readonly agentCommands: AgentCommands;
  private readonly anchor: LogAnchorWatch;
  private readonly statusBar = new SignetStatusBar();
  private readonly protection: ProtectionView;
  private readonly protectionStatus = new ProtectionStatus();
  private readonly policies: PoliciesView;
  /** The "decide these together" offers drawn on prompts, by the key their links carry. */
  private readonly groupOffers = new GroupOffers();
  private readonly subscriptions: vscode.Disposable[] = [];
  private keystoreWarned = false;
  private readonly connectionChecks = new ConnectionChecks();
  private startFailureWarned = false;
  private expiryTimer: ReturnType<typeof setInterval>;

  static start(context: vscode.ExtensionContext, log: Log): Signet {
    const signet = new Signet(context, log);
    context.subscriptions.push(signet);
    void signet.connection.start();
    return signet;
  }

  private constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: Log,
  ) {
    const settings = () => readSettings(context.extensionPath);
    this.connection = new DaemonConnection(() => {
      const s = settings();
      return {
        home: s.home,
        cliPath: s.autoStartDaemon ? s.cliPath : undefined,
        ...(s.keystore ? { keystore: s.keystore } : {}),
        ...(s.approvalTimeoutSeconds ? { approvalTimeoutSeconds: s.approvalTimeoutSeconds } : {}),
        window: { kind: 'editor', app: vscode.env.appName.slice(0, 64) || 'an editor', workspace: vscode.workspace.name?.slice(0, 256) ?? null, pid: process.pid },
      };
    }, log);
    this.changes = new ProposedChanges(this.pending, log);
    this.prompts = new ApprovalPrompts(this.pending, this.changes, log, this.groupOffers);
    this.approvals = new ApprovalActions(this.connection, this.pending, () => settings().offeredTtlSeconds, log);
    this.tree = new AgentsTreeProvider(this.connection, log, (user) => this.showUser(user));
    this.treeView = vscode.window.createTreeView(AGENTS_VIEW_ID, { treeDataProvider: this.tree, showCollapseAll: true });
    this.agentCommands = new AgentCommands(this.connection, this.tree, () => settings().offeredTtlSeconds, log);
    this.protection = new ProtectionView(() => settings(), log);
    this.policies = new PoliciesView(this.connection, log);
    this.anchor = new LogAnchorWatch(this.connection, context.globalState, () => settings().home, log);

    this.subscriptions.push(
      this.connection,
      this.pending,
      this.prompts,
      this.changes,
      this.tree,
      this.treeView,
      this.anchor,
      this.anchor.onDidChange((state) => TimelinePanel.instance?.showAnchor(state)),
      this.statusBar,
      this.protection,
      this.protectionStatus,
      this.protection.onDidChangeProblems((count) => this.protectionStatus.update(count)),
      this.policies,
      this.connection.onDidChangeState((state) => this.onState(state)),
      this.connection.onDidConnect(() => void this.loadPending()),
      this.connection.onNotification('approval/didRequest', (request) => {
        this.log.info(`approval requested: ${request.agent.name} wants ${request.summary} (id ${request.id}, expires ${request.expiresAt})`);
        this.pending.add(request);
      }),
      this.connection.onNotification('approval/didResolve', ({ id, outcome, decidedBy }) => this.pending.resolve(id, outcome, decidedBy)),
      this.pending.onDidChange(() => {
        this.statusBar.setPending(this.pending.size);
        void vscode.commands.executeCommand('setContext', 'signet.pendingApprovals', this.pending.size);
      }),
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('signet.home') || event.affectsConfiguration('signet.daemonPath') || event.affectsConfiguration('signet.autoStartDaemon')) {
          this.log.info('Signet settings changed: reconnecting');
          void this.connection.reconnect();
        }
      }),
    );
    this.subscriptions.push(registerMcpIntegration(context, { ...this.mcpDeps(), registerCommand: false }));
    // The daemon denies overdue requests itself; this only tidies prompts if a notification was missed.
    this.expiryTimer = setInterval(() => this.pending.expireOverdue(Date.now() - 5000), 5000);
    this.onState(this.connection.state, true);
  }

  /** The commands package.json contributes, by id: a command without a handler fails the type check. */
  commands(): Record<CommandId, (...args: unknown[]) => unknown> {
    return {
      'signet.showPendingApprovals': () => this.approvals.showPending(),
      [DECIDE_COMMAND]: (id, decision) => this.approvals.decideQuick(id, decision),
      [MORE_COMMAND]: (id) => this.approvals.more(id),
      [SHOW_DIFF_COMMAND]: (id) => this.changes.showDiff(id),
      'signet.createAgent': (name) => this.agentCommands.createAgent(name),
      'signet.delegate': (agent) => this.agentCommands.delegate(agent),
      'signet.revoke': () => this.agentCommands.revokePick(),
      'signet.revokeDelegation': (node) => this.agentCommands.revokeNode(node),
      'signet.copyDid': (node) => this.agentCommands.copyDid(node),
      'signet.copyCid': (node) => this.agentCommands.copyCid(node),
      'signet.removeAgent': (node) => this.agentCommands.removeAgent(node),
      'signet.showTimeline': (node) => this.showTimeline(node),
      'signet.copyAgentReport': (node) => copyAgentReport(this.connection, node),
      'signet.refreshAgents': () => this.tree.reload(),
      'signet.reconnect': () => this.connection.reconnect(),
      'signet.restartDaemon': () => this.connection.restartDaemon(),
      'signet.showLog': () => this.log.show(),
      'signet.demo.askForRights': () => letDemoAgentAsk(this.connection, readSettings(this.context.extensionPath).home),
      'signet.protectMcpServers': () => protectWorkspaceMcpServers(this.mcpDeps()),
      'signet.protection.refresh': () => this.protection.refresh('asked for'),
      'signet.protection.probe': () => this.protection.refresh('probes asked for', { probe: true }),
      'signet.protection.protect': (node) => this.protection.protect(node),
      'signet.protection.showFix': (node) => this.protection.showFix(node),
      'signet.approval.decideGroup': (key, kind) => decideGroup(this.approvals, this.pending, this.groupOffers, key, kind),
      'signet.policy.openRule': (file, line) => openPolicyRule(file, line),
      'signet.refreshPolicies': () => this.policies.reload(),
      'signet.acceptReanchoredLog': () => this.anchor.acceptReanchored(),
    };
  }

  /** What the MCP integration needs: where the daemon's home and CLI are, read fresh from the settings. */
  private mcpDeps() {
    const { home, cliPath } = readSettings(this.context.extensionPath);
    return { home, cliPath, log: this.log };
  }

  state(): SignetState {
    const s = this.connection.state;
    return {
      home: readSettings(this.context.extensionPath).home,
      connection: s.kind,
      pid: s.kind === 'connected' ? s.status.pid : undefined,
      port: s.kind === 'connected' ? s.runtime.port : undefined,
      startedDaemon: s.kind === 'connected' ? s.startedByUs : false,
      pendingApprovals: this.pending.list().map((r) => r.id),
      visiblePrompts: this.prompts.visibleIds,
    };
  }

  private onState(state: ConnectionState, beforeFirstAttempt = false): void {
    // Whether the daemon answers is one of the Protection view's checks; doctor runs once at start-up, for the
    // first attempt's outcome (see protection/connectionChecks.ts).
    const reason = this.connectionChecks.reasonFor(state, beforeFirstAttempt);
    if (reason) this.protection.refreshSoon(reason);
    this.statusBar.update(state, this.pending.size);
    void vscode.commands.executeCommand('setContext', 'signet.connected', state.kind === 'connected');
    this.treeView.message = state.kind === 'connected' ? undefined : `Not connected to the Signet daemon: ${describeState(state)}`;
    if (state.kind === 'connected') {
      if (state.status.keystore === 'file') this.log.warn(FILE_KEYSTORE_WARNING);
      this.keystoreWarned = false;
      this.startFailureWarned = false;
    } else if (state.kind === 'keystore-unavailable' && !this.keystoreWarned) {
      // Said once, with the fix; the status bar keeps showing it until it is solved.
      this.keystoreWarned = true;
      void vscode.window.showErrorMessage(`Signet: the keychain is unavailable. ${state.message}`, 'Retry', 'Use File Keystore…', 'Show Log').then((action) => {
        if (action === 'Show Log') this.log.show();
        if (action === 'Retry') void this.connection.connectNow();
        if (action === 'Use File Keystore…') void this.optInToFileKeystore();
      });
    } else if (state.kind === 'disconnected' && !this.startFailureWarned && state.startFailed === true) {
      this.startFailureWarned = true;
      void vscode.window.showErrorMessage(`Signet: ${state.reason}`, 'Show Log', 'Retry').then((action) => {
        if (action === 'Show Log') this.log.show();
        if (action === 'Retry') void this.connection.connectNow();
      });
    }
  }

  /** The explicit, warned opt-in for machines without a keychain; saved as the `signet.keystore` setting. */
  private async optInToFileKeystore(): Promise<void> {
    const choice = await vscode.window.showWarningMessage(
      'Keep Signet keys in plain files?',
      {
        modal: true,
        detail:
          'Private keys are then stored unencrypted in files only your user can read. Anyone with access to your account or your backups can act as your agents. Use this only on machines without a keychain.',
      },
      'Use File Keystore',
    );
    if (choice !== 'Use File Keystore') return;
    await vscode.workspace.getConfiguration('signet').update('keystore', 'file', vscode.ConfigurationTarget.Global);
    this.log.warn('the file keystore was chosen explicitly (signet.keystore = file)');
    await this.connection.connectNow();
  }

  private showUser(user: Principal | undefined): void {
    this.treeView.description = user ? `you: ${shortDid(user.did)}` : undefined;
  }

  private async loadPending(): Promise<void> {
    try {
      const { pending } = await this.connection.request('approval/list', {});
      this.pending.synchronize(pending);
      if (pending.length) this.log.info(`${pending.length} approval(s) were already waiting`);
    } catch (error) {
      this.log.warn(`could not list pending approvals: ${(error as Error).message}`);
    }
  }

  private showTimeline(node: unknown): void {
    const agent =
      typeof node === 'string'
        ? node
        : node && typeof node === 'object' && 'kind' in node && (node as AgentsNode).kind === 'agent'
          ? (node as Extract<AgentsNode, { kind: 'agent' }>).agent.name
          : null;
    TimelinePanel.show(this.context.extensionUri, this.connection, this.log, agent, () => this.anchor.state);
  }

  dispose(): void {
    clearInterval(this.expiryTimer);
    TimelinePanel.instance?.dispose();
    for (const s of this.subscriptions.reverse()) s.dispose();
  }
}
