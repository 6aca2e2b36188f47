// The UCAN envelope: the reference fixture round-trips byte for byte, payload shapes are enforced both ways, and
// hostile bytes (random, truncated, mutated, non-canonical) are errors, never crashes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, encode } from '@ipld/dag-cbor';
import { CID } from 'multiformats/cid';
import { identity } from 'multiformats/hashes/identity';
import { sha256 } from 'multiformats/hashes/sha2';
import {
  Ed25519Signer,
  UcanError,
  cidOf,
  decodeDelegation,
  decodeInvocation,
  encodeDelegation,
  encodeDelegationWith,
  encodeInvocationWith,
  type DelegationPayload,
  type InvocationPayload,
} from '../../daemon/src/ucan/index';
import { cidToString } from '../../daemon/src/ucan/cid';
import { prng } from '../support/prng';

// ../shared/reference/ucan/fixture-delegation.json, "basic delegation bob > carol", copied verbatim.
const fixture = {
  principals: {
    carol: 'gCZC43QGw7ZvYQuKTtBwBy+tdjYrKf0hXU3dd+J0HON5dw==',
    bob: 'gCZfj9+RzU2U518TMBNK/fjdGQz34sB4iKE6z+9lQDpCIQ==',
    alice: 'gCa9UfZv+yI5/rvUIt21DaGI7EZJlzFO1uDc5AyJ30c6/w==',
  },
  token:
    'glhAjm4YpBUWgEVmBWSotkY7bjWxj9AJLs9NfQykfoF2LhKZ76lQH0B720Qq0/YxNu+dKuQLEzlfJvmYRnZGgI7dA6JhaEg0Ae0B7QETcW51Y2FuL2RsZ0AxLjAuMKdjYXVkeDhkaWQ6a2V5Ono2TWttSmNlVm9RU0hzNDVjUmVFWG9MdFdtMXdvc0NHOFJMeGZLd2h4b3F6b1RrQ2NjbWRoL2FjY291bnRjZXhwGmiCDLFjaXNzeDhkaWQ6a2V5Ono2TWttVDlqNmZWWnF6WFY4dTJ3VlZTdTQ5Z1lTUllHU1FuZHVXWEY2Zm9BSnJxemNwb2yAY3N1Yng4ZGlkOmtleTp6Nk1rbVQ5ajZmVlpxelhWOHUyd1ZWU3U0OWdZU1JZR1NRbmR1V1hGNmZvQUpycXplbm9uY2VMJ20r9pHkJ/yoNirD',
  cid: 'bafyreigyftnzjf4rcu7glp5kfop53vqlopc3zcldauoqdxqlz7t4343gr4',
  payload: {
    iss: 'did:key:z6MkmT9j6fVZqzXV8u2wVVSu49gYSRYGSQnduWXF6foAJrqz',
    aud: 'did:key:z6MkmJceVoQSHs45cReEXoLtWm1wosCG8RLxfKwhxoqzoTkC',
    sub: 'did:key:z6MkmT9j6fVZqzXV8u2wVVSu49gYSRYGSQnduWXF6foAJrqz',
    cmd: '/account',
    pol: [],
    exp: 1753353393,
    nonce: 'J20r9pHkJ/yoNirD',
  },
  signature: 'jm4YpBUWgEVmBWSotkY7bjWxj9AJLs9NfQykfoF2LhKZ76lQH0B720Qq0/YxNu+dKuQLEzlfJvmYRnZGgI7dAw==',
};

