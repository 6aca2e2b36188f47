// "Allow these 5 reads under src/ for this session" and "Deny these 5", clicked on a prompt: each request of the
// group is decided on its own (`approval/decide` per request, so the daemon audits one decision for each). The ids
// come from the link as it was drawn; the group is worked out again from those still pending, and the decision
// sent is the one the link named only if it is still what that group would be offered, else allow-once each:
// a click never grants more than the words it was given under.
import * as vscode from 'vscode';
import type { ApprovalActions } from './approvalActions';
import { deny, type DecisionChoice } from './decisionChoices';
import type { PendingApprovals } from './pendingApprovals';
import { groupOf } from './requestGroups';

function isStringList(value: unknown): value is string[] {
  return Array.isArray(value) && value.length > 0 && value.length <= 100 && value.every((v) => typeof v === 'string');
}

function sameChoice(a: DecisionChoice, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Decides every still-pending request of the group; answers how many the daemon took. */
export async function decideGroup(approvals: ApprovalActions, pending: PendingApprovals, ids: unknown, kind: unknown, shownChoice: unknown): Promise<number> {
  if (!isStringList(ids) || (kind !== 'allow' && kind !== 'deny')) throw new Error('signet.approval.decideGroup needs a list of approval ids and "allow" or "deny"');
  const requests = ids.map((id) => pending.get(id)).filter((r) => r !== undefined);
  const first = requests[0];
  if (!first) {
    void vscode.window.showInformationMessage('Signet: none of these requests is pending any more (decided elsewhere or timed out); nothing changed.');
    return 0;
  }
  let choice: DecisionChoice = deny;
  if (kind === 'allow') {
    const now = requests.length > 1 ? groupOf(first, requests, vscode.workspace.workspaceFolders?.[0]?.uri.fsPath) : undefined;
    choice = now && sameChoice(now.choice, shownChoice) && now.ids.length === requests.length ? now.choice : { decision: 'once' };
  }
  let taken = 0;
  // One after another: each is its own decision, audited on its own, and a failure leaves the rest pending.
  for (const request of requests) if (await approvals.decide(request.id, choice)) taken++;
  const gone = ids.length - requests.length;
  void vscode.window.setStatusBarMessage(
    `Signet: ${kind === 'allow' ? 'allowed' : 'denied'} ${taken} request${taken === 1 ? '' : 's'} of ${first.agent.name}${choice.decision === 'once' && kind === 'allow' ? ' once each' : ''}${gone ? ` (${gone} already decided elsewhere)` : ''}`,
    5000,
  );
  return taken;
}
