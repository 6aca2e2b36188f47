// The guard's checks on their own, with tokens made for each rule: what passes, what is refused and why, and the
// nonce ledger that keeps a captured invocation from being used twice, across restarts and processes.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { FileNonceLedger, MemoryNonceLedger, nonceKey } from '../../daemon/src/mcp/guardNonceLedger';
import { InvocationGuard, type GuardOptions } from '../../daemon/src/mcp/mcpGuard';
import { verifySignetRequest } from '../../daemon/src/sdk/mcpMiddleware';
import { Ed25519Signer, cidOf, encodeDelegationWith, encodeInvocationWith, type InvocationPayload } from '../../daemon/src/ucan/index';

const now = 1_800_000_000;
const user = Ed25519Signer.generate();
const planner = Ed25519Signer.generate();
const coder = Ed25519Signer.generate();
const stranger = Ed25519Signer.generate();
const dir = mkdtempSync(join(tmpdir(), 'signet-guard-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const nonce = () => new Uint8Array(randomBytes(12));
const root = encodeDelegationWith({ iss: user.did, aud: planner.did, sub: user.did, cmd: '/mcp', pol: [], nonce: nonce(), exp: now + 3600 }, user);
const hop = encodeDelegationWith({ iss: planner.did, aud: coder.did, sub: user.did, cmd: '/mcp/tools/call', pol: [], nonce: nonce(), exp: now + 3600 }, planner);

const call = { name: 'echo', arguments: { message: 'hello', n: 3, nested: { list: [1, 'two'] } } };
const signedArgs = { server: 'everything', tool: 'echo', arguments: call.arguments };

function meta(change: Partial<InvocationPayload> = {}, by = coder, proofs = [root, hop]) {
  const invocation = encodeInvocationWith(
    { iss: by.did, sub: user.did, cmd: '/mcp/tools/call', args: signedArgs, prf: proofs.map(cidOf), nonce: nonce(), exp: now + 300, iat: now, ...change },
    by,
  );
  return { 'signet/invocation': { invocation: Buffer.from(invocation).toString('base64'), proofs: proofs.map((p) => Buffer.from(p).toString('base64')), chain: proofs.map(cidOf) } };
}

function guard(options: Partial<GuardOptions> = {}): InvocationGuard {
  return new InvocationGuard({ trust: [user.did], serverName: 'everything', now: () => now, ...options });
}

function refusedAs(verdict: ReturnType<InvocationGuard['check']>, name: string, message?: RegExp): void {
  assert.equal(verdict.ok, false, 'expected a refusal');
  if (verdict.ok) return;
  assert.equal(verdict.name, name, verdict.message);
  if (message) assert.match(verdict.message, message);
}

test('a valid invocation for exactly this call passes, and names the agent, the user and the chain root first', () => {
  const verdict = guard().check('tools/call', { ...call, _meta: meta() });
  if (!verdict.ok) assert.fail(`${verdict.name}: ${verdict.message}`);
  assert.equal(verdict.caller.agent, coder.did);
  assert.equal(verdict.caller.user, user.did);
  assert.deepEqual(verdict.caller.chain, [cidOf(root), cidOf(hop)]);
});

test('a call without an invocation, or with a mangled one, is refused as MissingInvocation', () => {
  const g = guard();
  refusedAs(g.check('tools/call', call), 'MissingInvocation', /did not come through Signet/);
  refusedAs(g.check('tools/call', { ...call, _meta: { 'signet/invocation': { invocation: 'not base64!', proofs: [] } } }), 'MissingInvocation');
});

test('a chain rooted at a user this server does not trust is refused as UntrustedRoot', () => {
  refusedAs(guard({ trust: [stranger.did] }).check('tools/call', { ...call, _meta: meta() }), 'UntrustedRoot', /does not trust/);
});

test('any difference between the call and the signed arguments is refused as ArgumentMismatch', () => {
  const g = guard();
  const variants: unknown[] = [
    { ...call, name: 'printEnv' },
    { ...call, arguments: { ...call.arguments, message: 'hello!' } },
    { ...call, arguments: { ...call.arguments, extra: true } },
    { ...call, arguments: { ...call.arguments, n: '3' } },
    { ...call, arguments: { message: 'hello', n: 3, nested: { list: [1, 'two', 3] } } },
  ];
  for (const variant of variants) refusedAs(g.check('tools/call', { ...(variant as object), _meta: meta() }), 'ArgumentMismatch');
  refusedAs(guard({ serverName: 'other' }).check('tools/call', { ...call, _meta: meta() }), 'ArgumentMismatch', /for the server "everything", but this is "other"/);
});

test('the canonical comparison ignores key order, and the daemon-added _paths summary', () => {
  const reordered = { name: 'echo', arguments: { nested: { list: [1, 'two'] }, n: 3, message: 'hello' } };
  const withPaths = meta({ args: { ...signedArgs, _paths: ['/ws/a'] } });
  const verdict = guard().check('tools/call', { ...reordered, _meta: withPaths });
  assert.equal(verdict.ok, true, verdict.ok ? '' : verdict.message);
});

test('an invocation for another command than the request is refused as UnexpectedCommand', () => {
  refusedAs(guard().check('resources/read', { uri: 'file:///x', _meta: meta() }), 'UnexpectedCommand');
});

test('the same invocation twice is refused as Replayed, and a refused one does not use up its nonce', () => {
  const g = guard();
  const captured = meta();
  refusedAs(g.check('tools/call', { ...call, name: 'other', _meta: captured }), 'ArgumentMismatch');
  assert.equal(g.check('tools/call', { ...call, _meta: captured }).ok, true);
  refusedAs(g.check('tools/call', { ...call, _meta: captured }), 'Replayed', /used before/);
});

test('an invocation that never expires, or lives longer than the server accepts, is refused', () => {
  refusedAs(guard().check('tools/call', { ...call, _meta: meta({ exp: null }) }), 'NoExpiry');
  refusedAs(guard({ maxLifetimeSeconds: 60 }).check('tools/call', { ...call, _meta: meta() }), 'NoExpiry', /longer than/);
});

test('an invocation addressed (aud) to another executor is refused, and one addressed to this server passes', () => {
  const server = Ed25519Signer.generate();
  refusedAs(guard().check('tools/call', { ...call, _meta: meta({ aud: server.did }) }), 'InvalidAudience');
  assert.equal(guard({ audience: [server.did] }).check('tools/call', { ...call, _meta: meta({ aud: server.did }) }).ok, true);
  assert.equal(guard().check('tools/call', { ...call, _meta: meta({ aud: user.did }) }).ok, true, 'its subject is its default audience');
});

test('a self-issued invocation by the trusted user passes with no proofs', () => {
  assert.equal(guard().check('tools/call', { ...call, _meta: meta({}, user, []) }).ok, true);
});

test('the file ledger refuses a replay after a restart and from another process sharing the file', () => {
  const path = join(dir, 'restart.nonces');
  const captured = meta();
  const first = new FileNonceLedger(path, now);
  assert.equal(guard({ ledger: first }).check('tools/call', { ...call, _meta: captured }).ok, true);
  const sibling = new FileNonceLedger(path, now);
  refusedAs(guard({ ledger: sibling }).check('tools/call', { ...call, _meta: captured }), 'Replayed');
  first.close();
  sibling.close();
  const restarted = new FileNonceLedger(path, now);
  refusedAs(guard({ ledger: restarted }).check('tools/call', { ...call, _meta: captured }), 'Replayed');
  restarted.close();
});

test('the file ledger forgets nonces once they expire and compacts itself, so it stays bounded', () => {
  const path = join(dir, 'bounded.nonces');
  const ledger = new FileNonceLedger(path, now);
  for (let i = 0; i < 3000; i++) assert.equal(ledger.claim(nonceKey(coder.did, Uint8Array.of(i >> 8, i & 255)), now + 10, now), true);
  assert.equal(ledger.claim(nonceKey(coder.did, Uint8Array.of(0, 0)), now + 10, now), false);
  // Much later, every old entry has expired: the next claims compact the file down to the live ones.
  for (let i = 0; i < 10; i++) ledger.claim(nonceKey(coder.did, Uint8Array.of(99, i)), now + 10_000, now + 1000);
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  assert.ok(lines.length <= 10, `${lines.length} lines left`);
  ledger.close();
  const memory = new MemoryNonceLedger();
  assert.equal(memory.claim('k', now + 10, now), true);
  assert.equal(memory.claim('k', now + 10, now + 5), false);
  assert.equal(memory.claim('k', now + 100, now + 200), true, 'an expired entry can be claimed again');
});

test('verifySignetRequest lets ungated requests through and answers a refused call with a JSON-RPC error', () => {
  const options = { trust: user.did, serverName: 'everything', now: () => now };
  assert.deepEqual(verifySignetRequest({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, options), { ok: true, gated: false });
  const refused = verifySignetRequest({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: call }, options);
  assert.equal(refused.ok, false);
  if (!refused.ok) {
    assert.equal(refused.name, 'MissingInvocation');
    assert.deepEqual(Object.keys(refused.response).sort(), ['error', 'id', 'jsonrpc']);
    assert.match(JSON.stringify(refused.response), /Signet guard refused this tool call: MissingInvocation/);
  }
  const captured = meta();
  const passed = verifySignetRequest({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { ...call, _meta: captured } }, options);
  assert.equal(passed.ok && passed.gated && passed.caller.agent, coder.did);
  const again = verifySignetRequest({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { ...call, _meta: captured } }, options);
  assert.equal(!again.ok && again.name, 'Replayed', 'the same options object keeps one ledger');
});
