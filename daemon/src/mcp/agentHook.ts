// `signet hook claude-code` (and `signet hook vscode`): a PreToolUse hook that puts the agent's built-in tools
// (Bash, Edit, Write…) behind Signet the way the proxy puts MCP servers behind it. The client runs the hook with
// one JSON object on stdin before each tool call; the hook asks the daemon and prints the decision as JSON.
//
// Claude Code's input: { session_id, transcript_path, cwd, permission_mode, hook_event_name: "PreToolUse",
// tool_name, tool_input, tool_use_id }. VS Code's agent hooks share the tool fields and the output, with a few
// common fields in camelCase (hookEventName, sessionId, timestamp). The output for both:
// { hookSpecificOutput: { hookEventName: "PreToolUse", permissionDecision: "allow" | "deny" | "ask",
//   permissionDecisionReason } }.
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import { firstChangedPath } from '../authz/canonicalPaths';
import { CLIENT_REASON_PATTERN } from '../authz/sessionKeys';
import { NO_ONE_TO_ASK, REFUSED } from '../hooks/hookDaemon';
import { REPORTED_EVENTS, toolOutcomeParams, type OutcomeReporter, type ReportedEvent } from '../hooks/hookOutcomes';
import type { AuthorizeParams, AuthorizeResult, ClientCall } from '../server/protocol';

export type HookFlavor = 'claude-code' | 'vscode' | 'cursor';

/** The agent a hook's calls are made as, unless `--agent` says otherwise. */
export const defaultHookAgent: Record<HookFlavor, string> = { 'claude-code': 'claude-code', vscode: 'copilot', cursor: 'cursor' };

/**
 * The events that ask before something runs. Claude Code runs the `!` lines of skills and slash commands under
 * PreSkillShellCommand, never under PreToolUse; Signet decides them as the shell commands they are.
 */
export const DECIDED_EVENTS = ['PreToolUse', 'PreSkillShellCommand'] as const;
export type DecidedEvent = (typeof DECIDED_EVENTS)[number];

/**
 * The fields of a hook input Signet reads (Claude Code's and VS Code's; the SDK's `HookInput` types are checked
 * against it in the tests). Read by hand rather than by a schema library, which would cost more to load than the
 * hook takes to run (see hookMain.ts).
 */
export interface PreToolUseInput {
  tool_name: string;
  tool_input?: Record<string, unknown>;
  tool_use_id?: string;
  cwd?: string;
  session_id?: string;
  sessionId?: string;
  hook_event_name?: string;
  hookEventName?: string;
  transcript_path?: string;
  permission_mode?: string;
  /** Claude Code, when a subagent makes the call: which one, and its type (chosen by the agent, so sanitised). */
  agent_id?: string;
  agent_type?: string;
  /** PreSkillShellCommand: the skill or slash command whose text holds the command, and who loaded it. */
  command_name?: string;
  invoked_by?: string;
  /** PostToolUse: what the tool answered; PostToolUseFailure: its error. */
  tool_response?: unknown;
  error?: string;
  is_interrupt?: boolean;
  /** SessionEnd: why the session ended. */
  reason?: string;
}

const STRING_FIELDS = ['tool_name', 'tool_use_id', 'cwd', 'session_id', 'sessionId', 'hook_event_name', 'hookEventName', 'transcript_path', 'permission_mode', 'agent_id', 'agent_type', 'command_name', 'invoked_by', 'error', 'reason'] as const;

/** The input when it has the shape Signet reads, or the sentence that says what is wrong with it. */
export function readHookInput(raw: unknown, needsTool: boolean): PreToolUseInput | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return 'input: expected a JSON object';
  const input = raw as Record<string, unknown>;
  const wrong = STRING_FIELDS.filter((f) => input[f] !== undefined && typeof input[f] !== 'string');
  if (wrong.length) return wrong.map((f) => `${f}: expected a string`).join('; ');
  if (needsTool && (typeof input.tool_name !== 'string' || input.tool_name === '')) return 'tool_name: expected a tool name';
  const toolInput = input.tool_input;
  if (toolInput !== undefined && (typeof toolInput !== 'object' || toolInput === null || Array.isArray(toolInput))) return 'tool_input: expected an object';
  return { ...input, tool_name: typeof input.tool_name === 'string' ? input.tool_name : '' } as PreToolUseInput;
}

