import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { base58btc } from 'multiformats/bases/base58';
import { Ed25519Signer, cidOf, encodeInvocationWith, smallOrderPublicKeys } from '../../../daemon/src/ucan/index';
import { publicKeyOfDid, verifyInvocation } from '../../../webview/src/verifyInvocation';

function signedInvocation(signer = Ed25519Signer.fromSeed(randomBytes(32))) {
  const bytes = encodeInvocationWith(
    {
      iss: signer.did,
      sub: Ed25519Signer.fromSeed(randomBytes(32)).did,
      cmd: '/mcp/tools/call',
      args: { tool: 'write_file', arguments: { path: '/repo/a.ts' } },
      prf: [],
      nonce: randomBytes(12),
      exp: null,
    },
    signer,
  );
  return { signer, bytes, token: Buffer.from(bytes).toString('base64'), cid: cidOf(bytes) };
}

test('an invocation signed by the agent the log names, with the CID the log records, is verified', async () => {
  const { signer, token, cid } = signedInvocation();
  assert.deepEqual(await verifyInvocation(token, signer.did, cid), { status: 'verified', issuer: signer.did, cid });
});

test('an invocation whose signed bytes were altered is invalid', async () => {
  const { signer, bytes, cid } = signedInvocation();
  const tampered = Uint8Array.from(bytes);
  tampered[tampered.length - 3] = (tampered[tampered.length - 3] ?? 0) ^ 0x01;
  const result = await verifyInvocation(Buffer.from(tampered).toString('base64'), signer.did, cid);
  assert.equal(result.status, 'invalid');
});

test('an invocation whose signature was altered is invalid', async () => {
  const { signer, bytes } = signedInvocation();
  const tampered = Uint8Array.from(bytes);
  tampered[10] = (tampered[10] ?? 0) ^ 0x80;
  const result = await verifyInvocation(Buffer.from(tampered).toString('base64'), signer.did, undefined);
  assert.deepEqual(result, { status: 'invalid', reason: 'the Ed25519 signature does not match' });
});

test('a valid invocation by another key than the logged agent is invalid', async () => {
  const { token } = signedInvocation();
  const other = Ed25519Signer.fromSeed(randomBytes(32));
  const result = await verifyInvocation(token, other.did, undefined);
  assert.equal(result.status, 'invalid');
  assert.match(result.status === 'invalid' ? result.reason : '', /not by the agent the log names/);
});

test('a valid invocation whose CID differs from the logged one is invalid', async () => {
  const { signer, token } = signedInvocation();
  const result = await verifyInvocation(token, signer.did, signedInvocation().cid);
  assert.equal(result.status, 'invalid');
});

test('bytes that are not an envelope are invalid, never verified', async () => {
  assert.equal((await verifyInvocation(Buffer.from('hello').toString('base64'), null, undefined)).status, 'invalid');
  assert.equal((await verifyInvocation('***', null, undefined)).status, 'invalid');
});

test('every small-order public key is refused as an issuer', () => {
  for (const hex of smallOrderPublicKeys) {
    const did = `did:key:${base58btc.encode(Uint8Array.from([0xed, 0x01, ...Buffer.from(hex, 'hex')]))}`;
    assert.throws(() => publicKeyOfDid(did), Error, hex);
  }
});
