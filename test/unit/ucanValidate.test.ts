// Invocation and proof-chain validation: every error name, each produced by a real token built for it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { encode } from '@ipld/dag-cbor';
import {
  Ed25519Signer,
  cidOf,
  encodeDelegationWith,
  encodeInvocationWith,
  validateInvocation,
  type DelegationPayload,
  type InvocationPayload,
  type ValidateOptions,
  type ValidationResult,
} from '../../daemon/src/ucan/index';

const now = 1_800_000_000;

// alice is the subject (the user, root of every chain); dan is the agent that invokes.
const alice = Ed25519Signer.generate();
const bob = Ed25519Signer.generate();
const carol = Ed25519Signer.generate();
const dan = Ed25519Signer.generate();
const mallory = Ed25519Signer.generate();

const args = { tool: 'write_file', path: '/ws/src/a.ts', paths: ['/ws/src/a.ts'] };

function delegate(from: Ed25519Signer, to: Ed25519Signer, change: Partial<DelegationPayload> = {}): Uint8Array {
  return encodeDelegationWith(
    { iss: from.did, aud: to.did, sub: alice.did, cmd: '/mcp', pol: [], nonce: new Uint8Array(randomBytes(12)), exp: now + 3600, ...change },
    from,
  );
}

function invoke(by: Ed25519Signer, proofs: Uint8Array[], change: Partial<InvocationPayload> = {}): Uint8Array {
  return encodeInvocationWith(
    {
      iss: by.did,
      sub: alice.did,
      cmd: '/mcp/tools/call',
      args,
      prf: proofs.map(cidOf),
      nonce: new Uint8Array(randomBytes(12)),
      exp: now + 60,
      ...change,
    },
    by,
  );
}

interface Chain {
  root: Uint8Array;
  middle: Uint8Array;
  leaf: Uint8Array;
  /** In `prf` order: the root first, the delegation to the invoker last. */
  proofs: Uint8Array[];
}

/** alice → bob → carol → dan, each hop changeable. */
function chain(change: { root?: Partial<DelegationPayload>; middle?: Partial<DelegationPayload>; leaf?: Partial<DelegationPayload> } = {}): Chain {
  const root = delegate(alice, bob, change.root);
  const middle = delegate(bob, carol, change.middle);
  const leaf = delegate(carol, dan, change.leaf);
  return { root, middle, leaf, proofs: [root, middle, leaf] };
}

function expectFailure(result: ValidationResult, name: string, message?: RegExp): void {
  assert.equal(result.ok, false, 'expected the invocation to be refused');
  if (result.ok) return;
  assert.equal(result.error.name, name, result.error.message);
  if (message) assert.match(result.error.message, message);
}

function expectSuccess(result: ValidationResult): Extract<ValidationResult, { ok: true }> {
  if (!result.ok) assert.fail(`expected success, got ${result.error.name}: ${result.error.message}`);
  return result;
}

const opts: ValidateOptions = { now };

/** Signs a delegation payload with any key, bypassing the library's issuer check, as an impostor would. */
function forgeDelegation(signer: Ed25519Signer, payload: DelegationPayload): Uint8Array {
  const signed = encode({ h: Uint8Array.of(0x34, 0x01, 0xed, 0x01, 0xed, 0x01, 0x13, 0x71), 'ucan/dlg@1.0.0': payload });
  return Uint8Array.from([0x82, 0x58, 0x40, ...signer.sign(signed), ...signed]);
}

test('a three-hop chain from the subject to the invoker validates and reports the chain in prf order', () => {
  const c = chain();
  const invocation = invoke(dan, c.proofs);
  const result = expectSuccess(validateInvocation(invocation, c.proofs, opts));
  assert.deepEqual(
    result.chain.map((link) => link.cid),
    [cidOf(c.root), cidOf(c.middle), cidOf(c.leaf)],
  );
  assert.deepEqual(
    result.chain.map((link) => [link.payload.iss, link.payload.aud]),
    [
      [alice.did, bob.did],
      [bob.did, carol.did],
      [carol.did, dan.did],
    ],
  );
  assert.equal(result.proofOrder, 'root-first');
  assert.equal(result.invocation.iss, dan.did);
  assert.deepEqual(result.invocation.args, args);
  assert.equal(result.cid, cidOf(invocation));
});