export type PermissionDecision = 'allow' | 'deny' | 'ask';

export interface PreToolUseOutput {
  hookSpecificOutput: {
    hookEventName: DecidedEvent;
    permissionDecision: PermissionDecision;
    permissionDecisionReason: string;
    /**
     * Claude Code only: the tool input to run instead of the one the agent wrote. Signet sets it to the input it
     * authorized, with every path canonical, so that the tool opens the file that was checked.
     */
    updatedInput?: Record<string, unknown>;
  };
}

const text = { type: 'string' } as const;
const number = { type: 'number' } as const;
const path = { type: 'string', description: 'an absolute file path' } as const;
const object = (properties: Record<string, unknown>) => ({ type: 'object', properties });

/**
 * The input schemas of the agents' built-in tools (from Claude Code's SDK types; VS Code's tools take the same
 * names for the same things), so that the daemon tells their paths from their text as it does for MCP tools.
 */
const builtInSchemas: Record<string, Record<string, unknown>> = {
  read: object({ file_path: path, offset: number, limit: number }),
  write: object({ file_path: path, content: text }),
  edit: object({ file_path: path, old_string: text, new_string: text, replace_all: { type: 'boolean' } }),
  multiedit: object({ file_path: path, edits: { type: 'array', items: object({ old_string: text, new_string: text, replace_all: { type: 'boolean' } }) } }),
  notebookedit: object({ notebook_path: path, cell_id: text, new_source: text, cell_type: text, edit_mode: text }),
  glob: object({ pattern: text, path }),
  grep: object({ pattern: text, path, glob: text, type: text, output_mode: text, '-i': { type: 'boolean' }, '-n': { type: 'boolean' }, '-A': number, '-B': number, '-C': number, head_limit: number, multiline: { type: 'boolean' } }),
  bash: object({ command: text, description: text, timeout: number, run_in_background: { type: 'boolean' } }),
  webfetch: object({ url: { type: 'string', format: 'uri' }, prompt: text }),
  websearch: object({ query: text, allowed_domains: { type: 'array', items: text }, blocked_domains: { type: 'array', items: text } }),
  task: object({ description: text, prompt: text, subagent_type: text }),
};

/**
 * The Signet agent a subagent's calls are made as: the main agent's name, a dot and the subagent's type, in the
 * characters agent names allow (`claude-code.code-reviewer`). The type is chosen by the agent, so nothing of it
 * survives but lowercase letters, digits, `_` and `-`; one type cannot pass for another's name with a `.` or `/`.
 * Nor can two types share one agent (and so its rights) by differing only in what sanitising removes or folds
 * (`Explore` and `explore`, `a b` and `a/b`, a long name's cut-off tail): a type that sanitising changed in any way
 * gets a `.` and a hash of the exact type after its name (`claude-code.explore.1f0c…`). A `.` never survives
 * sanitising, so such a name cannot be any other type's plain one.
 */
export function subagentName(main: string, agentType: string | undefined): string {
  const raw = agentType ?? '';
  const room = 64 - main.length - 1;
  const clean = raw.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  if (clean !== '' && clean === raw && clean.length <= room) return `${main}.${clean}`;
  // The hash is taken over main and type, so that it also tells apart long main names cut to fit.
  const suffix = `.${createHash('sha256').update(`${main}\u0000${raw}`).digest('hex').slice(0, SUBAGENT_HASH_LENGTH)}`;
  const type = clean.slice(0, Math.max(room - suffix.length, 0)).replace(/-+$/, '') || 'subagent';
  const name = `${main}.${type}${suffix}`;
  return name.length <= 64 ? name : `${main.slice(0, 64 - suffix.length)}${suffix}`;
}

/** 16 hex digits (64 bits) of SHA-256: too many to find a second type with the same name by trying. */
const SUBAGENT_HASH_LENGTH = 16;

export interface HookOptions {
  flavor: HookFlavor;
  agent: string;
  /** `agent` was named with `--agent`, not taken from defaultHookAgent: it stays the agent whatever the input's shape. */
  agentChosenByOwner?: boolean;
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
  /** Where PostToolUse and SessionEnd are reported; without it they are ignored. */
  report?: OutcomeReporter;
}

/** The Signet command for a tool: `/claude-code/tools/bash`, `/vscode/tools/editfiles`. */
export function hookCommand(flavor: HookFlavor, toolName: string): string {
  const segment = toolName.toLowerCase().replace(/[\s/]+/g, '_') || 'unknown';
  return `/${flavor}/tools/${segment}`;
}

