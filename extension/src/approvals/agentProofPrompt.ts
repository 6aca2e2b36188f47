// The prompt for handing out an agent's proof of identity (`/signet/agent/prove`, from `signet git env` or
// `signet git setup --claude-code`). Whoever gets the secret can sign commits as the agent without being asked, and
// the request may come from an agent's own shell, so the prompt says which process asks and offers one hand-out or
// a refusal: nothing for a session, nothing for a while. Pure, so that what a person can click is tested exactly.
import type { ApprovalRequest } from '../../../daemon/src/server/protocol';
import { AGENT_PROOF_COMMAND } from '../../../daemon/src/server/protocol';
import { describeAgent, neutralizeLinks } from './approvalText';
import type { PromptLink } from './commitSigningPrompt';

export function isAgentProof(request: Pick<ApprovalRequest, 'cmd'>): boolean {
  return request.cmd === AGENT_PROOF_COMMAND;
}

const purposes: Record<string, string> = {
  'shell-environment': 'to print for a shell (`signet git env`)',
  'claude-code-settings': "to write into Claude Code's .claude/settings.local.json",
};

/**
 * "node (pid 4242) ← bash (pid 4200) asks for coder's proof of identity (SIGNET_AGENT_SECRET) to print for a shell;
 * whoever holds it signs commits as coder without asking you. Hand it out only if you ran this yourself".
 */
export function agentProofSentence(request: ApprovalRequest): string {
  const who = typeof request.args.requestedBy === 'string' ? request.args.requestedBy : 'an unknown process';
  const purpose = purposes[String(request.args.purpose)] ?? 'for an unknown purpose';
  const rotate = request.args.rotate === true ? ` It first gives ${request.agent.name} a new secret, so the copies handed out before stop working.` : '';
  const agent = describeAgent(request);
  return neutralizeLinks(`${who} asks for ${agent}'s proof of identity (SIGNET_AGENT_SECRET) ${purpose}; whoever holds it signs commits as ${agent} without asking you. Hand it out only if you ran this yourself.${rotate}`);
}

export function agentProofLinks(): PromptLink[] {
  return [
    { label: 'Hand out once', decision: 'once' },
    { label: 'Deny', decision: 'deny' },
  ];
}
