// What the Policies view and the broken-file notification say, and the timeline's link from an event to its rule.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AuditRecord, PolicyFileState, PolicyStateResult } from '../../../daemon/src/server/protocol';
import { policyChildren, policyRoots, policyRow, problemKey, problemNotice } from '../../../extension/src/policy/policyModel';
import { parseWebviewMessage } from '../../../webview/src/protocol';
import { openable, ruleOf } from '../../../webview/src/recordRule';

function file(overrides: Partial<PolicyFileState> = {}): PolicyFileState {
  return { file: '/home/me/.signet/policy/team.cedar', scope: 'user', defaults: false, state: 'ok', rules: 3, everValid: true, problems: [], pendingRemoval: [], ...overrides };
}

function state(files: PolicyFileState[]): PolicyStateResult {
  return { enabled: true, userDir: '/home/me/.signet/policy', workspaceFile: '/repo/.signet/policy.cedar', files };
}

describe('the Policies view', () => {
  test('the defaults come first, then the user files, then the workspace file', () => {
    const roots = policyRoots(state([file({ file: '/repo/.signet/policy.cedar', scope: 'workspace' }), file(), file({ file: '/home/me/.signet/policy/defaults.cedar', defaults: true })]));
    assert.deepEqual(roots.map((r) => (r.kind === 'file' ? r.file.file : r.kind)), ['/home/me/.signet/policy/defaults.cedar', '/home/me/.signet/policy/team.cedar', '/repo/.signet/policy.cedar']);
  });

  test('a loaded file says how many rules it has and opens at its top', () => {
    const row = policyRow({ kind: 'file', file: file() });
    assert.equal(row.label, 'team.cedar');
    assert.equal(row.description, 'user · 3 rules loaded');
    assert.deepEqual(row.open, { file: '/home/me/.signet/policy/team.cedar', line: 1 });
    assert.equal(row.icon, 'shield');
  });

  test('a broken file shows its error and line, opens at that line, and lists each problem under it', () => {
    const broken = file({ state: 'broken', rules: 1, problems: [{ line: 4, message: 'unexpected token' }] });
    const row = policyRow({ kind: 'file', file: broken });
    assert.equal(row.icon, 'error');
    assert.equal(row.description, 'user · broken: its last valid version (1 rule) is in force');
    assert.deepEqual(row.open, { file: broken.file, line: 4 });
    const [problem] = policyChildren({ kind: 'file', file: broken });
    assert.ok(problem);
    assert.equal(policyRow(problem).label, 'line 4: unexpected token');
    assert.deepEqual(policyRow(problem).open, { file: broken.file, line: 4 });
  });

  test('a file that never loaded says that every call is denied', () => {
    assert.match(policyRow({ kind: 'file', file: file({ state: 'broken', everValid: false, rules: 0, problems: [{ line: 1, message: 'x' }] }) }).description, /never loaded, so every call is denied/);
  });

  test('a workspace rule removed but not yet confirmed is shown as pending confirmation', () => {
    const ws = file({ file: '/repo/.signet/policy.cedar', scope: 'workspace', pendingRemoval: ['ask-migrations'] });
    assert.match(policyRow({ kind: 'file', file: ws }).description, /1 removal to confirm/);
    const [pending] = policyChildren({ kind: 'file', file: ws });
    assert.ok(pending);
    assert.match(policyRow(pending).label, /pending confirmation: ask-migrations/);
  });

  test('no daemon policy, or none of its files, is said in words', () => {
    assert.equal(policyRoots({ ...state([]), enabled: false })[0]?.kind, 'info');
    assert.equal(policyRoots(state([]))[0]?.kind, 'info');
    assert.equal(policyRoots(undefined, 'not connected')[0]?.kind, 'info');
  });

  test('the notification names the file, the line and what stays in force, and is keyed by the version of its problems', () => {
    const broken = file({ state: 'broken', problems: [{ line: 4, message: 'unexpected token' }] });
    assert.equal(problemNotice(broken), 'Signet: the policy file team.cedar has an error — line 4: unexpected token. Its last valid version stays in force.');
    assert.notEqual(problemKey(broken), problemKey({ ...broken, problems: [{ line: 5, message: 'unexpected token' }] }));
  });
});

describe('the timeline link from an event to its rule', () => {
  const denied = (rule: unknown): AuditRecord => ({ seq: 7, time: '2026-01-01T00:00:00.000Z', agent: 'did:key:z6Mk', kind: 'authorize.denied', data: { code: 'denied-by-policy', policy: { rule } } });

  test('a denial by a rule in a file links to that file and line', () => {
    const rule = ruleOf(denied({ id: 'no-dotenv', file: '/home/me/.signet/policy/defaults.cedar', line: 12, outcome: 'deny' }));
    assert.deepEqual(rule, { id: 'no-dotenv', file: '/home/me/.signet/policy/defaults.cedar', line: 12, outcome: 'deny' });
    assert.equal(rule && openable(rule), true);
  });

  test('a built-in rule is named but has no file to open, and an allowed event has no rule link', () => {
    const builtIn = ruleOf(denied({ id: 'signet:policy-unavailable', file: '(built in)', line: 0, outcome: 'deny' }));
    assert.equal(builtIn && openable(builtIn), false);
    assert.equal(ruleOf({ ...denied({ id: 'x', file: '/a.cedar', line: 1, outcome: 'allow' }), kind: 'authorize.allowed' }), undefined);
  });

  test('the extension only takes an openRule message for an absolute .cedar path and a positive line', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'openRule', file: '/a/team.cedar', line: 3 }), { type: 'openRule', file: '/a/team.cedar', line: 3 });
    for (const bad of [{ file: '/etc/passwd', line: 1 }, { file: 'team.cedar', line: 1 }, { file: '/a/team.cedar', line: 0 }, { file: '/a/team.cedar', line: '3' }]) {
      assert.equal(parseWebviewMessage({ type: 'openRule', ...bad }), undefined, JSON.stringify(bad));
    }
  });
});