function output(permissionDecision: PermissionDecision, permissionDecisionReason: string, updatedInput?: Record<string, unknown>, hookEventName: DecidedEvent = 'PreToolUse'): PreToolUseOutput {
  return { hookSpecificOutput: { hookEventName, permissionDecision, permissionDecisionReason, ...(updatedInput ? { updatedInput } : {}) } };
}

/**
 * The hook's answer for one raw stdin text, or undefined to stay out of the decision (an MCP tool the proxy
 * already decides) and for the events that only report (PostToolUse, SessionEnd: see hookOutcomes.ts). Never
 * throws: unreadable input is denied, since letting an unknown call through is not safe.
 */
export async function decidePreToolUse(stdinText: string, given: HookOptions): Promise<PreToolUseOutput | undefined> {
  let raw: unknown;
  try {
    raw = JSON.parse(stdinText);
  } catch {
    return output('deny', 'Signet could not read the hook input (it is not JSON), so the tool call was refused');
  }
  const event = hookEventOf(raw);
  const input = readHookInput(raw, (DECIDED_EVENTS as readonly string[]).includes(event) || event === 'PostToolUse' || event === 'PostToolUseFailure');
  if (typeof input === 'string') return output('deny', `Signet could not read the hook input (${input}), so the tool call was refused`);
  const options = optionsForShape(input, given);
  if ((REPORTED_EVENTS as readonly string[]).includes(event)) {
    await report(input, event as ReportedEvent, options);
    return undefined;
  }
  if (!(DECIDED_EVENTS as readonly string[]).includes(event)) {
    return output('deny', `signet hook answers ${[...DECIDED_EVENTS, ...REPORTED_EVENTS].join(', ')} only, but was run for ${event}; configure it under those events`);
  }
  const decided = event as DecidedEvent;
  if (decided === 'PreToolUse' && !options.includeMcp && /^mcp__/.test(input.tool_name)) return undefined;
  const answer = await decide(input, decided, options);
  // A skill's command is never run on another input: Claude Code keeps any updatedInput from running it at all.
  if (decided === 'PreSkillShellCommand') return output(answer.hookSpecificOutput.permissionDecision, answer.hookSpecificOutput.permissionDecisionReason, undefined, decided);
  return answer;
}

function hookEventOf(raw: unknown): string {
  const input = (typeof raw === 'object' && raw !== null ? raw : {}) as { hook_event_name?: unknown; hookEventName?: unknown };
  const event = input.hook_event_name ?? input.hookEventName ?? 'PreToolUse';
  return typeof event === 'string' ? event : 'PreToolUse';
}

/**
 * VS Code also runs the hooks of `.claude/settings.json`, for Copilot's calls. Its input names the event and the
 * session in camelCase (`hookEventName`, `sessionId`) where Claude Code writes snake_case: such a call is Copilot's,
 * decided as the vscode hook decides it (without rewriting the input, which VS Code cannot take). It is made as
 * `copilot` unless the owner named the hook's agent with `--agent`: then that agent, because the owner chose which
 * identity, and so which rights, this hook's calls have, and the input's shape (which says only which client ran
 * the hook) must not swap it for another agent that may hold more.
 */
function optionsForShape(input: PreToolUseInput, options: HookOptions): HookOptions {
  const vscodeShaped = input.hook_event_name === undefined && input.hookEventName !== undefined;
  if (options.flavor !== 'claude-code' || !vscodeShaped) return options;
  return { ...options, flavor: 'vscode', agent: options.agentChosenByOwner ? options.agent : defaultHookAgent.vscode };
}

/** The client's own ids of this call: its session, and its id of the tool call. */
function clientCallOf(input: PreToolUseInput, flavor: HookFlavor): ClientCall {
  return { client: flavor, ...sessionOf(input), ...(input.tool_use_id ? { toolUseId: input.tool_use_id } : {}) };
}

function sessionOf(input: PreToolUseInput): { session?: string } {
  const session = input.session_id ?? input.sessionId;
  return session ? { session } : {};
}

