// did:key Ed25519, signing and verification: the small-order and malleability defences in particular.
import assert from 'node:assert/strict';
import { createPublicKey, verify as nodeVerify } from 'node:crypto';
import { test } from 'node:test';
import { inspect } from 'node:util';
import { Point } from '@noble/ed25519';
import { base58btc } from 'multiformats/bases/base58';
import {
  Ed25519Signer,
  didKeyFromPublicKey,
  publicKeyFromDidKey,
  smallOrderPublicKeys,
  verifyEd25519,
} from '../../daemon/src/ucan/index';
import { isCanonicalSignature } from '../../daemon/src/ucan/ed25519Key';

const groupOrder = 2n ** 252n + 27742317777372353535851937790883648493n;

function hex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'hex'));
}

// The reference fixture's "bob": base64(varint(0x1300) ‖ 32-byte private key) and the DID it must give.
const bobSeed = new Uint8Array(Buffer.from('gCZfj9+RzU2U518TMBNK/fjdGQz34sB4iKE6z+9lQDpCIQ==', 'base64')).subarray(2);
const bobDid = 'did:key:z6MkmT9j6fVZqzXV8u2wVVSu49gYSRYGSQnduWXF6foAJrqz';

function didFromMulticodec(prefix: number[], key: Uint8Array): string {
  return `did:key:${base58btc.encode(Uint8Array.from([...prefix, ...key]))}`;
}

function withScalar(signature: Uint8Array, s: bigint): Uint8Array {
  const out = Uint8Array.from(signature);
  let rest = s;
  for (let i = 0; i < 32; i++) {
    out[32 + i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
  return out;
}

function scalarOf(signature: Uint8Array): bigint {
  let s = 0n;
  for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i]!);
  return s;
}

test('a seed from the reference fixture gives the did:key the fixture names', () => {
  const signer = Ed25519Signer.fromSeed(bobSeed);
  assert.equal(signer.did, bobDid);
  assert.equal(didKeyFromPublicKey(signer.publicKey), bobDid);
  assert.deepEqual(publicKeyFromDidKey(bobDid), signer.publicKey);
});

test('a generated signer has a z6Mk did:key and its exported seed recreates it', () => {
  const signer = Ed25519Signer.generate();
  assert.match(signer.did, /^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]+$/);
  assert.equal(Ed25519Signer.fromSeed(signer.exportSeed()).did, signer.did);
  assert.notEqual(Ed25519Signer.generate().did, signer.did);
});

test('a signer never shows its private key when logged or serialised', () => {
  const signer = Ed25519Signer.fromSeed(bobSeed);
  const seedHex = Buffer.from(bobSeed).toString('hex');
  assert.ok(!JSON.stringify(signer).includes(seedHex));
  assert.ok(!JSON.stringify(signer).includes(JSON.stringify(Array.from(bobSeed)).slice(1, 40)));
  // A seed of repeated 0xab would show as "171, 171, 171" wherever inspect printed it.
  const marked = new Uint8Array(32).fill(0xab);
  assert.ok(inspect(marked).includes('171, 171, 171'));
  const shown = inspect(Ed25519Signer.fromSeed(marked), { showHidden: true, depth: 10, maxArrayLength: 1000 });
  assert.ok(shown.includes('did:key:z6Mk'));
  assert.ok(!shown.includes('171, 171, 171'));
  assert.deepEqual(signer.exportSeed(), Uint8Array.from(bobSeed));
});

test('a seed that is not 32 bytes is refused with the expected length in the message', () => {
  assert.throws(() => Ed25519Signer.fromSeed(new Uint8Array(31)), /32 bytes, got 31 bytes/);
  assert.throws(() => Ed25519Signer.fromSeed('seed' as unknown as Uint8Array), /32 bytes/);
});

test('a signature verifies against the signer DID and raw key, and not for another message or key', () => {
  const signer = Ed25519Signer.fromSeed(bobSeed);
  const message = new TextEncoder().encode('hello');
  const signature = signer.sign(message);
  assert.equal(signature.length, 64);
  assert.equal(verifyEd25519(signer.did, message, signature), true);
  assert.equal(verifyEd25519(signer.publicKey, message, signature), true);
  assert.equal(verifyEd25519(signer.did, new TextEncoder().encode('hellO'), signature), false);
  assert.equal(verifyEd25519(Ed25519Signer.generate().did, message, signature), false);
});

test('a non-canonical signature (S + L) of a valid signature is refused', () => {
  const signer = Ed25519Signer.generate();
  const message = new TextEncoder().encode('pay 10');
  const signature = signer.sign(message);
  const malleated = withScalar(signature, scalarOf(signature) + groupOrder);
  assert.ok(scalarOf(malleated) < 2n ** 256n);
  assert.equal(verifyEd25519(signer.did, message, signature), true);
  assert.equal(verifyEd25519(signer.did, message, malleated), false);
  assert.equal(verifyEd25519(signer.did, message, withScalar(signature, groupOrder)), false);
});

