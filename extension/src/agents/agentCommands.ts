// Create Agent, Delegate…, Revoke…, and the Agents view's context actions (Revoke, Copy DID, Remove).
// Each is a command boundary: errors are shown to the person, with what to do, and logged.
import * as vscode from 'vscode';
import { DaemonRequestError } from '../../../daemon/src/client/daemonClient';
import { parseDuration } from '../../../daemon/src/duration';
import { schemas, type DelegationInfo } from '../../../daemon/src/server/protocol';
import type { DaemonConnection } from '../daemon/daemonConnection';
import { formatDuration, formatExpiry, shortCid } from '../format';
import type { Log } from '../log';
import { chainLabel, chainOf, type AgentsNode, type AgentsTreeProvider } from './agentsTree';

interface PickItem<T> extends vscode.QuickPickItem {
  value: T;
}

export class AgentCommands {
  constructor(
    private readonly connection: DaemonConnection,
    private readonly tree: AgentsTreeProvider,
    private readonly offeredTtlSeconds: () => number[],
    private readonly log: Log,
  ) {}

  async createAgent(name?: unknown): Promise<string | undefined> {
    let chosen = typeof name === 'string' ? name : undefined;
    chosen ??= await vscode.window.showInputBox({
      title: 'Signet: Create Agent',
      prompt: 'A name for the agent: lowercase letters, digits, ".", "_" or "-" (e.g. coder, planner, copilot)',
      placeHolder: 'coder',
      ignoreFocusOut: true,
      validateInput: (value) => {
        const parsed = schemas.agentName.safeParse(value);
        return parsed.success ? undefined : (parsed.error.issues[0]?.message ?? 'not a valid agent name');
      },
    });
    if (!chosen) return undefined;
    const created = await this.run('create the agent', () => this.connection.request('agent/create', { name: chosen }));
    if (!created) return undefined;
    this.log.info(`created agent ${created.name} (${created.did})`);
    this.tree.scheduleReload(0);
    void vscode.window.showInformationMessage(`Signet: created agent "${created.name}" with its own key (${created.did.slice(0, 24)}…).`, 'Delegate…').then((action) => {
      if (action) void vscode.commands.executeCommand('signet.delegate', created.name);
    });
    return created.name;
  }

  /** Delegate…: from the user (or an agent, onward) to an agent, for a command and a duration. */
  async delegate(toAgent?: unknown): Promise<DelegationInfo | undefined> {
    const { agents } = this.tree.snapshot();
    if (agents.length === 0) {
      const action = await vscode.window.showInformationMessage('Signet: there is no agent to delegate to yet.', 'Create Agent');
      if (action) await vscode.commands.executeCommand('signet.createAgent');
      return undefined;
    }
    const agentName = toAgent && typeof toAgent === 'object' && 'agent' in toAgent ? (toAgent as { agent: { name: string } }).agent.name : toAgent;
    const to =
      typeof agentName === 'string'
        ? agentName
        : (await vscode.window.showQuickPick<PickItem<string>>(
            agents.map((a) => ({ label: a.name, description: a.did, value: a.name })),
            { title: 'Signet: Delegate… (1/4) to which agent?', ignoreFocusOut: true },
          ))?.value;
    if (!to) return undefined;
    const from = (
      await vscode.window.showQuickPick<PickItem<string>>(
        [
          { label: 'user', description: 'you, the root of every chain', value: 'user' },
          ...agents.filter((a) => a.name !== to).map((a) => ({ label: a.name, description: 'onward, within what it holds', value: a.name })),
        ],
        { title: `Signet: Delegate… (2/4) to ${to}, issued by whom?`, ignoreFocusOut: true },
      )
    )?.value;
    if (!from) return undefined;
    const cmd = await vscode.window.showInputBox({
      title: `Signet: Delegate… (3/4) which command may ${to} use?`,
      value: '/mcp/tools/call',
      prompt: 'A UCAN command such as /mcp/tools/call, /http/get or / for everything (a prefix covers the commands below it)',
      ignoreFocusOut: true,
      validateInput: (value) => {
        const parsed = schemas.command.safeParse(value);
        return parsed.success ? undefined : (parsed.error.issues[0]?.message ?? 'not a valid command');
      },
    });
    if (!cmd) return undefined;
    const ttls = [...this.offeredTtlSeconds()];
    const ttlPick = await vscode.window.showQuickPick<PickItem<number | null | 'custom'>>(
      [
        ...ttls.map((s) => ({ label: `For ${formatDuration(s)}`, value: s })),
        { label: from === 'user' ? 'Never expires' : "Until the issuer's own delegation expires", value: null },
        { label: 'Other duration…', value: 'custom' as const },
      ],
      { title: `Signet: Delegate… (4/4) for how long?`, ignoreFocusOut: true },
    );
    if (!ttlPick) return undefined;
    let ttl = ttlPick.value;
    if (ttl === 'custom') {
      const text = await vscode.window.showInputBox({
        title: 'Signet: Delegate… duration',
        prompt: 'e.g. 30m, 2h, 1d',
        ignoreFocusOut: true,
        validateInput: (v) => (parseDuration(v) ? undefined : 'use a number with s, m, h or d, e.g. 2h'),
      });
      ttl = text ? (parseDuration(text) ?? null) : null;
      if (!text) return undefined;
    }
    const issued = await this.run('delegate', () =>
      this.connection.request('delegation/issue', { from, to, cmd, ...(typeof ttl === 'number' ? { ttl } : {}) }),
    );
    if (!issued) return undefined;
    this.log.info(`issued delegation ${issued.cid}: ${issued.issuer.name} → ${issued.audience.name} ${issued.cmd} (${formatExpiry(issued.exp)})`);
    this.tree.scheduleReload(0);
    vscode.window.setStatusBarMessage(`$(pass) Signet: ${issued.audience.name} may now use ${issued.cmd} (${formatExpiry(issued.exp)})`, 5000);
    return issued;
  }

