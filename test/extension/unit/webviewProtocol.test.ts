// The webview's check on what the extension sends: every field a type promises is checked, and what fails is
// left out entry by entry, so that nothing unchecked reaches the timeline and one odd entry blanks nothing.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseExtensionMessage, parseWebviewMessage } from '../../../webview/src/protocol';

const user = { did: 'did:key:z6MkUser', name: 'user' };
const coder = { name: 'coder', did: 'did:key:z6MkCoder', createdAt: '2026-01-01T00:00:00Z' };
const delegation = { cid: 'bafy1', issuer: user, audience: { did: coder.did, name: 'coder' }, cmd: '/mcp', scope: 'any', exp: null, parent: null, revoked: false, source: 'manual', token: 'AA==' };
const record = { seq: 1, time: '2026-01-01T00:00:00.000Z', agent: null, kind: 'daemon.started', data: {} };

function init(overrides: Record<string, unknown>): unknown {
  return { type: 'init', user, agents: [coder], delegations: [delegation], records: [record], truncated: false, focusAgent: null, ...overrides };
}

describe('the webview protocol', () => {
  test('a well-formed init arrives whole', () => {
    assert.deepEqual(parseExtensionMessage(init({})), init({}));
  });

  test('a delegation without an issuer, or with an unknown source, is left out and the others kept', () => {
    const { issuer: _issuer, ...withoutIssuer } = delegation;
    const parsed = parseExtensionMessage(init({ delegations: [withoutIssuer, { ...delegation, cid: 'bafy2', source: 'magic' }, delegation] }));
    assert.deepEqual(parsed?.type === 'init' && parsed.delegations.map((d) => d.cid), ['bafy1']);
  });

  test('an agent without a creation time is left out, and a user without a name is no user', () => {
    const parsed = parseExtensionMessage(init({ agents: [{ name: 'x', did: 'did:key:z6MkX' }, coder], user: { did: user.did } }));
    assert.deepEqual(parsed?.type === 'init' && parsed.agents, [coder]);
    assert.equal(parsed?.type === 'init' && parsed.user, null);
  });

  test('a record of a kind the log does not have is left out', () => {
    const parsed = parseExtensionMessage({ type: 'append', records: [{ ...record, kind: 'made.up' }, record] });
    assert.deepEqual(parsed?.type === 'append' && parsed.records, [record]);
  });

  test('a directory update with entries that are not objects keeps only the checked ones', () => {
    const parsed = parseExtensionMessage({ type: 'directory', agents: ['coder', coder], delegations: [null, delegation] });
    assert.deepEqual(parsed, { type: 'directory', agents: [coder], delegations: [delegation] });
  });

  test("the editor's anchor state arrives with its words bounded, and an unknown state is refused", () => {
    assert.deepEqual(parseExtensionMessage({ type: 'logAnchor', state: 'broken', label: '⚓ Log re-anchored', detail: 'x'.repeat(5000) }), { type: 'logAnchor', state: 'broken', label: '⚓ Log re-anchored', detail: 'x'.repeat(4000) });
    assert.equal(parseExtensionMessage({ type: 'logAnchor', state: 'fine', label: '', detail: '' }), undefined);
    assert.equal(parseExtensionMessage({ type: 'logAnchor', state: 'extends', label: 3, detail: '' }), undefined);
  });

  test('messages from the webview of an unknown type are refused', () => {
    assert.equal(parseWebviewMessage({ type: 'runCommand', command: 'rm -rf' }), undefined);
    assert.deepEqual(parseWebviewMessage({ type: 'copy', text: 'did:key:z6Mk' }), { type: 'copy', text: 'did:key:z6Mk' });
  });
});
