// Each pending approval becomes a notification naming the agent, the command and the exact target, with
// Allow once · Allow for session · More… · Deny and the time left; a request that writes a file also says
// what changes (`auth.ts: +12 −3`) and offers Show Diff.
//
// Why a progress notification with command links rather than `showInformationMessage` buttons: the editor
// API cannot close a message notification, and a request decided elsewhere (the CLI, another window) or
// timed out must lose its prompt, not keep live-looking buttons; a message toast also slides into the
// notification centre after a while, where a person waiting on an agent does not look. A progress
// notification closes when its task settles, shows a live countdown, and renders `[label](command:…)` links.
// Its one button is the editor's own Cancel, whose label cannot be changed: the prompt says that it means
// Dismiss, and so it does — the request stays pending (status bar, "Show Pending Approvals") until decided
// or timed out. A collapsed progress notification shows its title alone, so the title carries the choices.
import * as vscode from 'vscode';
import type { ApprovalRequest } from '../../../daemon/src/server/protocol';
import type { Log } from '../log';
import { commandLink, describeAgent, neutralizeLinks, outsideEditorNote, remainingText, wantsSentence } from './approvalText';
import { agentProofSentence, isAgentProof } from './agentProofPrompt';
import { commitSigningSentence, isCommitSigning } from './commitSigningPrompt';
import type { PendingApprovals } from './pendingApprovals';
import { summaryText } from './proposedChange';
import { promptHeading, promptMessage } from './promptActions';
import { groupOf, type GroupOffers } from './requestGroups';
import { riskOf } from './requestRisk';
import { SHOW_DIFF_COMMAND, type ProposedChanges } from './proposedChangeView';

/** The editor shows three toasts at most; more prompts wait their turn so that none is lost. */
const MAX_VISIBLE_PROMPTS = 3;

export const DECIDE_COMMAND = 'signet.approval.decide';
export const MORE_COMMAND = 'signet.approval.more';

interface OpenPrompt {
  close(): void;
}

export class ApprovalPrompts implements vscode.Disposable {
  private readonly open = new Map<string, OpenPrompt>();
  /** Requests whose prompt the user hid; they stay pending and reachable from the status bar. */
  private readonly hidden = new Set<string>();
  private readonly queue: string[] = [];
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly pending: PendingApprovals,
    private readonly changes: ProposedChanges,
    private readonly log: Log,
    private readonly offers: GroupOffers,
  ) {
    this.subscriptions.push(
      pending.onDidAdd((request) => {
        this.queue.push(request.id);
        this.pump();
      }),
      pending.onDidResolve(({ request, outcome, decidedBy }) => {
        this.log.info(`approval ${request.id} (${request.summary}) resolved: ${outcome}${decidedBy ? ` by ${decidedBy}` : ''}`);
        this.hidden.delete(request.id);
        const index = this.queue.indexOf(request.id);
        if (index >= 0) this.queue.splice(index, 1);
        this.open.get(request.id)?.close();
      }),
    );
  }

  /** The ids whose prompt is on screen now. */
  get visibleIds(): string[] {
    return [...this.open.keys()];
  }

  private pump(): void {
    while (this.open.size < MAX_VISIBLE_PROMPTS && this.queue.length) {
      const id = this.queue.shift();
      const request = id === undefined ? undefined : this.pending.get(id);
      if (request && !this.hidden.has(request.id) && !this.open.has(request.id)) this.show(request);
    }
  }

  private show(request: ApprovalRequest): void {
    let settle: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (settle = resolve));
    let closed = false;
    this.open.set(request.id, {
      close: () => {
        closed = true;
        settle();
      },
    });
    const risk = riskOf(request);
    const wants = isAgentProof(request) ? agentProofSentence(request) : isCommitSigning(request) ? commitSigningSentence(request) : wantsSentence(request);
    // Filled in once the file on disk is read: what the change does, and the link to see it.
    let change = '';
    const outsideEditor = outsideEditorNote(request);
    const total = Math.max(1, Date.parse(request.expiresAt) - Date.parse(request.requestedAt));
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: promptHeading(request, describeAgent(request), risk), cancellable: true },
      async (progress, token) => {
        let lastText = '';
        let reported = 0;
        let ticks = 0;
        const tick = () => {
          const group = groupOf(request, this.pending.list(), vscode.workspace.workspaceFolders?.[0]?.uri.fsPath);
          // An earlier approval of this agent made outside the editor is said first: it may not have been the person's.
          const text = `${outsideEditor}${promptMessage({ request, wants, change, group, offers: this.offers, remaining: remainingText(request.expiresAt) })}`;
          // The bar fills as the deadline nears; the message is redrawn only when its words change, and
          // during the first seconds, because the workbench drops reports that arrive before it has set up
          // the notification (seen when a prompt is shown while the window is still starting).
          const elapsed = Math.min(100, (100 * (Date.now() - Date.parse(request.requestedAt))) / total);
          const increment = Math.max(0, elapsed - reported);
          reported += increment;
          if (text !== lastText || ticks++ < 3) progress.report({ message: text, increment });
          else if (increment >= 1) progress.report({ increment });
          else reported -= increment;
          lastText = text;
          // A missed didResolve must not leave a dead prompt: the daemon has denied it by now.
          if (Date.parse(request.expiresAt) + 2000 <= Date.now()) this.pending.expireOverdue(Date.now() - 2000);
        };
        tick();
        const timer = setInterval(tick, 1000);
        void this.changes.summarize(request).then((summary) => {
          if (!summary || closed) return;
          change = `${neutralizeLinks(summaryText(summary))} · ${commandLink('Show Diff', SHOW_DIFF_COMMAND, [request.id])}.`;
          tick();
        });
        token.onCancellationRequested(() => {
          if (closed) return;
          this.log.info(`prompt for approval ${request.id} hidden; it stays pending`);
          this.hidden.add(request.id);
          settle();
        });
        try {
          await done;
        } finally {
          clearInterval(timer);
          this.open.delete(request.id);
          this.pump();
        }
      },
    );
  }

  dispose(): void {
    for (const prompt of this.open.values()) prompt.close();
    for (const s of this.subscriptions) s.dispose();
  }
}
