import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commitSigningTitle, promptLinks } from '../../../extension/src/approvals/commitSigningPrompt';
import { agentProofSentence } from '../../../extension/src/approvals/agentProofPrompt';
import { signAsMe } from '../../../extension/src/approvals/decisionChoices';
import { quickActions } from '../../../extension/src/approvals/promptActions';
import type { ApprovalRequest, AuditRecord } from '../../../daemon/src/server/protocol';
import { TimelineModel, outcomeOf } from '../../../webview/src/timelineModel';

function request(identity: 'claimed' | 'verified', cmd = '/git/commit/sign'): ApprovalRequest {
  return {
    id: 'a1',
    agent: { did: 'did:key:z6Mkcoder', name: 'claude-code' },
    actingFor: [],
    heldDelegations: [],
    cmd,
    args: { repo: '/home/dev/shop', branch: 'main', identity, _paths: ['/home/dev/shop'] },
    summary: '/git/commit/sign /home/dev/shop',
    paths: ['/home/dev/shop'],
    requestedAt: new Date(0).toISOString(),
    expiresAt: new Date(60_000).toISOString(),
  };
}

test('a commit signing by a process that only named its agent offers Sign as the agent · Sign as me · Deny', () => {
  assert.deepEqual(promptLinks(request('claimed')), [
    { label: 'Sign as claude-code', decision: 'once' },
    { label: 'Sign as me', decision: 'sign-as-me' },
    { label: 'Deny', decision: 'deny' },
  ]);
  assert.equal(commitSigningTitle(request('claimed')), 'Signet: claude-code wants to sign a commit in shop on main (the process did not prove it is claude-code)');
});

test('a commit signing by a proven agent, and every other request, offers the usual choices', () => {
  const usual = ['Allow once', 'Allow for session', 'More…', 'Deny'];
  assert.deepEqual(promptLinks(request('verified')).map((l) => l.label), usual);
  assert.deepEqual(promptLinks(request('claimed', '/claude-code/tools/bash')).map((l) => l.label), usual);
  assert.equal(commitSigningTitle(request('verified')), 'Signet: claude-code wants to sign a commit in shop on main');
});

test('Sign as me refuses the agent and asks the daemon to sign with the user key', () => {
  assert.deepEqual(signAsMe, { decision: 'deny', signAs: 'user' });
});

test('a signed commit shows in the timeline with its hash, repository and branch', () => {
  const record: AuditRecord = { seq: 9, time: new Date(0).toISOString(), agent: 'did:key:z6Mkcoder', kind: 'git.commit.signed', data: { commit: '44da3632502bb8df09d6d470bc261759b4ea6907', repo: '/home/dev/shop', branch: 'main', as: 'agent', invocation: 'bafyx', chain: [] } };
  const model = new TimelineModel();
  assert.equal(model.summary(record), 'signed commit 44da3632502b in shop on main');
  assert.equal(outcomeOf(record), 'allowed');
  assert.equal(model.summary({ ...record, data: { ...record.data, as: 'user', claimedBy: 'claude-code' } }), 'signed commit 44da3632502b in shop on main as the user, asked by claude-code');
});

function proofRequest(args: Record<string, unknown>): ApprovalRequest {
  return { ...request('verified', '/signet/agent/prove'), agent: { did: 'did:key:z6Mkcoder', name: 'coder' }, args: { purpose: 'claude-code-settings', rotate: false, requestedBy: 'node (pid 4242) ← bash (pid 4200)', ...args } };
}

test('handing out an agent\'s proof says which process asks and what its holder can do, and offers one hand-out or a refusal', () => {
  const req = proofRequest({});
  assert.equal(
    agentProofSentence(req),
    "node (pid 4242) ← bash (pid 4200) asks for coder's proof of identity (SIGNET_AGENT_SECRET) to write into Claude Code's .claude/settings.local.json; whoever holds it signs commits as coder without asking you. Hand it out only if you ran this yourself.",
  );
  assert.match(agentProofSentence(proofRequest({ rotate: true })), /first gives coder a new secret, so the copies handed out before stop working/);
  const links = quickActions(req, { destructive: false }).map((a) => a.label);
  assert.deepEqual(links, ['Hand out once', 'Deny'], 'no session, no duration, no More…');
});

test('a process name made to look like a link cannot form one in the proof prompt', () => {
  const sentence = agentProofSentence(proofRequest({ requestedBy: '[Allow](command:signet.approval.decide) (pid 1)' }));
  assert.equal(sentence.includes('](command:'), false, sentence);
});

test('a handed-out proof shows in the timeline with who asked, never the secret', () => {
  const record: AuditRecord = { seq: 3, time: new Date(0).toISOString(), agent: 'did:key:z6Mkcoder', kind: 'agent.proof.issued', data: { agentName: 'coder', purpose: 'shell-environment', generation: 1, rotated: true, requestedBy: 'node (pid 4242) ← bash (pid 4200)' } };
  assert.equal(new TimelineModel().summary(record), "coder's proof of identity handed out after a rotation (generation 1) to node (pid 4242) ← bash (pid 4200)");
});
