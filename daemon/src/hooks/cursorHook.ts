// `signet hook cursor`: Cursor's hooks put its agent's shell commands, MCP calls and file reads behind Signet.
// Cursor runs the hook with one JSON object on stdin (`hook_event_name`, `conversation_id`, `generation_id`,
// `workspace_roots`, and the event's own fields) and reads `{ permission, user_message, agent_message }` back.
//
//   beforeShellExecution  { command, cwd }                         → /cursor/tools/shell
//   beforeMCPExecution    { tool_name, tool_input, url | command } → /cursor/tools/mcp__<tool>
//   beforeReadFile        { file_path, content, attachments }      → /cursor/tools/read (answer: permission only)
//
// An MCP call to a server that already runs behind `signet mcp-proxy` is allowed here: the proxy decides it, and
// deciding it twice would ask the person twice.
import { resolve } from 'node:path';
import { z } from 'zod';
import { firstChangedPath } from '../authz/canonicalPaths';
import type { AuthorizeParams, AuthorizeResult } from '../server/protocol';

export const CURSOR_DECIDED_EVENTS = ['beforeShellExecution', 'beforeMCPExecution', 'beforeReadFile'] as const;
export type CursorDecidedEvent = (typeof CURSOR_DECIDED_EVENTS)[number];

export const CursorHookInput = z.looseObject({
  hook_event_name: z.string(),
  conversation_id: z.string().optional(),
  generation_id: z.string().optional(),
  workspace_roots: z.array(z.string()).optional(),
  command: z.string().optional(),
  cwd: z.string().optional(),
  tool_name: z.string().optional(),
  tool_input: z.unknown().optional(),
  url: z.string().optional(),
  file_path: z.string().optional(),
});
export type CursorHookInput = z.infer<typeof CursorHookInput>;

export interface CursorHookOutput {
  permission: 'allow' | 'deny' | 'ask';
  user_message?: string;
  agent_message?: string;
}

export interface CursorHookOptions {
  agent: string;
  authorize: (params: AuthorizeParams) => Promise<AuthorizeResult>;
  timeoutSeconds: number;
  defaultWorkspace?: string;
}

const text = { type: 'string' } as const;
const path = { type: 'string', description: 'an absolute file path' } as const;
const shellSchema = { type: 'object', properties: { command: text, cwd: path } };
const readSchema = { type: 'object', properties: { file_path: path } };

function answer(event: string, permission: CursorHookOutput['permission'], message: string): CursorHookOutput {
  // beforeReadFile takes a permission only; the other events also tell the person and the agent why.
  return event === 'beforeReadFile' ? { permission } : { permission, user_message: message, agent_message: message };
}

/** Signet's MCP proxy in front of the server already decides its calls. */
function runsBehindProxy(input: CursorHookInput): boolean {
  return typeof input.command === 'string' && /signet(\.cmd)?["']?\s+(\S+\s+)*mcp-proxy\b/.test(input.command);
}

/** The hook's answer for one raw stdin text. Never throws: unreadable input is denied. */
export async function decideCursorHook(stdinText: string, options: CursorHookOptions): Promise<CursorHookOutput> {
  let raw: unknown;
  try {
    raw = JSON.parse(stdinText);
  } catch {
    return answer('', 'deny', 'Signet could not read the hook input (it is not JSON), so the call was refused');
  }
  const parsed = CursorHookInput.safeParse(raw);
  if (!parsed.success) return answer('', 'deny', `Signet could not read the hook input (${parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ')}), so the call was refused`);
  const input = parsed.data;
  const event = input.hook_event_name;
  const workspace = input.workspace_roots?.[0] ?? options.defaultWorkspace;
  let params: AuthorizeParams;
  let what: string;
  switch (event) {
    case 'beforeShellExecution': {
      if (typeof input.command !== 'string') return answer(event, 'deny', 'Signet refused the shell command: the hook input names no command');
      const toolInput = { command: input.command, ...(input.cwd ? { cwd: input.cwd } : {}) };
      params = { agent: options.agent, cmd: '/cursor/tools/shell', args: { tool: 'shell', input: toolInput }, inputSchema: shellSchema, createAgent: true };
      what = 'the shell command';
      break;
    }
    case 'beforeMCPExecution': {
      if (typeof input.tool_name !== 'string' || input.tool_name === '') return answer(event, 'deny', 'Signet refused the MCP call: the hook input names no tool');
      if (runsBehindProxy(input)) return answer(event, 'allow', 'Signet decides this server\'s calls in its MCP proxy');
      const toolInput = typeof input.tool_input === 'string' ? parseMaybe(input.tool_input) : input.tool_input;
      const segment = input.tool_name.toLowerCase().replace(/[\s/]+/g, '_');
      params = {
        agent: options.agent,
        cmd: `/cursor/tools/mcp__${segment}`,
        args: { tool: input.tool_name, input: toolInput ?? {}, ...(input.url ? { server: input.url } : input.command ? { server: input.command } : {}) },
        createAgent: true,
      };
      what = `the MCP tool ${input.tool_name}`;
      break;
    }
    case 'beforeReadFile': {
      if (typeof input.file_path !== 'string') return answer(event, 'deny', 'Signet refused the read: the hook input names no file');
      // The file's content is not sent to Signet: the decision is about which file, and the audit log keeps no contents.
      params = { agent: options.agent, cmd: '/cursor/tools/read', args: { tool: 'read', input: { file_path: input.file_path } }, inputSchema: readSchema, createAgent: true };
      what = `the read of ${input.file_path}`;
      break;
    }
    default:
      return answer(event, 'deny', `signet hook cursor decides ${CURSOR_DECIDED_EVENTS.join(', ')} only, but was run for ${event}`);
  }
  if (workspace) params.workspace = resolve(workspace);

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((done) => {
    timer = setTimeout(() => done('timeout'), options.timeoutSeconds * 1000);
  });
  const result = await Promise.race([options.authorize(params), deadline]);
  clearTimeout(timer);
  if (result === 'timeout') return answer(event, 'deny', `Signet got no decision within ${options.timeoutSeconds} s, so ${what} was refused`);
  if (result.decision === 'deny') return answer(event, 'deny', `Signet refused ${what}: ${result.reason}`);
  // Cursor cannot be handed the checked input, so it must already be what was checked.
  const authorized = result.args.input;
  const sent = params.args.input;
  if (JSON.stringify(authorized) !== JSON.stringify(sent)) {
    return answer(event, 'deny', `Signet refused ${what}: its paths are not in canonical form, and Cursor cannot be handed the checked ones; use ${JSON.stringify(authorized).slice(0, 400)}`);
  }
  const paths = result.args._paths;
  const changed = Array.isArray(paths) ? await firstChangedPath(paths) : undefined;
  if (changed) return answer(event, 'deny', `Signet refused ${what}: ${changed.path} no longer names what was authorized (it now leads to ${changed.now})`);
  return answer(event, 'allow', `Signet allowed ${what} for ${options.agent} (invocation ${result.invocationCid})`);
}

function parseMaybe(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return { value };
  }
}
