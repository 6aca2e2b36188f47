// `signet hook cursor`: Cursor's hooks put its agent's shell commands, MCP calls and file reads behind Signet.
// Cursor runs the hook with one JSON object on stdin (`hook_event_name`, `conversation_id`, `generation_id`,
// `workspace_roots`, and the event's own fields) and reads `{ permission, user_message, agent_message }` back.
//
//   beforeShellExecution  { command, cwd }                         → /cursor/tools/shell
//   beforeMCPExecution    { tool_name, tool_input, url | command } → /cursor/tools/mcp__<tool>
//   beforeReadFile        { file_path, content, attachments }      → /cursor/tools/read (answer: permission only)
//
// and records what came of a call (hookOutcomes.ts), printing nothing:
//
//   afterShellExecution   { command, output, exit_code? }          → call.outcome of its shell call
//   afterMCPExecution     { tool_name, tool_input, result_json }   → call.outcome of its MCP call
//   afterFileEdit         { file_path, edits }                     → call.outcome naming no call (Cursor asks none)
//
// An MCP call to a server that already runs behind `signet mcp-proxy` is allowed here: the proxy decides it, and
// deciding it twice would ask the person twice.
import { resolve } from 'node:path';
import { firstChangedPath } from '../authz/canonicalPaths';
import type { AuthorizeParams, AuthorizeResult, ClientCall } from '../server/protocol';
import { fileDigest, sha256Digest, type OutcomeReporter } from './hookOutcomes';

export const CURSOR_DECIDED_EVENTS = ['beforeShellExecution', 'beforeMCPExecution', 'beforeReadFile'] as const;
export type CursorDecidedEvent = (typeof CURSOR_DECIDED_EVENTS)[number];
/** The events that report what came of a call; the hook prints nothing for them. */
export const CURSOR_REPORTED_EVENTS = ['afterShellExecution', 'afterMCPExecution', 'afterFileEdit'] as const;
export type CursorReportedEvent = (typeof CURSOR_REPORTED_EVENTS)[number];

/** The fields of Cursor's hook input Signet reads; read by hand, as agentHook.ts says why. */
export interface CursorHookInput {
  hook_event_name: string;
  conversation_id?: string;
  generation_id?: string;
  workspace_roots?: string[];
  command?: string;
  cwd?: string;
  tool_name?: string;
  tool_input?: unknown;
  url?: string;
  file_path?: string;
  /** afterShellExecution: what the command printed; afterMCPExecution: the tool's result. */
  output?: unknown;
  result_json?: unknown;
  exit_code?: number;
}

const CURSOR_STRING_FIELDS = ['hook_event_name', 'conversation_id', 'generation_id', 'command', 'cwd', 'tool_name', 'url', 'file_path'] as const;