test('proofs are matched to prf by CID, whatever order they are supplied in, and extra proofs are ignored', () => {
  const c = chain();
  const unrelated = delegate(alice, mallory);
  const result = validateInvocation(invoke(dan, c.proofs), [unrelated, c.root, c.leaf, c.middle], opts);
  expectSuccess(result);
});

test('a single delegation from the subject to the invoker is a valid chain', () => {
  const only = delegate(alice, dan);
  expectSuccess(validateInvocation(invoke(dan, [only]), [only], opts));
});

test('an invocation without proofs is an InvalidClaim when its invoker is not its subject', () => {
  expectFailure(validateInvocation(invoke(dan, []), [], opts), 'InvalidClaim', /no proofs/);
});

test('a self-issued invocation (its invoker is its subject) needs no proofs and validates with prf empty', () => {
  const result = expectSuccess(validateInvocation(invoke(alice, []), [], opts));
  assert.deepEqual(result.chain, []);
  assert.equal(result.invocation.iss, alice.did);
});

test('a proof listed in prf but not supplied is an UnavailableProof naming its CID', () => {
  const c = chain();
  const result = validateInvocation(invoke(dan, c.proofs), [c.leaf, c.root], opts);
  expectFailure(result, 'UnavailableProof', new RegExp(`prf\\[1\\] ${cidOf(c.middle)}`));
});

test('a proof whose signature was altered is an InvalidSignature', () => {
  const c = chain();
  const tampered = Uint8Array.from(c.middle);
  tampered[20] = tampered[20]! ^ 0x80;
  const proofs = [c.leaf, tampered, c.root];
  expectFailure(validateInvocation(invoke(dan, proofs), proofs, opts), 'InvalidSignature', /prf\[1\]/);
});

test('a delegation that claims bob as issuer but was signed by mallory is an InvalidSignature', () => {
  const c = chain();
  const forged = forgeDelegation(mallory, {
    iss: bob.did,
    aud: carol.did,
    sub: alice.did,
    cmd: '/',
    pol: [],
    nonce: new Uint8Array(4),
    exp: null,
  });
  const proofs = [c.leaf, forged, c.root];
  expectFailure(validateInvocation(invoke(dan, proofs), proofs, opts), 'InvalidSignature', new RegExp(`signature by ${bob.did}`));
});

