// The words and links of an approval prompt beyond its target: the choices (fewer easy ones for a destructive
// request), the risk badges, the owner rule that asked, the offer to decide a queued group together, and what the
// editor's own Cancel button does. Pure (no editor), so that what a person can click is tested exactly.
import { homedir } from 'node:os';
import { sep } from 'node:path';
import type { ApprovalRequest } from '../../../daemon/src/server/protocol';
import type { CommandId } from '../commandIds';
import { clip } from '../format';
import { commandLink, neutralizeLinks } from './approvalText';
import { agentProofLinks, isAgentProof } from './agentProofPrompt';
import { isUnprovenCommitSigning, promptLinks, type PromptLink } from './commitSigningPrompt';
import type { GroupOffers, RequestGroup } from './requestGroups';
import { badgeLine, type RequestRisk } from './requestRisk';

const DECIDE: CommandId = 'signet.approval.decide';
const MORE: CommandId = 'signet.approval.more';
export const DECIDE_GROUP_COMMAND: CommandId = 'signet.approval.decideGroup';
export const OPEN_RULE_COMMAND: CommandId = 'signet.policy.openRule';

/**
 * Said on every prompt, since the editor's Cancel button of a progress notification cannot be renamed: it dismisses
 * the prompt and decides nothing.
 */
export const DISMISS_NOTE = 'Cancel = Dismiss: decides nothing; the request stays pending (status bar).';

/**
 * The quick choices, in order. A destructive request offers no "for session" here: that is under More…, never first.
 * A commit-signing request whose agent only claimed its name asks who signs instead (see commitSigningPrompt.ts), and
 * handing out an agent's proof offers one hand-out or a refusal (agentProofPrompt.ts).
 */
export function quickActions(request: ApprovalRequest, risk: Pick<RequestRisk, 'destructive'>): { label: string; link: string }[] {
  const links = (choices: PromptLink[]) => choices.map(({ label, decision }) => ({ label, link: decision === 'more' ? commandLink(label, MORE, [request.id]) : commandLink(label, DECIDE, [request.id, decision]) }));
  if (isAgentProof(request)) return links(agentProofLinks());
  if (isUnprovenCommitSigning(request)) return links(promptLinks(request));
  const actions = [
    { label: 'Allow once', link: commandLink('Allow once', DECIDE, [request.id, 'once']) },
    ...(risk.destructive ? [] : [{ label: 'Allow for session', link: commandLink('Allow for session', DECIDE, [request.id, 'session']) }]),
    { label: 'More…', link: commandLink('More…', MORE, [request.id]) },
    { label: 'Deny', link: commandLink('Deny', DECIDE, [request.id, 'deny']) },
  ];
  return actions;
}

/** `/home/me/.signet/policy/team.cedar` → `~/.signet/policy/team.cedar`. */
export function tildePath(path: string, home = homedir()): string {
  return home && (path === home || path.startsWith(home + sep)) ? `~${path.slice(home.length)}` : path;
}

/**
 * "Asked because rule `deploy-needs-a-human` in ~/.signet/policy/team.cedar:12 (deploys are reviewed) · Open Rule".
 * The rule's id and reason come from a policy file (which, in the workspace, any agent can write), so no link can
 * form from them.
 */
export function policyLine(request: Pick<ApprovalRequest, 'policy'>, home = homedir()): string {
  const rule = request.policy?.rule;
  if (!rule) return '';
  const builtIn = rule.file === '(built in)' || rule.line < 1;
  const where = builtIn ? ' (built in)' : ` in ${tildePath(rule.file, home)}:${rule.line}`;
  const why = rule.reason ? ` (${clip(rule.reason, 120)})` : '';
  const text = neutralizeLinks(`Asked because rule \`${clip(rule.id, 80)}\`${where}${why}`);
  return builtIn ? text : `${text} · ${commandLink('Open Rule', OPEN_RULE_COMMAND, [rule.file, rule.line])}`;
}

/** The offer to decide a queued group together (remembered in `offers` under a short key), or '' for a request alone. */
export function groupLinks(group: RequestGroup | undefined, offers: GroupOffers): string {
  if (!group) return '';
  const key = offers.remember(group);
  return [commandLink(group.allowLabel, DECIDE_GROUP_COMMAND, [key, 'allow']), commandLink(group.denyLabel, DECIDE_GROUP_COMMAND, [key, 'deny'])].join(' · ');
}

/**
 * The prompt's title: who asks, the badges, and the choices. A collapsed progress notification shows its title alone,
 * so the title must carry the risk and the choices; the message (shown when expanded) says the rest.
 */
export function promptHeading(request: ApprovalRequest, agent: string, risk: RequestRisk): string {
  const badges = badgeLine(risk);
  const choices = quickActions(request, risk).map((a) => a.link).join(' · ');
  return `${neutralizeLinks(`Signet · ${agent}${badges ? ` · ${badges}` : ''}`)} — ${choices}`;
}

export interface PromptParts {
  request: Pick<ApprovalRequest, 'id' | 'policy'>;
  /** Who wants what, already made safe (`wantsSentence`). */
  wants: string;
  /** What a file-writing request changes, with its Show Diff link, or ''. */
  change: string;
  group: RequestGroup | undefined;
  /** Where the group's offer is remembered for its link. */
  offers: GroupOffers;
  remaining: string;
}

/** The prompt's message, under its title: the target, the rule that asked, the change, the group, the time left. */
export function promptMessage(parts: PromptParts, home = homedir()): string {
  const rule = policyLine(parts.request, home);
  const group = groupLinks(parts.group, parts.offers);
  const lines = [
    `${parts.wants}.`,
    rule ? `${rule}.` : '',
    parts.change,
    group ? `${parts.group?.ids.length ?? 0} requests like this wait: ${group}.` : '',
    `${parts.remaining}. ${DISMISS_NOTE}`,
  ];
  return lines.filter(Boolean).join(' ');
}
