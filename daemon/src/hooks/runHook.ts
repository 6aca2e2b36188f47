// One hook run: the client's JSON on stdin in, the client's answer out. Shared by the lean entry point the installed
// hooks call (hookMain.ts, dist/hook.js) and by `signet hook …` of the full CLI, so both answer alike.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
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
      ...(run.agent !== undefined ? { agentChosenByOwner: true } : {}),
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

/** The run an argument list asks for, or the sentence that says what is wrong with it. */
export function parseHookArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): HookRun | string {
  let home = env.SIGNET_HOME;
  let flavor: HookFlavor | undefined;
  const run: Omit<HookRun, 'flavor' | 'home'> = { fallback: 'deny' };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const value = () => argv[++i];
    if (arg === '--home') home = value();
    else if (arg === '--agent') run.agent = value();
    else if (arg === '--timeout') run.timeoutSeconds = Number(value());
    else if (arg === '--fallback') run.fallback = value() as HookRun['fallback'];
    else if (arg === '--include-mcp') run.includeMcp = true;
    else if ((arg === 'claude-code' || arg === 'vscode' || arg === 'cursor') && !flavor) flavor = arg;
    else return `unexpected argument "${arg}"`;
  }
  if (!flavor) return 'name the client: claude-code, vscode or cursor';
  if (home === undefined || home === '') home = join(homedir(), '.signet');
  if (run.timeoutSeconds !== undefined && !(run.timeoutSeconds > 0)) return '--timeout must be a positive number of seconds';
  if (run.fallback !== 'deny' && run.fallback !== 'ask') return '--fallback is deny or ask';
  return { ...run, flavor, home: resolve(home) };
}
