// The words of an approval prompt: who asks (and for whom), what, on which exact target, and how long is
// left. Pure, so that what people are asked to decide on is tested exactly.
import type { ApprovalRequest } from '../../../daemon/src/server/protocol';
import { outsideEditorWarning } from '../../../daemon/src/approvals/deciderText';
import { clip, formatCountdown } from '../format';
import { proposedChangeOf } from './proposedChange';

/** Arguments the daemon adds for its own bookkeeping, not part of what the agent asked. */
const INTERNAL_ARGS = new Set(['_paths']);

/** "coder (acting for planner)", or just "coder" when it acts for the user directly. */
export function describeAgent(request: Pick<ApprovalRequest, 'agent' | 'actingFor'>): string {
  const others = request.actingFor.filter((p) => p.name !== 'user' && p.name !== request.agent.name);
  return others.length ? `${request.agent.name} (acting for ${others.map((p) => p.name).join(', ')})` : request.agent.name;
}

/** The arguments as the agent sent them (after path canonicalisation), without internal fields. */
export function visibleArgs(args: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(args).filter(([key]) => !INTERNAL_ARGS.has(key)));
}

/**
 * One line naming the tool or command and the exact target: the daemon's summary (`write_file
 * /repo/src/auth.ts`), the MCP server, and any argument that is not already shown as a path. A request that
 * writes a file leaves out the new content and the edits: the prompt shows those as a diff.
 */
export function describeTarget(request: Pick<ApprovalRequest, 'cmd' | 'summary' | 'args' | 'tool' | 'paths'>): string {
  const args = visibleArgs(request.args);
  const inner = typeof args.arguments === 'object' && args.arguments !== null && !Array.isArray(args.arguments) ? (args.arguments as Record<string, unknown>) : undefined;
  const shown = new Set(request.paths);
  const hidden = new Set(proposedChangeOf(request)?.consumed ?? []);
  // For MCP calls the interesting part is the tool's own arguments; tool and server are named already.
  const source = inner ?? Object.fromEntries(Object.entries(args).filter(([k]) => k !== 'tool' && k !== 'server'));
  const rest = Object.fromEntries(Object.entries(source).filter(([k, v]) => !hidden.has(k) && !(typeof v === 'string' && shown.has(v))));
  const json = Object.keys(rest).length ? ` ${clip(JSON.stringify(rest), 160)}` : '';
  const server = typeof args.server === 'string' ? ` on ${args.server}` : '';
  return `${clip(request.summary, 200)}${server}${json}`;
}

/**
 * Notification messages turn `[text](command:…)` into clickable links, and the target text comes from the
 * agent. An agent could otherwise plant its own "Allow" link (for another request, or "always") in the
 * prompt. A zero-width space between `]` and `(` keeps such text from ever forming a link, and shows the
 * same characters.
 */
export function neutralizeLinks(untrusted: string): string {
  return untrusted.replace(/\]\s*\(/g, (m) => `]\u200b${m.slice(1)}`);
}

/** What a prompt asks about, in one sentence: "coder (acting for planner) wants write_file /repo/a.ts on fs (/mcp/tools/call)". */
export function wantsSentence(request: ApprovalRequest): string {
  return neutralizeLinks(`${describeAgent(request)} wants ${describeTarget(request)} (${request.cmd})`);
}

/**
 * "⚠ An earlier approval for this agent was made outside the editor, by /usr/bin/node (pid 4242, …). " when
 * one was: such an approval may not have been the person's, so the person deciding now should know. The
 * process text comes from the daemon's own reading of /proc, but it is still neutralised like agent text.
 */
export function outsideEditorNote(request: Pick<ApprovalRequest, 'earlierOutsideEditor'>): string {
  const warning = outsideEditorWarning(request.earlierOutsideEditor);
  return warning ? neutralizeLinks(`⚠ ${warning.charAt(0).toUpperCase()}${warning.slice(1)}. `) : '';
}

/**
 * "1:52 left". Coarse while there is plenty of time, so that the prompt is not redrawn under the
 * pointer every second: whole minutes above two minutes, 5-second steps above 15 seconds.
 */
export function remainingText(expiresAt: string, now = Date.now()): string {
  const seconds = Math.max(0, Math.ceil((Date.parse(expiresAt) - now) / 1000));
  if (seconds > 120) return `${Math.ceil(seconds / 60)} min left`;
  if (seconds > 15) return `${formatCountdown(Math.ceil(seconds / 5) * 5)} left`;
  return `${formatCountdown(seconds)} left`;
}

/** A `command:` link for a notification message: only commands of this extension, arguments as JSON. */
export function commandLink(label: string, command: string, args: readonly unknown[]): string {
  return `[${label}](command:${command}?${encodeURIComponent(JSON.stringify(args))})`;
}
