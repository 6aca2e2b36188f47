// Who decided, in words: the same line everywhere (timeline, prompt, CLI, report), honest about what was
// stated and what was verified, and safe with whatever an executable's path holds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decidedOutsideEditor, describeDecider, outsideEditorWarning } from '../../daemon/src/approvals/deciderText';
import { OutsideEditorApprovals } from '../../daemon/src/approvals/outsideEditorApprovals';
import type { AuditRecord } from '../../daemon/src/server/protocol';

const verified = { verified: true, how: 'linux-procfs', process: { pid: 4242, executable: '/usr/bin/node' }, parents: [{ pid: 4200, executable: '/usr/bin/bash' }] };
const editor = { osUser: { name: 'alice', uid: 1000 }, userDid: 'did:key:z6MkU', outsideEditor: false, place: { kind: 'editor', stated: 'by-editor', app: 'Visual Studio Code', workspace: 'shop', pid: 4242, process: verified, processMatches: true, startedThisDaemon: false } };
const cli = { osUser: { name: 'alice', uid: 1000 }, userDid: 'did:key:z6MkU', outsideEditor: true, place: { kind: 'process', process: verified } };

test('an editor decision names the user, the application and the window, as the editor said', () => {
  assert.equal(describeDecider(editor), 'alice in Visual Studio Code, window "shop" (as the editor said)');
  assert.equal(describeDecider({ ...editor, place: { ...editor.place, workspace: null } }), 'alice in Visual Studio Code, a window with no folder (as the editor said)');
  assert.equal(decidedOutsideEditor(editor), false);
});

test('a statement the verified process contradicts says where the connection really came from', () => {
  const text = describeDecider({ ...editor, outsideEditor: true, place: { ...editor.place, pid: 1, processMatches: false } });
  assert.equal(text, 'alice in Visual Studio Code, window "shop" (as the editor said, but the connection came from /usr/bin/node (pid 4242, started by bash (pid 4200)))');
});

test('a process decision names the verified executable and its parent, or says it could not be verified', () => {
  assert.equal(describeDecider(cli), 'alice outside the editor, by /usr/bin/node (pid 4242, started by bash (pid 4200))');
  assert.equal(describeDecider({ ...cli, place: { kind: 'process', process: { verified: false, reason: 'the connecting process cannot be identified on darwin' } } }), 'alice outside the editor, by an unverified process (the connecting process cannot be identified on darwin)');
  assert.equal(decidedOutsideEditor(cli), true);
});

test('a record from before the decider existed says what the client claimed, marked as a claim', () => {
  assert.equal(describeDecider(undefined, 'vscode'), 'vscode (as the client said; not verified)');
  assert.equal(describeDecider(undefined), 'someone (not recorded)');
  assert.equal(describeDecider('nonsense', 42), 'someone (not recorded)');
});

test('control characters in an executable path are shown as ?, never passed on to a terminal', () => {
  const sneaky = { ...cli, place: { kind: 'process', process: { ...verified, process: { pid: 1, executable: '/tmp/\u001b[2Jok\u0007' } } } };
  assert.equal(describeDecider(sneaky).includes('\u001b'), false);
  assert.match(describeDecider(sneaky), /\/tmp\/\?\[2Jok\?/);
});

test('the flag of later prompts names the process, and the ledger counts only allows decided outside the editor', () => {
  const record = (seq: number, decision: string, decider: unknown): AuditRecord => ({ seq, time: `2026-01-01T00:00:0${seq}.000Z`, agent: 'did:key:z6MkC', kind: 'approval.decided', data: { approvalId: `a${seq}`, decision, decider: decider as Record<string, unknown> } });
  const ledger = OutsideEditorApprovals.fromRecords([record(1, 'once', cli), record(2, 'deny', cli), record(3, 'always', editor), record(4, 'session', cli)]);
  const summary = ledger.of('did:key:z6MkC');
  assert.deepEqual(summary, { count: 2, latest: { approvalId: 'a4', decidedAt: '2026-01-01T00:00:04.000Z', by: 'alice outside the editor, by /usr/bin/node (pid 4242, started by bash (pid 4200))' } });
  assert.equal(outsideEditorWarning(summary), 'an earlier approval for this agent was made outside the editor, by /usr/bin/node (pid 4242, started by bash (pid 4200)) (2 such approvals; the latest at 2026-01-01T00:00:04.000Z)');
  assert.equal(ledger.of('did:key:z6MkOther'), undefined);
  assert.equal(outsideEditorWarning(undefined), '');
});
