// One hook run: the client's JSON on stdin in, the client's answer out. Shared by the lean entry point the installed
// hooks call (hookMain.ts, dist/hook.js) and by `signet hook …` of the full CLI, so both answer alike.
import { decidePreToolUse, defaultHookAgent, type HookFlavor } from '../mcp/agentHook';
import { decideCursorHook } from './cursorHook';
import { hookDaemon } from './hookDaemon';

export interface HookRun {
  flavor: HookFlavor;
  home: string;
  agent?: string;
  timeoutSeconds?: number;
  fallback: 'deny' | 'ask';
  includeMcp?: boolean;
}

/** Claude Code gives a hook 60 s by default and VS Code 30 s; answering a little earlier keeps the decision ours. */
const defaultTimeoutSeconds: Record<HookFlavor, number> = { 'claude-code': 55, vscode: 25, cursor: 25 };

/** The text to print for one hook input (nothing for an event that only reports), connecting while it is read. */
export async function runHook(run: HookRun, input: Promise<string>): Promise<string | undefined> {
  const daemon = hookDaemon(run.home);
  daemon.warm();
  try {
    const stdinText = await input;
    const common = {
      agent: run.agent ?? defaultHookAgent[run.flavor],
      authorize: daemon.authorize,
      report: daemon,
      timeoutSeconds: run.timeoutSeconds ?? defaultTimeoutSeconds[run.flavor],
      defaultWorkspace: process.cwd(),
    };
    const answer =
      run.flavor === 'cursor'
        ? await decideCursorHook(stdinText, common)
        : await decidePreToolUse(stdinText, { ...common, flavor: run.flavor, fallback: run.fallback, ...(run.includeMcp ? { includeMcp: true } : {}) });
    return answer ? `${JSON.stringify(answer)}\n` : undefined;
  } finally {
    daemon.close();
  }
}

export async function readAllStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