function readCursorInput(raw: unknown): CursorHookInput | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'input: expected a JSON object';
  const input = raw as Record<string, unknown>;
  if (typeof input.hook_event_name !== 'string') return 'hook_event_name: expected a string';
  const wrong = CURSOR_STRING_FIELDS.filter((f) => input[f] !== undefined && typeof input[f] !== 'string');
  if (wrong.length) return wrong.map((f) => `${f}: expected a string`).join('; ');
  const roots = input.workspace_roots;
  if (roots !== undefined && !(Array.isArray(roots) && roots.every((r) => typeof r === 'string'))) return 'workspace_roots: expected a list of paths';
  if (input.exit_code !== undefined && !Number.isInteger(input.exit_code)) return 'exit_code: expected an integer';
  return input as unknown as CursorHookInput;
}

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
  /** Where the after-events are reported; without it they are ignored. */
  report?: OutcomeReporter;
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
export async function decideCursorHook(stdinText: string, options: CursorHookOptions): Promise<CursorHookOutput | undefined> {
  let raw: unknown;
  try {
    raw = JSON.parse(stdinText);
  } catch {
    return answer('', 'deny', 'Signet could not read the hook input (it is not JSON), so the call was refused');
  }
  const input = readCursorInput(raw);
  if (typeof input === 'string') return answer('', 'deny', `Signet could not read the hook input (${input}), so the call was refused`);
  const event = input.hook_event_name;
  const workspace = input.workspace_roots?.[0] ?? options.defaultWorkspace;
  if ((CURSOR_REPORTED_EVENTS as readonly string[]).includes(event)) {
    await reportCursorEvent(input, event as CursorReportedEvent, workspace, options);
    return undefined;
  }
  let params: AuthorizeParams;
  let what: string;
  switch (event) {
    case 'beforeShellExecution': {
      if (typeof input.command !== 'string') return answer(event, 'deny', 'Signet refused the shell command: the hook input names no command');
      const toolInput = { command: input.command, ...(input.cwd ? { cwd: input.cwd } : {}) };
      params = { agent: options.agent, cmd: '/cursor/tools/shell', args: { tool: 'shell', input: toolInput }, inputSchema: shellSchema, createAgent: true, clientCall: cursorCall(input, 'shell') };
      what = 'the shell command';
      break;
    }
    case 'beforeMCPExecution': {
      if (typeof input.tool_name !== 'string' || input.tool_name === '') return answer(event, 'deny', 'Signet refused the MCP call: the hook input names no tool');
      if (runsBehindProxy(input)) return answer(event, 'allow', 'Signet decides this server\'s calls in its MCP proxy');
      const toolInput = mcpInputOf(input);
      const segment = input.tool_name.toLowerCase().replace(/[\s/]+/g, '_');
      params = {
        agent: options.agent,
        cmd: `/cursor/tools/mcp__${segment}`,
        args: { tool: input.tool_name, input: toolInput ?? {}, ...(input.url ? { server: input.url } : input.command ? { server: input.command } : {}) },
        createAgent: true,
        clientCall: cursorCall(input, 'mcp'),
      };
      what = `the MCP tool ${input.tool_name}`;
      break;
    }
    case 'beforeReadFile': {
      if (typeof input.file_path !== 'string') return answer(event, 'deny', 'Signet refused the read: the hook input names no file');
      // The file's content is not sent to Signet: the decision is about which file, and the audit log keeps no contents.
      params = { agent: options.agent, cmd: '/cursor/tools/read', args: { tool: 'read', input: { file_path: input.file_path } }, inputSchema: readSchema, createAgent: true, clientCall: cursorCall(input) };
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

/**
 * Cursor's ids of a call: the conversation is its session; a call has no id of its own, so one is made from the
 * generation and what the call runs, which its before- and after-event both carry. Two identical calls in one
 * generation share it, so the daemon never hands an allow decided for one of them to the other: each run of a
 * command allowed once is decided anew (hooks/clientCalls.ts).
 */
function cursorCall(input: CursorHookInput, kind?: 'shell' | 'mcp' | 'edit'): ClientCall {
  const session = input.conversation_id ? { session: input.conversation_id } : {};
  if (!kind) return { client: 'cursor', ...session };
  const what = kind === 'shell' ? (input.command ?? '') : kind === 'mcp' ? `${input.tool_name ?? ''}\u0000${JSON.stringify(mcpInputOf(input) ?? null)}` : (input.file_path ?? '');
  return { client: 'cursor', ...session, toolUseId: `${input.generation_id ?? 'no-generation'}:${kind}:${sha256Digest(what).slice(7, 39)}` };
}

function mcpInputOf(input: CursorHookInput): unknown {
  return typeof input.tool_input === 'string' ? parseMaybe(input.tool_input) : input.tool_input;
}

/** Cursor's after-events: what ran, its exit status when Cursor gives one, and the new content's digest of an edited file. */
async function reportCursorEvent(input: CursorHookInput, event: CursorReportedEvent, workspace: string | undefined, options: CursorHookOptions): Promise<void> {
  if (!options.report) return;
  const kind = event === 'afterShellExecution' ? 'shell' : event === 'afterMCPExecution' ? 'mcp' : 'edit';
  const call = cursorCall(input, kind) as ClientCall & { toolUseId: string };
  const edited = kind === 'edit' && input.file_path ? resolve(workspace ?? process.cwd(), input.file_path) : undefined;
  const result = await options.report.reportOutcome({
    agent: options.agent,
    call,
    event,
    tool: kind === 'mcp' ? (input.tool_name ?? 'unknown') : kind,
    ...(input.exit_code !== undefined ? { exitStatus: input.exit_code } : {}),
    ...(kind === 'edit' ? {} : { outputDigest: sha256Digest(JSON.stringify((kind === 'shell' ? input.output : input.result_json) ?? null)) }),
    ...(edited ? { changedFiles: [{ path: edited, digest: await fileDigest(edited) }] } : {}),
  });
  if ('error' in result) process.stderr.write(`Signet could not record the ${event} event: ${result.error}\n`);
}

function parseMaybe(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return { value };
  }
}
