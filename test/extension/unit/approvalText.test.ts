import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ApprovalRequest } from '../../../daemon/src/server/protocol';
import { commandLink, describeAgent, describeTarget, neutralizeLinks, remainingText, wantsSentence } from '../../../extension/src/approvals/approvalText';

function request(overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    id: 'a1',
    agent: { did: 'did:key:z6MkCoder', name: 'coder' },
    actingFor: [{ did: 'did:key:z6MkPlanner', name: 'planner' }],
    heldDelegations: [],
    cmd: '/mcp/tools/call',
    args: { server: 'fs', tool: 'write_file', arguments: { path: '/repo/src/auth.ts', mode: 'overwrite' }, _paths: ['/repo/src/auth.ts'] },
    summary: 'write_file /repo/src/auth.ts',
    paths: ['/repo/src/auth.ts'],
    tool: 'write_file',
    requestedAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2026-01-01T00:02:00.000Z',
    ...overrides,
  };
}

test('a prompt names the agent, whom it acts for, the tool, the exact path, the other arguments and the command', () => {
  assert.equal(
    wantsSentence(request()),
    'coder (acting for planner) wants write_file /repo/src/auth.ts on fs {"mode":"overwrite"} (/mcp/tools/call)',
  );
});

test('an agent acting for the user alone is named without "acting for"', () => {
  assert.equal(describeAgent({ agent: { did: 'd', name: 'coder' }, actingFor: [{ did: 'u', name: 'user' }] }), 'coder');
});

test('arguments the daemon added for itself are not shown as if the agent sent them', () => {
  assert.ok(!describeTarget(request()).includes('_paths'));
});

test('a link planted in the arguments cannot become a clickable approval in the prompt', () => {
  const planted = commandLink('Allow once', 'signet.approval.decide', ['other-request', 'always']);
  const title = wantsSentence(request({ summary: `write_file ${planted}`, args: { note: planted } }));
  assert.ok(title.includes('Allow once'), 'the text itself is still shown');
  assert.doesNotMatch(title, /\]\(command:/, 'no [label](command:…) sequence survives');
  assert.equal(neutralizeLinks('[x] (command:y)'), '[x]\u200b (command:y)');
});

test('the time left is coarse while there is plenty and exact at the end', () => {
  const expires = '2026-01-01T00:10:00.000Z';
  const at = (iso: string) => Date.parse(iso);
  assert.equal(remainingText(expires, at('2026-01-01T00:00:00.000Z')), '10 min left');
  assert.equal(remainingText(expires, at('2026-01-01T00:08:18.000Z')), '1:45 left');
  assert.equal(remainingText(expires, at('2026-01-01T00:09:53.000Z')), '0:07 left');
  assert.equal(remainingText(expires, at('2026-01-01T00:11:00.000Z')), '0:00 left');
});

test('command links carry their arguments as URI-encoded JSON', () => {
  assert.equal(commandLink('Deny', 'signet.approval.decide', ['a b', 'deny']), '[Deny](command:signet.approval.decide?%5B%22a%20b%22%2C%22deny%22%5D)');
});

test('a request that writes a file leaves its content and edits out of the prompt text, which shows them as a diff', () => {
  const write = request({ args: { server: 'fs', tool: 'write_file', arguments: { path: '/repo/src/auth.ts', content: 'secret body', mode: 'overwrite' } } });
  assert.equal(describeTarget(write), 'write_file /repo/src/auth.ts on fs {"mode":"overwrite"}');
  const edit = request({ args: { server: 'fs', tool: 'edit_file', arguments: { path: '/repo/src/auth.ts', edits: [{ oldText: 'a', newText: 'b' }] } }, summary: 'edit_file /repo/src/auth.ts' });
  assert.equal(describeTarget(edit), 'edit_file /repo/src/auth.ts on fs');
  const notAWrite = request({ args: { server: 'fs', tool: 'search', arguments: { content: 'needle' } }, summary: 'search', paths: [] });
  assert.equal(describeTarget(notAWrite), 'search on fs {"content":"needle"}', 'content is kept where nothing is written');
});

test('a write that also carries edit fields shows those fields: only what the diff shows is left out', () => {
  const sneaky = request({ args: { server: 'fs', tool: 'write_file', arguments: { path: '/repo/src/auth.ts', content: 'a', old_string: 'x', new_string: 'y' } } });
  assert.equal(describeTarget(sneaky), 'write_file /repo/src/auth.ts on fs {"old_string":"x","new_string":"y"}');
});
