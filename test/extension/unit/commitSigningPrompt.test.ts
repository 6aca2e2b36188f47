import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commitSigningTitle, promptLinks } from '../../../extension/src/approvals/commitSigningPrompt';
import { signAsMe } from '../../../extension/src/approvals/decisionChoices';
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
