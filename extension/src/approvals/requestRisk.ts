// How risky a request looks, from what the MCP server says about its tool (its `tools/list` annotations) and
// from whether an owner policy rule asked for it. The server writes the annotations, so they may only make the
// prompt more careful: a "destructive" or "reaches the network" claim is shown, a "read-only" claim is shown as the
// server's word and dropped when the request plainly writes a file, an MCP tool with no annotations is shown as
// MCP's defaults make it (it may change things), and nothing here ever removes a prompt.
// Pure, so that what people are warned about is tested exactly.
import type { ApprovalRequest, PolicyRuleRef } from '../../../daemon/src/server/protocol';
import { clip } from '../format';
import { proposedChangeOf } from './proposedChange';

export type RiskBadgeKind = 'destructive' | 'network' | 'read-only' | 'policy' | 'claims-read-only' | 'may-change';

export interface RiskBadge {
  kind: RiskBadgeKind;
  /** The words on the prompt: "⚠ destructive". */
  label: string;
  /** What it means, for the quick pick and screen readers. */
  detail: string;
}

export interface RequestRisk {
  badges: RiskBadge[];
  /**
   * The request may destroy something: the server says so, or, per the MCP specification's defaults, it is an MCP
   * tool that is not declared read-only and not declared harmless (one with no annotations at all included). Its
   * easy choices leave out "for session".
   */
  destructive: boolean;
  /** The owner policy rule that asked for this prompt, when one did. */
  askedBy?: PolicyRuleRef;
}

/** Tool names that write, as the owner policy reads them too (daemon/src/policy/ownerPolicy.ts). */
const WRITING_TOOL = /write|edit|create|delete|remove|move|rename|mkdir|patch|append|save|put|upload|replace|insert|wipe|drop|kill|exec|run/i;

/** Whether the request itself shows that it writes, whatever its server says. */
function visiblyWrites(request: Pick<ApprovalRequest, 'cmd' | 'args' | 'tool' | 'paths' | 'summary'>): boolean {
  return proposedChangeOf(request) !== undefined || WRITING_TOOL.test(request.tool ?? '');
}

/** An MCP tool call: the one kind of request whose tool has annotations to give, or to leave out. */
const MCP_TOOL_CALL = '/mcp/tools/call';

/** The badge of a tool whose server did not say it destroys nothing: by MCP's defaults it may. */
function mayChangeBadge(annotated: boolean): RiskBadge {
  return annotated
    ? { kind: 'may-change', label: '⚠ may change things (by MCP defaults)', detail: 'its server does not say this tool is read-only or that it destroys nothing, so by MCP\'s defaults it may delete or overwrite things' }
    : { kind: 'may-change', label: '⚠ may change things (no annotations)', detail: 'its server gives this tool no annotations, so by MCP\'s defaults it may delete or overwrite things and reach the network' };
}

/** The badges of the server's annotations (or of their absence, for an MCP tool call), and whether it may destroy. */
function annotationRisk(request: Pick<ApprovalRequest, 'cmd' | 'args' | 'tool' | 'paths' | 'summary' | 'toolAnnotations'>): { badges: RiskBadge[]; destructive: boolean } {
  const hints = request.toolAnnotations ?? {};
  const anyHint = hints.readOnlyHint !== undefined || hints.destructiveHint !== undefined || hints.openWorldHint !== undefined || hints.idempotentHint !== undefined;
  // Only an MCP tool has annotations to lack; a client's built-in tool or a commit signing has none to give.
  if (!request.toolAnnotations && request.cmd !== MCP_TOOL_CALL) return { badges: [], destructive: false };
  const badges: RiskBadge[] = [];
  const claimsReadOnly = hints.readOnlyHint === true;
  // The MCP defaults: a tool not declared read-only may be destructive unless it says it is not.
  let destructive = hints.destructiveHint === true || (!claimsReadOnly && hints.destructiveHint !== false);
  if (claimsReadOnly && visiblyWrites(request)) {
    badges.push({ kind: 'claims-read-only', label: '⚠ says read-only, but writes', detail: 'the server calls this tool read-only, yet the request writes or changes something' });
    destructive = true;
  }
  if (destructive && (hints.destructiveHint === true || claimsReadOnly)) badges.push({ kind: 'destructive', label: '⚠ destructive', detail: 'the tool may delete or overwrite things (as its server declares)' });
  else if (destructive) badges.push(mayChangeBadge(anyHint));
  // Said as a claim: the daemon cannot tell the proxy relaying a server's words from an agent writing its own.
  else if (claimsReadOnly) badges.push({ kind: 'read-only', label: 'declared read-only', detail: 'the tool is declared read-only (by its server, as relayed); Signet still asks' });
  if (hints.openWorldHint === true) badges.push({ kind: 'network', label: '🌐 reaches the network', detail: 'the tool talks to the outside world (as its server declares)' });
  return { badges, destructive };
}

export function riskOf(request: Pick<ApprovalRequest, 'cmd' | 'args' | 'tool' | 'paths' | 'summary' | 'toolAnnotations' | 'policy'>): RequestRisk {
  const { badges, destructive } = annotationRisk(request);
  const askedBy = request.policy?.rule.outcome === 'ask' ? request.policy.rule : undefined;
  if (askedBy) badges.push({ kind: 'policy', label: `asked by rule ${clip(askedBy.id, 60)}`, detail: `an owner policy rule asks a person for this call` });
  return { badges, destructive, ...(askedBy ? { askedBy } : {}) };
}

/** The badges as one line for the prompt: "⚠ destructive · 🌐 reaches the network". */
export function badgeLine(risk: RequestRisk): string {
  return risk.badges.map((b) => b.label).join(' · ');
}
