// Show Diff for a pending request that writes a file: VS Code's diff editor between the file on disk and
// the proposed result, a read-only virtual document computed here from the request (never written to
// disk), and the one-line summary the prompt shows (`auth.ts: +12 −3`).
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { lineChangeCounts } from '../../../daemon/src/mcp/textDiff';
import type { ApprovalRequest } from '../../../daemon/src/server/protocol';
import type { Log } from '../log';
import type { PendingApprovals } from './pendingApprovals';
import { applyChange, proposedChangeOf, type ChangeSummary } from './proposedChange';

export const SHOW_DIFF_COMMAND = 'signet.approval.showDiff';
const SCHEME = 'signet-proposed';

export class ProposedChanges implements vscode.TextDocumentContentProvider, vscode.Disposable {
  /** Summaries by request id, kept while the request is pending so that the diff stays what was shown. */
  private readonly summaries = new Map<string, Promise<ChangeSummary | undefined>>();
  private readonly subscriptions: vscode.Disposable[];

  constructor(
    private readonly pending: PendingApprovals,
    private readonly log: Log,
  ) {
    this.subscriptions = [
      vscode.workspace.registerTextDocumentContentProvider(SCHEME, this),
      pending.onDidResolve(({ request }) => this.summaries.delete(request.id)),
    ];
  }

  /** The change a request proposes, read against the file as it is now; undefined when it writes no file. */
  summarize(request: ApprovalRequest): Promise<ChangeSummary | undefined> {
    let summary = this.summaries.get(request.id);
    if (!summary) {
      summary = this.compute(request).catch((error: unknown) => {
        this.log.warn(`could not compute the change of approval ${request.id}: ${(error as Error).message}`);
        return undefined;
      });
      this.summaries.set(request.id, summary);
    }
    return summary;
  }

  private async compute(request: ApprovalRequest): Promise<ChangeSummary | undefined> {
    const change = proposedChangeOf(request);
    if (!change) return undefined;
    const current = await readIfExists(vscode.Uri.file(change.path));
    const result = applyChange(change, current);
    const exists = current !== undefined;
    if (!result.ok) return { path: change.path, exists, refused: result.reason };
    return { path: change.path, exists, after: result.after, ...lineChangeCounts(current ?? '', result.after) };
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const { id, side } = JSON.parse(uri.query) as { id: string; side: 'before' | 'after' };
    if (side === 'before') return '';
    const request = this.pending.get(id);
    const summary = request ? await this.summarize(request) : undefined;
    if (!summary) return '(this request is no longer pending)';
    return 'refused' in summary ? `(${summary.refused})` : summary.after;
  }

  /** Opens the diff editor for a pending request; the request stays pending and decidable. */
  async showDiff(id: unknown): Promise<void> {
    const request = typeof id === 'string' ? this.pending.get(id) : undefined;
    if (!request) throw new Error('that request is no longer pending');
    const summary = await this.summarize(request);
    if (!summary) throw new Error(`${request.summary} does not write a file Signet can show`);
    const proposed = (side: 'before' | 'after') => vscode.Uri.from({ scheme: SCHEME, path: summary.path, query: JSON.stringify({ id, side }) });
    const left = summary.exists ? vscode.Uri.file(summary.path) : proposed('before');
    const title = `${basename(summary.path)}: proposed by ${request.agent.name} (${'refused' in summary ? 'would be refused' : `+${summary.added} −${summary.removed}`})`;
    await vscode.commands.executeCommand('vscode.diff', left, proposed('after'), title, { preview: true });
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }
}

async function readIfExists(uri: vscode.Uri): Promise<string | undefined> {
  try {
    return new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch (error) {
    if (error instanceof vscode.FileSystemError && error.code === 'FileNotFound') return undefined;
    throw error;
  }
}
