// What happens when a person decides: the decision goes to the daemon (which mints the delegation and
// audits it), and "More…" and "Show Pending Approvals" offer every choice in a quick pick.
import * as vscode from 'vscode';
import { DaemonRequestError } from '../../../daemon/src/client/daemonClient';
import type { ApprovalRequest } from '../../../daemon/src/server/protocol';
import { SignetErrorCode } from '../../../daemon/src/server/protocol';
import type { DaemonConnection } from '../daemon/daemonConnection';
import type { Log } from '../log';
import { describeAgent, describeTarget, remainingText } from './approvalText';
import { isAgentProof } from './agentProofPrompt';
import { isUnprovenCommitSigning, type PromptDecision } from './commitSigningPrompt';
import { DECIDED_BY, allowForSession, allowOnce, deny, moreChoices, signAsMe, type DecisionChoice } from './decisionChoices';
import type { PendingApprovals } from './pendingApprovals';
import { badgeLine, riskOf } from './requestRisk';

export type QuickDecision = PromptDecision;

const quickDecisions: Record<QuickDecision, DecisionChoice> = { once: allowOnce, session: allowForSession, deny, 'sign-as-me': signAsMe };

interface ChoiceItem extends vscode.QuickPickItem {
  choice?: DecisionChoice;
}

interface RequestItem extends vscode.QuickPickItem {
  request: ApprovalRequest;
}

export class ApprovalActions {
  constructor(
    private readonly connection: DaemonConnection,
    private readonly pending: PendingApprovals,
    private readonly offeredTtlSeconds: () => number[],
    private readonly log: Log,
  ) {}

  /** Sends one decision. Returns true when the daemon took it. */
  async decide(id: string, choice: DecisionChoice): Promise<boolean> {
    const request = this.pending.get(id);
    try {
      const result = await this.connection.request('approval/decide', { id, ...choice, decidedBy: DECIDED_BY });
      this.log.info(
        `decided ${choice.decision}${choice.ttlSeconds ? ` (${choice.ttlSeconds} s)` : ''}${choice.narrow ? ` narrowed to ${JSON.stringify(choice.narrow)}` : ''} on approval ${id}` +
          (result.delegation ? `; minted delegation ${result.delegation.cid}` : ''),
      );
      this.pending.resolve(id, choice.decision, DECIDED_BY);
      return true;
    } catch (error) {
      if (error instanceof DaemonRequestError && error.code === SignetErrorCode.UnknownApproval) {
        this.pending.resolve(id, 'gone');
        void vscode.window.showInformationMessage(
          `Signet: ${request ? `the request of ${request.agent.name}` : 'that request'} was already decided elsewhere or timed out; nothing changed.`,
        );
        return false;
      }
      this.log.error(`approval/decide ${id} failed: ${(error as Error).message}`);
      void vscode.window.showErrorMessage(`Signet could not send your decision: ${(error as Error).message}. The request stays pending; try again from the status bar.`);
      return false;
    }
  }

  decideQuick(id: unknown, decision: unknown): Promise<boolean> {
    if (typeof id !== 'string' || typeof decision !== 'string' || !(decision in quickDecisions)) {
      return Promise.reject(new Error(`signet.approval.decide needs an approval id and one of ${Object.keys(quickDecisions).join(', ')}`));
    }
    return this.decide(id, quickDecisions[decision as QuickDecision]);
  }

  /** "More…": every duration and scope for one request. */
  async more(id: unknown): Promise<boolean> {
    const request = typeof id === 'string' ? this.pending.get(id) : undefined;
    if (!request) {
      void vscode.window.showInformationMessage('Signet: that request is no longer pending (decided elsewhere or timed out).');
      return false;
    }
    const choice = await this.pickChoice(request, false);
    return choice ? this.decide(request.id, choice) : false;
  }

