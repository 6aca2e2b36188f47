// How `signet approvals` lists a pending request on one line. The summary names a tool and its paths; for a shell
// call that says only "Bash", so the command itself is shown too, since it is what the person decides on.
import { outsideEditorWarning } from '../approvals/deciderText';
import { AGENT_PROOF_COMMAND, type ApprovalRequest } from '../server/protocol';

/** Where a shell call keeps its command: hooks (`input.command`), MCP tools (`arguments.command`), or the args. */
function commandText(args: Record<string, unknown>): string | undefined {
  for (const holder of [args.input, args.arguments, args]) {
    const command = holder && typeof holder === 'object' && !Array.isArray(holder) ? (holder as Record<string, unknown>).command : undefined;
    if (typeof command === 'string' && command.trim()) return command;
  }
  return undefined;
}

/**
 * The text an agent chose, made safe for one terminal line: line breaks and other control characters are shown as
 * escapes, so a command cannot end its line early and draw a second, made-up request under it (or move the cursor).
 */
export function oneLine(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  const escaped = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
  return escaped.length > max ? `${escaped.slice(0, max - 1)}…` : escaped;
}

export function pendingLine(p: Pick<ApprovalRequest, 'id' | 'agent' | 'cmd' | 'summary' | 'args' | 'expiresAt' | 'earlierOutsideEditor'>): string {
  const command = commandText(p.args);
  // An earlier approval of this agent made outside the editor is said with the request, as the prompt says it.
  const outside = p.earlierOutsideEditor ? `  ⚠ ${oneLine(outsideEditorWarning(p.earlierOutsideEditor))}` : '';
  // A proof is asked for by some process, not by the agent it proves: "coder wants" would name the wrong one.
  const who = p.cmd === AGENT_PROOF_COMMAND ? 'hand out' : `${p.agent.name} wants ${p.cmd}:`;
  return `${p.id}  ${who} ${oneLine(p.summary)}${command ? `  $ ${oneLine(command)}` : ''}  (until ${p.expiresAt})${outside}`;
}
