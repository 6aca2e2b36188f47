// `signet hook claude-code` (and `signet hook vscode`): a PreToolUse hook that puts the agent's built-in tools
// (Bash, Edit, Write…) behind Signet the way the proxy puts MCP servers behind it. The client runs the hook with
// one JSON object on stdin before each tool call; the hook asks the daemon and prints the decision as JSON.
//
// Claude Code's input: { session_id, transcript_path, cwd, permission_mode, hook_event_name: "PreToolUse",
// tool_name, tool_input, tool_use_id }. VS Code's agent hooks share the tool fields and the output, with a few
// common fields in camelCase (hookEventName, sessionId, timestamp). The output for both:
// { hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: "allow" | "deny" | "ask",
//   permissionDecisionReason } }.
import { resolve } from 'node:path';
import { z } from 'zod';
import type { AuthorizeParams, AuthorizeResult } from '../server/protocol';

export type HookFlavor = 'claude-code' | 'vscode';

/** The agent a hook's calls are made as, unless `--agent` says otherwise. */
export const defaultHookAgent: Record<HookFlavor, string> = { 'claude-code': 'claude-code', vscode: 'copilot' };

export const PreToolUseInput = z.looseObject({
  tool_name: z.string().min(1),
  tool_input: z.record(z.string(), z.unknown()).optional(),
  tool_use_id: z.string().optional(),
  cwd: z.string().optional(),
  session_id: z.string().optional(),
  sessionId: z.string().optional(),
  hook_event_name: z.string().optional(),
  hookEventName: z.string().optional(),
  transcript_path: z.string().optional(),
  permission_mode: z.string().optional(),
});
export type PreToolUseInput = z.infer<typeof PreToolUseInput>;

export type PermissionDecision = 'allow' | 'deny' | 'ask';

export interface PreToolUseOutput {
  hookSpecificOutput: {
    hookEventName: 'PreToolUse';
    permissionDecision: PermissionDecision;
    permissionDecisionReason: string;
  };
}

export interface HookOptions {
  flavor: HookFlavor;
  agent: string;
  /** Asks the daemon; must resolve to a decision (the daemon link turns every failure into a denial). */
  authorize: (params: AuthorizeParams) => Promise<AuthorizeResult>;
  /** Also decide MCP tools (`mcp__server__tool`); off by default because `signet mcp-proxy` decides those. */
  includeMcp?: boolean;
  /** Seconds to wait for the daemon; past it, `fallback` decides. Keep it below the client's hook timeout. */
  timeoutSeconds: number;
  /** What to answer when Signet could not decide in time: deny (fail closed) or hand over to the client's own prompt. */
  fallback?: 'deny' | 'ask';
  /** Used when the input names no working directory. */
  defaultWorkspace?: string;
}

/** The Signet command for a tool: `/claude-code/tools/bash`, `/vscode/tools/editfiles`. */
export function hookCommand(flavor: HookFlavor, toolName: string): string {
  const segment = toolName.toLowerCase().replace(/[\s/]+/g, '_') || 'unknown';
  return `/${flavor}/tools/${segment}`;
}

function output(permissionDecision: PermissionDecision, permissionDecisionReason: string): PreToolUseOutput {
  return { hookSpecificOutput: { hookEventName: 'PreToolUse', permissionDecision, permissionDecisionReason } };
}

/**
 * The hook's answer for one raw stdin text, or undefined to stay out of the decision (an MCP tool the proxy
 * already decides). Never throws: unreadable input is denied, since letting an unknown call through is not safe.
 */
export async function decidePreToolUse(stdinText: string, options: HookOptions): Promise<PreToolUseOutput | undefined> {
  let raw: unknown;
  try {
    raw = JSON.parse(stdinText);
  } catch {
    return output('deny', 'Signet could not read the hook input (it is not JSON), so the tool call was refused');
  }
  const parsed = PreToolUseInput.safeParse(raw);
  if (!parsed.success) {
    return output('deny', `Signet could not read the hook input (${parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}), so the tool call was refused`);
  }
  const input = parsed.data;
  const event = input.hook_event_name ?? input.hookEventName;
  if (event !== undefined && event !== 'PreToolUse') {
    return output('deny', `signet hook answers PreToolUse only, but was run for ${event}; configure it under PreToolUse`);
  }
  if (!options.includeMcp && /^mcp__/.test(input.tool_name)) return undefined;

  const params: AuthorizeParams = {
    agent: options.agent,
    cmd: hookCommand(options.flavor, input.tool_name),
    args: { tool: input.tool_name, input: input.tool_input ?? {} },
    createAgent: true,
  };
  const workspace = input.cwd ?? options.defaultWorkspace;
  // The daemon takes absolute workspaces only; a relative one is taken against this process's working directory.
  if (workspace) params.workspace = resolve(workspace);

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), options.timeoutSeconds * 1000);
  });
  const result = await Promise.race([options.authorize(params), deadline]);
  clearTimeout(timer);
  if (result === 'timeout') {
    const fallback = options.fallback ?? 'deny';
    return output(
      fallback,
      `Signet got no decision within ${options.timeoutSeconds} s (the approval may still be open in the editor), so ${fallback === 'deny' ? 'the call was refused' : 'the decision is yours here'}. Raise the hook's timeout and --timeout to wait longer.`,
    );
  }
  if (result.decision === 'allow') {
    return output('allow', `Signet allowed ${input.tool_name} for ${options.agent} (invocation ${result.invocationCid}, chain ${result.chain.join(' → ')})`);
  }
  if (result.code === 'disconnected' && options.fallback === 'ask') {
    return output('ask', `Signet could not decide: ${result.reason}`);
  }
  return output('deny', `Signet refused ${input.tool_name}: ${result.reason}`);
}