test('the signature scalar must be below the group order: L − 1 passes the check, L and S + L do not', () => {
  const signature = Ed25519Signer.generate().sign(new Uint8Array([1]));
  assert.equal(isCanonicalSignature(signature), true);
  assert.equal(isCanonicalSignature(withScalar(signature, groupOrder - 1n)), true);
  assert.equal(isCanonicalSignature(withScalar(signature, groupOrder)), false);
  assert.equal(isCanonicalSignature(withScalar(signature, scalarOf(signature) + groupOrder)), false);
  assert.equal(isCanonicalSignature(withScalar(signature, 2n ** 256n - 1n)), false);
  assert.equal(isCanonicalSignature(signature.subarray(1)), false);
});

test('the small-order list holds exactly points that a curve library classifies as small order', () => {
  for (const encoding of smallOrderPublicKeys) {
    assert.equal(Point.fromBytes(hex(encoding), true).isSmallOrder(), true, encoding);
  }
  assert.equal(Point.fromBytes(Ed25519Signer.generate().publicKey, true).isSmallOrder(), false);
});

test('node:crypto alone accepts the identity key with an identity signature, which is why keys are checked', () => {
  const identity = hex(smallOrderPublicKeys[0]!);
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), identity]);
  const forged = Uint8Array.from([...identity, ...new Uint8Array(32)]);
  const key = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  assert.equal(nodeVerify(null, Buffer.from('anything at all'), key, forged), true);
  assert.equal(verifyEd25519(identity, new TextEncoder().encode('anything at all'), forged), false);
  assert.equal(verifyEd25519(didKeyFromPublicKey(identity), new TextEncoder().encode('anything at all'), forged), false);
});

test('every encoding of a small-order point is refused as a did:key and never verifies', () => {
  assert.equal(smallOrderPublicKeys.length, 14);
  const message = new TextEncoder().encode('forged');
  for (const encoding of smallOrderPublicKeys) {
    const key = hex(encoding);
    const did = didKeyFromPublicKey(key);
    assert.throws(() => publicKeyFromDidKey(did), /small-order/, encoding);
    // R = the key itself and S = 0 is the classic forgery for a small-order key.
    const forged = Uint8Array.from([...key, ...new Uint8Array(32)]);
    assert.equal(verifyEd25519(did, message, forged), false, encoding);
    assert.equal(verifyEd25519(key, message, forged), false, encoding);
  }
});

test('a 32-byte string that is not a curve point is refused as a did:key', () => {
  // y = 2 has no x on the curve (2 is not a valid y for edwards25519).
  const offCurve = new Uint8Array(32);
  offCurve[0] = 2;
  assert.throws(() => publicKeyFromDidKey(didKeyFromPublicKey(offCurve)), /not a canonical encoding of a point/);
  assert.equal(verifyEd25519(offCurve, new Uint8Array(1), new Uint8Array(64)), false);
});

test('malformed did:keys are refused with errors that say what is wrong', () => {
  const signer = Ed25519Signer.fromSeed(bobSeed);
  assert.throws(() => publicKeyFromDidKey('did:web:example.com'), /not a did:key/);
  assert.throws(() => publicKeyFromDidKey('did:key:'), /base58btc/);
  assert.throws(() => publicKeyFromDidKey('did:key:6MkmT9j6fVZqzXV8u2wVVSu49gYSRYGSQnduWXF6foAJrqz'), /base58btc/);
  assert.throws(() => publicKeyFromDidKey('did:key:z0OIl'), /not valid base58btc/);
  assert.throws(() => publicKeyFromDidKey(didFromMulticodec([0xe7, 0x01], new Uint8Array(33).fill(2))), /secp256k1/);
  assert.throws(() => publicKeyFromDidKey(didFromMulticodec([0x80, 0x24], new Uint8Array(33).fill(2))), /P-256/);
  assert.throws(() => publicKeyFromDidKey(didFromMulticodec([0x01, 0x02], signer.publicKey)), /not an Ed25519 did:key/);
  assert.throws(() => publicKeyFromDidKey(didFromMulticodec([0xed, 0x01], signer.publicKey.subarray(1))), /holds 31 key bytes/);
  assert.throws(() => publicKeyFromDidKey(`${bobDid}#key-1`), /fragment/);
  assert.throws(() => publicKeyFromDidKey(42 as unknown as string), /must be a string/);
  assert.deepEqual(publicKeyFromDidKey(`${bobDid}#${bobDid.slice('did:key:'.length)}`), signer.publicKey);
});

test('verification returns false, never throws, on garbage of every kind', () => {
  const signer = Ed25519Signer.fromSeed(bobSeed);
  const message = new Uint8Array([1, 2, 3]);
  const signature = signer.sign(message);
  const garbage: unknown[] = [undefined, null, 'x', 12, {}, [], new Uint8Array(0), new Uint8Array(63), new Uint8Array(65)];
  for (const value of garbage) {
    assert.equal(verifyEd25519(value as string, message, signature), false);
    assert.equal(verifyEd25519(signer.did, value as Uint8Array, signature), false);
    assert.equal(verifyEd25519(signer.did, message, value as Uint8Array), false);
  }
  assert.equal(verifyEd25519('did:key:zzzz', message, signature), false);
});