function fromBase64(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

// Principals' keys are base64(varint(0x1300) ‖ private key); 0x1300 is the two bytes 0x80 0x26.
function seedOf(encoded: string): Uint8Array {
  const bytes = fromBase64(encoded);
  assert.deepEqual([...bytes.subarray(0, 2)], [0x80, 0x26]);
  return bytes.slice(2);
}

const fixtureToken = fromBase64(fixture.token);
const bob = Ed25519Signer.fromSeed(seedOf(fixture.principals.bob));
const carol = Ed25519Signer.fromSeed(seedOf(fixture.principals.carol));
const alice = Ed25519Signer.fromSeed(seedOf(fixture.principals.alice));

const fixturePayload: DelegationPayload = {
  ...fixture.payload,
  nonce: fromBase64(fixture.payload.nonce),
};

/** Signs any SigPayload map the way a (possibly hostile) issuer could, bypassing the library's checks. */
function signRaw(signer: Ed25519Signer, sigPayload: unknown, signedBytes?: Uint8Array): Uint8Array {
  const signed = signedBytes ?? encode(sigPayload);
  const signature = signer.sign(signed);
  return Uint8Array.from([0x82, 0x58, 0x40, ...signature, ...signed]);
}

const header = Uint8Array.of(0x34, 0x01, 0xed, 0x01, 0xed, 0x01, 0x13, 0x71);

function rawDelegation(signer: Ed25519Signer, payload: Record<string, unknown>): Uint8Array {
  return signRaw(signer, { h: header, 'ucan/dlg@1.0.0': payload });
}

function expectUcanError(run: () => unknown, name: string, message?: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof UcanError, `expected a UcanError, got ${String(error)}`);
    assert.equal(error.name, name, error.message);
    if (message) assert.match(error.message, message);
    return true;
  });
}

function randomBytes(next: () => number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(next() * 256);
  return out;
}

test('the reference fixture token decodes to the fixture payload and signature', () => {
  const { payload, signature } = decodeDelegation(fixtureToken);
  assert.deepEqual(payload, fixturePayload);
  assert.deepEqual(signature, fromBase64(fixture.signature));
});

test('a decoded signature is a plain copy, even from a Buffer token that is changed afterwards', () => {
  const token = Buffer.from(fixtureToken);
  const { signature } = decodeDelegation(token);
  assert.equal(Object.getPrototypeOf(signature), Uint8Array.prototype);
  token.fill(0);
  assert.deepEqual(signature, fromBase64(fixture.signature));
});

test('the reference fixture token has the fixture CID, a base32 CIDv1 of dag-cbor and sha2-256', () => {
  assert.equal(cidOf(fixtureToken), fixture.cid);
  const cid = CID.parse(cidOf(fixtureToken));
  assert.equal(cid.version, 1);
  assert.equal(cid.code, 0x71);
  assert.equal(cid.multihash.code, 0x12);
  assert.match(cidOf(fixtureToken), /^bafyrei/);
});

test('re-signing the fixture payload with the fixture key gives the same bytes and CID', () => {
  const token = encodeDelegation(fixturePayload, seedOf(fixture.principals.bob));
  assert.deepEqual(token, fixtureToken);
  assert.equal(cidOf(token), fixture.cid);
  assert.deepEqual(encodeDelegationWith(fixturePayload, bob), fixtureToken);
});

test('the fixture envelope carries the Ed25519 + DAG-CBOR varsig header and the dlg tag', () => {
  const [signature, sigPayload] = decode(fixtureToken) as [Uint8Array, Record<string, unknown>];
  assert.equal(signature.length, 64);
  assert.deepEqual(Object.keys(sigPayload).sort(), ['h', 'ucan/dlg@1.0.0']);
  assert.deepEqual(sigPayload.h, header);
});

test('a delegation with nbf, meta and a powerline subject round-trips, and absent fields stay absent', () => {
  const payload: DelegationPayload = {
    iss: carol.did,
    aud: alice.did,
    sub: null,
    cmd: '/crud/read',
    pol: [['like', '.path', '/home/*'], ['any', '.tags', ['==', '.', 'x']]],
    nonce: new Uint8Array([1, 2, 3]),
    exp: null,
    nbf: 1_700_000_000,
    meta: { note: 'hi', n: [1, { deep: new Uint8Array([9]) }] },
  };
  const token = encodeDelegationWith(payload, carol);
  assert.deepEqual(decodeDelegation(token).payload, payload);

  const minimal: DelegationPayload = { iss: carol.did, aud: alice.did, sub: carol.did, cmd: '/', pol: [], nonce: new Uint8Array(0), exp: 5 };
  const minimalToken = encodeDelegationWith({ ...minimal, nbf: undefined, meta: undefined }, carol);
  const wire = (decode(minimalToken) as [Uint8Array, Record<string, Record<string, unknown>>])[1]['ucan/dlg@1.0.0']!;
  assert.deepEqual(Object.keys(wire).sort(), ['aud', 'cmd', 'exp', 'iss', 'nonce', 'pol', 'sub']);
  assert.deepEqual(decodeDelegation(minimalToken).payload, minimal);
});

