// The prompt for a commit-signing request (`/git/commit/sign`). Pure, so the choices are tested without an editor.
//
// When the process that commits proved which agent it is (its SIGNET_AGENT_SECRET matched), the request is like any
// other: Allow once · Allow for session · More… · Deny. When it only named the agent, the person is asked who signs:
// "claude-code wants to sign a commit in repo on main": Sign as claude-code · Sign as me · Deny.
import type { ApprovalRequest } from '../../../daemon/src/server/protocol';
import { GIT_COMMIT_SIGN_COMMAND } from '../../../daemon/src/server/protocol';
import { describeAgent, neutralizeLinks } from './approvalText';

/** The quick decisions a prompt link can send; `sign-as-me` refuses the agent and signs with the user's key. */
export type PromptDecision = 'once' | 'session' | 'deny' | 'sign-as-me';

export interface PromptLink {
  label: string;
  decision: PromptDecision | 'more';
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function isCommitSigning(request: Pick<ApprovalRequest, 'cmd'>): boolean {
  return request.cmd === GIT_COMMIT_SIGN_COMMAND;
}

/** A commit-signing request whose agent name was only claimed, not proven by the agent's secret. */
export function isUnprovenCommitSigning(request: Pick<ApprovalRequest, 'cmd' | 'args'>): boolean {
  return isCommitSigning(request) && request.args.identity !== 'verified';
}

/** "claude-code wants to sign a commit in repo on main", with whether the name was proven; made safe. */
export function commitSigningSentence(request: ApprovalRequest): string {
  const repo = text(request.args.repo)?.split('/').filter(Boolean).pop() ?? 'a repository';
  const branch = text(request.args.branch) ?? 'an unknown branch';
  const proof = isUnprovenCommitSigning(request) ? ` (the process did not prove it is ${request.agent.name})` : '';
  return neutralizeLinks(`${describeAgent(request)} wants to sign a commit in ${repo} on ${branch}${proof}`);
}

/** "Signet: claude-code wants to sign a commit in repo on main". */
export function commitSigningTitle(request: ApprovalRequest): string {
  return `Signet: ${commitSigningSentence(request)}`;
}

/** The links of a prompt, in order. */
export function promptLinks(request: ApprovalRequest): PromptLink[] {
  if (isUnprovenCommitSigning(request)) {
    return [
      { label: `Sign as ${request.agent.name}`, decision: 'once' },
      { label: 'Sign as me', decision: 'sign-as-me' },
      { label: 'Deny', decision: 'deny' },
    ];
  }
  return [
    { label: 'Allow once', decision: 'once' },
    { label: 'Allow for session', decision: 'session' },
    { label: 'More…', decision: 'more' },
    { label: 'Deny', decision: 'deny' },
  ];
}