  /** Revoke… from the palette: pick any live delegation. */
  async revokePick(): Promise<string[] | undefined> {
    const { delegations } = this.tree.snapshot();
    if (delegations.length === 0) {
      void vscode.window.showInformationMessage('Signet: there is no live delegation to revoke.');
      return undefined;
    }
    const byCid = new Map(delegations.map((d) => [d.cid, d]));
    const picked = await vscode.window.showQuickPick<PickItem<DelegationInfo>>(
      delegations.map((d) => ({
        label: `${d.audience.name}: ${d.cmd}`,
        description: `${formatExpiry(d.exp)} · ${chainLabel(chainOf(d, byCid).chain)}`,
        detail: `${d.scope} · ${d.cid}`,
        value: d,
      })),
      { title: 'Signet: Revoke…', placeHolder: 'Pick the delegation to revoke (everything issued under it is revoked too)', matchOnDetail: true },
    );
    return picked ? this.revoke(picked.value) : undefined;
  }

  /** Revoke from the tree (a delegation or a hop of its chain). */
  revokeNode(node: unknown): Promise<string[] | undefined> {
    const d = delegationOf(node);
    if (!d) return this.revokePick();
    return this.revoke(d);
  }

  private async revoke(d: DelegationInfo): Promise<string[] | undefined> {
    const confirm = await vscode.window.showWarningMessage(
      `Revoke ${d.audience.name}'s right to ${d.cmd}?`,
      { modal: true, detail: `${d.scope}\n\nEverything issued under it is revoked too. The agent will be asked again next time.\n\n${d.cid}` },
      'Revoke',
    );
    if (confirm !== 'Revoke') return undefined;
    const result = await this.run('revoke the delegation', () => this.connection.request('delegation/revoke', { cid: d.cid }));
    if (!result) return undefined;
    this.log.info(`revoked ${result.revoked.join(', ')}`);
    this.tree.scheduleReload(0);
    // A confirmation in the status bar: the tree already shows the right gone, and a toast would crowd out
    // approval prompts.
    vscode.window.setStatusBarMessage(
      `$(circle-slash) Signet: revoked ${d.audience.name}'s ${d.cmd}${result.revoked.length > 1 ? ` and ${result.revoked.length - 1} delegation(s) issued under it` : ''}`,
      5000,
    );
    return result.revoked;
  }

  async copyDid(node: unknown): Promise<void> {
    let did: string | undefined;
    let what = '';
    if (isNode(node) && node.kind === 'agent') [did, what] = [node.agent.did, node.agent.name];
    else if (isNode(node) && node.kind === 'delegation') [did, what] = [node.delegation.audience.did, node.delegation.audience.name];
    else if (isNode(node) && node.kind === 'hop') [did, what] = [node.delegation.issuer.did, node.delegation.issuer.name];
    else {
      const { user } = this.tree.snapshot();
      [did, what] = [user?.did, 'you (the user)'];
    }
    if (!did) return;
    await vscode.env.clipboard.writeText(did);
    vscode.window.setStatusBarMessage(`Signet: copied the DID of ${what}`, 3000);
  }

  async copyCid(node: unknown): Promise<void> {
    const d = delegationOf(node);
    if (!d) return;
    await vscode.env.clipboard.writeText(d.cid);
    vscode.window.setStatusBarMessage(`Signet: copied ${shortCid(d.cid)}`, 3000);
  }

  async removeAgent(node: unknown): Promise<void> {
    if (!isNode(node) || node.kind !== 'agent') return;
    const name = node.agent.name;
    const confirm = await vscode.window.showWarningMessage(
      `Remove the agent "${name}"?`,
      { modal: true, detail: 'Its key is deleted and every delegation to or from it is revoked. Its audit history stays.' },
      'Remove',
    );
    if (confirm !== 'Remove') return;
    const result = await this.run('remove the agent', () => this.connection.request('agent/remove', { name }));
    if (result) {
      this.tree.scheduleReload(0);
      void vscode.window.showInformationMessage(`Signet: removed ${name}; revoked ${result.revoked.length} delegation(s).`);
    }
  }

  /** Runs a daemon request at a command boundary: failures become one clear message, and a log line. */
  private async run<T>(what: string, work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await work();
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log.error(`could not ${what}: ${message}`);
      const fix = error instanceof DaemonRequestError && error.data?.fix ? ` ${error.data.fix}` : '';
      void vscode.window.showErrorMessage(`Signet could not ${what}: ${message}.${fix}`, 'Show Log').then((a) => {
        if (a) this.log.show();
      });
      return undefined;
    }
  }
}

function isNode(value: unknown): value is AgentsNode {
  return typeof value === 'object' && value !== null && 'kind' in value;
}

function delegationOf(node: unknown): DelegationInfo | undefined {
  return isNode(node) && (node.kind === 'delegation' || node.kind === 'hop') ? node.delegation : undefined;
}