test('an invocation round-trips with prf and cause as CID links (tag 42)', () => {
  const payload: InvocationPayload = {
    iss: carol.did,
    sub: bob.did,
    aud: bob.did,
    cmd: '/account/read',
    args: { path: 'a.txt', n: 3, list: [true, null], bytes: new Uint8Array([7]) },
    prf: [fixture.cid],
    nonce: new Uint8Array(12).fill(4),
    exp: 1_900_000_000,
    iat: 1_800_000_000,
    meta: { tool: 'write_file' },
    cause: fixture.cid,
  };
  const token = encodeInvocationWith(payload, carol);
  assert.deepEqual(decodeInvocation(token).payload, payload);
  const wire = (decode(token) as [Uint8Array, Record<string, Record<string, unknown>>])[1]['ucan/inv@1.0.0']!;
  const prf = wire.prf as unknown[];
  assert.ok(prf[0] instanceof CID);
  assert.ok(wire.cause instanceof CID);
  assert.equal(String(prf[0]), fixture.cid);
});

test('a token is signed by its issuer: signing with another key is refused', () => {
  expectUcanError(() => encodeDelegationWith(fixturePayload, carol), 'InvalidClaim', /signing key is did:key:z6MkmJce/);
  expectUcanError(
    () => encodeInvocationWith({ iss: bob.did, sub: bob.did, cmd: '/', args: {}, prf: [], nonce: new Uint8Array(1), exp: null }, alice),
    'InvalidClaim',
    /signed by its issuer/,
  );
});

test('an altered signature or an altered payload byte is an InvalidSignature', () => {
  const badSignature = Uint8Array.from(fixtureToken);
  badSignature[10] = badSignature[10]! ^ 0x01;
  expectUcanError(() => decodeDelegation(badSignature), 'InvalidSignature', /signature by did:key:z6MkmT9j/);

  // "/account" → "/accounu": still a valid payload, no longer what bob signed.
  const badPayload = Uint8Array.from(fixtureToken);
  const at = Buffer.from(badPayload).indexOf('/account');
  badPayload[at + 7] = 'u'.charCodeAt(0);
  expectUcanError(() => decodeDelegation(badPayload), 'InvalidSignature');
});

test('a delegation decoder refuses an invocation and the other way round, naming what it got', () => {
  const invocation = encodeInvocationWith({ iss: bob.did, sub: bob.did, cmd: '/', args: {}, prf: [], nonce: new Uint8Array(1), exp: null }, bob);
  expectUcanError(() => decodeDelegation(invocation), 'InvalidClaim', /it is an invocation/);
  expectUcanError(() => decodeInvocation(fixtureToken), 'InvalidClaim', /it is a delegation/);
});

test('a token whose signed payload is not canonical DAG-CBOR is refused even though its signature is good', () => {
  // Re-encode the fixture's SigPayload with exp written as a 64-bit float instead of an integer and sign it:
  // the decoder reads the same data, but the bytes are not the canonical ones.
  const signed = fixtureToken.subarray(67);
  const at = Buffer.from(signed).indexOf(Buffer.from([0x1a, 0x68, 0x82, 0x0c, 0xb1]));
  assert.ok(at > 0);
  const float = Buffer.alloc(9);
  float[0] = 0xfb;
  float.writeDoubleBE(1753353393, 1);
  const nonCanonical = Uint8Array.from([...signed.subarray(0, at), ...float, ...signed.subarray(at + 5)]);
  assert.deepEqual(decode(nonCanonical), decode(signed));
  expectUcanError(() => decodeDelegation(signRaw(bob, null, nonCanonical)), 'InvalidClaim', /not canonical/);

  // The same SigPayload with its two keys in the wrong order ("h" is shorter, so it sorts first).
  const sigPayload = decode(signed) as Record<string, unknown>;
  const swapped = Uint8Array.from([
    0xa2,
    ...encode('ucan/dlg@1.0.0'),
    ...encode(sigPayload['ucan/dlg@1.0.0']),
    ...encode('h'),
    ...encode(sigPayload.h),
  ]);
  assert.deepEqual(decode(swapped), sigPayload);
  expectUcanError(() => decodeDelegation(signRaw(bob, null, swapped)), 'InvalidClaim', /not canonical DAG-CBOR: map keys are not sorted/);
});

