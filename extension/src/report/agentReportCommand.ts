// "Signet: Copy Agent Report": the same report as `signet report --agent A`, built from the daemon's audit
// log and put on the clipboard, to paste into a pull request description.
import * as vscode from 'vscode';
import { buildAgentReport, formatReportMarkdown } from '../../../daemon/src/audit/agentReport';
import type { AuditRecord } from '../../../daemon/src/server/protocol';
import type { DaemonConnection } from '../daemon/daemonConnection';

/** Every record, paged as `audit/query` answers (the names of issuers come from the whole log). */
async function allRecords(connection: DaemonConnection): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  for (let since = 0; ; ) {
    const answer = await connection.request('audit/query', { since, limit: 100_000 });
    records.push(...answer.records);
    const last = answer.records.at(-1);
    if (!answer.truncated || !last) return records;
    since = last.seq + 1;
  }
}

/** The agent of a tree node, a name given by a caller, or one picked from the daemon's list. */
async function chooseAgent(connection: DaemonConnection, node: unknown): Promise<string | undefined> {
  if (typeof node === 'string') return node;
  if (node && typeof node === 'object' && 'agent' in node) return (node as { agent: { name: string } }).agent.name;
  const { agents } = await connection.request('agent/list', {});
  const picked = await vscode.window.showQuickPick(
    agents.map((a) => ({ label: a.name, description: a.did })),
    { title: 'Signet: Copy Agent Report — of which agent?' },
  );
  return picked?.label;
}

export async function copyAgentReport(connection: DaemonConnection, node: unknown): Promise<string | undefined> {
  const agent = await chooseAgent(connection, node);
  if (!agent) return undefined;
  const report = buildAgentReport(await allRecords(connection), { agent });
  if (report.agents.length === 0) {
    void vscode.window.showInformationMessage(`Signet: the audit log holds no records of ${agent} yet.`);
    return undefined;
  }
  const markdown = formatReportMarkdown(report);
  try {
    await vscode.env.clipboard.writeText(markdown);
  } catch (error) {
    // A browser may refuse a page the clipboard; the report is then shown to copy by hand.
    const document = await vscode.workspace.openTextDocument({ language: 'markdown', content: markdown });
    await vscode.window.showTextDocument(document, { preview: true });
    void vscode.window.showWarningMessage(`Signet: could not copy the report (${(error as Error).message}); it is open in an editor instead.`);
    return markdown;
  }
  void vscode.window.showInformationMessage(
    `Signet: copied the report of ${agent} (${report.tools.size} tools, ${report.refused.length} refused, ${report.approvals.length} approvals). Paste it into your pull request.`,
  );
  return markdown;
}
