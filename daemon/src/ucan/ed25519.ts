// Ed25519 signers and signature checks, through the one implementation this process chose
// (ed25519Implementation.ts: libsodium, or node:crypto where its binding does not load; either ≈10× pure JS).
//
// Importing a raw key costs far more than a signature, and checking a raw public key costs more than a verify, so
// signers keep their keys and verification keeps checked public keys, ready to verify with, in a small cache
// keyed by DID.
import { randomBytes } from 'node:crypto';
import { didKeyFromPublicKey, publicKeyFromDidKey } from './didKey';
import { ed25519Implementation, type Ed25519KeyPair } from './ed25519Implementation';
import { ed25519PublicKeyLength, ed25519PublicKeyProblem, isCanonicalSignature, isSmallOrderEncoding } from './ed25519Key';

const seedLength = 32;

/** An Ed25519 private key, held by the process's Ed25519 implementation, with its did:key. */
export class Ed25519Signer {
  readonly did: string;
  readonly publicKey: Uint8Array;
  // Private fields stay out of JSON.stringify and util.inspect, so a logged signer never leaks its key.
  readonly #seed: Uint8Array;
  readonly #keyPair: Ed25519KeyPair;

  private constructor(seed: Uint8Array) {
    this.#seed = seed;
    this.#keyPair = ed25519Implementation().keyPair(seed);
    this.publicKey = this.#keyPair.publicKey;
    this.did = didKeyFromPublicKey(this.publicKey);
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
    return this.#keyPair.sign(message);
  }

  /** A copy of the 32-byte private key, for the keystore; nothing else should ever need it. */
  exportSeed(): Uint8Array {
    return Uint8Array.from(this.#seed);
  }
}

function describeLength(value: unknown): string {
  return value instanceof Uint8Array ? `${value.length} bytes` : typeof value;
}

// Usable public keys by DID (or "hex:" + raw key), checked once, as the implementation's verifiers. Least recently
// used evicted first; bounded so that a stream of tokens from ever-new issuers cannot grow the daemon without limit.
type Verifier = (message: Uint8Array, signature: Uint8Array) => boolean;
const maxCachedKeys = 1024;
const publicKeys = new Map<string, Verifier>();

function cachedPublicKey(cacheKey: string, load: () => Uint8Array): Verifier {
  const hit = publicKeys.get(cacheKey);
  if (hit !== undefined) {
    publicKeys.delete(cacheKey);
    publicKeys.set(cacheKey, hit);
    return hit;
  }
  const entry = ed25519Implementation().verifier(load());
  if (publicKeys.size >= maxCachedKeys) {
    const oldest = publicKeys.keys().next().value;
    if (oldest !== undefined) publicKeys.delete(oldest);
  }
  publicKeys.set(cacheKey, entry);
  return entry;
}

/** The checked public key of a did:key; throws like `publicKeyFromDidKey` for a DID that must not verify. */
function publicKeyForDid(did: string): Verifier {
  return cachedPublicKey(did, () => publicKeyFromDidKey(did));
}

function publicKeyForRaw(publicKey: Uint8Array): Verifier {
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
    // is the implementation, comes to the same verdict on every input (no honest signature has such an R).
    if (isSmallOrderEncoding(signature.subarray(0, 32))) return 'the signature\'s R is a small-order point';
    let verifyWith: Verifier;
    try {
      verifyWith = typeof signer === 'string' ? publicKeyForDid(signer) : publicKeyForRaw(signer);
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    }
    return verifyWith(message, signature) ? null : 'the signature does not match the signed bytes and the key';
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
