// The daemon's bookkeeping of client calls, with a stand-in authorizer and log beside the real daemon tests
// (test/integration/hookSessions.test.ts): what the idle bound ends, and what an outcome is never attached to;
// and the hook side's small pure parts (file digests, the lean entry point's arguments).
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ClientCalls, SESSION_IDLE_SECONDS } from '../../daemon/src/hooks/clientCalls';
import { fileDigest, sha256Digest } from '../../daemon/src/hooks/hookOutcomes';
import { parseHookArgs } from '../../daemon/src/hooks/runHook';
import type { AuthorizeParams, AuthorizeResult } from '../../daemon/src/server/protocol';
import type { Connection } from '../../daemon/src/server/rpcServer';

function harness() {
  let now = 1_000_000;
  let minted = 0;
  const appended: { kind: string; data: Record<string, unknown> }[] = [];
  const revoked: string[] = [];
  const sessionDelegations = new Map<string, string[]>();
  const calls = new ClientCalls({
    authorize: async (params: AuthorizeParams) => ({ decision: 'allow', invocation: 'x', invocationCid: `bafyinv${minted++}`, chain: [], proofs: [], args: params.args }) as AuthorizeResult,
    audit: { append: async (entry) => (appended.push(entry), { seq: appended.length - 1, ...entry }) as never },
    agentDid: () => 'did:key:z6Mkagent',
    sessionDelegations: (key) => sessionDelegations.get(key) ?? [],
    revoke: async (cid) => (revoked.push(cid), [cid]),
    now: () => now,
  });
  return { calls, appended, revoked, sessionDelegations, advance: (s: number) => (now += s) };
}
const connection = {} as Connection;
const ask = (toolUseId: string, command: string, session = 's1'): AuthorizeParams => ({ agent: 'claude-code', cmd: '/claude-code/tools/bash', args: { tool: 'Bash', input: { command } }, clientCall: { client: 'claude-code', session, toolUseId } });

describe('client calls in the daemon', () => {
  test('a client session with no call for the idle time ends: its session approvals are revoked on the next call', async () => {
    const h = harness();
    h.sessionDelegations.set('client-session claude-code s1', ['bafysession']);
    await h.calls.authorize(ask('t1', 'ls'), connection);
    h.advance(SESSION_IDLE_SECONDS - 1);
    await h.calls.authorize(ask('t2', 'ls', 'other'), connection);
    assert.deepEqual(h.revoked, [], 'not idle yet');
    h.advance(SESSION_IDLE_SECONDS);
    await h.calls.authorize(ask('t3', 'ls', 'other'), connection);
    assert.deepEqual(h.revoked, ['bafysession']);
  });

  test('one id asked with two different calls is two decisions, and its outcome is attached to neither', async () => {
    const h = harness();
    const first = await h.calls.authorize(ask('t1', 'ls'), connection);
    const second = await h.calls.authorize(ask('t1', 'rm -rf build'), connection);
    assert.notEqual(first.decision === 'allow' && first.invocationCid, second.decision === 'allow' && second.invocationCid);
    const outcome = await h.calls.outcome({ agent: 'claude-code', call: { client: 'claude-code', session: 's1', toolUseId: 't1' }, event: 'PostToolUse' });
    assert.equal(outcome.invocation, null);
    assert.match(String(h.appended.at(-1)?.data.unmatched), /more than one different call/);
  });

  test('an outcome names only a call of the same agent and client: another agent\'s report under the id attaches to nothing', async () => {
    const h = harness();
    await h.calls.authorize(ask('t1', 'ls'), connection);
    const other = await h.calls.outcome({ agent: 'copilot', call: { client: 'claude-code', session: 's1', toolUseId: 't1' }, event: 'PostToolUse' });
    assert.equal(other.invocation, null);
    const own = await h.calls.outcome({ agent: 'claude-code', call: { client: 'vscode', session: 's1', toolUseId: 't1' }, event: 'PostToolUse' });
    assert.equal(own.invocation, null, 'the same agent from another client is another call');
  });

  test('a different call under an id whose outcome is in gets its own outcome, and a second, different outcome is recorded too', async () => {
    const h = harness();
    const call = { client: 'claude-code' as const, session: 's1', toolUseId: 't9' };
    const first = (await h.calls.authorize(ask('t9', 'make'), connection)) as { invocationCid: string };
    await h.calls.outcome({ agent: 'claude-code', call, event: 'PostToolUse', exitStatus: 0 });
    const second = (await h.calls.authorize(ask('t9', 'make install'), connection)) as { invocationCid: string };
    const outcome = await h.calls.outcome({ agent: 'claude-code', call, event: 'PostToolUse', exitStatus: 2 });
    assert.equal(outcome.invocation, second.invocationCid, 'the second call\'s outcome names the second call');
    assert.notEqual(outcome.invocation, first.invocationCid);
    const edit = await h.calls.outcome({ agent: 'claude-code', call, event: 'PostToolUse', exitStatus: 3 });
    assert.equal(edit.invocation, null, 'a further, different report attaches to no call');
    assert.equal(h.appended.filter((r) => r.kind === 'call.outcome').length, 3, 'no report was dropped');
  });

  test('the same call asked again after its outcome, or after a while, is a new call and decided anew', async () => {
    const h = harness();
    const cid = async (r: Promise<AuthorizeResult>) => ((await r) as { invocationCid: string }).invocationCid;
    const first = await cid(h.calls.authorize(ask('t1', 'ls'), connection));
    assert.equal(await cid(h.calls.authorize(ask('t1', 'ls'), connection)), first, 'asked twice at once: one decision');
    await h.calls.outcome({ agent: 'claude-code', call: { client: 'claude-code', session: 's1', toolUseId: 't1' }, event: 'PostToolUse' });
    assert.notEqual(await cid(h.calls.authorize(ask('t1', 'ls'), connection)), first);
    const later = await cid(h.calls.authorize(ask('t2', 'ls'), connection));
    h.advance(60);
    assert.notEqual(await cid(h.calls.authorize(ask('t2', 'ls'), connection)), later);
  });
});

describe('the digest of a changed file', () => {
  test('is the content\'s sha256, and null for a file that is gone or is not a regular file (never read forever)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'signet-digest-'));
    writeFileSync(join(dir, 'a.txt'), 'content\n');
    assert.equal(await fileDigest(join(dir, 'a.txt')), sha256Digest('content\n'));
    assert.equal(await fileDigest(join(dir, 'gone.txt')), null);
    assert.equal(await fileDigest('/dev/zero'), null);
    assert.equal(await fileDigest(dir), null);
  });
});

describe('the lean hook\'s command line', () => {
  test('names the client, with the home from --home, $SIGNET_HOME or ~/.signet, and refuses anything else', () => {
    assert.deepEqual(parseHookArgs(['--home', '/h', 'cursor', '--timeout', '140'], {}), { fallback: 'deny', timeoutSeconds: 140, flavor: 'cursor', home: '/h' });
    assert.equal((parseHookArgs(['claude-code'], { SIGNET_HOME: '/s' }) as { home: string }).home, '/s');
    assert.match(String(parseHookArgs(['--home', '/h'], {})), /name the client/);
    assert.match(String(parseHookArgs(['vscode', '--timeout', '0'], {})), /positive/);
    assert.match(String(parseHookArgs(['vscode', 'hook'], {})), /unexpected argument "hook"/);
  });
});
