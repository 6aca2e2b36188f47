import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DaemonRequestError } from '../../daemon/src/client/daemonClient';
import { SignetErrorCode, type AuthorizeResult } from '../../daemon/src/server/protocol';
import { decodeInvocation, validateInvocation } from '../../daemon/src/ucan/index';
import { nextNotification, startHarness, tempDir, withHarness, type Harness } from '../support/daemonHarness';

const b64 = (s: string) => new Uint8Array(Buffer.from(s, 'base64'));
const now = () => Math.floor(Date.now() / 1000);

function assertAllowed(result: AuthorizeResult): asserts result is Extract<AuthorizeResult, { decision: 'allow' }> {
  assert.equal(result.decision, 'allow', result.decision === 'deny' ? result.reason : '');
}

describe('authorize', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
    await h.ui.request('agent/create', { name: 'coder' });
    await h.ui.request('agent/create', { name: 'planner' });
  });
  after(() => h.close());

  test('a call covered by a user delegation is allowed with an invocation that verifies offline', async () => {
    await h.ui.request('delegation/issue', { from: 'user', to: 'coder', cmd: '/fs/read', ttl: 3600 });
    const result = await h.agent.request('authz/authorize', { agent: 'coder', cmd: '/fs/read', args: { path: 'README.md' }, workspace: h.workspace });
    assertAllowed(result);
    assert.equal(result.args.path, join(h.workspace, 'README.md'));
    const verdict = validateInvocation(b64(result.invocation), result.proofs.map(b64), { now: now() });
    assert.equal(verdict.ok, true, verdict.ok ? '' : verdict.error.message);
    assert.deepEqual(verdict.ok && verdict.chain.map((c) => c.cid), result.chain);
  });

  test('a "__proto__" key in the arguments is kept as it came: its paths are canonicalised, checked and signed', async () => {
    await h.ui.request('delegation/issue', { from: 'user', to: 'coder', cmd: '/fs/stat', ttl: 3600 });
    // A computed key makes an own "__proto__" property, as JSON.parse does on the daemon's side.
    const args = { ['__proto__']: { path: 'src/../../outside.txt' }, file: 'a.ts' };
    const result = await h.agent.request('authz/authorize', { agent: 'coder', cmd: '/fs/stat', args, workspace: h.workspace });
    assertAllowed(result);
    const outside = join(h.workspace, '..', 'outside.txt');
    assert.ok(Object.hasOwn(result.args, '__proto__'));
    assert.deepEqual(result.args['__proto__'], { path: outside });
    assert.deepEqual(result.args._paths, [outside, join(h.workspace, 'a.ts')]);
    const signed = decodeInvocation(b64(result.invocation)).payload.args;
    assert.ok(Object.hasOwn(signed, '__proto__'));
    assert.deepEqual(signed['__proto__'], { path: outside });
  });

  test('a relative workspace is refused with the reason: the daemon cannot know the caller\'s working directory', async () => {
    await assert.rejects(
      h.agent.request('authz/authorize', { agent: 'coder', cmd: '/fs/read', args: { path: 'a.ts' }, workspace: 'projects/app' }),
      (e: unknown) => e instanceof DaemonRequestError && /the workspace must be an absolute path/.test(e.message),
    );
  });

  test('a command outside every delegation goes to approval, and deny answers with who denied it', async () => {
    const requested = nextNotification(h.ui, 'approval/didRequest');
    const pending = h.agent.request('authz/authorize', { agent: 'coder', cmd: '/fs/delete', args: { path: 'src/a.ts' }, workspace: h.workspace });
    const request = await requested;
    assert.equal(request.agent.name, 'coder');
    assert.equal(request.cmd, '/fs/delete');
    assert.deepEqual(request.paths, [join(h.workspace, 'src/a.ts')]);
    assert.ok(Date.parse(request.expiresAt) > Date.now());
    const resolved = nextNotification(h.ui, 'approval/didResolve');
    await h.ui.request('approval/decide', { id: request.id, decision: 'deny', decidedBy: 'test' });
    const result = await pending;
    assert.equal(result.decision, 'deny');
    assert.equal(result.decision === 'deny' && result.code, 'denied-by-user');
    assert.match(result.decision === 'deny' ? result.reason : '', /test denied/);
    assert.deepEqual(await resolved, { id: request.id, outcome: 'deny', decidedBy: 'test' });
    const { records } = await h.ui.request('audit/query', { kind: 'authorize.denied', agent: 'coder' });
    assert.ok(records.some((r) => r.data.approvalId === request.id && r.data.code === 'denied-by-user'));
  });

  test('allow once lets exactly that call through a single time and the next identical call prompts again', async () => {
    const args = { path: 'src/once.ts', content: 'x' };
    const requested = nextNotification(h.ui, 'approval/didRequest');
    const pending = h.agent.request('authz/authorize', { agent: 'coder', cmd: '/fs/write', args, workspace: h.workspace });
    const request = await requested;
    const decided = await h.ui.request('approval/decide', { id: request.id, decision: 'once' });
    assert.equal(decided.delegation?.singleUse, true);
    assertAllowed(await pending);
    const live = await h.ui.request('delegation/list', { agent: 'coder' });
    assert.ok(!live.delegations.some((d) => d.cid === decided.delegation?.cid), 'the once delegation is used up');

    const again = nextNotification(h.ui, 'approval/didRequest');
    const second = h.agent.request('authz/authorize', { agent: 'coder', cmd: '/fs/write', args, workspace: h.workspace });
    const secondRequest = await again;
    await h.ui.request('approval/decide', { id: secondRequest.id, decision: 'deny' });
    assert.equal((await second).decision, 'deny');
  });

  test('an approval for a path prefix covers files below it and refuses traversal and symlinks out of it', async () => {
    // A workspace of its own, unlike the daemon's default one, so that "src" below can only mean this one.
    const ws = tempDir('signet-ws-prefix-');
    mkdirSync(join(ws, 'src'), { recursive: true });
    const outside = tempDir('signet-outside-');
    writeFileSync(join(outside, 'secret.txt'), 'secret');
    symlinkSync(outside, join(ws, 'src', 'escape'));

    const requested = nextNotification(h.ui, 'approval/didRequest');
    const pending = h.agent.request('authz/authorize', { agent: 'coder', cmd: '/fs/edit', args: { path: 'src/a.ts' }, workspace: ws });
    const request = await requested;
    // A relative prefix means the request's own workspace, not the daemon's working folder.
    await h.ui.request('approval/decide', { id: request.id, decision: 'ttl', ttlSeconds: 3600, narrow: { path: 'src' } });
    assertAllowed(await pending);
    assertAllowed(await h.agent.request('authz/authorize', { agent: 'coder', cmd: '/fs/edit', args: { path: './src//deep/b.ts' }, workspace: ws }));

    for (const sneaky of ['src/../secret.txt', 'src/escape/secret.txt', 'src/escape/../x']) {
      const prompted = nextNotification(h.ui, 'approval/didRequest');
      const attempt = h.agent.request('authz/authorize', { agent: 'coder', cmd: '/fs/edit', args: { path: sneaky }, workspace: ws });
      const seen = await prompted;
      assert.ok(!seen.paths[0]?.startsWith(join(ws, 'src') + '/'), `${sneaky} was canonicalised to ${seen.paths[0]}`);
      await h.ui.request('approval/decide', { id: seen.id, decision: 'deny' });
      assert.equal((await attempt).decision, 'deny', `${sneaky} must not be covered by the src/ delegation`);
    }
  });

  test('a session approval ends when the agent connection closes', async () => {
    const session = h.daemon.connectInMemory('agent');
    const requested = nextNotification(h.ui, 'approval/didRequest');
    const pending = session.request('authz/authorize', { agent: 'coder', cmd: '/net/fetch', args: { url: 'https://example.com' } });
    const request = await requested;
    const decided = await h.ui.request('approval/decide', { id: request.id, decision: 'session' });
    assert.equal(decided.delegation?.sessionBound, true);
    assertAllowed(await pending);
    assertAllowed(await session.request('authz/authorize', { agent: 'coder', cmd: '/net/fetch', args: { url: 'https://other.example.com' } }));
    session.close();
    await waitFor(async () => {
      const { delegations } = await h.ui.request('delegation/list', { agent: 'coder', includeInactive: true });
      return delegations.find((d) => d.cid === decided.delegation?.cid)?.revoked === true;
    });
  });

  test('an agent can delegate onward only within what it holds, and revocation cascades down the chain', async () => {
    const planner = await h.ui.request('delegation/issue', { from: 'user', to: 'planner', cmd: '/repo', ttl: 600 });
    await assert.rejects(
      h.agent.request('delegation/issue', { from: 'planner', to: 'coder', cmd: '/deploy', ttl: 60 }),
      (e: unknown) => e instanceof DaemonRequestError && e.code === SignetErrorCode.Escalation && /can only delegate what it holds/.test(e.message),
    );
    await assert.rejects(
      h.agent.request('delegation/issue', { from: 'planner', to: 'coder', cmd: '/repo/push', ttl: 6000 }),
      (e: unknown) => e instanceof DaemonRequestError && e.code === SignetErrorCode.Escalation && /expiry/.test(e.message),
    );
    await assert.rejects(
      h.agent.request('delegation/issue', { from: 'user', to: 'coder', cmd: '/repo' }),
      (e: unknown) => e instanceof DaemonRequestError && e.code === SignetErrorCode.Forbidden,
    );
    const coder = await h.agent.request('delegation/issue', { from: 'planner', to: 'coder', cmd: '/repo/push', pol: [['==', '.branch', 'main']], ttl: 60 });
    assert.equal(coder.parent, planner.cid);

    const pushed = await h.agent.request('authz/authorize', { agent: 'coder', cmd: '/repo/push', args: { branch: 'main' } });
    assertAllowed(pushed);
    // Root first, as UCAN 1.0 orders prf, and as the invocation itself lists it.
    assert.deepEqual(pushed.chain, [planner.cid, coder.cid]);
    const verdict = validateInvocation(b64(pushed.invocation), pushed.proofs.map(b64), { now: now() });
    assert.equal(verdict.ok, true, verdict.ok ? '' : verdict.error.message);
    assert.equal(verdict.ok && verdict.proofOrder, 'root-first');
    assert.deepEqual(verdict.ok && verdict.invocation.prf, [planner.cid, coder.cid]);

    const { revoked } = await h.ui.request('delegation/revoke', { cid: planner.cid });
    assert.deepEqual(new Set(revoked), new Set([planner.cid, coder.cid]));
    const requested = nextNotification(h.ui, 'approval/didRequest');
    const again = h.agent.request('authz/authorize', { agent: 'coder', cmd: '/repo/push', args: { branch: 'main' } });
    const request = await requested;
    assert.equal(request.cmd, '/repo/push');
    await h.ui.request('approval/decide', { id: request.id, decision: 'deny' });
    assert.equal((await again).decision, 'deny');
    const { records } = await h.ui.request('audit/query', { kind: 'delegation.revoked' });
    assert.ok(records.some((r) => r.data.cid === coder.cid && /below revoked/.test(String(r.data.reason))));
  });

  test('an unknown agent is refused unless the caller asks to create it, which is audited', async () => {
    const refused = await h.agent.request('authz/authorize', { agent: 'ghost', cmd: '/x', args: {} });
    assert.equal(refused.decision === 'deny' && refused.code, 'unknown-agent');
    const requested = nextNotification(h.ui, 'approval/didRequest');
    const pending = h.agent.request('authz/authorize', { agent: 'newbie', cmd: '/x', args: {}, createAgent: true });
    const request = await requested;
    assert.equal(request.agent.name, 'newbie');
    await h.ui.request('approval/decide', { id: request.id, decision: 'deny' });
    await pending;
    const { records } = await h.ui.request('audit/query', { kind: 'identity.created', agent: 'newbie' });
    assert.equal(records.length, 1);
  });
});

