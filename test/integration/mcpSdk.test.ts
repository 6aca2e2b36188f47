// The SDK for homegrown agents and tool authors: connect/authorize/delegate against a real daemon, and the
// offline check of the `_meta["signet/invocation"]` a proxy attaches, including the ways it must fail.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { SignetErrorCode } from '../../daemon/src/server/protocol';
import { connect, DaemonConnectionError, DaemonRequestError, INVOCATION_META_KEY, verifySignetInvocation, type SignetClient, type SignetInvocationMeta } from '../../daemon/src/sdk/index';
import { startHarness, tempDir, type Harness } from '../support/daemonHarness';

describe('the Signet SDK', () => {
  let h: Harness;
  let signet: SignetClient;
  let userDid: string;
  let meta: Record<string, SignetInvocationMeta>;

  before(async () => {
    h = await startHarness({ listen: true });
    userDid = (await h.ui.request('daemon/status', {})).user.did;
    await h.ui.request('agent/create', { name: 'bot' });
    await h.ui.request('agent/create', { name: 'helper' });
    await h.ui.request('delegation/issue', { from: 'user', to: 'bot', cmd: '/mcp/tools/call', pol: [['==', '.server', 'notes']], ttl: 3600 });
    signet = await connect({ home: h.home });
    const answer = await signet.authorize('bot', '/mcp/tools/call', { server: 'notes', tool: 'append', arguments: { text: 'hi' } });
    assert.equal(answer.decision, 'allow');
    if (answer.decision !== 'allow') return;
    meta = { [INVOCATION_META_KEY]: { invocation: answer.invocation, proofs: answer.proofs, chain: answer.chain }, progressToken: 1 } as never;
  });
  after(async () => {
    signet?.close();
    await h.close();
  });

  test('an invocation from the daemon verifies offline against the user as trusted root', () => {
    const verdict = verifySignetInvocation(meta, { trustedRoot: userDid, expect: { cmd: '/mcp/tools/call', tool: 'append' } });
    assert.equal(verdict.ok, true, verdict.ok ? '' : verdict.error.message);
    assert.equal(verdict.ok && verdict.subject, userDid);
    assert.deepEqual(verdict.ok && verdict.chain, meta[INVOCATION_META_KEY]?.chain);
    assert.equal(verifySignetInvocation(meta[INVOCATION_META_KEY], { trustedRoot: userDid }).ok, true, 'the bare value is accepted too');
  });

  test('a chain rooted at someone else is refused as UntrustedRoot', () => {
    const verdict = verifySignetInvocation(meta, { trustedRoot: 'did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK' });
    assert.equal(verdict.ok, false);
    assert.equal(!verdict.ok && verdict.error.name, 'UntrustedRoot');
  });

  test('an altered invocation, a missing proof, a late check and a missing _meta are each refused with their name', () => {
    const good = meta[INVOCATION_META_KEY]!;
    const bytes = Buffer.from(good.invocation, 'base64');
    bytes[bytes.length - 5]! ^= 0x01;
    const altered = verifySignetInvocation({ ...good, invocation: bytes.toString('base64') }, { trustedRoot: userDid });
    assert.equal(altered.ok, false);
    assert.ok(!altered.ok && ['InvalidSignature', 'InvalidClaim'].includes(altered.error.name), JSON.stringify(altered));
    const unproven = verifySignetInvocation({ ...good, proofs: [] }, { trustedRoot: userDid });
    assert.equal(!unproven.ok && unproven.error.name, 'UnavailableProof');
    const late = verifySignetInvocation(meta, { trustedRoot: userDid, now: Math.floor(Date.now() / 1000) + 86_400 });
    assert.equal(!late.ok && late.error.name, 'Expired');
    const missing = verifySignetInvocation({ progressToken: 1 }, { trustedRoot: userDid });
    assert.equal(!missing.ok && missing.error.name, 'MissingInvocation');
    const otherTool = verifySignetInvocation(meta, { trustedRoot: userDid, expect: { tool: 'delete' } });
    assert.equal(!otherTool.ok && otherTool.error.name, 'UnexpectedCommand');
    const otherArguments = verifySignetInvocation(meta, { trustedRoot: userDid, expect: { tool: 'append', arguments: { text: 'hi', path: '/etc/passwd' } } });
    assert.equal(!otherArguments.ok && otherArguments.error.name, 'UnexpectedArguments');
    assert.equal(verifySignetInvocation(meta, { trustedRoot: userDid, expect: { tool: 'append', arguments: { text: 'hi' } } }).ok, true, 'the signed arguments themselves pass');
  });

  test('an agent delegates onward within what it holds, and an escalation is refused', async () => {
    const narrower = await signet.delegate({ from: 'bot', to: 'helper', cmd: '/mcp/tools/call', pol: [['==', '.server', 'notes'], ['==', '.tool', 'append']], ttl: 600 });
    assert.equal(narrower.issuer.name, 'bot');
    assert.equal(narrower.audience.name, 'helper');
    await assert.rejects(
      signet.delegate({ from: 'bot', to: 'helper', cmd: '/mcp', ttl: 600 }),
      (error: unknown) => error instanceof DaemonRequestError && error.code === SignetErrorCode.Escalation,
    );
  });

  test('connecting without a running daemon fails with a message that says how to start one', async () => {
    const empty = tempDir('signet-nohome-');
    try {
      await assert.rejects(connect({ home: empty }), (error: unknown) => error instanceof DaemonConnectionError && /signet daemon/.test(error.message));
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
