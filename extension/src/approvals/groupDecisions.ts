// "Allow these 5 reads under src/ for this session" and "Deny these 5", clicked on a prompt: each request of the
// group is decided on its own (`approval/decide` per request, so the daemon audits one decision for each). The link
// names an offer remembered when it was drawn; the group is worked out again from its requests still pending, and
// the decision sent is the one offered only if it is still what that group would be offered, else allow-once each:
// a click never grants more than the words it was given under.
import * as vscode from 'vscode';
import type { ApprovalActions } from './approvalActions';
import { deny, type DecisionChoice } from './decisionChoices';
import type { PendingApprovals } from './pendingApprovals';
import { groupOf, type GroupOffers } from './requestGroups';

function sameChoice(a: DecisionChoice, b: DecisionChoice): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Decides every still-pending request of the group; answers how many the daemon took. */
export async function decideGroup(approvals: ApprovalActions, pending: PendingApprovals, offers: GroupOffers, key: unknown, kind: unknown): Promise<number> {
  if (kind !== 'allow' && kind !== 'deny') throw new Error('signet.approval.decideGroup needs an offer and "allow" or "deny"');
  const offer = offers.get(key);
  if (!offer) {
    void vscode.window.showInformationMessage('Signet: that offer is no longer current; decide the requests from their prompts or "Show Pending Approvals".');
    return 0;
  }
  const { ids, choice: shownChoice } = offer;
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