/** Sends what a reporting event tells to the daemon; best effort, since the tool has run already. */
async function report(input: PreToolUseInput, event: ReportedEvent, options: HookOptions): Promise<void> {
  if (!options.report) return;
  const call = clientCallOf(input, options.flavor);
  let answer: { error: string } | object;
  if (event === 'SessionEnd') {
    if (!call.session) return;
    // Only a reason in the short form the daemon records is sent along (see sessionKeys.ts); any other is dropped,
    // so that the session still ends.
    const reason = input.reason !== undefined && CLIENT_REASON_PATTERN.test(input.reason) ? { reason: input.reason } : {};
    answer = await options.report.endSession({ agent: options.agent, call: { client: call.client, session: call.session }, ...reason });
  } else {
    if (!call.toolUseId) return;
    if (!options.includeMcp && /^mcp__/.test(input.tool_name)) return;
    const params = await toolOutcomeParams({
      client: call.client,
      agent: input.agent_id !== undefined ? subagentName(options.agent, input.agent_type) : options.agent,
      event,
      session: call.session,
      toolUseId: call.toolUseId,
      tool: input.tool_name,
      toolInput: input.tool_input,
      response: input.tool_response,
      error: input.error,
      cwd: input.cwd ?? options.defaultWorkspace,
    });
    answer = await options.report.reportOutcome(params);
  }
  if ('error' in answer) process.stderr.write(`Signet could not record the ${event} event: ${answer.error}\n`);
}

async function decide(input: PreToolUseInput, event: DecidedEvent, options: HookOptions): Promise<PreToolUseOutput> {
  const toolInput = input.tool_input ?? {};
  const inputSchema = builtInSchemas[input.tool_name.toLowerCase()];
  // A skill's `!` line is a shell command like any other: the same command and arguments as the Bash tool, so a
  // person approves it as one (and a delegation for Bash covers it), with the skill named alongside.
  const via = event === 'PreSkillShellCommand' ? { via: { skill: input.command_name ?? 'unknown', invokedBy: input.invoked_by ?? 'other' } } : {};
  // Claude Code names the subagent making a call (agent_id, with its agent_type); the main thread has no agent_id.
  const subagent = input.agent_id !== undefined ? subagentName(options.agent, input.agent_type) : undefined;
  const params: AuthorizeParams = {
    agent: subagent ?? options.agent,
    ...(subagent ? { actingFor: options.agent } : {}),
    cmd: hookCommand(options.flavor, input.tool_name),
    args: { tool: input.tool_name, input: toolInput, ...via },
    createAgent: true,
    ...(inputSchema ? { inputSchema } : {}),
    // A skill's line has no outcome event to pair with, and its id is not known to be one per run: only the
    // session is bound, so that a repeated line is always decided again.
    clientCall: event === 'PreSkillShellCommand' ? { client: options.flavor, ...sessionOf(input) } : clientCallOf(input, options.flavor),
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
    const authorized = result.args.input as Record<string, unknown>;
    const paths = result.args._paths;
    const changed = Array.isArray(paths) ? await firstChangedPath(paths) : undefined;
    if (changed) return output('deny', `Signet refused ${input.tool_name}: ${changed.path} no longer names what was authorized (it now leads to ${changed.now})`);
    const reason = `Signet allowed ${input.tool_name} for ${params.agent}${subagent ? `, acting for ${options.agent},` : ''} (invocation ${result.invocationCid}, chain ${result.chain.join(' → ')})`;
    // Claude Code runs the tool on `updatedInput`, the input with its paths canonical. A client that cannot be told
    // to (VS Code) would run the raw input, which may name another file than the one checked: unless the two are
    // the same, the call is refused with the path to use instead.
    if (options.flavor === 'claude-code') return output('allow', reason, authorized);
    if (JSON.stringify(authorized) !== JSON.stringify(toolInput)) {
      return output('deny', `Signet refused ${input.tool_name}: its paths are not in canonical form, and this client cannot be handed the checked ones; call it again with ${JSON.stringify(authorized).slice(0, 400)}`);
    }
    return output('allow', reason);
  }
  if (result.code === 'disconnected' && options.fallback === 'ask') {
    const handedOver = result.reason.replace(NO_ONE_TO_ASK, 'Signet cannot ask anyone, so the decision is yours here.').replaceAll(REFUSED, 'so the decision is yours here');
    return output('ask', `Signet could not decide: ${handedOver}`);
  }
  return output('deny', `Signet refused ${input.tool_name}: ${result.reason}`);
}
