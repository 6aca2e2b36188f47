// Ed25519 signing and verification on node:crypto, the fast path (≈10× pure JS on this machine), or on libsodium
// where its binding loads, which signs the same bytes and reaches the same verdicts in about half the time
// (libsodium.ts).
//
// Importing a raw key into a KeyObject costs far more than a signature (≈13× for a verify), and checking a raw
// public key costs more than a verify, so signers keep their keys and verification keeps checked public keys (and
// their KeyObjects once node:crypto needs them) in a small cache keyed by DID.
import { createPrivateKey, createPublicKey, randomBytes, sign, verify, type KeyObject } from 'node:crypto';
import { didKeyFromPublicKey, publicKeyFromDidKey } from './didKey';
import { ed25519PublicKeyLength, ed25519PublicKeyProblem, isCanonicalSignature, isSmallOrderEncoding } from './ed25519Key';
import { libsodiumSignerFor, libsodiumVerify } from './libsodium';

// Fixed DER wrappers around raw Ed25519 keys (RFC 8410): PKCS#8 for a 32-byte seed, SPKI for a public key.
const pkcs8Prefix: Buffer = Buffer.from('302e020100300506032b657004220420', 'hex');
const spkiPrefix: Buffer = Buffer.from('302a300506032b6570032100', 'hex');

const seedLength = 32;

/** An Ed25519 private key, held by libsodium or else as a node:crypto KeyObject, with its did:key. */
export class Ed25519Signer {
  readonly did: string;
  readonly publicKey: Uint8Array;
  // Private fields stay out of JSON.stringify and util.inspect, so a logged signer never leaks its key.
  readonly #seed: Uint8Array;
  /** Signs with whichever library holds the key: libsodium where its binding loaded (libsodium.ts), else node:crypto. */
  readonly #sign: (message: Uint8Array) => Uint8Array;

  private constructor(seed: Uint8Array) {
    this.#seed = seed;
    const privateKey = createPrivateKey({ key: Buffer.concat([pkcs8Prefix, seed]), format: 'der', type: 'pkcs8' });
    const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
    this.publicKey = new Uint8Array(spki.subarray(spkiPrefix.length));
    this.did = didKeyFromPublicKey(this.publicKey);
    // The KeyObject is kept only where it signs, so that the key is not held by two libraries at once.
    this.#sign =
      libsodiumSignerFor(seed, this.publicKey) ??
      ((message) => {
        const signature = sign(null, message, privateKey);
        return new Uint8Array(signature.buffer, signature.byteOffset, signature.byteLength);
      });
  }

  /** A signer for a 32-byte Ed25519 private key (the RFC 8032 seed). The seed is copied. */
  static fromSeed(seed: Uint8Array): Ed25519Signer {
    if (!(seed instanceof Uint8Array) || seed.length !== seedLength) {
      throw new Error(`an Ed25519 private key (seed) is ${seedLength} bytes, got ${describeLength(seed)}`);
    }
    return new Ed25519Signer(Uint8Array.from(seed));
  }

  /** A signer for a fresh random key; `exportSeed()` gives the key to store. */
  static generate(): Ed25519Signer {
    return new Ed25519Signer(new Uint8Array(randomBytes(seedLength)));
  }

  sign(message: Uint8Array): Uint8Array {
    return this.#sign(message);
  }

  /** A copy of the 32-byte private key, for the keystore; nothing else should ever need it. */
  exportSeed(): Uint8Array {
    return Uint8Array.from(this.#seed);
  }
}

function describeLength(value: unknown): string {
  return value instanceof Uint8Array ? `${value.length} bytes` : typeof value;
}

// Usable public keys by DID (or "hex:" + raw key): the raw key, checked once, for libsodium, and its KeyObject for
// node:crypto, made when first needed. Least recently used evicted first; bounded so that a stream of tokens from
// ever-new issuers cannot grow the daemon without limit.
interface CachedPublicKey {
  raw: Uint8Array;
  keyObject?: KeyObject;
}
const maxCachedKeys = 1024;
const publicKeys = new Map<string, CachedPublicKey>();

function cachedPublicKey(cacheKey: string, load: () => Uint8Array): CachedPublicKey {
  const hit = publicKeys.get(cacheKey);
  if (hit !== undefined) {
    publicKeys.delete(cacheKey);
    publicKeys.set(cacheKey, hit);
    return hit;
  }
  const entry: CachedPublicKey = { raw: load() };
  if (publicKeys.size >= maxCachedKeys) {
    const oldest = publicKeys.keys().next().value;
    if (oldest !== undefined) publicKeys.delete(oldest);
  }
  publicKeys.set(cacheKey, entry);
  return entry;
}

function keyObjectOf(key: CachedPublicKey): KeyObject {
  key.keyObject ??= createPublicKey({ key: Buffer.concat([spkiPrefix, key.raw]), format: 'der', type: 'spki' });
  return key.keyObject;
}

/** The checked public key of a did:key; throws like `publicKeyFromDidKey` for a DID that must not verify. */
function publicKeyForDid(did: string): CachedPublicKey {
  return cachedPublicKey(did, () => publicKeyFromDidKey(did));
}

function publicKeyForRaw(publicKey: Uint8Array): CachedPublicKey {
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== ed25519PublicKeyLength) {
    throw new Error(`an Ed25519 public key is ${ed25519PublicKeyLength} bytes`);
  }
  return cachedPublicKey(`hex:${Buffer.from(publicKey).toString('hex')}`, () => {
    const problem = ed25519PublicKeyProblem(publicKey);
    if (problem !== null) throw new Error(`the public key cannot be used: ${problem}`);
    return Uint8Array.from(publicKey);
  });
}

/**
 * Why `signature` is not a valid signature of `message` by `signer` (a did:key or a raw public key), or `null`
 * when it is. Never throws: garbage in any argument is a reason, not an exception.
 */
export function ed25519SignatureProblem(
  signer: string | Uint8Array,
  message: Uint8Array,
  signature: Uint8Array,
): string | null {
  try {
    if (!(message instanceof Uint8Array)) return 'the signed message is not bytes';
    if (!(signature instanceof Uint8Array) || signature.length !== 64) return 'an Ed25519 signature is 64 bytes';
    if (!isCanonicalSignature(signature)) return 'the signature is not canonical (its S is not below the group order)';
    // libsodium refuses a small-order R whatever the rest says; so does this check, so that node:crypto, where it
    // verifies instead, comes to the same verdict on every input (no honest signature has such an R).
    if (isSmallOrderEncoding(signature.subarray(0, 32))) return 'the signature\'s R is a small-order point';
    let key: CachedPublicKey;
    try {
      key = typeof signer === 'string' ? publicKeyForDid(signer) : publicKeyForRaw(signer);
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
    const valid = libsodiumVerify(signature, message, key.raw) ?? verify(null, message, keyObjectOf(key), signature);
    return valid ? null : 'the signature does not match the signed bytes and the key';
  } catch (error) {
    return `the signature could not be checked (${error instanceof Error ? error.message : String(error)})`;
  }
}

/**
 * True only for a canonical Ed25519 signature of `message` by a usable key. Small-order keys, non-canonical
 * signatures (S ≥ L) and malformed input all give `false`; this never throws.
 */
export function verifyEd25519(signer: string | Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  return ed25519SignatureProblem(signer, message, signature) === null;
}