describe('approval deadlines and restarts', () => {
  test('a request nobody answers is denied when the approval timeout passes, and audited', () =>
    withHarness({ approvalTimeoutSeconds: 1 }, async (h) => {
      await h.ui.request('agent/create', { name: 'bot' });
      const result = await h.agent.request('authz/authorize', { agent: 'bot', cmd: '/x', args: {} });
      assert.equal(result.decision === 'deny' && result.code, 'approval-timeout');
      const { records } = await h.ui.request('audit/query', { kind: 'approval.decided' });
      assert.equal(records.at(-1)?.data.outcome, 'timeout');
    }));

  test('stopping the daemon denies every pending request and audits the denial', () =>
    withHarness({}, async (h) => {
      await h.ui.request('agent/create', { name: 'bot' });
      const requested = nextNotification(h.ui, 'approval/didRequest');
      const pending = h.agent.request('authz/authorize', { agent: 'bot', cmd: '/x', args: {} });
      const request = await requested;
      await h.daemon.stop('test shutdown');
      const result = await pending;
      assert.equal(result.decision === 'deny' && result.code, 'daemon-shutdown');
      await h.restart();
      const { records } = await h.ui.request('audit/query', { kind: 'approval.decided' });
      assert.ok(records.some((r) => r.data.approvalId === request.id && r.data.decision === 'deny' && r.data.outcome === 'cancelled'), 'the pending approval was audited as denied');
      const stoppedRecord = (await h.ui.request('audit/query', { kind: 'daemon.stopped' })).records.at(-1);
      assert.equal(stoppedRecord?.data.pendingDenied, 1);
      assert.equal((await h.ui.request('approval/list', {})).pending.length, 0);
    }));
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('invocation/verify', () => {
  test('an invocation presented twice is accepted once: the replayed nonce is refused', () =>
    withHarness({}, async (h) => {
      await h.ui.request('agent/create', { name: 'coder' });
      await h.ui.request('delegation/issue', { from: 'user', to: 'coder', cmd: '/fs/read' });
      const allowed = await h.agent.request('authz/authorize', { agent: 'coder', cmd: '/fs/read', args: { path: 'a' }, workspace: h.workspace });
      assertAllowed(allowed);
      const first = await h.agent.request('invocation/verify', { invocation: allowed.invocation, proofs: allowed.proofs });
      assert.equal(first.ok, true);
      assert.equal(first.ok && first.iss.name, 'coder');
      const replay = await h.agent.request('invocation/verify', { invocation: allowed.invocation, proofs: allowed.proofs });
      assert.equal(replay.ok, false);
      assert.match(!replay.ok ? replay.error.message : '', /replayed nonce/);
    }));

  test('an invocation whose delegation was revoked, or whose chain roots elsewhere, is refused', async () => {
    const h = await startHarness();
    const other = await startHarness();
    try {
      await h.ui.request('agent/create', { name: 'coder' });
      const d = await h.ui.request('delegation/issue', { from: 'user', to: 'coder', cmd: '/fs/read' });
      const allowed = await h.agent.request('authz/authorize', { agent: 'coder', cmd: '/fs/read', args: {} });
      assertAllowed(allowed);
      const foreign = await other.agent.request('invocation/verify', { invocation: allowed.invocation, proofs: allowed.proofs });
      assert.equal(!foreign.ok && foreign.error.name, 'InvalidSubject');
      await h.ui.request('delegation/revoke', { cid: d.cid });
      const revoked = await h.agent.request('invocation/verify', { invocation: allowed.invocation, proofs: allowed.proofs });
      assert.equal(!revoked.ok && revoked.error.name, 'InvalidClaim');
      assert.match(!revoked.ok ? revoked.error.message : '', /revoked/);
    } finally {
      await h.close();
      await other.close();
    }
  });
});

describe('audit records of large calls', () => {
  test('a call carrying a large file body is allowed and audited with the body digested, not copied', () =>
    withHarness({}, async (h) => {
      await h.ui.request('agent/create', { name: 'writer' });
      await h.ui.request('delegation/issue', { from: 'user', to: 'writer', cmd: '/fs/write' });
      const content = 'x'.repeat(900_000);
      const result = await h.agent.request('authz/authorize', { agent: 'writer', cmd: '/fs/write', args: { path: 'big.txt', content }, workspace: h.workspace });
      assertAllowed(result);
      const record = (await h.ui.request('audit/query', { kind: 'authorize.allowed', agent: 'writer' })).records.at(-1);
      const recorded = (record?.data.args as { content: string; path: string }) ?? { content: '', path: '' };
      assert.match(recorded.content, /^<900000 characters, sha256:[0-9a-f]{64}>$/);
      assert.equal(recorded.path, join(h.workspace, 'big.txt'));
    }));
});

describe('authorize/cancel', () => {
  test('an agent withdrawing a waiting request closes its prompt, answers deny and mints nothing', () =>
    withHarness({}, async (h) => {
      await h.ui.request('agent/create', { name: 'coder' });
      const requested = nextNotification(h.ui, 'approval/didRequest');
      const pending = h.agent.request('authz/authorize', { agent: 'coder', cmd: '/fs/write', args: { path: 'a' }, requestId: 'call-7' });
      const request = await requested;
      const resolved = nextNotification(h.ui, 'approval/didResolve');
      const other = h.daemon.connectInMemory('agent');
      assert.deepEqual(await other.request('authz/cancel', { requestId: 'call-7' }), { cancelled: false }, 'another connection cannot withdraw it');
      other.close();
      assert.deepEqual(await h.agent.request('authz/cancel', { requestId: 'call-7' }), { cancelled: true });
      const result = await pending;
      assert.equal(result.decision === 'deny' && result.code, 'withdrawn');
      assert.deepEqual(await resolved, { id: request.id, outcome: 'cancelled' });
      await assert.rejects(h.ui.request('approval/decide', { id: request.id, decision: 'once' }));
      assert.equal((await h.ui.request('delegation/list', { agent: 'coder', includeInactive: true })).delegations.length, 0);
    }));
});

describe('audit methods', () => {
  test('the daemon verifies its own log, proves inclusion of a record, and a proof for a record beyond the log is a clear error', () =>
    withHarness({}, async (h) => {
      await h.ui.request('agent/create', { name: 'bot' });
      const verdict = await h.ui.request('audit/verify', {});
      assert.equal(verdict.ok, true, JSON.stringify(verdict.problems));
      assert.ok(verdict.records >= 2);
      const proof = await h.ui.request('audit/proveInclusion', { seq: 1 });
      assert.equal(proof.seq, 1);
      assert.ok(proof.proof.length >= 1);
      const { checkpoint, verifierKey } = await h.ui.request('audit/checkpoint', {});
      assert.match(checkpoint, /^signet\.local\//);
      assert.match(verifierKey, /^signet\.local\/.+\+[0-9a-f]{8}\+/);
      await assert.rejects(h.ui.request('audit/proveInclusion', { seq: 10_000 }), (e: unknown) => e instanceof DaemonRequestError && e.code === SignetErrorCode.InvalidArgument);
      await assert.rejects(h.agent.request('audit/verify', {}), (e: unknown) => e instanceof DaemonRequestError && e.code === SignetErrorCode.Forbidden);
    }));
});

describe('audit/query paging', () => {
  test('a limited query says whether more records matched, newest page without since and forward with it', () =>
    withHarness({}, async (h) => {
      for (const name of ['a1', 'a2', 'a3']) await h.ui.request('agent/create', { name });
      const newest = await h.ui.request('audit/query', { kind: 'identity.created', limit: 2 });
      assert.deepEqual(newest.records.map((r) => r.data.name), ['a2', 'a3']);
      assert.equal(newest.truncated, true);
      const all = await h.ui.request('audit/query', { kind: 'identity.created', limit: 10 });
      assert.deepEqual([all.records.length, all.truncated], [4, false]);
      const forward = await h.ui.request('audit/query', { kind: 'identity.created', since: 0, limit: 2 });
      assert.deepEqual(forward.records.map((r) => r.data.name), ['user', 'a1']);
      assert.equal(forward.truncated, true);
    }));
});