test('an invocation whose own signature was altered is an InvalidSignature', () => {
  const c = chain();
  const invocation = invoke(dan, c.proofs);
  invocation[5] = invocation[5]! ^ 0x01;
  expectFailure(validateInvocation(invocation, c.proofs, opts), 'InvalidSignature', /invocation's signature/);
});

test('an invoker who is not the audience of the first proof is an InvalidAudience', () => {
  const c = chain();
  expectFailure(validateInvocation(invoke(mallory, c.proofs), c.proofs, opts), 'InvalidAudience', /not to the invoker/);
});

test('proofs listed leaf first (the order Signet signed in before) still validate through the 0.1 releases, and say so', () => {
  const c = chain();
  const leafFirst = [...c.proofs].reverse();
  const result = expectSuccess(validateInvocation(invoke(dan, leafFirst), leafFirst, opts));
  assert.equal(result.proofOrder, 'leaf-first');
  assert.deepEqual(result.chain.map((link) => link.cid), c.proofs.map(cidOf), 'the chain is reported root first either way');
});

test('proofs in neither order, or leaf first with a broken link, are an InvalidAudience naming the root-first problem', () => {
  const c = chain();
  const shuffled = [c.middle, c.root, c.leaf];
  expectFailure(validateInvocation(invoke(dan, shuffled), shuffled, opts), 'InvalidAudience', /prf\[0\]/);
  const broken = [delegate(carol, dan), delegate(bob, mallory), delegate(alice, bob)];
  expectFailure(validateInvocation(invoke(dan, broken), broken, opts), 'InvalidAudience');
});

test('a broken link in the middle of the chain is an InvalidAudience', () => {
  const root = delegate(alice, bob);
  const middle = delegate(bob, mallory);
  const leaf = delegate(carol, dan);
  const proofs = [root, middle, leaf];
  expectFailure(validateInvocation(invoke(dan, proofs), proofs, opts), 'InvalidAudience', /prf\[1\].*issued by/);
});

test('an invocation addressed to an executor (aud other than its subject) validates, and an executor that names itself refuses one addressed elsewhere', () => {
  const c = chain();
  const toMallory = invoke(dan, c.proofs, { aud: mallory.did });
  expectSuccess(validateInvocation(toMallory, c.proofs, opts));
  expectSuccess(validateInvocation(toMallory, c.proofs, { ...opts, executor: mallory.did }));
  expectFailure(validateInvocation(toMallory, c.proofs, { ...opts, executor: bob.did }), 'InvalidAudience', /addressed to/);
  expectSuccess(validateInvocation(invoke(dan, c.proofs, { aud: alice.did }), c.proofs, { ...opts, executor: bob.did }));
  expectSuccess(validateInvocation(invoke(dan, c.proofs), c.proofs, { ...opts, executor: bob.did }));
});

test('a root delegation not issued by its subject is an InvalidSubject', () => {
  // bob claims to delegate alice's authority without any proof from alice.
  const root = delegate(bob, carol);
  const leaf = delegate(carol, dan);
  const proofs = [root, leaf];
  expectFailure(validateInvocation(invoke(dan, proofs), proofs, opts), 'InvalidSubject', /not by its subject/);
});

test('a delegation about another subject inside the chain is an InvalidSubject', () => {
  const c = chain({ middle: { sub: mallory.did } });
  expectFailure(validateInvocation(invoke(dan, c.proofs), c.proofs, opts), 'InvalidSubject', /is about/);
});

test('an invocation about another subject than its chain is an InvalidSubject', () => {
  const c = chain();
  expectFailure(validateInvocation(invoke(dan, c.proofs, { sub: bob.did }), c.proofs, opts), 'InvalidSubject', /proofs are about/);
});

test('a powerline (sub null) is accepted below the root, standing for the subject before it, and is an InvalidClaim as the root', () => {
  const c = chain({ middle: { sub: null }, leaf: { sub: null } });
  expectSuccess(validateInvocation(invoke(dan, c.proofs), c.proofs, opts));
  const rootless = chain({ root: { sub: null } });
  expectFailure(validateInvocation(invoke(dan, rootless.proofs), rootless.proofs, opts), 'InvalidClaim', /powerline/);
  // A powerline does not let the invocation name another subject than the chain's root.
  expectFailure(validateInvocation(invoke(dan, c.proofs, { sub: mallory.did }), c.proofs, opts), 'InvalidSubject');
  // Nor does it lift a restriction: its command and policy still apply.
  const narrow = chain({ middle: { sub: null, cmd: '/mcp/resources' } });
  expectFailure(validateInvocation(invoke(dan, narrow.proofs), narrow.proofs, opts), 'InvalidClaim', /does not cover/);
});

test('checks run in the spec order: an expired proof is Expired even when the chain is also misaligned or badly signed', () => {
  const c = chain({ middle: { exp: now - 3600 } });
  const misaligned = [c.root, c.middle, delegate(carol, mallory)];
  expectFailure(validateInvocation(invoke(dan, misaligned), misaligned, opts), 'Expired');
  const tampered = new Uint8Array(c.middle);
  tampered[10] = tampered[10]! ^ 1;
  const proofs = [c.root, tampered, c.leaf];
  expectFailure(validateInvocation(invoke(dan, proofs), proofs, opts), 'Expired');
});

test('a signature of the wrong length is an InvalidSignature, not a malformed token', () => {
  const only = delegate(alice, dan);
  const token = invoke(dan, [only]);
  // The envelope [signature, payload] with a 3-byte signature instead of 64.
  const short = new Uint8Array([0x82, 0x43, 1, 2, 3, ...token.subarray(67)]);
  expectFailure(validateInvocation(short, [only], opts), 'InvalidSignature', /64 bytes/);
  const shortProof = new Uint8Array([0x82, 0x43, 1, 2, 3, ...only.subarray(67)]);
  const proofs = [shortProof];
  expectFailure(validateInvocation(invoke(dan, proofs), proofs, opts), 'InvalidSignature', /64 bytes/);
});

test('an expired delegation is Expired, unless within the clock-skew allowance', () => {
  const c = chain({ middle: { exp: now - 30 } });
  const invocation = invoke(dan, c.proofs);
  expectSuccess(validateInvocation(invocation, c.proofs, opts));
  expectFailure(validateInvocation(invocation, c.proofs, { now, clockSkewSeconds: 0 }), 'Expired', new RegExp(`prf\\[1\\] ${cidOf(c.middle)}.*expired at`));
  expectFailure(validateInvocation(invocation, c.proofs, { now: now + 61 }), 'Expired');
});

test('a delegation that never expires (exp null) stays valid', () => {
  const forever = delegate(alice, dan, { exp: null });
  expectSuccess(validateInvocation(invoke(dan, [forever], { exp: null }), [forever], { now: now + 10 * 365 * 86400 }));
});

test('an expired invocation is Expired', () => {
  const c = chain();
  expectFailure(validateInvocation(invoke(dan, c.proofs, { exp: now - 120 }), c.proofs, opts), 'Expired', /the invocation expired/);
});

test('a delegation not yet valid is TooEarly, unless within the clock-skew allowance', () => {
  const soon = chain({ leaf: { nbf: now + 30 } });
  const invocation = invoke(dan, soon.proofs);
  expectSuccess(validateInvocation(invocation, soon.proofs, opts));
  expectFailure(validateInvocation(invocation, soon.proofs, { now, clockSkewSeconds: 0 }), 'TooEarly', /not valid before/);
  const later = chain({ root: { nbf: now + 3000 } });
  expectFailure(validateInvocation(invoke(dan, later.proofs), later.proofs, opts), 'TooEarly', /prf\[0\]/);
});

test('an invocation that claims to be issued in the future is TooEarly', () => {
  const c = chain();
  expectFailure(validateInvocation(invoke(dan, c.proofs, { iat: now + 600 }), c.proofs, opts), 'TooEarly', /in the future/);
  expectSuccess(validateInvocation(invoke(dan, c.proofs, { iat: now - 5 }), c.proofs, opts));
});

test('a delegation whose command does not cover the invoked command is an InvalidClaim', () => {
  const narrow = chain({ middle: { cmd: '/mcp/resources' } });
  expectFailure(validateInvocation(invoke(dan, narrow.proofs), narrow.proofs, opts), 'InvalidClaim', /\/mcp\/resources, which does not cover \/mcp\/tools\/call/);
  const prefixOnly = chain({ leaf: { cmd: '/mc' } });
  expectFailure(validateInvocation(invoke(dan, prefixOnly.proofs), prefixOnly.proofs, opts), 'InvalidClaim', /does not cover/);
  const top = chain({ root: { cmd: '/' }, leaf: { cmd: '/mcp/tools/call' } });
  expectSuccess(validateInvocation(invoke(dan, top.proofs), top.proofs, opts));
});

test('a policy anywhere in the chain that the arguments fail is a MatchError naming the delegation', () => {
  const c = chain({
    root: { pol: [['like', '.path', '/ws/*']] },
    middle: { pol: [['==', '.tool', 'read_file']] },
    leaf: { pol: [['all', '.paths', ['like', '.', '/ws/src/*']]] },
  });
  const result = validateInvocation(invoke(dan, c.proofs), c.proofs, opts);
  expectFailure(result, 'MatchError', new RegExp(`${cidOf(c.middle)}.*pol\\[0\\] \\["==",".tool","read_file"\\]`));

  const passing = chain({
    root: { pol: [['like', '.path', '/ws/*']] },
    middle: { pol: [['==', '.tool', 'write_file']] },
    leaf: { pol: [['all', '.paths', ['like', '.', '/ws/src/*']]] },
  });
  expectSuccess(validateInvocation(invoke(dan, passing.proofs), passing.proofs, opts));
  const outside = invoke(dan, passing.proofs, { args: { ...args, paths: ['/ws/src/a.ts', '/etc/passwd'] } });
  expectFailure(validateInvocation(outside, passing.proofs, opts), 'MatchError', new RegExp(cidOf(passing.leaf)));
});

test('a revoked delegation is an InvalidClaim naming its CID', () => {
  const c = chain();
  const revoked = new Set([cidOf(c.middle)]);
  const result = validateInvocation(invoke(dan, c.proofs), c.proofs, { now, isRevoked: (cid) => revoked.has(cid) });
  expectFailure(result, 'InvalidClaim', new RegExp(`${cidOf(c.middle)} \\(prf\\[1\\]\\) has been revoked`));
});

test('a replayed nonce is refused, and a refused invocation does not use up its nonce', () => {
  const seen = new Set<string>();
  const calls: string[] = [];
  const nonceSeen = (iss: string, nonce: Uint8Array): boolean => {
    const key = `${iss} ${Buffer.from(nonce).toString('hex')}`;
    calls.push(key);
    if (seen.has(key)) return true;
    seen.add(key);
    return false;
  };
  const c = chain();
  const nonce = new Uint8Array(12).fill(7);

  const expired = invoke(dan, c.proofs, { nonce, exp: now - 3600 });
  expectFailure(validateInvocation(expired, c.proofs, { now, nonceSeen }), 'Expired');
  assert.equal(calls.length, 0);

  const first = invoke(dan, c.proofs, { nonce });
  expectSuccess(validateInvocation(first, c.proofs, { now, nonceSeen }));
  expectFailure(validateInvocation(first, c.proofs, { now, nonceSeen }), 'InvalidClaim', /replayed nonce/);
  const sameNonceNewToken = invoke(dan, c.proofs, { nonce, args: { ...args, path: '/ws/src/b.ts' } });
  expectFailure(validateInvocation(sameNonceNewToken, c.proofs, { now, nonceSeen }), 'InvalidClaim', /replayed nonce/);
  expectSuccess(validateInvocation(invoke(dan, c.proofs), c.proofs, { now, nonceSeen }));
});

test('verified delegations are cached by CID, and a cached proof is not decoded or verified again', () => {
  const c = chain();
  const verifiedDelegations = new Map<string, DelegationPayload>();
  expectSuccess(validateInvocation(invoke(dan, c.proofs), c.proofs, { now, verifiedDelegations }));
  assert.deepEqual([...verifiedDelegations.keys()].sort(), c.proofs.map(cidOf).sort());
  assert.equal(verifiedDelegations.get(cidOf(c.root))?.iss, alice.did);

  // Bytes whose signature no longer verifies pass once their CID is in the cache: the cache is trusted, which is
  // what makes a warm validation cost one signature check.
  const tampered = Uint8Array.from(c.middle);
  tampered[20] = tampered[20]! ^ 0x80;
  const proofs = [c.leaf, tampered, c.root];
  const invocation = invoke(dan, proofs);
  expectFailure(validateInvocation(invocation, proofs, { now, verifiedDelegations }), 'InvalidSignature');
  verifiedDelegations.set(cidOf(tampered), verifiedDelegations.get(cidOf(c.middle))!);
  expectSuccess(validateInvocation(invocation, proofs, { now, verifiedDelegations }));

  // Revocation still applies to cached delegations.
  expectFailure(
    validateInvocation(invoke(dan, c.proofs), c.proofs, { now, verifiedDelegations, isRevoked: (cid) => cid === cidOf(c.root) }),
    'InvalidClaim',
    /revoked/,
  );
});

test('malformed invocations and proofs give errors, never exceptions', () => {
  const c = chain();
  const invocation = invoke(dan, c.proofs);
  for (let length = 0; length < invocation.length; length++) {
    const result = validateInvocation(invocation.subarray(0, length), c.proofs, opts);
    expectFailure(result, 'InvalidClaim');
  }
  expectFailure(validateInvocation(c.leaf, c.proofs, opts), 'InvalidClaim', /it is a delegation/);
  expectFailure(validateInvocation(new Uint8Array(randomBytes(200)), c.proofs, opts), 'InvalidClaim');

  // An invocation listed as a proof is not a delegation.
  const other = invoke(dan, c.proofs);
  const proofs = [other, c.middle, c.root];
  expectFailure(validateInvocation(invoke(dan, proofs), proofs, opts), 'InvalidClaim', /prf\[0\].*it is an invocation/);

  // Garbage among the supplied proofs is ignored; the real ones still match by CID.
  expectSuccess(validateInvocation(invocation, [new Uint8Array(3), 'x' as unknown as Uint8Array, ...c.proofs], opts));
});

test('validation without a current time is a programming error', () => {
  const c = chain();
  assert.throws(() => validateInvocation(invoke(dan, c.proofs), c.proofs, {} as ValidateOptions), /opts.now/);
  assert.throws(() => validateInvocation(invoke(dan, c.proofs), c.proofs, { now, clockSkewSeconds: -1 }), /clockSkewSeconds/);
});
