// Tokens across two UCAN 1.0 implementations, in both directions: what iso-ucan 0.5 signs, Signet validates, and
// what Signet signs, iso-ucan validates. Differences are stated where they show (README, "UCAN interoperability").
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Delegation } from 'iso-ucan/delegation';
import { Invocation } from 'iso-ucan/invocation';
import { EdDSASigner } from 'iso-signatures/signers/eddsa.js';
import { Resolver } from 'iso-signatures/verifiers/resolver.js';
import { verifier as eddsaVerifier } from 'iso-signatures/verifiers/eddsa.js';
import { Ed25519Signer, cidOf, encodeDelegationWith, encodeInvocationWith, validateInvocation } from '../../daemon/src/ucan/index';

const verifierResolver = new Resolver({ ...eddsaVerifier });
const now = () => Math.floor(Date.now() / 1000);

async function isoChain() {
  const owner = await EdDSASigner.generate();
  const bob = await EdDSASigner.generate();
  const invoker = await EdDSASigner.generate();
  const exp = now() + 600;
  const root = await Delegation.create({ iss: owner, aud: bob.did, sub: owner.did, cmd: '/mcp', pol: [], exp });
  const hop = await Delegation.create({ iss: bob, aud: invoker.did, sub: owner.did, cmd: '/mcp/tools', pol: [['==', '.tool', 'echo']] as never, exp });
  return { owner, bob, invoker, root, hop, exp };
}

test("iso-ucan's two-hop invocation (rc.1 tags, prf root first, aud set to the subject) validates in Signet", async () => {
  const { owner, invoker, root, hop, exp } = await isoChain();
  const invocation = await Invocation.create({ iss: invoker, sub: owner.did, cmd: '/mcp/tools/call', args: { tool: 'echo' }, prf: [root, hop], exp, verifierResolver });
  const result = validateInvocation(invocation.bytes, [root.bytes, hop.bytes], { now: now() });
  if (!result.ok) assert.fail(`${result.error.name}: ${result.error.message}`);
  assert.equal(result.proofOrder, 'root-first');
  assert.deepEqual(result.chain.map((link) => link.cid), [root.cid.toString(), hop.cid.toString()]);
  // The same CIDs on both sides: both hash the same envelope bytes.
  assert.equal(result.cid, invocation.cid.toString());
});

test('a delegation of /mcp/tool covers /mcp/tools/call in iso-ucan (string prefix) but not in Signet (whole segments, as the spec says)', async () => {
  const owner = await EdDSASigner.generate();
  const invoker = await EdDSASigner.generate();
  const exp = now() + 600;
  const root = await Delegation.create({ iss: owner, aud: invoker.did, sub: owner.did, cmd: '/mcp/tool', pol: [], exp });
  const invocation = await Invocation.create({ iss: invoker, sub: owner.did, cmd: '/mcp/tools/call', args: {}, prf: [root], exp, verifierResolver });
  const result = validateInvocation(invocation.bytes, [root.bytes], { now: now() });
  assert.equal(result.ok, false);
  if (!result.ok) assert.equal(result.error.name, 'InvalidClaim');
});

test("iso-ucan's self-issued invocation (no proofs) validates in Signet", async () => {
  const owner = await EdDSASigner.generate();
  const invocation = await Invocation.create({ iss: owner, sub: owner.did, cmd: '/mcp/tools/call', args: {}, prf: [], exp: now() + 60, verifierResolver });
  const result = validateInvocation(invocation.bytes, [], { now: now() });
  if (!result.ok) assert.fail(`${result.error.name}: ${result.error.message}`);
  assert.deepEqual(result.chain, []);
});

function signetChain() {
  const user = Ed25519Signer.generate();
  const planner = Ed25519Signer.generate();
  const coder = Ed25519Signer.generate();
  const exp = now() + 600;
  const nonce = () => new Uint8Array(12).map(() => Math.floor(Math.random() * 256));
  const root = encodeDelegationWith({ iss: user.did, aud: planner.did, sub: user.did, cmd: '/mcp', pol: [], nonce: nonce(), exp }, user);
  const hop = encodeDelegationWith({ iss: planner.did, aud: coder.did, sub: user.did, cmd: '/mcp/tools', pol: [['==', '.tool', 'echo']], nonce: nonce(), exp }, planner);
  const invoke = (prf: Uint8Array[]) =>
    encodeInvocationWith({ iss: coder.did, sub: user.did, cmd: '/mcp/tools/call', args: { tool: 'echo' }, prf: prf.map(cidOf), nonce: nonce(), exp: now() + 60 }, coder);
  return { user, root, hop, invoke };
}

async function isoValidate(invocation: Uint8Array, proofs: Uint8Array[]) {
  const byCid = new Map<string, Uint8Array>(proofs.map((bytes) => [cidOf(bytes), bytes]));
  return Invocation.from({
    bytes: invocation,
    verifierResolver,
    resolveProof: async (cid) => {
      const bytes = byCid.get(cid.toString());
      if (!bytes) throw new Error(`no proof ${cid.toString()}`);
      return Delegation.from({ bytes, verifierResolver });
    },
  });
}

test("Signet's two-hop invocation (1.0.0 tags, prf root first) validates in iso-ucan", async () => {
  const { root, hop, invoke } = signetChain();
  const invocation = await isoValidate(invoke([root, hop]), [root, hop]);
  assert.deepEqual(invocation.delegations.map((d) => d.cid.toString()), [cidOf(root), cidOf(hop)]);
});

test("Signet's former leaf-first order is refused by iso-ucan, which is why Signet now signs root first", async () => {
  const { root, hop, invoke } = signetChain();
  await assert.rejects(isoValidate(invoke([hop, root]), [root, hop]), /root proof is not self-signed|alignment/);
  // Signet itself still accepts it for one release.
  const result = validateInvocation(invoke([hop, root]), [root, hop], { now: now() });
  assert.equal(result.ok && result.proofOrder, 'leaf-first');
});
