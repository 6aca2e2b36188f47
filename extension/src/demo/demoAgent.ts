// The walkthrough's "see a first approval": a demo agent, with an identity of its own, asks through the
// daemon's agent API (the agent token, as any agent would) to write a file in the workspace, so that its
// prompt appears like any other. It is a command of the extension only so that a new user can try Signet
// without setting up an agent first.
import * as vscode from 'vscode';
import { DaemonClient } from '../../../daemon/src/client/daemonClient';
import type { AuthorizeResult } from '../../../daemon/src/server/protocol';
import type { DaemonConnection } from '../daemon/daemonConnection';
import { findRunningDaemon } from '../daemon/daemonProcess';

export async function letDemoAgentAsk(connection: DaemonConnection, home: string): Promise<AuthorizeResult | undefined> {
  await connection.whenConnected(20_000);
  const runtime = await findRunningDaemon(home);
  if (!runtime) throw new Error(`no Signet daemon runs for ${home}`);
  const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? home;
  const agentClient = await DaemonClient.connect({ port: runtime.port, token: runtime.agentToken });
  try {
    void vscode.window.setStatusBarMessage('Signet: demo-agent is asking for a right…', 5000);
    const result = await agentClient.request('authz/authorize', {
      agent: 'demo-agent',
      cmd: '/mcp/tools/call',
      args: { server: 'demo-files', tool: 'write_file', arguments: { path: 'NOTES.md', content: 'Hello from the Signet demo agent' } },
      workspace,
      createAgent: true,
    });
    if (result.decision === 'allow') {
      void vscode.window.showInformationMessage(`Signet: demo-agent was allowed; its signed invocation is ${result.invocationCid}.`);
    } else {
      void vscode.window.showWarningMessage(`Signet: demo-agent was refused: ${result.reason}`);
    }
    return result;
  } finally {
    agentClient.close();
  }
}
