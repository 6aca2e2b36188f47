// The choices a person has on an approval prompt, and the exact `approval/decide` params each one sends.
// Pure: the prompt and the quick pick only render these, so the mapping is tested without an editor.
import type { ApprovalDecideParams, ApprovalRequest } from '../../../daemon/src/server/protocol';
import { formatDuration } from '../format';

/** Who decided, as recorded in the audit log. */
export const DECIDED_BY = 'vscode';

export type DecisionChoice = Omit<ApprovalDecideParams, 'id' | 'decidedBy'>;

export interface MoreChoice {
  label: string;
  description: string;
  /** The group the quick pick shows it under ("For 1 h", "Always"). */
  group: string;
  choice: DecisionChoice;
}

export const allowOnce: DecisionChoice = { decision: 'once' };
export const allowForSession: DecisionChoice = { decision: 'session' };
export const deny: DecisionChoice = { decision: 'deny' };
/** "Sign as me" on a commit-signing prompt: the agent's claim is refused, and the person signs with the user's key. */
export const signAsMe: DecisionChoice = { decision: 'deny', signAs: 'user' };

/** The folder of a canonical path, without a trailing slash (`/repo/src/auth.ts` → `/repo/src`). */
export function folderOf(path: string): string {
  const cut = path.replace(/\/+$/, '').lastIndexOf('/');
  return cut <= 0 ? '/' : path.slice(0, cut);
}

/**
 * The "More…" choices: each offered duration and "always", crossed with the scopes this request allows:
 * this file, this folder (when it names paths), this tool (for MCP calls), or the whole command.
 */
export function moreChoices(request: Pick<ApprovalRequest, 'cmd' | 'paths' | 'tool'>, offeredTtlSeconds: readonly number[]): MoreChoice[] {
  const scopes: { label: string; narrow?: DecisionChoice['narrow'] }[] = [];
  const [onlyPath] = request.paths.length === 1 ? request.paths : [];
  if (onlyPath !== undefined) scopes.push({ label: `on this file ${onlyPath}`, narrow: { path: onlyPath } });
  const folders = [...new Set(request.paths.map(folderOf))];
  const [onlyFolder] = folders.length === 1 ? folders : [];
  if (onlyFolder !== undefined) scopes.push({ label: `on this folder ${onlyFolder}/`, narrow: { path: onlyFolder } });
  if (request.tool !== undefined) scopes.push({ label: `on this tool ${request.tool}`, narrow: { tool: true } });
  scopes.push({ label: `on any ${request.cmd} call` });

  const durations: { group: string; base: DecisionChoice }[] = [
    ...[...new Set(offeredTtlSeconds)]
      .filter((s) => Number.isInteger(s) && s > 0)
      .map((ttlSeconds) => ({ group: `For ${formatDuration(ttlSeconds)}`, base: { decision: 'ttl' as const, ttlSeconds } })),
    { group: 'Always', base: { decision: 'always' as const } },
  ];
  const out: MoreChoice[] = [];
  for (const { group, base } of durations) {
    for (const scope of scopes) {
      out.push({
        label: `${group}, ${scope.label}`,
        description: base.decision === 'always' ? 'never expires; revoke it in the Signet view' : '',
        group,
        choice: scope.narrow ? { ...base, narrow: scope.narrow } : base,
      });
    }
  }
  return out;
}