  /** "Signet: Show Pending Approvals": a live list; picking one offers every choice for it. */
  async showPending(): Promise<void> {
    if (this.pending.size === 0) {
      const state = this.connection.state;
      const suffix = state.kind === 'connected' ? '' : ' (not connected to the daemon: requests made now wait for a connection)';
      void vscode.window.showInformationMessage(`Signet: no approvals are waiting${suffix}.`);
      return;
    }
    const picked = await new Promise<ApprovalRequest | undefined>((resolve) => {
      const pick = vscode.window.createQuickPick<RequestItem>();
      pick.title = 'Signet: Pending Approvals';
      pick.placeholder = 'Pick a request to decide on (Esc to decide later)';
      pick.matchOnDetail = true;
      const refresh = () => {
        const active = pick.activeItems[0]?.request.id;
        pick.items = this.pending.list().map((request) => ({
          request,
          label: `$(shield) ${describeAgent(request)}`,
          description: [request.cmd, badgeLine(riskOf(request)), remainingText(request.expiresAt)].filter(Boolean).join(' · '),
          detail: describeTarget(request),
        }));
        const again = pick.items.find((i) => i.request.id === active);
        if (again) pick.activeItems = [again];
        if (pick.items.length === 0) pick.hide();
      };
      refresh();
      const timer = setInterval(refresh, 1000);
      const sub = this.pending.onDidChange(refresh);
      let chosen: ApprovalRequest | undefined;
      pick.onDidAccept(() => {
        chosen = pick.selectedItems[0]?.request;
        pick.hide();
      });
      pick.onDidHide(() => {
        clearInterval(timer);
        sub.dispose();
        pick.dispose();
        resolve(chosen);
      });
      pick.show();
    });
    if (!picked) return;
    const choice = await this.pickChoice(picked, true);
    if (choice) await this.decide(picked.id, choice);
  }

  private async pickChoice(request: ApprovalRequest, includeQuick: boolean): Promise<DecisionChoice | undefined> {
    const items: ChoiceItem[] = [];
    const separator = (label: string): ChoiceItem =>
      // Separators exist since VS Code 1.64; a fork without them shows a plain, unselectable-looking row.
      vscode.QuickPickItemKind ? { label, kind: vscode.QuickPickItemKind.Separator } : { label: `— ${label} —` };
    // An agent's proof is handed out once or not at all (agentProofPrompt.ts): no durations, no narrowing.
    const proof = isAgentProof(request);
    if (proof) items.push({ label: '$(check) Hand out once', description: `${request.agent.name}'s SIGNET_AGENT_SECRET, this one time`, choice: allowOnce });
    if (includeQuick && !proof) {
      items.push({ label: '$(check) Allow once', description: 'these exact arguments, one time', choice: allowOnce });
      // A destructive request's easy choices leave out the session: it is one of the durations below, never first.
      if (!riskOf(request).destructive) items.push({ label: '$(clock) Allow for session', description: `while ${request.agent.name} stays connected`, choice: allowForSession });
    }
    let group = '';
    for (const more of proof ? [] : moreChoices(request, this.offeredTtlSeconds())) {
      if (more.group !== group) {
        group = more.group;
        items.push(separator(group));
      }
      items.push({ label: more.label, description: more.description, choice: more.choice });
    }
    // A commit signing whose agent name was not proven can also be signed by the person instead.
    if (isUnprovenCommitSigning(request)) items.push(separator('Sign yourself'), { label: '$(person) Sign as me', description: 'sign this commit with your own key, not the agent’s', choice: signAsMe });
    items.push(separator('Refuse'), { label: '$(circle-slash) Deny', description: `${request.agent.name} gets an error`, choice: deny });
    const sub = this.pending.onDidResolve(({ request: gone }) => {
      // The request was decided elsewhere while this pick was open: close it rather than send a stale choice.
      if (gone.id === request.id) void vscode.commands.executeCommand('workbench.action.closeQuickOpen');
    });
    try {
      const picked = await vscode.window.showQuickPick(items, {
        title: `Signet: ${describeAgent(request)} wants ${request.cmd}`,
        placeHolder: `${describeTarget(request)} — ${remainingText(request.expiresAt)}`,
        ignoreFocusOut: true,
      });
      return picked?.choice;
    } finally {
      sub.dispose();
    }
  }
}