test('an unknown varsig header or an extra envelope field is refused, and a 1.0 release-candidate tag is read (never written)', () => {
  const payload = { ...fixturePayload };
  const p256Header = Uint8Array.of(0x34, 0x01, 0x12, 0x00, 0x13, 0x71);
  expectUcanError(() => decodeDelegation(signRaw(bob, { h: p256Header, 'ucan/dlg@1.0.0': payload })), 'InvalidClaim', /varsig header/);
  expectUcanError(
    () => decodeDelegation(signRaw(bob, { h: header, 'ucan/dlg@1.0.0': payload, x: 1 })),
    'InvalidClaim',
    /exactly "h" and "ucan\/dlg@1.0.0"/,
  );
  assert.equal(decodeDelegation(signRaw(bob, { h: header, 'ucan/dlg@1.0.0-rc.1': payload })).payload.cmd, payload.cmd);
  expectUcanError(() => decodeDelegation(signRaw(bob, { h: header, 'ucan/dlg@0.9.0': payload })), 'InvalidClaim', /found "ucan\/dlg@0.9.0"/);
  expectUcanError(() => decodeDelegation(signRaw(bob, { h: header, 'ucan/inv@1.0.0-rc.1': payload })), 'InvalidClaim', /it is an invocation/);
  expectUcanError(() => decodeDelegation(signRaw(bob, [header, payload])), 'InvalidClaim', /must be a map/);
});

test('decoding checks every payload field and says which one is wrong', () => {
  const base: Record<string, unknown> = { ...fixturePayload };
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ ...base, extra: 1 }, /unexpected field "extra"/],
    [{ ...base, cmd: '/Account' }, /must be lowercase/],
    [{ ...base, cmd: '/account/' }, /must not end with "\/"/],
    [{ ...base, cmd: 'account' }, /must begin with "\/"/],
    [{ ...base, cmd: '/a//b' }, /empty segment/],
    [{ ...base, exp: 1.5 }, /exp must be an integer/],
    [{ ...base, exp: 2n ** 60n }, /exp must be an integer number of unix seconds within ±\(2\^53 − 1\)/],
    [{ ...base, exp: 'soon' }, /exp must be/],
    [{ ...base, nbf: -(2n ** 53n) }, /nbf must be an integer/],
    [{ ...base, nbf: 1.5 }, /nbf must be an integer/],
    [{ ...base, nonce: 'abc' }, /nonce must be bytes/],
    [{ ...base, aud: 'bob' }, /aud must be a DID/],
    [{ ...base, sub: 'alice' }, /sub must be a DID .*or null for a powerline/],
    [{ ...base, pol: [['match', '.a', 1]] }, /pol is malformed: pol\[0\]: unknown operator "match"/],
    [{ ...base, pol: {} }, /pol is malformed/],
    [{ ...base, meta: [1] }, /meta must be a map/],
  ];
  const { exp: _exp, ...withoutExp } = base;
  cases.push([withoutExp, /exp must be/]);
  const { sub: _sub, ...withoutSub } = base;
  cases.push([withoutSub, /sub must be a DID/]);
  for (const [payload, message] of cases) {
    expectUcanError(() => decodeDelegation(rawDelegation(bob, payload)), 'InvalidClaim', message);
  }
});

