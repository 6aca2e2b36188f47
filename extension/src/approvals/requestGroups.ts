// Several requests of one agent that wait together can be decided together: "Allow these 5 reads under src/ for
// this session". Each is still sent as its own `approval/decide`, so the daemon audits one decision per request
// and mints each its own delegation; grouping only saves the person the clicks. Pure, so the offer and the exact
// decision it sends are tested without an editor.
import { createHash } from 'node:crypto';
import type { ApprovalRequest } from '../../../daemon/src/server/protocol';
import { folderOf, type DecisionChoice } from './decisionChoices';
import { riskOf } from './requestRisk';

export interface RequestGroup {
  /** The requests decided together, oldest first; the request the offer is shown on is one of them. */
  ids: string[];
  agent: string;
  /** "Allow these 5 reads under src/ for this session". */
  allowLabel: string;
  /** The decision sent for each request of the group. */
  choice: DecisionChoice;
  /** "Deny these 5". */
  denyLabel: string;
}

/** More requests than this in one group is more than a person can see they are allowing. */
export const MAX_GROUP = 50;

type GroupedRequest = Pick<ApprovalRequest, 'id' | 'agent' | 'cmd' | 'args' | 'tool' | 'paths' | 'summary' | 'toolAnnotations' | 'policy' | 'requestedAt'>;

/** The requests that belong with `request`: same agent, same command, same server and tool. */
function sameKind(request: GroupedRequest, other: GroupedRequest): boolean {
  return other.agent.did === request.agent.did && other.cmd === request.cmd && other.tool === request.tool && other.args.server === request.args.server;
}

/** The deepest folder holding every path, or undefined when a request names no path or one Signet could not check. */
export function commonFolder(requests: readonly Pick<ApprovalRequest, 'paths'>[]): string | undefined {
  let common: string | undefined;
  for (const request of requests) {
    if (!request.paths.length) return undefined;
    for (const path of request.paths) {
      // Unclassified and hard-linked entries are marked and not absolute: they cannot be narrowed to.
      if (!path.startsWith('/')) return undefined;
      const folder = folderOf(path);
      common = common === undefined ? folder : sharedPrefix(common, folder);
    }
  }
  return common;
}

function sharedPrefix(a: string, b: string): string {
  const x = a.split('/');
  const y = b.split('/');
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return x.slice(0, i).join('/') || '/';
}

function inside(folder: string, root: string): boolean {
  const base = root.replace(/\/+$/, '');
  return folder === base || folder.startsWith(`${base}/`);
}

/**
 * Commands that only read, by what they are rather than by anyone's word: a client's own read, search and list
 * tools (their meaning is the client's, fixed by name), and MCP's resources/read. An MCP tool is never among them:
 * its name, its readOnlyHint and its description are all written by the server, which Signet does not trust.
 */
const READING_COMMANDS: ReadonlySet<string> = new Set([
  '/claude-code/tools/read',
  '/claude-code/tools/glob',
  '/claude-code/tools/grep',
  '/vscode/tools/readfile',
  '/cursor/tools/read',
  '/mcp/resources/read',
]);

/** What the members are, in words Signet can stand behind: "reads" when each is a known read, else "read_file calls". */
function whatTheyAre(members: readonly GroupedRequest[]): string {
  const tool = members[0]?.tool;
  if (members.every((m) => READING_COMMANDS.has(m.cmd) && !riskOf(m).destructive)) return 'reads';
  return `${tool ?? members[0]?.cmd ?? ''} calls`;
}

/**
 * The group `request` belongs to among `pending`, or undefined when it is alone. The choice is the narrowest that
 * covers them all: for this session on their common folder inside the workspace (and their tool), else on their
 * tool; requests that are destructive, that a policy rule asked for, or that share no such scope are allowed once
 * each, never for the session.
 */
export function groupOf(request: GroupedRequest, pending: readonly GroupedRequest[], workspaceRoot: string | undefined): RequestGroup | undefined {
  const members = pending.filter((p) => p.id === request.id || sameKind(request, p)).sort((a, b) => a.requestedAt.localeCompare(b.requestedAt)).slice(0, MAX_GROUP);
  if (members.length < 2 || !members.some((m) => m.id === request.id)) return undefined;
  const n = members.length;
  const what = whatTheyAre(members);
  const base = { ids: members.map((m) => m.id), agent: request.agent.name, denyLabel: `Deny these ${n}` };
  const careful = members.some((m) => riskOf(m).destructive || m.policy !== undefined);
  const folder = careful ? undefined : commonFolder(members);
  const tool = request.tool !== undefined ? { tool: true } : {};
  if (folder !== undefined && workspaceRoot !== undefined && inside(folder, workspaceRoot)) {
    const shown = folder === workspaceRoot.replace(/\/+$/, '') ? 'the workspace' : `${folder.slice(workspaceRoot.replace(/\/+$/, '').length + 1)}/`;
    return { ...base, allowLabel: `Allow these ${n} ${what} under ${shown} for this session`, choice: { decision: 'session', narrow: { path: folder, ...tool } } };
  }
  if (!careful && request.tool !== undefined && folder === undefined && members.every((m) => !m.paths.length)) {
    return { ...base, allowLabel: `Allow these ${n} ${what === 'reads' ? `reads of ${request.tool}` : what} for this session`, choice: { decision: 'session', narrow: { tool: true } } };
  }
  return { ...base, allowLabel: `Allow these ${n} ${what} once each`, choice: { decision: 'once' } };
}

/** How many offers are remembered; a prompt redraws its offer each second, and the key stays the same while it holds. */
const REMEMBERED_OFFERS = 256;

/**
 * The group offers drawn on prompts, by a short key. A notification cuts long messages, so the link carries this key
 * rather than every id and the decision; and a link can only ever name an offer this window made.
 */
export class GroupOffers {
  private readonly offers = new Map<string, RequestGroup>();

  /** The key of `group` (the same for the same ids and decision), remembered until newer offers push it out. */
  remember(group: RequestGroup): string {
    const key = createHash('sha256').update(JSON.stringify([group.ids, group.choice])).digest('base64url').slice(0, 16);
    this.offers.delete(key);
    this.offers.set(key, group);
    if (this.offers.size > REMEMBERED_OFFERS) {
      const oldest = this.offers.keys().next().value;
      if (oldest !== undefined) this.offers.delete(oldest);
    }
    return key;
  }

  get(key: unknown): RequestGroup | undefined {
    return typeof key === 'string' ? this.offers.get(key) : undefined;
  }
}