test('encoding refuses the same malformed payloads before signing anything', () => {
  const bad: Array<[Partial<Record<keyof DelegationPayload, unknown>>, RegExp]> = [
    [{ cmd: '/Upper' }, /lowercase/],
    [{ exp: 1.25 }, /exp must be an integer/],
    [{ nbf: Number.MAX_SAFE_INTEGER + 1 }, /nbf must be an integer/],
    [{ pol: [['like', '.a', 3]] }, /string pattern/],
    [{ meta: { when: new Date(0) } }, /meta is not IPLD data/],
    [{ meta: { gone: undefined } }, /meta is not IPLD data/],
  ];
  for (const [change, message] of bad) {
    const payload = { ...fixturePayload, ...change } as DelegationPayload;
    expectUcanError(() => encodeDelegationWith(payload, bob), 'InvalidClaim', message);
  }
  expectUcanError(
    () => encodeInvocationWith({ iss: bob.did, sub: bob.did, cmd: '/', args: {}, prf: ['not-a-cid'], nonce: new Uint8Array(1), exp: null }, bob),
    'InvalidClaim',
    /prf\[0\] must be a CID string/,
  );
  expectUcanError(
    () => encodeInvocationWith({ iss: bob.did, sub: bob.did, cmd: '/', args: [] as unknown as Record<string, unknown>, prf: [], nonce: new Uint8Array(1), exp: null }, bob),
    'InvalidClaim',
    /args must be a map/,
  );
});

test('data the encoder would change instead of refusing is refused before signing, naming the field', () => {
  const invocation = (change: Partial<InvocationPayload>): InvocationPayload => ({
    iss: bob.did,
    sub: bob.did,
    cmd: '/a',
    args: {},
    prf: [],
    nonce: new Uint8Array(1),
    exp: null,
    ...change,
  });
  const bad: Array<[Partial<InvocationPayload>, RegExp]> = [
    [{ args: { gone: undefined } }, /args is not IPLD data: undefined is not IPLD data/],
    [{ args: { n: -(2 ** 53) } }, /args is not IPLD data: -9007199254740992 is a whole number beyond 2\^53 − 1 .*use a bigint/],
    [{ args: { n: 1e300 } }, /use a bigint/],
    [{ args: { n: 2n ** 64n } }, /beyond the 64-bit integers/],
    [{ args: { n: -(2n ** 64n) - 1n } }, /beyond the 64-bit integers/],
    [{ args: { n: Number.NaN } }, /not a finite number/],
    [{ args: { text: 'a\ud800b' } }, /args is not IPLD data: the string "a\\ud800b" holds a lone surrogate/],
    [{ args: { ['\udc00']: 1 } }, /the key "\\udc00" holds a lone surrogate/],
    [{ cmd: '/a\ud800' }, /cmd is not IPLD data: .*lone surrogate/],
    [{ meta: { when: new Map() } }, /meta is not IPLD data: a Map object is not IPLD data/],
    [{ args: { f: () => 1 } }, /function is not IPLD data/],
    [{ args: { look: { '/': 'x', bytes: 'x' } } }, /taken for a link/],
  ];
  for (const [change, message] of bad) expectUcanError(() => encodeInvocationWith(invocation(change), bob), 'InvalidClaim', message);

  expectUcanError(
    () => encodeDelegationWith({ ...fixturePayload, pol: [['like', '.path', '\udfff*']] }, bob),
    'InvalidClaim',
    /pol is not IPLD data: .*lone surrogate/,
  );

  // The limits themselves are accepted, and what comes back is what was signed.
  const edges = { big: 2n ** 64n - 1n, low: -(2n ** 64n), safe: Number.MAX_SAFE_INTEGER, pair: '😀', bom: '\ufeffutf-8 text' };
  assert.deepEqual(decodeInvocation(encodeInvocationWith(invocation({ args: edges }), bob)).payload.args, edges);
});

test('a decoded policy is frozen, and a caller\'s policy is checked again at every encode', () => {
  const pol: unknown[] = [['==', '.a', 1], ['all', '.b', ['like', '.', 'x*']]];
  const payload = { ...fixturePayload, pol } as DelegationPayload;
  const decoded = decodeDelegation(encodeDelegationWith(payload, bob)).payload;
  assert.ok(Object.isFrozen(decoded.pol));
  assert.ok(Object.isFrozen(decoded.pol[1]));
  assert.throws(() => (decoded.pol as unknown[]).push(['==', '.c', 2]), TypeError);

  pol.push(['nope']);
  expectUcanError(() => encodeDelegationWith(payload, bob), 'InvalidClaim', /pol\[2\]: unknown operator "nope"/);
});

test('every truncation of a valid envelope is an InvalidClaim error, never a crash', () => {
  for (let length = 0; length < fixtureToken.length; length++) {
    expectUcanError(() => decodeDelegation(fixtureToken.subarray(0, length)), 'InvalidClaim');
  }
  const invocation = encodeInvocationWith(
    { iss: bob.did, sub: bob.did, cmd: '/a', args: { x: [1, 2] }, prf: [fixture.cid], nonce: new Uint8Array(8), exp: null },
    bob,
  );
  for (let length = 0; length < invocation.length; length++) {
    expectUcanError(() => decodeInvocation(invocation.subarray(0, length)), 'InvalidClaim');
  }
});

test('a valid envelope followed by trailing bytes is refused', () => {
  expectUcanError(() => decodeDelegation(Uint8Array.from([...fixtureToken, 0x00])), 'InvalidClaim');
});

test('every single-byte change of a valid envelope is refused', () => {
  for (let i = 0; i < fixtureToken.length; i++) {
    const mutated = Uint8Array.from(fixtureToken);
    mutated[i] = mutated[i]! ^ 0x41;
    assert.throws(() => decodeDelegation(mutated), UcanError, `byte ${i}`);
  }
});

test('random bytes, and random bytes behind a valid envelope prefix, give UcanErrors and never crash', () => {
  const next = prng(0x5eed);
  for (let round = 0; round < 400; round++) {
    const noise = randomBytes(next, Math.floor(next() * 300));
    assert.throws(() => decodeDelegation(noise), UcanError);
    assert.throws(() => decodeInvocation(noise), UcanError);
    const prefixed = Uint8Array.from([0x82, 0x58, 0x40, ...randomBytes(next, 64), 0xa2, ...noise]);
    assert.throws(() => decodeDelegation(prefixed), UcanError);
  }
  assert.throws(() => decodeDelegation('not bytes' as unknown as Uint8Array), UcanError);
  // Deeply nested lists must not overflow the stack into something other than a UcanError.
  const deep = Uint8Array.from([0x82, 0x58, 0x40, ...new Uint8Array(64), ...new Uint8Array(100_000).fill(0x81), 0x00]);
  assert.throws(() => decodeDelegation(deep), UcanError);
});

test('cidOf is stable, differs for different bytes, and refuses non-bytes', () => {
  assert.equal(cidOf(Uint8Array.from(fixtureToken)), cidOf(fixtureToken));
  const other = encodeDelegationWith({ ...fixturePayload, nonce: new Uint8Array([1]) }, bob);
  assert.notEqual(cidOf(other), cidOf(fixtureToken));
  assert.throws(() => cidOf('x' as unknown as Uint8Array), TypeError);
});

test('CID strings are the ones multiformats prints, for random tokens and for links of every length', async () => {
  const next = prng(0xb32);
  for (let round = 0; round < 200; round++) {
    const token = Uint8Array.from({ length: Math.floor(next() * 400) }, () => Math.floor(next() * 256));
    assert.equal(cidOf(token), CID.createV1(0x71, await sha256.digest(token)).toString());
  }
  // Identity digests give CIDs of every length, so base32 ends on each possible remainder of bits.
  for (let length = 0; length < 80; length++) {
    const link = CID.createV1(0x71, identity.digest(Uint8Array.from({ length }, (_, i) => (i * 37 + length) & 0xff)));
    assert.equal(cidToString(link), link.toString(), `digest of ${length} bytes`);
  }
});
